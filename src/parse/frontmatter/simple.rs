//! A fast path for the YAML front matter that Hugo and blog editors write.
//!
//! Nearly every article starts with flat `key: value` lines: quoted strings,
//! lists of quoted strings, an RFC 3339 date, `draft: false`. serde_yaml reads
//! those correctly but slowly (about 40 µs for a typical block, which made
//! YAML the largest single cost of building a 10,000-post site). This module
//! recognises exactly that flat shape and nothing more: any line it is not
//! sure about (indentation, block lists, plain text values, escapes, comments
//! after values, unusual characters) makes it give up, and the caller hands
//! the whole block to serde_yaml. So it never has to report an error, and
//! whatever it accepts must mean what serde_yaml says it means — a property
//! test compares the two on generated front matter.

use super::Value;

/// Reads `text` (a YAML front matter block, without its `---` fences) when
/// every line has the simple shape; `None` means "ask serde_yaml".
pub fn parse(text: &str) -> Option<Vec<(String, Value)>> {
    let mut entries = Vec::new();
    // The lines `split('\n')` would give, found with memchr.
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain(std::iter::once(text.len()));
    for end in ends {
        let line = &text[start..end];
        start = end + 1;
        let line = line.trim_end_matches(' ');
        if line.is_empty() {
            continue;
        }
        // The first `:` must be followed by a space: a key with a `:` in it
        // is not simple anyway.
        let colon = memchr::memchr(b':', line.as_bytes())?;
        if line.as_bytes().get(colon + 1) != Some(&b' ') {
            return None;
        }
        let (key, value) = (&line[..colon], &line[colon + 2..]);
        if !is_simple_key(key) {
            return None;
        }
        entries.push((key.to_owned(), value_of(value.trim_start_matches(' '))?));
    }
    Some(entries)
}

/// A key that serde_yaml reads as this very string: letters, digits, `_` and
/// `-`, starting with a letter, and not a word YAML reads as null or a
/// boolean. libyaml also limits keys' length, hence the cap.
fn is_simple_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    (1..=64).contains(&bytes.len())
        && bytes[0].is_ascii_alphabetic()
        && bytes
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        && !matches!(key.to_ascii_lowercase().as_str(), "null" | "true" | "false")
}

fn value_of(value: &str) -> Option<Value> {
    match value.as_bytes().first()? {
        b'"' | b'\'' => quoted(value).map(|s| Value::Str(s.to_owned())),
        b'[' => list(value),
        _ => match value {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ if is_timestamp(value) => Some(Value::Str(value.to_owned())),
            _ if is_small_int(value) => value.parse().ok().map(Value::Int),
            _ => None,
        },
    }
}

/// A whole value that is one quoted string with nothing to unescape: `"…"`
/// without `"` or `\` inside, or `'…'` without `'` inside.
fn quoted(value: &str) -> Option<&str> {
    let quote = value.chars().next()?;
    let inner = value.strip_prefix(quote)?.strip_suffix(quote)?;
    // Looked at byte by byte first: only the quote, a backslash, an ASCII
    // control and the first bytes of the characters `is_plain_char` refuses
    // beyond ASCII (C1 controls, U+2028, U+2029, U+FEFF) need a closer look.
    // Without branches, so that the compiler can vectorise it.
    let maybe = inner.bytes().fold(false, |found, b| {
        found
            | (b < 0x20)
            | (b == b'"')
            | (b == b'\'')
            | (b == b'\\')
            | (b == 0x7F)
            | (b == 0xC2)
            | (b == 0xE2)
            | (b == 0xEF)
    });
    if !maybe {
        return Some(inner);
    }
    let forbidden = |c: char| c == quote || (quote == '"' && c == '\\') || !is_plain_char(c);
    (!inner.contains(forbidden)).then_some(inner)
}

/// A flow list of quoted strings: `["a", 'b']`, or `[]`.
fn list(value: &str) -> Option<Value> {
    let inner = value
        .strip_prefix('[')?
        .strip_suffix(']')?
        .trim_matches(' ');
    if inner.is_empty() {
        return Some(Value::List(Vec::new()));
    }
    let mut items = Vec::new();
    let mut rest = inner;
    loop {
        let quote = rest.chars().next()?;
        if quote != '"' && quote != '\'' {
            return None;
        }
        let close = 1 + rest[1..].find(quote)?;
        items.push(Value::Str(quoted(&rest[..=close])?.to_owned()));
        rest = rest[close + 1..].trim_start_matches(' ');
        if rest.is_empty() {
            return Some(Value::List(items));
        }
        rest = rest.strip_prefix(',')?.trim_start_matches(' ');
    }
}

