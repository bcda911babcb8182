//! Front matter: finding it, parsing it (YAML, TOML or JSON, as Hugo does) and
//! reading the keys feedsmith cares about.
//!
//! All three formats are read into one ordered [`Value`] tree that *keeps
//! duplicate keys*: Hugo lets the later of two equal keys win, and strict YAML
//! parsers reject them, so feedsmith has to see both to follow Hugo and warn.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

mod simple;

/// The syntax of a front matter block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Toml,
    Json,
}

/// A front matter value. Maps keep their order and their duplicates.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Value>),
    Map(Vec<(String, Value)>),
}

impl Value {
    /// A short name of the value's type, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "nothing",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::List(_) => "a list",
            Value::Map(_) => "a map",
        }
    }

    /// The value as text, when it is a scalar (Hugo casts numbers to strings).
    pub fn as_text(&self) -> Option<String> {
        match self {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Null | Value::List(_) | Value::Map(_) => None,
        }
    }
}

/// The key TOML uses to smuggle a datetime through serde.
const TOML_DATETIME_KEY: &str = "$__toml_private_datetime";

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a front matter value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or(Value::Float(v as f64), Value::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Value>()? {
            let value: Value = map.next_value()?;
            let key = match key {
                Value::Str(s) if s == TOML_DATETIME_KEY => {
                    // A TOML datetime arrives as a one-entry map; it is a date string.
                    return Ok(value);
                }
                other => other
                    .as_text()
                    .ok_or_else(|| de::Error::custom("map keys must be plain text"))?,
            };
            entries.push((key, value));
        }
        Ok(Value::Map(entries))
    }
}

/// A front matter block found at the top of an article.
#[derive(Debug, Clone, PartialEq)]
pub struct Split<'a> {
    pub format: Format,
    /// The front matter text, without its delimiters.
    pub text: &'a str,
    /// The file line on which `text` starts (1-based).
    pub first_line: usize,
    /// The Markdown body after the closing delimiter.
    pub body: &'a str,
    /// The file line on which `body` starts (1-based).
    pub body_line: usize,
}

/// A problem with the front matter, at a line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub message: String,
    pub help: String,
    /// The file has no front matter at all (or nothing in it), so no date.
    pub undated: bool,
}

impl Problem {
    fn new(line: usize, message: impl Into<String>, help: impl Into<String>) -> Self {
        Problem {
            line,
            message: message.into(),
            help: help.into(),
            undated: false,
        }
    }

    fn undated(mut self) -> Self {
        self.undated = true;
        self
    }
}

/// Finds the front matter block. `text` must already have `\n` line endings
/// and no byte order mark.
pub fn split(text: &str) -> Result<Split<'_>, Problem> {
    // Blank lines and spaces before the front matter are skipped, as Hugo
    // skips them; lines are still counted from the top of the file.
    let rest = text.trim_start();
    if rest.len() == text.len() || rest.is_empty() {
        return split_at_start(text);
    }
    let skipped = text[..text.len() - rest.len()].matches('\n').count();
    split_at_start(rest)
        .map(|split| Split {
            first_line: split.first_line + skipped,
            body_line: split.body_line + skipped,
            ..split
        })
        .map_err(|problem| Problem {
            line: problem.line + skipped,
            ..problem
        })
}

/// [`split`], for a text whose first character starts the front matter.
fn split_at_start(text: &str) -> Result<Split<'_>, Problem> {
    if text.trim().is_empty() {
        return Err(Problem::new(
            1,
            "the file is empty",
            "an article needs front matter with at least `title` and `date`, then its text",
        )
        .undated());
    }
    let first = text.lines().next().unwrap_or_default().trim_end();
    let (format, fence) = match first {
        "---" => (Format::Yaml, "---"),
        "+++" => (Format::Toml, "+++"),
        _ if first.starts_with('{') => return split_json(text),
        _ => {
            return Err(Problem::new(
                1,
                "the article has no front matter",
                "start the file with a `---` line, then `title:` and `date:` lines, then another `---` line",
            )
            .undated())
        }
    };
    let start = memchr::memchr(b'\n', text.as_bytes()).map_or(text.len(), |i| i + 1);
    let mut offset = start;
    // Line by line, as `split_inclusive('\n')` would cut them, but found
    // with memchr: every article's front matter is read this way.
    let ends = memchr::memchr_iter(b'\n', &text.as_bytes()[start..])
        .map(|at| start + at + 1)
        .chain(std::iter::once(text.len()));
    for (line, end) in (2..).zip(ends) {
        if end == offset {
            break;
        }
        let raw = &text[offset..end];
        if raw.trim_end() == fence {
            let body_start = offset + raw.len();
            return Ok(Split {
                format,
                text: &text[start..offset],
                first_line: 2,
                body: &text[body_start..],
                body_line: line + 1,
            });
        }
        offset += raw.len();
    }
    Err(Problem::new(
        1,
        format!("the front matter opened with `{fence}` here is never closed"),
        format!("add a line with only `{fence}` after the last front matter line"),
    ))
}

