//! Dates as Hugo accepts them.
//!
//! Hugo reads front matter dates leniently (Go's `time.Parse` takes a one-digit
//! hour, and Hugo tries several layouts), so real blogs contain dates that are
//! not RFC 3339. feedsmith accepts the same forms so that existing content works
//! unchanged, and says so when a form is sloppy.

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;

/// A successfully read date, and whether its spelling was sloppy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedDate {
    pub value: DateTime<FixedOffset>,
    /// Set when the date is accepted only for Hugo compatibility; the text says
    /// what is sloppy about it.
    pub sloppy: Option<String>,
}

/// Parses a front matter date.
///
/// Accepted: RFC 3339 (`2024-03-05T10:00:00+08:00`), a date alone
/// (`2024-03-05`), a date and time with `T` or a space and with or without an
/// offset (`2024-03-05 10:00:00`, `2024-03-05T10:00`), one-digit hours
/// (`2019-05-28T7:15:43+08:00`, sloppy), and RFC 2822. Forms without an offset
/// are read in `tz`.
pub fn parse(text: &str, tz: Tz) -> Result<ParsedDate, String> {
    let text = text.trim();
    if let Ok(value) = DateTime::parse_from_rfc3339(text) {
        return Ok(ParsedDate {
            value,
            sloppy: None,
        });
    }
    if let Some(parsed) = parse_lenient(text, tz)? {
        return Ok(parsed);
    }
    if let Ok(value) = DateTime::parse_from_rfc2822(text) {
        return Ok(ParsedDate {
            value,
            sloppy: None,
        });
    }
    Err(format!("`{text}` is not a date feedsmith understands"))
}

/// The hint shown with every date error.
pub const DATE_HELP: &str =
    "write it as RFC 3339 with an offset, e.g. `2024-03-05T10:00:00+08:00`, or as `2024-03-05`";

/// Reads `YYYY-MM-DD[(T| )H[H]:MM[:SS[.fff]]][ ][Z|±HH[:]MM|±HH]`.
/// Returns `Ok(None)` when the text does not have that shape at all, so other
/// layouts can be tried, and `Err` when it has the shape but names an
/// impossible date (`2024-02-30`), since no other layout will do better.
fn parse_lenient(text: &str, tz: Tz) -> Result<Option<ParsedDate>, String> {
    let mut s = Scanner { rest: text };
    let Some(date) = s.date() else {
        return Ok(None);
    };
    let date = NaiveDate::from_ymd_opt(date.0, date.1, date.2)
        .ok_or_else(|| format!("`{text}` names a day that does not exist"))?;
    if s.rest.is_empty() {
        return local(date.and_time(NaiveTime::MIN), tz, text).map(Some);
    }
    if !(s.eat('T') || s.eat('t') || s.eat(' ')) {
        return Ok(None);
    }
    let Some((hour, hour_digits)) = s.number(1, 2) else {
        return Ok(None);
    };
    let Some(minute) = s.eat(':').then(|| s.number(2, 2)).flatten() else {
        return Ok(None);
    };
    let second = if s.eat(':') {
        match s.number(2, 2) {
            Some((sec, _)) => sec,
            None => return Ok(None),
        }
    } else {
        0
    };
    let mut nanos = 0;
    if s.eat('.') || s.eat(',') {
        let digits: String = s
            .take_while(|c| c.is_ascii_digit())
            .chars()
            .take(9)
            .collect();
        if digits.is_empty() {
            return Ok(None);
        }
        nanos = format!("{digits:0<9}").parse().unwrap_or(0);
    }
    let time = NaiveTime::from_hms_nano_opt(hour, minute.0, second, nanos)
        .ok_or_else(|| format!("`{text}` names a time that does not exist"))?;
    let naive = date.and_time(time);
    s.eat(' ');
    let offset = match s.offset() {
        Some(o) => Some(o.ok_or_else(|| format!("`{text}` has an impossible offset"))?),
        None => None,
    };
    if !s.rest.is_empty() {
        return Ok(None);
    }
    let mut parsed = match offset {
        Some(offset) => match offset.from_local_datetime(&naive) {
            LocalResult::Single(value) => ParsedDate {
                value,
                sloppy: None,
            },
            _ => return Err(format!("`{text}` has an impossible offset")),
        },
        None => local(naive, tz, text)?,
    };
    if hour_digits == 1 {
        parsed.sloppy = Some(format!(
            "date `{text}` has a one-digit hour; Hugo accepts it, but other tools may not"
        ));
    }
    Ok(Some(parsed))
}

/// Places a wall-clock time in the configured zone.
fn local(naive: NaiveDateTime, tz: Tz, text: &str) -> Result<ParsedDate, String> {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Ok(ParsedDate {
            value: t.fixed_offset(),
            sloppy: None,
        }),
        LocalResult::None => Err(format!(
            "`{text}` does not exist in time zone {tz} (the clocks skip it)"
        )),
    }
}

/// A tiny cursor over ASCII date text.
struct Scanner<'a> {
    rest: &'a str,
}