/// Characters that stand for themselves inside a quoted YAML string, whatever
/// YAML version reads them: no controls (libyaml refuses C0 and C1 controls),
/// no tabs, and none of the characters YAML 1.1 treats as line breaks (NEL,
/// LS, PS) or as a byte order mark.
fn is_plain_char(c: char) -> bool {
    matches!(c, ' '..='~' | '\u{A0}'..) && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}')
}

/// `2024-03-05`, `2024-03-05T10:00`, `2024-03-05T10:00:00.5+08:00`, `…Z`:
/// plain scalars YAML reads as text (serde_yaml has no timestamp type).
fn is_timestamp(value: &str) -> bool {
    let b = value.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    let date = digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10);
    if !date {
        return false;
    }
    let mut rest = &value[10..];
    if rest.is_empty() {
        return true;
    }
    rest = match rest.strip_prefix('T') {
        Some(time) => time,
        None => return false,
    };
    // hh:mm, then optional :ss and fraction, then an optional offset.
    let t = rest.as_bytes();
    let two = |at: usize| {
        t.get(at..at + 2)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    if !(two(0) && t.get(2) == Some(&b':') && two(3)) {
        return false;
    }
    let mut at = 5;
    if t.get(at) == Some(&b':') {
        if !two(at + 1) {
            return false;
        }
        at += 3;
        if t.get(at) == Some(&b'.') {
            let fraction = t[at + 1..]
                .iter()
                .take_while(|d| d.is_ascii_digit())
                .count();
            if fraction == 0 {
                return false;
            }
            at += 1 + fraction;
        }
    }
    match &rest[at..] {
        "" | "Z" => true,
        offset => {
            let o = offset.as_bytes();
            o.len() == 6
                && matches!(o[0], b'+' | b'-')
                && o[1..3].iter().all(u8::is_ascii_digit)
                && o[3] == b':'
                && o[4..6].iter().all(u8::is_ascii_digit)
        }
    }
}

