//! An article: one Markdown file with its front matter read and checked.
//!
//! Parsing is pure: it takes the file's bytes and returns an [`Article`] or a
//! diagnostic saying why the file cannot be one, plus warnings for what was
//! accepted only for Hugo compatibility.

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use url::Url;

use crate::date;
use crate::diagnostic::Diagnostic;
use crate::frontmatter::{self, Split, Value};
use crate::urls;

/// One article, ready to be collected into feeds.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    /// Path under the content folder, with `/` separators (`posts/foo.md`).
    pub path: String,
    /// The path shown in messages (`content/posts/foo.md`).
    pub shown_path: String,
    pub title: String,
    /// `date` (else `publishDate`).
    pub date: DateTime<FixedOffset>,
    /// `publishDate` (else `date`): when the article goes live.
    pub publish_date: DateTime<FixedOffset>,
    pub lastmod: Option<DateTime<FixedOffset>>,
    pub expiry_date: Option<DateTime<FixedOffset>>,
    pub draft: bool,
    pub description: Option<String>,
    pub summary: Option<String>,
    pub tags: Vec<String>,
    pub categories: Vec<String>,
    pub authors: Vec<String>,
    pub source_url: Option<String>,
    pub source_name: Option<String>,
    pub permalink: Url,
    /// The Markdown body (after the front matter).
    pub body: String,
    /// The file line on which the body starts.
    pub body_line: usize,
}

/// What parsing needs besides the file.
#[derive(Debug, Clone)]
pub struct ParseContext<'a> {
    pub base_url: &'a Url,
    pub timezone: Tz,
}

/// The outcome of reading one file.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The article, or the error that made the file unusable.
    pub article: Result<Article, Diagnostic>,
    pub warnings: Vec<Diagnostic>,
}

/// Decodes a file's bytes, in place, as text the way every later stage wants
/// it: UTF-8 without a byte order mark, `\n` line endings, and no character
/// that XML 1.0 forbids (those are removed with a warning, since no feed may
/// carry them).
pub fn decode_owned(
    bytes: Vec<u8>,
    shown_path: &str,
) -> Result<(String, Vec<Diagnostic>), Diagnostic> {
    // simdutf8 validates several times faster than the standard library on
    // CJK text, and every byte of every article goes through here.
    if let Err(e) = simdutf8::compat::from_utf8(&bytes) {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        return Err(
            Diagnostic::error(shown_path, Some(line), "the file is not valid UTF-8 text")
                .with_help("save the file as UTF-8 (most editors have an \"encoding\" menu)"),
        );
    }
    // SAFETY: the bytes were just validated as UTF-8.
    let mut text = unsafe { String::from_utf8_unchecked(bytes) };
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    if text.contains('\r') {
        text = text.replace("\r\n", "\n");
    }
    let mut warnings = Vec::new();
    // A fast byte scan first: forbidden characters are rare, and are either
    // ASCII controls or U+FFFE/U+FFFF (bytes EF BF BE/BF).
    if !has_forbidden_bytes(text.as_bytes()) {
        return Ok((text, warnings));
    }
    if let Some(pos) = text.find(|c| !is_xml_char(c)) {
        let line = 1 + text[..pos].matches('\n').count();
        warnings.push(
            Diagnostic::warning(
                shown_path,
                Some(line),
                "control characters that XML forbids were removed",
            )
            .with_help(
                "delete the invisible control characters (often pasted from another program)",
            ),
        );
        return Ok((text.chars().filter(|&c| is_xml_char(c)).collect(), warnings));
    }
    Ok((text, warnings))
}