impl<'a> Scanner<'a> {
    fn eat(&mut self, c: char) -> bool {
        match self.rest.strip_prefix(c) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    fn take_while(&mut self, f: impl Fn(char) -> bool) -> &'a str {
        let end = self.rest.find(|c| !f(c)).unwrap_or(self.rest.len());
        let (taken, rest) = self.rest.split_at(end);
        self.rest = rest;
        taken
    }

    /// A run of `min..=max` ASCII digits, with how many there were.
    fn number(&mut self, min: usize, max: usize) -> Option<(u32, usize)> {
        let digits = self.rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits < min || digits > max {
            return None;
        }
        let value = self.rest[..digits].parse().ok()?;
        self.rest = &self.rest[digits..];
        Some((value, digits))
    }

    fn date(&mut self) -> Option<(i32, u32, u32)> {
        let (year, _) = self.number(4, 4)?;
        self.eat('-').then_some(())?;
        let (month, _) = self.number(2, 2)?;
        self.eat('-').then_some(())?;
        let (day, _) = self.number(2, 2)?;
        Some((i32::try_from(year).ok()?, month, day))
    }

    /// `Z`, `±HH:MM`, `±HHMM` or `±HH`; `Some(None)` for an out-of-range offset.
    fn offset(&mut self) -> Option<Option<FixedOffset>> {
        if self.eat('Z') || self.eat('z') {
            return Some(FixedOffset::east_opt(0));
        }
        let sign = if self.eat('+') {
            1
        } else if self.eat('-') {
            -1
        } else {
            return None;
        };
        let digits: String = self.rest.chars().take_while(char::is_ascii_digit).collect();
        let (hours, minutes): (i32, i32) = match digits.len() {
            2 => {
                self.rest = &self.rest[2..];
                let hours = digits.parse().ok()?;
                let minutes = if self.eat(':') {
                    i32::try_from(self.number(2, 2)?.0).ok()?
                } else {
                    0
                };
                (hours, minutes)
            }
            4 => {
                self.rest = &self.rest[4..];
                (digits[..2].parse().ok()?, digits[2..].parse().ok()?)
            }
            _ => return None,
        };
        if minutes > 59 {
            return Some(None);
        }
        // FixedOffset rejects anything beyond ±24h.
        Some(FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc(text: &str, tz: Tz) -> String {
        parse(text, tz).unwrap().value.to_rfc3339()
    }

    #[test]
    fn rfc3339_is_taken_as_is() {
        let p = parse("2025-12-24T12:30:00+08:00", Tz::UTC).unwrap();
        assert_eq!(p.value.to_rfc3339(), "2025-12-24T12:30:00+08:00");
        assert_eq!(p.sloppy, None);
    }

    #[test]
    fn hugo_forms_without_offset_use_the_configured_zone() {
        let taipei: Tz = "Asia/Taipei".parse().unwrap();
        assert_eq!(rfc("2024-03-05", taipei), "2024-03-05T00:00:00+08:00");
        assert_eq!(
            rfc("2024-03-05 10:00:00", taipei),
            "2024-03-05T10:00:00+08:00"
        );
        assert_eq!(
            rfc("2024-03-05T10:00:00", Tz::UTC),
            "2024-03-05T10:00:00+00:00"
        );
        assert_eq!(
            rfc("2024-03-05T10:00", Tz::UTC),
            "2024-03-05T10:00:00+00:00"
        );
    }

    #[test]
    fn named_zones_follow_daylight_saving() {
        let ny: Tz = "America/New_York".parse().unwrap();
        assert_eq!(rfc("2024-01-05 10:00:00", ny), "2024-01-05T10:00:00-05:00");
        assert_eq!(rfc("2024-07-05 10:00:00", ny), "2024-07-05T10:00:00-04:00");
        assert!(parse("2024-03-10 02:30:00", ny)
            .unwrap_err()
            .contains("skip"));
    }

    #[test]
    fn one_digit_hours_are_accepted_with_a_warning() {
        let p = parse("2019-05-28T7:15:43+08:00", Tz::UTC).unwrap();
        assert_eq!(p.value.to_rfc3339(), "2019-05-28T07:15:43+08:00");
        assert!(p.sloppy.unwrap().contains("one-digit hour"));
    }

    #[test]
    fn offsets_in_other_spellings() {
        assert_eq!(
            rfc("2024-03-05 10:00:00 +0800", Tz::UTC),
            "2024-03-05T10:00:00+08:00"
        );
        assert_eq!(
            rfc("2024-03-05T10:00:00-05", Tz::UTC),
            "2024-03-05T10:00:00-05:00"
        );
        assert_eq!(
            rfc("2024-03-05T10:00:00.5Z", Tz::UTC),
            "2024-03-05T10:00:00.500+00:00"
        );
        assert_eq!(
            rfc("Tue, 05 Mar 2024 10:00:00 +0800", Tz::UTC),
            "2024-03-05T10:00:00+08:00"
        );
    }

    #[test]
    fn nonsense_is_an_error() {
        for bad in [
            "",
            "yesterday",
            "2024-13-01",
            "2024-02-30",
            "2024-03-05T25:00:00Z",
            "2024-3-5",
            "1",
        ] {
            assert!(parse(bad, Tz::UTC).is_err(), "{bad:?} should be rejected");
        }
    }
}