/// `0`, or up to 18 digits without a leading zero (YAML reads a leading zero
/// as text, and 18 digits always fit an i64).
fn is_small_int(value: &str) -> bool {
    let b = value.as_bytes();
    (value == "0" || (1..=18).contains(&b.len()) && b[0] != b'0')
        && b.iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Value {
        Value::Str(text.to_owned())
    }

    #[test]
    fn characters_yaml_may_read_otherwise_go_to_serde_yaml() {
        // Plain, though their first bytes ask for a closer look.
        for plain in ["© 2024", "— 破折號 — “引號” …", "Ünïcödé", "\u{FEFE}"] {
            assert_eq!(quoted(&format!("\"{plain}\"")), Some(plain), "{plain:?}");
        }
        // C1 controls, YAML 1.1 line breaks, a byte order mark, a tab.
        for odd in [
            "a\u{85}b",
            "a\u{9F}",
            "a\u{2028}b",
            "a\u{2029}",
            "\u{FEFF}a",
            "a\tb",
        ] {
            assert_eq!(quoted(&format!("\"{odd}\"")), None, "{odd:?}");
            assert_eq!(quoted(&format!("'{odd}'")), None, "{odd:?}");
        }
        assert_eq!(quoted("'say \"hi\"'"), Some("say \"hi\""));
        assert_eq!(quoted("\"a\\\\b\""), None);
    }

    #[test]
    fn reads_the_users_front_matter() {
        let text = "title: \"開源 AI 的隱憂——為什麼黃仁勳說中國「遙遙領先」\"\ndate: 2025-12-24T12:30:00+08:00\ndescription: \"全世界有 150 萬個 AI 模型：ChatGPT 和 Claude 只是其中的 150 萬分之四。\"\ntags: [\"黃仁勳\", \"NVIDIA\", \"開源AI\"]\ncategories: [\"科技巨頭觀察\"]\nsource_url: \"https://www.youtube.com/watch?v=jpZ0dPsnIWw\"\ndraft: false\nweight: 10\n";
        assert_eq!(
            parse(text),
            Some(vec![
                (
                    "title".into(),
                    s("開源 AI 的隱憂——為什麼黃仁勳說中國「遙遙領先」")
                ),
                ("date".into(), s("2025-12-24T12:30:00+08:00")),
                (
                    "description".into(),
                    s("全世界有 150 萬個 AI 模型：ChatGPT 和 Claude 只是其中的 150 萬分之四。")
                ),
                (
                    "tags".into(),
                    Value::List(vec![s("黃仁勳"), s("NVIDIA"), s("開源AI")])
                ),
                ("categories".into(), Value::List(vec![s("科技巨頭觀察")])),
                (
                    "source_url".into(),
                    s("https://www.youtube.com/watch?v=jpZ0dPsnIWw")
                ),
                ("draft".into(), Value::Bool(false)),
                ("weight".into(), Value::Int(10)),
            ])
        );
    }

    #[test]
    fn leaves_everything_else_to_serde_yaml() {
        for text in [
            "title: Plain text\n",
            "tags:\n  - a\n",
            "title: \"a\\tb\"\n",
            "title: \"a\" # comment\n",
            "true: \"x\"\n",
            "title: \"a\tb\"\n",
            "date: 2024-03-05 10:00\n",
            "weight: 010\n",
            "draft: yes\n",
            "tags: [a, b]\n",
            "tags: [\"a\",]\n",
            "\"title\": \"x\"\n",
            "title: 'it''s'\n",
            "title: \"line\u{2028}break\"\n",
            "title:\n",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn empty_lines_and_duplicates_are_kept_as_yaml_has_them() {
        assert_eq!(parse("\n \n"), Some(Vec::new()));
        assert_eq!(
            parse("a: 'x'\n\na: []\n"),
            Some(vec![
                ("a".into(), s("x")),
                ("a".into(), Value::List(vec![]))
            ])
        );
    }

    use proptest::prelude::*;

    /// Text that is mostly harmless, with now and then a character YAML
    /// treats specially.
    fn text_piece() -> impl Strategy<Value = String> {
        let plain = prop::sample::select(vec!['a', 'Z', ' ', '中', '「', '-', '/', '1']);
        let special = prop::sample::select(vec![
            '"',
            '\'',
            '\\',
            '#',
            ':',
            ',',
            '[',
            ']',
            '{',
            '&',
            '*',
            '\t',
            '\r',
            '\u{7f}',
            '\u{85}',
            '\u{a0}',
            '\u{2028}',
            '\u{feff}',
            '\u{1F600}',
        ]);
        let c = prop_oneof![8 => plain, 1 => special];
        prop::collection::vec(c, 0..8).prop_map(|c| c.into_iter().collect())
    }

    fn quoted_piece() -> impl Strategy<Value = String> {
        (prop::sample::select(vec!['"', '\'']), text_piece())
            .prop_map(|(q, t)| format!("{q}{t}{q}"))
    }

    fn value() -> impl Strategy<Value = String> {
        let scalar = prop::sample::select(vec![
            "true",
            "false",
            "True",
            "yes",
            "null",
            "~",
            "0",
            "00",
            "010",
            "12",
            "-3",
            "+4",
            "1e3",
            "0x1F",
            "1_000",
            ".inf",
            "2024-03-05",
            "2024-03-05T10:00",
            "2024-03-05T10:00:00+08:00",
            "2024-03-05T10:00:00.123Z",
            "2024-03-05T10:00:00.Z",
            "2024-03-05 10:00:00",
            "2024-13-45T99:99",
            "2024-03-05T10:00:00+0800",
            "123456789012345678",
            "1234567890123456789",
            "",
        ])
        .prop_map(str::to_owned);
        let list = (
            prop::collection::vec(prop_oneof![4 => quoted_piece(), 1 => text_piece()], 0..4),
            prop::sample::select(vec![",", ", ", " , ", ",,"]),
            prop::sample::select(vec!["", "", " ", ","]),
        )
            .prop_map(|(items, sep, end)| format!("[{}{end}]", items.join(sep)));
        prop_oneof![4 => quoted_piece(), 3 => scalar, 3 => list, 1 => text_piece()]
    }

    fn line() -> impl Strategy<Value = String> {
        let key = prop_oneof![
            6 => prop::sample::select(vec!["title", "Title", "date", "tags", "a-b", "x_1", "y", "inf"])
                .prop_map(str::to_owned),
            1 => prop::sample::select(vec!["true", "NULL", "False", "\"title\"", "- a", "  tags", ""])
                .prop_map(str::to_owned),
            1 => "[a-zA-Z_ -]{1,5}",
        ];
        let sep =
            prop_oneof![6 => Just(": "), 1 => prop::sample::select(vec![":  ", ":", ":\t", " : "])];
        let end =
            prop_oneof![6 => Just(""), 1 => prop::sample::select(vec![" ", " # note", "\t", "\r"])];
        (key, sep, value(), end).prop_map(|(k, s, v, e)| format!("{k}{s}{v}{e}"))
    }

    proptest! {
        /// Whatever the fast path accepts, serde_yaml reads the same way.
        #[test]
        fn agrees_with_serde_yaml(lines in prop::collection::vec(line(), 0..4)) {
            let text = lines.join("\n");
            if let Some(entries) = parse(&text) {
                let general: Result<Value, _> = serde_yaml::from_str(&text);
                let expected = if entries.is_empty() { Value::Null } else { Value::Map(entries) };
                prop_assert_eq!(general.ok(), Some(expected), "{:?}", text);
            }
        }
    }
}