/// JSON front matter is one object at the very top of the file.
fn split_json(text: &str) -> Result<Split<'_>, Problem> {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<de::IgnoredAny>();
    match stream.next() {
        Some(Ok(_)) => {
            let end = stream.byte_offset();
            let body_line = 1 + text[..end].matches('\n').count();
            Ok(Split {
                format: Format::Json,
                text: &text[..end],
                first_line: 1,
                body: &text[end..],
                body_line,
            })
        }
        Some(Err(e)) => Err(Problem::new(
            e.line(),
            format!("invalid JSON front matter: {e}"),
            "JSON front matter must be one object that starts on the first line",
        )),
        None => Err(Problem::new(1, "the article has no front matter", "")),
    }
}

/// Parses a front matter block into its top-level entries (in file order,
/// duplicates kept), and tells whether every string in them is a piece of
/// the text as it stands (the simple reader read it, unescaping nothing):
/// such strings hold no character the text does not.
pub fn parse_entries(split: &Split<'_>) -> Result<(Vec<(String, Value)>, bool), Problem> {
    let parsed = match split.format {
        Format::Yaml => match simple::parse(split.text) {
            Some(entries) => return Ok((entries, true)),
            None => parse_yaml(split),
        },
        Format::Toml => toml::from_str::<Value>(split.text).map_err(|e| {
            let line = e
                .span()
                .map_or(0, |span| split.text[..span.start].matches('\n').count());
            Problem::new(
                split.first_line + line,
                format!("invalid TOML front matter: {}", e.message()),
                "TOML front matter needs `key = value` lines, with strings in quotes",
            )
        }),
        Format::Json => serde_json::from_str::<Value>(split.text).map_err(|e| {
            Problem::new(
                split.first_line + e.line().saturating_sub(1),
                format!("invalid JSON front matter: {e}"),
                "JSON front matter must be one valid object",
            )
        }),
    }?;
    match parsed {
        Value::Map(entries) => Ok((entries, false)),
        Value::Null => Ok((Vec::new(), false)),
        other => Err(Problem::new(
            split.first_line,
            format!(
                "front matter must be a map of keys to values, found {}",
                other.kind()
            ),
            "write one `key: value` per line",
        )),
    }
}

/// The general YAML reader, for front matter [`simple`] does not take.
fn parse_yaml(split: &Split<'_>) -> Result<Value, Problem> {
    serde_yaml::from_str::<Value>(split.text).map_err(|e| {
        let line = e.location().map_or(0, |l| l.line().saturating_sub(1));
        Problem::new(
            split.first_line + line,
            format!("invalid YAML front matter: {}", strip_yaml_location(&e.to_string())),
            "check the quoting and indentation around this line; values with `: ` or a leading `[`, `{`, `*` or `&` need quotes",
        )
    })
}

/// serde_yaml appends " at line L column C"; feedsmith prints the line itself.
fn strip_yaml_location(message: &str) -> &str {
    message.find(" at line ").map_or(message, |i| &message[..i])
}

/// Finds the file line on which a top-level key is written, for messages about
/// its value. Looks for the `nth` (0-based) occurrence, case-insensitively.
pub fn key_line(split: &Split<'_>, key: &str, nth: usize) -> Option<usize> {
    split
        .text
        .lines()
        .enumerate()
        .filter(|(_, line)| line_defines_key(line, key, split.format))
        .nth(nth)
        .map(|(i, _)| split.first_line + i)
}

