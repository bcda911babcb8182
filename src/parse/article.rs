//! An article: one Markdown file with its front matter read and checked.
//!
//! Parsing is pure: it takes the file's bytes and returns an [`Article`] or a
//! diagnostic saying why the file cannot be one, plus warnings for what was
//! accepted only for Hugo compatibility.

use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use url::Url;

use crate::base::config::DateKeys;
use crate::base::date;
use crate::base::diagnostic::Diagnostic;
use crate::base::taxonomy::Taxonomy;
use crate::base::urls::{self, UglyUrls};
use crate::parse::cascade;
use crate::parse::files;
use crate::parse::frontmatter::{self, Split, Value};
use crate::parse::permalinks;
use fields::{Fields, FileDates};

mod fields;
mod media;
pub use media::{complete_from_bundle, mime_of, Attachment, Media};

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
    /// Kept out of every feed, though published: `feed: false`, or Hugo's
    /// `build: {list: never}` (`_build` too).
    pub unlisted: bool,
    pub description: Option<String>,
    pub summary: Option<String>,
    /// The terms of each of the site's taxonomies, in the order of
    /// [`ParseContext::taxonomies`].
    pub taxonomies: Vec<Vec<String>>,
    pub authors: Vec<String>,
    pub source_url: Option<String>,
    pub source_name: Option<String>,
    pub permalink: Url,
    /// The post's picture (`images`, `image`, `cover`, …).
    pub image: Option<Media>,
    /// Files offered with the post (`attachments`).
    pub attachments: Vec<Attachment>,
    /// The Markdown body (after the front matter).
    pub body: String,
    /// Whether the body is HTML, not Markdown (an `.html` content file).
    pub html_body: bool,
    /// The file line on which the body starts.
    pub body_line: usize,
}

impl Article {
    /// The post's terms, taxonomy by taxonomy (categories before tags by
    /// default), each text once: what every format lists as the item's
    /// categories.
    pub fn terms(&self) -> Vec<&str> {
        let mut terms: Vec<&str> = Vec::with_capacity(self.taxonomies.iter().map(Vec::len).sum());
        for term in self.taxonomies.iter().flatten() {
            if !terms.contains(&term.as_str()) {
                terms.push(term);
            }
        }
        terms
    }
}

/// What parsing needs besides the file.
#[derive(Debug, Clone)]
pub struct ParseContext<'a> {
    pub base_url: &'a Url,
    pub timezone: Tz,
    /// Hugo's `permalinks` patterns, by section (see
    /// [`crate::parse::permalinks`]).
    pub permalinks: &'a [(String, String)],
    /// The site's taxonomies: the front matter keys terms are read from.
    pub taxonomies: &'a [Taxonomy],
    /// The site's languages (lower case): a file name's language
    /// (`about.en.md`) is not part of its URL.
    pub languages: &'a [String],
    /// What the language puts before its pages' paths (`en/`), or `""`.
    pub url_prefix: &'a str,
    /// Where the dates come from (Hugo's `[frontmatter]`).
    pub dates: &'a DateKeys,
    /// Hugo's `uglyURLs`: pages at `posts/a.html`, not `posts/a/`.
    pub ugly_urls: &'a UglyUrls,
    /// Whether URL paths are lower case (not with `disablePathToLower`).
    pub lower_paths: bool,
    /// The file's modification time, when the dates use it
    /// (`:fileModTime`); set per file by whoever read it.
    pub modified: Option<DateTime<FixedOffset>>,
    /// The file's last commit's author date, when the dates use it
    /// (`:git`); set per file too.
    pub git: Option<DateTime<FixedOffset>>,
    /// The front matter its list pages hand down to the file (Hugo's
    /// `cascade`: see [`crate::parse::cascade`]); set per file too.
    pub cascade: &'a [(String, frontmatter::Value)],
}