/// Removes characters XML forbids from front matter values. The file text was
/// already cleaned, but YAML and TOML escapes (`"\x01"`, `"\a"`) create such
/// characters only when the value is parsed.
fn scrub_escaped_controls(
    entries: &mut [(String, Value)],
    split: &Split<'_>,
    shown: &str,
) -> Vec<Diagnostic> {
    fn scrub(value: &mut Value) -> bool {
        match value {
            Value::Str(s) if has_forbidden_bytes(s.as_bytes()) => {
                s.retain(is_xml_char);
                true
            }
            Value::List(items) => items.iter_mut().fold(false, |acc, v| scrub(v) | acc),
            Value::Map(pairs) => pairs.iter_mut().fold(false, |acc, (k, v)| {
                let key_dirty = has_forbidden_bytes(k.as_bytes());
                if key_dirty {
                    k.retain(is_xml_char);
                }
                scrub(v) | key_dirty | acc
            }),
            _ => false,
        }
    }
    let mut warnings = Vec::new();
    for (key, value) in entries.iter_mut() {
        if scrub(value) {
            warnings.push(
                Diagnostic::warning(
                    shown,
                    frontmatter::key_line(split, key, 0),
                    format!("the value of `{key}` holds control characters that XML forbids; they were removed"),
                )
                .with_help("remove the escape sequence (such as `\\x01` or `\\a`) from the value"),
            );
        }
    }
    warnings
}

/// Terms exported from WordPress are often percent-encoded (`%e4%bd%9c`);
/// they mean the decoded text, which is what readers should see and what
/// merges with the same term written plainly.
fn decode_percent_escapes(text: String) -> String {
    if !text.contains('%') {
        return text;
    }
    match percent_encoding::percent_decode_str(&text).decode_utf8() {
        Ok(decoded) if decoded != text && !decoded.contains(|c: char| c.is_control()) => {
            decoded.into_owned()
        }
        _ => text,
    }
}