fn line_defines_key(line: &str, key: &str, format: Format) -> bool {
    let trimmed = match format {
        Format::Json => line.trim_start(),
        // Top-level keys start in the first column in YAML and TOML.
        Format::Yaml | Format::Toml => line,
    };
    let unquoted = trimmed.trim_start_matches(['"', '\'']);
    let Some(candidate) = unquoted.get(..key.len()) else {
        return false;
    };
    if !candidate.eq_ignore_ascii_case(key) {
        return false;
    }
    let after = unquoted[key.len()..]
        .trim_start_matches(['"', '\''])
        .trim_start();
    match format {
        Format::Yaml | Format::Json => after.starts_with(':'),
        Format::Toml => after.starts_with('='),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(split: &Split<'_>) -> Result<Vec<(String, Value)>, Problem> {
        parse_entries(split).map(|(entries, _)| entries)
    }

    #[test]
    fn splits_yaml_and_counts_lines() {
        let text = "---\ntitle: A\ndate: 2024-01-01\n---\n\nBody\n";
        let s = split(text).unwrap();
        assert_eq!(s.format, Format::Yaml);
        assert_eq!(s.text, "title: A\ndate: 2024-01-01\n");
        assert_eq!(s.body, "\nBody\n");
        assert_eq!(s.body_line, 5);
        assert_eq!(key_line(&s, "date", 0), Some(3));
    }

    #[test]
    fn splits_toml_and_json() {
        let s = split("+++\ntitle = \"A\"\n+++\nBody").unwrap();
        assert_eq!(s.format, Format::Toml);
        assert_eq!(s.body, "Body");
        let s = split("{\n\"title\": \"A\"\n}\nBody").unwrap();
        assert_eq!(s.format, Format::Json);
        assert_eq!(s.body, "\nBody");
        assert_eq!(
            parse(&s).unwrap(),
            vec![("title".into(), Value::Str("A".into()))]
        );
    }

    #[test]
    fn unclosed_and_missing_front_matter_are_reported() {
        let p = split("---\ntitle: A\n").unwrap_err();
        assert_eq!(p.line, 1);
        assert!(p.message.contains("never closed"));
        assert!(split("just text")
            .unwrap_err()
            .message
            .contains("no front matter"));
        assert!(split("  \n").unwrap_err().message.contains("empty"));
    }

    #[test]
    fn yaml_keeps_duplicate_keys_in_order() {
        let s = split("---\ntitle: A\ntitle: B\n---\n").unwrap();
        let entries = parse(&s).unwrap();
        assert_eq!(
            entries,
            vec![
                ("title".into(), Value::Str("A".into())),
                ("title".into(), Value::Str("B".into()))
            ]
        );
        assert_eq!(key_line(&s, "title", 1), Some(3));
    }

    #[test]
    fn yaml_errors_point_at_the_file_line() {
        let s = split("---\ntitle: A\ndate: [unclosed\n---\n").unwrap();
        let p = parse(&s).unwrap_err();
        assert!(p.message.starts_with("invalid YAML"), "{p:?}");
        assert!((3..=4).contains(&p.line), "{p:?}");
    }

    #[test]
    fn toml_datetimes_become_strings() {
        let s = split("+++\ndate = 2024-03-05T10:00:00+08:00\n+++\n").unwrap();
        assert_eq!(
            parse(&s).unwrap(),
            vec![(
                "date".into(),
                Value::Str("2024-03-05T10:00:00+08:00".into())
            )]
        );
    }

    #[test]
    fn toml_errors_point_at_the_file_line() {
        let s = split("+++\ntitle = \"A\"\ndate = \n+++\n").unwrap();
        assert_eq!(parse(&s).unwrap_err().line, 3);
    }

    #[test]
    fn yaml_alias_bombs_are_refused_quickly() {
        let mut yaml = String::from("---\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
            .windows(2)
            .map(|w| (w[0], w[1]))
        {
            yaml.push_str(&format!("{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"));
        }
        yaml.push_str("---\n");
        let s = split(&yaml).unwrap();
        assert!(parse(&s).is_err());
    }

    #[test]
    fn blank_lines_and_spaces_before_the_front_matter_are_skipped() {
        let text = "\n\n  ---\ntitle: A\n---\nBody\n";
        let split = split(text).unwrap();
        assert_eq!(split.format, Format::Yaml);
        assert_eq!(split.text, "title: A\n");
        assert_eq!((split.first_line, split.body_line), (4, 6));
        assert_eq!(split.body, "Body\n");
        let unclosed = super::split("\n---\ntitle: A\n").unwrap_err();
        assert_eq!(unclosed.line, 2);
    }
}