impl<'a> ParseContext<'a> {
    /// A plain site's context: Hugo's defaults for all but the address
    /// and the time zone (no `permalinks`, categories and tags, one
    /// language, Hugo's date keys, lower-case directory URLs).
    pub fn plain(base_url: &'a Url, timezone: Tz) -> ParseContext<'a> {
        static TAXONOMIES: LazyLock<Vec<Taxonomy>> = LazyLock::new(Taxonomy::defaults);
        static DATES: LazyLock<DateKeys> = LazyLock::new(DateKeys::default);
        static PRETTY: LazyLock<UglyUrls> = LazyLock::new(UglyUrls::default);
        ParseContext {
            base_url,
            timezone,
            permalinks: &[],
            taxonomies: &TAXONOMIES,
            languages: &[],
            url_prefix: "",
            dates: &DATES,
            ugly_urls: &PRETTY,
            lower_paths: true,
            modified: None,
            git: None,
            cascade: &[],
        }
    }
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
pub(super) fn decode_percent_escapes(text: String) -> String {
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
        let d = Diagnostic::error(shown, Some(p.line), p.message).with_help(p.help);
        if p.undated {
            d.as_undated()
        } else {
            d
        }
    };
    let split = frontmatter::split(text).map_err(problem)?;
    let (mut entries, verbatim) = frontmatter::parse_entries(&split).map_err(problem)?;
    // The text holds no character XML forbids: only unescaping can add one.
    if !verbatim {
        warnings.extend(scrub_escaped_controls(&mut entries, &split, shown));
    }
    cascade::fill(&mut entries, ctx.cascade);
    let mut fields = Fields {
        split: &split,
        entries,
        shown,
    };
    warnings.extend(fields.duplicate_warnings());

    let dates = ctx.dates;
    // Only a site that asks for `:filename` has its file names read.
    let (from_name, name_slug) = dates
        .use_file_name()
        .then(|| date_in_name(path, ctx.timezone))
        .flatten()
        .unzip();
    let file = FileDates {
        name: from_name,
        modified: ctx.modified,
        git: ctx.git,
    };
    let date = fields.date(&dates.date, file, ctx.timezone, warnings)?;
    let publish_date = fields.date(&dates.publish_date, file, ctx.timezone, warnings)?;
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
            ))
            .as_undated())
        }
    };
    // A post without a title is a post, as in Hugo (a note, a photo):
    // its items have none, and readers show their summaries.
    let title = fields.text("title", warnings).unwrap_or_default();
    let lastmod = fields.date(&dates.lastmod, file, ctx.timezone, warnings)?;
    let expiry_date = fields.date(&dates.expiry_date, file, ctx.timezone, warnings)?;
    let draft = fields.draft(warnings);
    let unlisted = fields.unlisted(warnings);
    // Hugo's `:filename` date also gives the slug: the rest of the name.
    let slug = fields
        .text("slug", warnings)
        .filter(|s| !s.trim().is_empty())
        .or_else(|| {
            let by_name = dates.date.first().is_some_and(|k| k == ":filename");
            name_slug.flatten().filter(|_| by_name)
        });
    let url = fields
        .text("url", warnings)
        .filter(|s| !s.trim().is_empty());
    // The path a URL is made of: without the file name's language, under
    // the language's prefix.
    let url_path = files::without_language(path, ctx.languages);
    let page_base;
    let base = if ctx.url_prefix.is_empty() {
        ctx.base_url
    } else {
        page_base = ctx
            .base_url
            .join(&urls::encode_path(ctx.url_prefix))
            .unwrap_or_else(|_| ctx.base_url.clone());
        &page_base
    };
    let pattern = permalinks::pattern_for(ctx.permalinks, path).filter(|_| url.is_none());
    let permalink = match pattern {
        // The section's `permalinks` pattern; `url` in the front matter wins.
        Some(pattern) => {
            let page = permalinks::Page {
                lower: ctx.lower_paths,
                path: &url_path,
                title: &title,
                slug: slug.as_deref(),
                date,
            };
            let rel = permalinks::expand(pattern, &page);
            urls::site_url(base, &rel).ok_or_else(|| {
                format!("the `permalinks` pattern `{pattern}` gives `{rel}`, which is not a path")
            })
        }
        // `url` is a path from the site's root, as in Hugo.
        None if url.is_some() => {
            permalink(path, slug.as_deref(), url.as_deref(), ctx.base_url, true)
        }
        None => permalink(&url_path, slug.as_deref(), None, base, ctx.lower_paths),
    }
    .map(
        |permalink| match url.is_none() && ctx.ugly_urls.for_page(&url_path) {
            true => ugly(permalink),
            false => permalink,
        },
    )
    .map_err(|why| {
        let line = fields.line_of(if url.is_some() { "url" } else { "slug" });
        Diagnostic::error(shown, line, why).with_help("give a path such as `/posts/my-article/`")
    })?;
    let mut authors = fields.list("authors", warnings);
    if authors.is_empty() {
        authors = fields.list("author", warnings);
    }
    let resolve = media::Resolve {
        path,
        permalink: &permalink,
        base: ctx.base_url,
    };
    let image = fields.image(&resolve, warnings);
    let attachments = fields.attachments(&resolve, warnings);
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
        unlisted,
        description: fields
            .text("description", warnings)
            .filter(|s| !s.trim().is_empty()),
        summary: fields
            .text("summary", warnings)
            .filter(|s| !s.trim().is_empty()),
        taxonomies: ctx
            .taxonomies
            .iter()
            .map(|t| fields.list(&t.plural, warnings))
            .collect(),
        authors,
        source_url: fields
            .text("source_url", warnings)
            .filter(|s| !s.trim().is_empty()),
        source_name: fields
            .text("source_name", warnings)
            .filter(|s| !s.trim().is_empty()),
        permalink,
        image,
        attachments,
        body: String::new(),
        html_body: files::is_html_name(path),
        body_line: split.body_line,
    };
    Ok((article, body_start))
}

