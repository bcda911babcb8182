//! A post's front matter fields, read with Hugo's rules: keys are
//! case-insensitive, the last of two equal keys wins, and a value of the
//! wrong kind is a warning at its line rather than a lost post.

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;

use crate::base::date;
use crate::base::diagnostic::Diagnostic;
use crate::parse::article::decode_percent_escapes;
use crate::parse::frontmatter::{self, Split, Value};

/// Front matter entries with Hugo's lookup rules: keys are case-insensitive,
/// and of two equal keys the later wins.
pub(super) struct Fields<'a> {
    pub(super) split: &'a Split<'a>,
    pub(super) entries: Vec<(String, Value)>,
    pub(super) shown: &'a str,
}

impl Fields<'_> {
    pub(super) fn get(&self, key: &str) -> Option<&Value> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    }

    /// The line of the last occurrence of a key.
    pub(super) fn line_of(&self, key: &str) -> Option<usize> {
        let count = self
            .entries
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(key))
            .count();
        frontmatter::key_line(self.split, key, count.saturating_sub(1))
            .or(Some(self.split.first_line))
    }

    pub(super) fn duplicate_warnings(&self) -> Vec<Diagnostic> {
        // Nearly always: ASCII keys, none twice, told without lowercasing
        // every key into a string of its own.
        let keys = &self.entries;
        let ascii = keys.iter().all(|(k, _)| k.is_ascii());
        if ascii
            && keys
                .iter()
                .enumerate()
                .all(|(i, (k, _))| !keys[..i].iter().any(|(o, _)| o.eq_ignore_ascii_case(k)))
        {
            return Vec::new();
        }
        let mut seen: Vec<String> = Vec::new();
        let mut out = Vec::new();
        for (key, _) in &self.entries {
            let lower = key.to_lowercase();
            if seen.contains(&lower) {
                let count = self
                    .entries
                    .iter()
                    .filter(|(k, _)| k.eq_ignore_ascii_case(key))
                    .count();
                let line = frontmatter::key_line(self.split, key, count - 1);
                if !out
                    .iter()
                    .any(|d: &Diagnostic| d.message.contains(&format!("`{lower}`")))
                {
                    out.push(
                        Diagnostic::warning(self.shown, line, format!("duplicate front matter key `{lower}`; the last value wins, as in Hugo"))
                            .with_help("delete the other line with this key"),
                    );
                }
            } else {
                seen.push(lower);
            }
        }
        out
    }

    pub(super) fn wrong_type(&self, key: &str, found: &Value, wanted: &str) -> Diagnostic {
        Diagnostic::warning(
            self.shown,
            self.line_of(key),
            format!(
                "`{key}` should be {wanted}, but it is {}; it was ignored",
                found.kind()
            ),
        )
        .with_help(format!("write `{key}` as {wanted}"))
    }

    /// The last value of `key`, taken out: each text and list field is
    /// read once, and its strings move into the article instead of being
    /// copied.
    pub(super) fn take(&mut self, key: &str) -> Option<Value> {
        self.entries
            .iter_mut()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| std::mem::replace(v, Value::Null))
    }

    pub(super) fn text(&mut self, key: &str, warnings: &mut Vec<Diagnostic>) -> Option<String> {
        match self.take(key)? {
            Value::Null => None,
            Value::Str(s) => Some(s),
            v @ (Value::Int(_) | Value::Float(_) | Value::Bool(_)) => v.as_text(),
            other => {
                warnings.push(self.wrong_type(key, &other, "text"));
                None
            }
        }
    }

    /// A list of strings; one string is a list of one, as in Hugo.
    pub(super) fn list(&mut self, key: &str, warnings: &mut Vec<Diagnostic>) -> Vec<String> {
        let items = match self.take(key) {
            None | Some(Value::Null) => return Vec::new(),
            Some(Value::List(items)) => items,
            Some(single) => vec![single],
        };
        let mut out: Vec<String> = Vec::with_capacity(items.len());
        // The terms' keys, one after another, and where each ends.
        let mut keys = String::new();
        let mut ends: Vec<usize> = Vec::with_capacity(items.len());
        for item in items {
            let text = match item {
                Value::Null => continue,
                Value::List(_) | Value::Map(_) => {
                    warnings.push(self.wrong_type(key, &item, "a list of text"));
                    continue;
                }
                Value::Str(text) => text,
                scalar => scalar.as_text().unwrap_or_default(),
            };
            // `AI` and `ai` in one post are one term: keep the first
            // spelling so the post is not listed twice under it.
            let text = decode_percent_escapes(text);
            let start = keys.len();
            crate::base::taxonomy::push_term_key(&text, &mut keys);
            let term = &keys[start..];
            let mut from = 0;
            let seen = ends.iter().any(|&end| {
                let same = &keys[from..end] == term;
                from = end;
                same
            });
            if term.is_empty() && !text.trim().is_empty() {
                warnings.push(
                    Diagnostic::warning(
                        self.shown,
                        self.line_of(key),
                        format!(
                            "`{text}` in `{key}` has no letter or digit to make an address of, so it gets no feed"
                        ),
                    )
                    .with_help("Hugo drops punctuation and emoji from a term's address and gives this one no page either; add a word to it, or remove it"),
                );
            }
            if term.is_empty() || seen {
                keys.truncate(start);
            } else {
                ends.push(keys.len());
                out.push(text);
            }
        }
        out
    }

    /// The first of `keys` that is present, as a date; `:filename` is
    /// the date the file's name starts with, if it does, and
    /// `:filemodtime` the file's modification time and `:git` its last
    /// commit's date, if known (`file`).
    pub(super) fn date(
        &self,
        keys: &[String],
        file: FileDates,
        tz: Tz,
        warnings: &mut Vec<Diagnostic>,
    ) -> Result<Option<DateTime<FixedOffset>>, Diagnostic> {
        let mut found = None;
        for key in keys {
            let of_file = match key.as_str() {
                ":filename" => Some(file.name),
                ":filemodtime" => Some(file.modified),
                ":git" => Some(file.git),
                _ => None,
            };
            if let Some(of_file) = of_file {
                if of_file.is_some() {
                    return Ok(of_file);
                }
            } else if let Some(value) = self.get(key) {
                found = Some((key.as_str(), value));
                break;
            }
        }
        let Some((key, value)) = found else {
            return Ok(None);
        };
        let text = match value {
            Value::Null => return Ok(None),
            Value::Str(s) if s.trim().is_empty() => return Ok(None),
            Value::Str(s) => s.as_str(),
            other => {
                return Err(Diagnostic::error(
                    self.shown,
                    self.line_of(key),
                    format!("`{key}` should be a date, but it is {}", other.kind()),
                )
                .with_help(date::DATE_HELP))
            }
        };
        match date::parse(text, tz) {
            Ok(parsed) => {
                if let Some(sloppy) = parsed.sloppy {
                    warnings.push(
                        Diagnostic::warning(self.shown, self.line_of(key), sloppy)
                            .with_help(date::DATE_HELP),
                    );
                }
                Ok(Some(parsed.value))
            }
            Err(why) => Err(Diagnostic::error(
                self.shown,
                self.line_of(key),
                format!("invalid `{key}`: {why}"),
            )
            .with_help(date::DATE_HELP)),
        }
    }

    /// `draft`, read as Hugo's `cast.ToBool` would. A value that is neither
    /// true nor false keeps the article out of the feeds: publishing something
    /// by accident is worse than holding it back.
    pub(super) fn draft(&self, warnings: &mut Vec<Diagnostic>) -> bool {
        self.flag("draft", false, warnings)
    }

    /// Whether the article stays out of every feed though it is published:
    /// `feed: false`, or Hugo's build option `list: never` (in `build` or
    /// `_build`), which keeps a page out of every list Hugo makes, its feeds
    /// included. Hugo's `list: local` (out of site-wide lists only) is read
    /// as `always`: feedsmith keeps such a page in its feeds.
    pub(super) fn unlisted(&self, warnings: &mut Vec<Diagnostic>) -> bool {
        let list = ["build", "_build"]
            .iter()
            .find_map(|key| match self.get(key) {
                Some(Value::Map(options)) => options
                    .iter()
                    .rev()
                    .find(|(k, _)| k.eq_ignore_ascii_case("list"))
                    .map(|(_, v)| v),
                _ => None,
            });
        let never = list
            .and_then(Value::as_text)
            .is_some_and(|l| l.trim().eq_ignore_ascii_case("never"));
        // `feed: true` is the default; anything but a boolean holds the
        // article back, as for `draft`.
        never || !self.flag("feed", true, warnings)
    }

    /// A boolean key, read as Hugo's `cast.ToBool` would; `default` when it
    /// is not given. Another value gives a warning and the value that holds
    /// the article back (`!default`).
    pub(super) fn flag(&self, key: &str, default: bool, warnings: &mut Vec<Diagnostic>) -> bool {
        match self.get(key) {
            None | Some(Value::Null) => default,
            Some(Value::Bool(b)) => *b,
            Some(Value::Int(i)) => *i != 0,
            Some(Value::Str(s))
                if matches!(s.trim().to_lowercase().as_str(), "true" | "1" | "t") =>
            {
                true
            }
            Some(Value::Str(s))
                if matches!(s.trim().to_lowercase().as_str(), "false" | "0" | "f" | "") =>
            {
                false
            }
            Some(other) => {
                let consequence = if key == "draft" {
                    "the article is treated as a draft"
                } else {
                    "the article is kept out of the feeds"
                };
                warnings.push(
                    Diagnostic::warning(
                        self.shown,
                        self.line_of(key),
                        format!(
                            "`{key}` should be true or false, but it is {}; {consequence}",
                            describe(other)
                        ),
                    )
                    .with_help(format!("write `{key}: true` or `{key}: false`")),
                );
                !default
            }
        }
    }
}

fn describe(value: &Value) -> String {
    match value.as_text() {
        Some(text) => format!("`{text}`"),
        None => value.kind().to_owned(),
    }
}

/// The dates a file gives besides its front matter (see
/// [`Fields::date`]).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct FileDates {
    /// The date its name starts with (`:filename`).
    pub(super) name: Option<DateTime<FixedOffset>>,
    /// Its modification time (`:filemodtime`).
    pub(super) modified: Option<DateTime<FixedOffset>>,
    /// Its last commit's author date (`:git`).
    pub(super) git: Option<DateTime<FixedOffset>>,
}