/// Whether UTF-8 text holds a character XML forbids (one `is_xml_char`
/// refuses): an ASCII control other than tab, newline and carriage return,
/// or U+FFFE/U+FFFF. Runs on every body and every front matter value, so it
/// looks at bytes rather than decoding characters.
fn has_forbidden_bytes(bytes: &[u8]) -> bool {
    // U+FFFE and U+FFFF are `EF BF BE` and `EF BF BF`. `EF BF` itself (the
    // rare U+FFC0..U+FFFF) is searched for with a searcher built once: the
    // short values of front matter would spend more time building one.
    static EF_BF: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\xEF\xBF"));
    // Branch-free over fixed-size chunks, so the compiler can vectorise it.
    let control = bytes.chunks(256).any(|chunk| {
        chunk.iter().fold(false, |found, &b| {
            found | ((b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r'))
        })
    });
    control
        || EF_BF
            .find_iter(bytes)
            .any(|at| matches!(bytes.get(at + 2), Some(0xBE | 0xBF)))
}

/// Characters XML 1.0 allows (Rust strings already exclude surrogates).
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FFFD}' | '\u{10000}'..)
        && !matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

/// Parses one article. `path` is relative to the content folder.
pub fn parse(path: &str, shown_path: &str, bytes: &[u8], ctx: &ParseContext<'_>) -> Parsed {
    parse_owned(path, shown_path, bytes.to_vec(), ctx)
}

/// Parses an article from the start of its file, when that start holds the
/// whole front matter and nothing [`parse`] would warn about; `None` asks for
/// the whole file. The article then equals what [`parse`] gives for the whole
/// file, but with no body: a one-shot build reads only this much of the posts
/// no feed shows, so its cost grows with their front matter, not their text.
/// Anything unusual in the front matter (unclosed or broken, a byte that is
/// not UTF-8, carriage returns, control characters) returns `None`, so that
/// the whole-file path reports it exactly as always; the body is not looked
/// at (see `front_end`).
///
/// Also returns how many bytes of the file come before the body: when the
/// file is read again to render it, [`clean_body`] can take the body from
/// there without parsing the front matter a second time.
pub fn parse_front(
    path: &str,
    shown_path: &str,
    start: &[u8],
    ctx: &ParseContext<'_>,
) -> Option<(Parsed, usize)> {
    let end = front_end(start)?;
    let whole_head = simdutf8::basic::from_utf8(&start[..end]).ok()?;
    let head = whole_head.strip_prefix('\u{feff}').unwrap_or(whole_head);
    if !needs_no_decoding(head.as_bytes()) {
        return None;
    }
    let mut warnings = Vec::new();
    let (article, body_start) = parse_text(path, shown_path, head, ctx, &mut warnings).ok()?;
    let parsed = Parsed {
        article: Ok(article),
        warnings,
    };
    Some((parsed, whole_head.len() - head.len() + body_start))
}

/// Where the front matter in `start` ends: after its closing `---` or `+++`
/// line, found the way [`frontmatter::split`] finds it. Only those bytes are
/// checked and parsed: the rest of the start is body, which a one-shot build
/// judges only when a feed shows the post (see [`clean_body`]), and checking
/// it made up a third of the cost of this first read. JSON front matter and
/// anything odd end at the last complete line (the start may end inside a
/// character), for [`parse_text`] to judge; `None` when there is none.
fn front_end(start: &[u8]) -> Option<usize> {
    let complete = || memchr::memrchr(b'\n', start).map(|at| at + 1);
    let text = start.strip_prefix("\u{feff}".as_bytes()).unwrap_or(start);
    let bom = start.len() - text.len();
    let fence = match text.get(..3) {
        Some(b"---") => "---",
        Some(b"+++") => "+++",
        _ => return complete(),
    };
    // Line by line: a front matter is a dozen short lines.
    let mut ends = memchr::memchr_iter(b'\n', text);
    let mut line_start = ends.next()? + 1;
    for end in ends {
        let line = &text[line_start..end];
        if line.starts_with(fence.as_bytes())
            && std::str::from_utf8(line).is_ok_and(|line| line.trim_end() == fence)
        {
            return Some(bom + end + 1);
        }
        line_start = end + 1;
    }
    complete()
}

/// The body of a file whose first bytes held a front matter that
/// [`parse_front`] accepted, from `rest`, the bytes after them — when `rest`
/// needs none of the work [`decode_owned`] does (it is UTF-8, with no
/// carriage return and no character XML forbids), so that the body is the
/// one [`parse`] would give for the whole file. `None` asks for that
/// whole-file path, which also says what is wrong.
pub fn clean_body(rest: &[u8]) -> Option<String> {
    let clean = simdutf8::basic::from_utf8(rest).ok()?;
    needs_no_decoding(rest).then(|| clean.to_owned())
}

/// Whether UTF-8 `bytes` are text as [`decode_owned`] leaves it, with no
/// carriage return to turn into a line end and no character XML forbids.
fn needs_no_decoding(bytes: &[u8]) -> bool {
    memchr::memchr(b'\r', bytes).is_none() && !has_forbidden_bytes(bytes)
}

/// [`parse`], taking the bytes: the text is decoded in place and becomes the
/// body without another copy (this runs for every article of a site).
pub fn parse_owned(path: &str, shown_path: &str, bytes: Vec<u8>, ctx: &ParseContext<'_>) -> Parsed {
    let mut warnings = Vec::new();
    let article = decode_owned(bytes, shown_path).and_then(|(mut text, decode_warnings)| {
        warnings.extend(decode_warnings);
        let (mut article, body_start) = parse_text(path, shown_path, &text, ctx, &mut warnings)?;
        text.drain(..body_start);
        article.body = text;
        Ok(article)
    });
    Parsed { article, warnings }
}

fn parse_text(
    path: &str,
    shown: &str,
    text: &str,
    ctx: &ParseContext<'_>,
    warnings: &mut Vec<Diagnostic>,
) -> Result<(Article, usize), Diagnostic> {
    let problem = |p: frontmatter::Problem| {
        Diagnostic::error(shown, Some(p.line), p.message).with_help(p.help)
    };
    let split = frontmatter::split(text).map_err(problem)?;
    let (mut entries, verbatim) = frontmatter::parse_entries(&split).map_err(problem)?;
    // The text holds no character XML forbids: only unescaping can add one.
    if !verbatim {
        warnings.extend(scrub_escaped_controls(&mut entries, &split, shown));
    }
    let mut fields = Fields {
        split: &split,
        entries,
        shown,
    };
    warnings.extend(fields.duplicate_warnings());

    let title = fields
        .text("title", warnings)
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| {
            Diagnostic::error(shown, Some(split.first_line), "the article has no `title`")
                .with_help("add a line such as `title: \"My article\"` to the front matter")
        })?;
    let date = fields.date(&["date"], ctx.timezone, warnings)?;
    let publish_date = fields.date(
        &["publishdate", "pubdate", "published"],
        ctx.timezone,
        warnings,
    )?;
    let (date, publish_date) = match (date, publish_date) {
        (Some(d), Some(p)) => (d, p),
        (Some(d), None) => (d, d),
        (None, Some(p)) => (p, p),
        (None, None) => {
            return Err(Diagnostic::error(
                shown,
                Some(split.first_line),
                "the article has no `date`",
            )
            .with_help(format!(
                "add a line such as `date: 2024-03-05T10:00:00+08:00`; {}",
                date::DATE_HELP
            )))
        }
    };
    let lastmod = fields.date(&["lastmod", "modified"], ctx.timezone, warnings)?;
    let expiry_date = fields.date(&["expirydate", "unpublishdate"], ctx.timezone, warnings)?;
    let draft = fields.draft(warnings);
    let slug = fields
        .text("slug", warnings)
        .filter(|s| !s.trim().is_empty());
    let url = fields
        .text("url", warnings)
        .filter(|s| !s.trim().is_empty());
    let permalink =
        permalink(path, slug.as_deref(), url.as_deref(), ctx.base_url).map_err(|why| {
            let line = fields.line_of(if url.is_some() { "url" } else { "slug" });
            Diagnostic::error(shown, line, why)
                .with_help("give a path such as `/posts/my-article/`")
        })?;
    let mut authors = fields.list("authors", warnings);
    if authors.is_empty() {
        authors = fields.list("author", warnings);
    }
    // The body is the end of the text; the caller moves it in.
    let body_start = text.len() - split.body.len();
    let article = Article {
        path: path.to_owned(),
        shown_path: shown.to_owned(),
        title: title.trim().to_owned(),
        date,
        publish_date,
        lastmod,
        expiry_date,
        draft,
        description: fields
            .text("description", warnings)
            .filter(|s| !s.trim().is_empty()),
        summary: fields
            .text("summary", warnings)
            .filter(|s| !s.trim().is_empty()),
        tags: fields.list("tags", warnings),
        categories: fields.list("categories", warnings),
        authors,
        source_url: fields
            .text("source_url", warnings)
            .filter(|s| !s.trim().is_empty()),
        source_name: fields
            .text("source_name", warnings)
            .filter(|s| !s.trim().is_empty()),
        permalink,
        body: String::new(),
        body_line: split.body_line,
    };
    Ok((article, body_start))
}