/// `posts/a/` as Hugo's `uglyURLs` has it: `posts/a.html`.
fn ugly(permalink: Url) -> Url {
    let path = permalink.path();
    if path.len() <= 1 || !path.ends_with('/') {
        return permalink;
    }
    let mut ugly = permalink.clone();
    ugly.set_path(&format!("{}.html", &path[..path.len() - 1]));
    ugly
}

/// The date a file's name starts with (`2024-03-05-trip.md`), at midnight
/// in `tz`, and the rest of the name (`trip`) if there is any: Hugo's
/// `:filename`.
fn date_in_name(path: &str, tz: Tz) -> Option<(DateTime<FixedOffset>, Option<String>)> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let name = match name.rsplit_once('.') {
        Some((stem, _)) => stem,
        None => name,
    };
    // A bundle's `index.md`: its folder's name.
    let name = if files::bundle_folder(path).is_some() {
        path.rsplit('/').nth(1).unwrap_or(name)
    } else {
        name
    };
    let day = name.get(..10)?;
    let date = date::parse(day, tz).ok()?.value;
    let rest = name[10..].trim_start_matches(['-', '_']);
    Some((date, (!rest.is_empty()).then(|| rest.to_owned())))
}

/// The article's address, the way Hugo makes it: `posts/foo.md` and
/// `posts/foo/index.md` are both `/posts/foo/`; `slug` replaces the last
/// segment and `url` the whole path.
pub fn permalink(
    path: &str,
    slug: Option<&str>,
    url: Option<&str>,
    base: &Url,
    lower: bool,
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
        rel.push_str(&urls::encode_segment(&urls::path_segment_cased(
            segment, lower,
        )));
        rel.push('/');
    }
    base.join(&rel)
        .map_err(|e| format!("cannot make a permalink from `{path}`: {e}"))
}

#[cfg(test)]
mod tests;