/// Front matter entries with Hugo's lookup rules: keys are case-insensitive,
/// and of two equal keys the later wins.
struct Fields<'a> {
    split: &'a Split<'a>,
    entries: Vec<(String, Value)>,
    shown: &'a str,
}

impl Fields<'_> {
    fn get(&self, key: &str) -> Option<&Value> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    }

    /// The line of the last occurrence of a key.
    fn line_of(&self, key: &str) -> Option<usize> {
        let count = self
            .entries
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(key))
            .count();
        frontmatter::key_line(self.split, key, count.saturating_sub(1))
            .or(Some(self.split.first_line))
    }

    fn duplicate_warnings(&self) -> Vec<Diagnostic> {
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

    fn wrong_type(&self, key: &str, found: &Value, wanted: &str) -> Diagnostic {
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
    fn take(&mut self, key: &str) -> Option<Value> {
        self.entries
            .iter_mut()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| std::mem::replace(v, Value::Null))
    }

    fn text(&mut self, key: &str, warnings: &mut Vec<Diagnostic>) -> Option<String> {
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
    fn list(&mut self, key: &str, warnings: &mut Vec<Diagnostic>) -> Vec<String> {
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
            crate::taxonomy::push_term_key(&text, &mut keys);
            let term = &keys[start..];
            let mut from = 0;
            let seen = ends.iter().any(|&end| {
                let same = &keys[from..end] == term;
                from = end;
                same
            });
            if term.is_empty() || seen {
                keys.truncate(start);
            } else {
                ends.push(keys.len());
                out.push(text);
            }
        }
        out
    }

    /// The first of `keys` that is present, as a date.
    fn date(
        &self,
        keys: &[&str],
        tz: Tz,
        warnings: &mut Vec<Diagnostic>,
    ) -> Result<Option<DateTime<FixedOffset>>, Diagnostic> {
        let Some((key, value)) = keys.iter().find_map(|k| self.get(k).map(|v| (*k, v))) else {
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
    fn draft(&self, warnings: &mut Vec<Diagnostic>) -> bool {
        match self.get("draft") {
            None | Some(Value::Null) => false,
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
                warnings.push(
                    Diagnostic::warning(
                        self.shown,
                        self.line_of("draft"),
                        format!("`draft` should be true or false, but it is {}; the article is treated as a draft", describe(other)),
                    )
                    .with_help("write `draft: true` or `draft: false`"),
                );
                true
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

/// The article's address, the way Hugo makes it: `posts/foo.md` and
/// `posts/foo/index.md` are both `/posts/foo/`; `slug` replaces the last
/// segment and `url` the whole path.
pub fn permalink(
    path: &str,
    slug: Option<&str>,
    url: Option<&str>,
    base: &Url,
) -> Result<Url, String> {
    if let Some(url) = url {
        let url = url.trim();
        if let Ok(absolute) = Url::parse(url) {
            return match absolute.scheme() {
                "http" | "https" => Ok(absolute),
                _ => Err(format!("`url` `{url}` is not a web address")),
            };
        }
        let mut path = url.to_owned();
        let last = path.rsplit('/').next().unwrap_or_default();
        if !last.is_empty() && !last.contains('.') {
            path.push('/');
        }
        return urls::site_url(base, &path)
            .ok_or_else(|| format!("`url` `{url}` is not a valid path"));
    }
    let mut segments: Vec<String> = path.split('/').map(str::to_owned).collect();
    let file = segments.pop().unwrap_or_default();
    let stem = file
        .rsplit_once('.')
        .map_or(file.as_str(), |(stem, _)| stem);
    if stem != "index" {
        segments.push(stem.to_owned());
    }
    if let Some(slug) = slug {
        let slug = slug.trim().trim_matches('/');
        match segments.last_mut() {
            Some(last) => *last = slug.to_owned(),
            None => segments.push(slug.to_owned()),
        }
    }
    let mut rel = String::new();
    for segment in segments.iter().filter(|s| !s.is_empty()) {
        rel.push_str(&urls::encode_segment(&urls::path_segment(segment)));
        rel.push('/');
    }
    base.join(&rel)
        .map_err(|e| format!("cannot make a permalink from `{path}`: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx_url() -> Url {
        Url::parse("https://example.com/").unwrap()
    }

    fn parse_str(text: &str) -> Parsed {
        let base = ctx_url();
        let ctx = ParseContext {
            base_url: &base,
            timezone: chrono_tz::Asia::Taipei,
        };
        parse("posts/a.md", "content/posts/a.md", text.as_bytes(), &ctx)
    }

    /// Front matter lines, ordinary and awkward, for the property below.
    const LINES: [&str; 14] = [
        "title: \"開源 AI 中文標題\"",
        "title: '單引號'",
        "date: 2025-12-24T12:30:00+08:00",
        "date: 2024-01-02",
        "tags: [\"黃仁勳\", \"NVIDIA\", ai, AI]",
        "categories:\n  - 科技\n  - Tech",
        "description: \"a\\x01b\"",
        "draft: true",
        "slug: my-post",
        "title: \"---\"",
        "publishDate: 2030-01-01T00:00:00Z",
        "weird: [unclosed",
        "author: 某人",
        "date: yesterday",
    ];

    proptest::proptest! {
        /// The byte test must agree with the character test it stands for.
        #[test]
        fn forbidden_bytes_are_forbidden_characters(
            chars in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::char::range('\u{0}', '\u{7f}'),
                    proptest::sample::select(vec![
                        '中', '，', '\u{ffbf}', '\u{ffc0}', '\u{fffd}', '\u{fffe}', '\u{ffff}', '😀',
                    ]),
                    proptest::prelude::any::<char>(),
                ],
                0..300,
            ),
            no_controls in proptest::prelude::any::<bool>(),
        ) {
            // Without ASCII controls, U+FFFE and U+FFFF alone decide.
            let text: String = chars
                .into_iter()
                .filter(|&c| !(no_controls && c.is_ascii_control() && !"\t\n\r".contains(c)))
                .collect();
            proptest::prop_assert_eq!(
                has_forbidden_bytes(text.as_bytes()),
                text.contains(|c| !is_xml_char(c))
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// Whatever start of a file `parse_front` accepts, the article is the
        /// one `parse` reads from the whole file, without its body, with the
        /// same warnings: a one-shot build may read just the start of a file.
        #[test]
        fn the_start_of_a_file_gives_the_article_the_whole_file_gives(
            lines in proptest::collection::vec(0..LINES.len(), 0..7),
            fence in 0..3usize,
            bom in proptest::bool::weighted(0.1),
            crlf in proptest::bool::weighted(0.1),
            body in "[a-z 中\n]{0,40}",
            // Now and then something in the body that reading the whole
            // file has to clean up.
            odd in proptest::option::weighted(
                0.3,
                proptest::sample::select(vec!["\r", "\r\n", "\u{1}", "\u{FFFE}"]),
            ),
            odd_at in 0..40usize,
            cut in 0..400usize,
        ) {
            let front: Vec<&str> = lines.iter().map(|&i| LINES[i]).collect();
            let mut body = body;
            if let Some(odd) = odd {
                let at = body.char_indices().nth(odd_at).map_or(body.len(), |(i, _)| i);
                body.insert_str(at, odd);
            }
            let mut text = match fence {
                0 => format!("---\n{}\n---\n{body}", front.join("\n")),
                1 => format!("+++\ntitle = \"T\"\ndate = 2024-01-02\n+++\n{body}"),
                _ => format!("{{\"title\": \"T\", \"date\": \"2024-01-02\"}}\n{body}"),
            };
            if crlf {
                text = text.replace('\n', "\r\n");
            }
            if bom {
                text.insert(0, '\u{feff}');
            }
            let bytes = text.as_bytes();
            let start = &bytes[..cut.min(bytes.len())];
            let base = ctx_url();
            let ctx = ParseContext { base_url: &base, timezone: chrono_tz::Asia::Taipei };
            if let Some((front, len)) = parse_front("posts/a.md", "content/posts/a.md", start, &ctx) {
                let whole = parse("posts/a.md", "content/posts/a.md", bytes, &ctx);
                let mut article = whole.article.expect("the whole file parses too");
                // The body read again after the front matter is the whole
                // file's, whenever it is clean enough to be taken as it is.
                if let Some(body) = clean_body(&bytes[len..]) {
                    proptest::prop_assert_eq!(&body, &article.body);
                }
                article.body.clear();
                proptest::prop_assert_eq!(front.article, Ok(article));
                // Bar what the whole file's body is warned about.
                let of_front: Vec<Diagnostic> = whole
                    .warnings
                    .into_iter()
                    .filter(|w| !w.message.starts_with("control characters"))
                    .collect();
                proptest::prop_assert_eq!(front.warnings, of_front);
            }
        }
    }

    #[test]
    fn the_start_of_a_file_is_enough_only_when_it_holds_the_front_matter() {
        let base = ctx_url();
        let ctx = ParseContext {
            base_url: &base,
            timezone: chrono_tz::Asia::Taipei,
        };
        let text = "---\ntitle: \"中文\"\ndate: 2024-01-02\n---\nBody \u{1} text\n";
        let front = |start: &[u8]| parse_front("a.md", "a.md", start, &ctx).map(|(p, _)| p);
        let closed = text.find("---\nBody").unwrap() + 4;
        assert!(front(&text.as_bytes()[..closed]).is_some());
        assert!(
            front(&text.as_bytes()[..closed - 1]).is_none(),
            "fence line cut"
        );
        let body = "---\ntitle: T\ndate: 2024-01-02\n---\n中文\n".as_bytes();
        let inside = body.len() - 5;
        assert!(std::str::from_utf8(&body[..inside]).is_err());
        assert!(front(&body[..inside]).is_some(), "a cut inside a character");
        // The body's control character is not its business (it is judged
        // when the body is read whole); the front matter's is.
        assert!(
            front(text.as_bytes()).is_some(),
            "a control character in the body"
        );
        let in_front = text.replace("中文", "中\u{1}文");
        assert!(
            front(in_front.as_bytes()).is_none(),
            "a control character in the front matter"
        );
        assert!(front(&text.replace('\n', "\r\n").into_bytes()).is_none());
        // Nor is a byte that is not UTF-8 in the body, or a carriage return.
        let odd_body = [&text.as_bytes()[..closed], b"\xff\r\n"].concat();
        assert!(front(&odd_body).is_some(), "odd bytes in the body");
        // A fence line with spaces after it closes the front matter, one with
        // more text does not; TOML's `+++` and a byte order mark work alike.
        let spaced = text.replacen("---\nBody", "---  \nBody", 1);
        assert!(front(spaced.as_bytes()).is_some(), "a fence with spaces");
        let not_fence = "---\ntitle: \"T\n---x\"\ndate: 2024-01-02\n---\nBody\n";
        let (front_title, whole_title) = (
            front(not_fence.as_bytes()).map(|p| p.article.map(|a| a.title)),
            parse("a.md", "a.md", not_fence.as_bytes(), &ctx)
                .article
                .map(|a| a.title),
        );
        assert_eq!(
            front_title,
            Some(whole_title),
            "a line that starts like a fence"
        );
        let toml = "\u{feff}+++\ntitle = \"T\"\ndate = 2024-01-02\n+++\n\u{1}\n";
        assert!(front(toml.as_bytes()).is_some(), "TOML after a BOM");
    }

    #[test]
    fn reads_the_users_format() {
        let p = parse_str(
            "---\ntitle: \"開源 AI\"\ndate: 2025-12-24T12:30:00+08:00\ndescription: \"短\"\ntags: [\"黃仁勳\", \"NVIDIA\"]\ncategories: [\"科技\"]\nsource_url: \"https://www.youtube.com/watch?v=x\"\nsource_name: \"Show\"\ndraft: false\n---\n\nBody\n",
        );
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let a = p.article.unwrap();
        assert_eq!(a.title, "開源 AI");
        assert_eq!(a.date.to_rfc3339(), "2025-12-24T12:30:00+08:00");
        assert_eq!(a.publish_date, a.date);
        assert_eq!(a.tags, ["黃仁勳", "NVIDIA"]);
        assert_eq!(a.categories, ["科技"]);
        assert_eq!(a.source_name.as_deref(), Some("Show"));
        assert_eq!(a.permalink.as_str(), "https://example.com/posts/a/");
        assert_eq!(a.body, "\nBody\n");
        assert_eq!(a.body_line, 11);
        assert!(!a.draft);
    }

    #[test]
    fn bom_crlf_and_single_string_terms() {
        let p = parse_str(
            "\u{feff}---\r\ntitle: A\r\ndate: 2024-03-05\r\ntags: solo\r\n---\r\nBody\r\n",
        );
        let a = p.article.unwrap();
        assert_eq!(a.tags, ["solo"]);
        assert_eq!(a.date.to_rfc3339(), "2024-03-05T00:00:00+08:00");
        assert_eq!(a.body, "Body\n");
    }

    #[test]
    fn hugo_key_aliases_and_case() {
        let p = parse_str("---\nTitle: A\nDate: 2024-03-05\npublishDate: 2024-04-01\nLastMod: 2024-05-01\nexpiryDate: 2030-01-01\n---\n");
        let a = p.article.unwrap();
        assert_eq!(a.publish_date.to_rfc3339(), "2024-04-01T00:00:00+08:00");
        assert_eq!(a.date.to_rfc3339(), "2024-03-05T00:00:00+08:00");
        assert!(a.lastmod.is_some() && a.expiry_date.is_some());
    }

    #[test]
    fn duplicate_keys_warn_and_the_last_wins() {
        let p = parse_str("---\ntitle: First\ndate: 2024-03-05\ntitle: Second\n---\n");
        assert_eq!(p.article.unwrap().title, "Second");
        assert_eq!(p.warnings.len(), 1);
        assert_eq!(p.warnings[0].line, Some(4));
        assert!(p.warnings[0].message.contains("duplicate"));
    }

    #[test]
    fn missing_title_or_date_is_an_error_with_a_line() {
        let e = parse_str("---\ndate: 2024-03-05\n---\n")
            .article
            .unwrap_err();
        assert!(e.message.contains("no `title`"));
        assert_eq!(e.line, Some(2));
        let e = parse_str("---\ntitle: A\n---\n").article.unwrap_err();
        assert!(e.message.contains("no `date`"));
        let e = parse_str("---\ntitle: A\ndate: someday\n---\n")
            .article
            .unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("someday"));
        let e = parse_str("---\ntitle: A\ndate: [1]\n---\n")
            .article
            .unwrap_err();
        assert!(e.message.contains("a list"));
    }

    #[test]
    fn odd_drafts_are_held_back_with_a_warning() {
        let p = parse_str("---\ntitle: A\ndate: 2024-03-05\ndraft: maybe\n---\n");
        assert!(p.article.unwrap().draft);
        assert_eq!(p.warnings[0].line, Some(4));
        assert!(
            parse_str("---\ntitle: A\ndate: 2024-03-05\ndraft: \"true\"\n---\n")
                .article
                .unwrap()
                .draft
        );
    }

    #[test]
    fn wrong_types_are_reported() {
        let p = parse_str("---\ntitle: A\ndate: 2024-03-05\ntags: 5\ncategories: {a: 1}\n---\n");
        let a = p.article.unwrap();
        assert_eq!(a.tags, ["5"]);
        assert!(a.categories.is_empty());
        assert_eq!(p.warnings.len(), 1);
        assert_eq!(p.warnings[0].line, Some(5));
    }

    #[test]
    fn not_utf8_names_the_line() {
        let base = ctx_url();
        let ctx = ParseContext {
            base_url: &base,
            timezone: Tz::UTC,
        };
        let e = parse("a.md", "a.md", b"---\ntitle: \xff\n", &ctx)
            .article
            .unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("UTF-8"));
    }

    #[test]
    fn forbidden_xml_characters_are_removed() {
        let p = parse_str("---\ntitle: \"A\u{1}B\"\ndate: 2024-03-05\n---\nx\u{0}y\u{FFFF}\n");
        let a = p.article.unwrap();
        assert_eq!(a.title, "AB");
        assert_eq!(a.body, "xy\n");
        assert_eq!(p.warnings[0].line, Some(2));
    }

    #[test]
    fn percent_encoded_terms_are_decoded() {
        let p = parse_str("---\ntitle: A\ndate: 2024-03-05\ntags: [\"%e4%bd%9c%e6%a5%ad\", \"100%\", \"%ff\"]\n---\n");
        assert_eq!(p.article.unwrap().tags, ["作業", "100%", "%ff"]);
    }

    #[test]
    fn a_term_spelled_twice_in_one_article_is_kept_once() {
        let p = parse_str(
            "---\ntitle: A\ndate: 2024-03-05\ntags: [Rust, ai, AI, \"c d\", \" \", C-D, rust, 7, 7]\ncategories: Go\n---\n",
        );
        let a = p.article.unwrap();
        assert_eq!(a.tags, ["Rust", "ai", "c d", "7"]);
        assert_eq!(a.categories, ["Go"]);
    }

    #[test]
    fn permalinks_follow_hugo() {
        let base = Url::parse("https://example.com/blog/").unwrap();
        let p = |path: &str, slug: Option<&str>, url: Option<&str>| {
            permalink(path, slug, url, &base).unwrap().to_string()
        };
        assert_eq!(
            p("posts/foo.md", None, None),
            "https://example.com/blog/posts/foo/"
        );
        assert_eq!(
            p("posts/foo/index.md", None, None),
            "https://example.com/blog/posts/foo/"
        );
        assert_eq!(
            p("posts/My Post.md", None, None),
            "https://example.com/blog/posts/my-post/"
        );
        assert_eq!(
            p("posts/foo.md", Some("bar"), None),
            "https://example.com/blog/posts/bar/"
        );
        assert_eq!(
            p("posts/foo.md", None, Some("/custom/path")),
            "https://example.com/blog/custom/path/"
        );
        assert_eq!(
            p("posts/foo.md", None, Some("/feed.xml")),
            "https://example.com/blog/feed.xml"
        );
        assert_eq!(
            p("文章/開源.md", None, None),
            "https://example.com/blog/%E6%96%87%E7%AB%A0/%E9%96%8B%E6%BA%90/"
        );
        assert_eq!(
            // Hugo drops the `?` and keeps the `#`, which must then be escaped.
            p("a.md", Some("x?y#z"), None),
            "https://example.com/blog/xy%23z/"
        );
        assert!(permalink("a.md", None, Some("javascript:alert(1)"), &base).is_err());
    }
}
