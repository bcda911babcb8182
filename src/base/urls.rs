//! Permalinks and URL resolution.
//!
//! Every link in a feed must be absolute: most feed readers do not resolve
//! relative URLs, and a feed is read far from the site it came from.

use icu_properties::props::GeneralCategory;
use icu_properties::CodePointMapData;
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use url::Url;

use crate::base::taxonomy;

/// Characters that cannot stand raw in a URL path segment. Non-ASCII letters
/// are always encoded too, as UTF-8, so CJK paths become valid ASCII URLs.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Percent-encodes one path segment. A `%` that already starts a valid
/// escape (`%e4`) is kept, as Hugo keeps it, so that content exported from
/// WordPress with percent-encoded names gets the same URLs (and so the same
/// feed GUIDs) it had under Hugo.
pub fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    let mut rest = segment;
    while let Some(pos) = rest.find('%') {
        out.extend(utf8_percent_encode(&rest[..pos], SEGMENT));
        let after = &rest[pos + 1..];
        if is_escape(after) {
            out.push('%');
        } else {
            out.push_str("%25");
        }
        rest = after;
    }
    out.extend(utf8_percent_encode(rest, SEGMENT));
    out
}

/// Percent-encodes each segment of a `/`-separated path.
pub fn encode_path(path: &str) -> String {
    path.split('/')
        .map(encode_segment)
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether `s` starts with two hex digits (the tail of a `%XX` escape).
fn is_escape(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && b[0].is_ascii_hexdigit() && b[1].is_ascii_hexdigit()
}

/// Makes a URL path segment from a content file or folder name, a `slug`, or
/// a term, the way Hugo does, so that feedsmith's links (and GUIDs) are the
/// ones the Hugo site already has: lower case; letters, digits and marks of
/// every script kept, with `.`, `_`, `-`, `+`, `~`, `@`, `#` and `%XX`
/// escapes; runs of white space become one hyphen; everything else
/// (punctuation such as `、（）！`, emoji, quotes) is dropped.
pub fn path_segment(raw: &str) -> String {
    path_segment_cased(raw, true)
}

/// [`path_segment`], in lower case only with `lower` (Hugo's
/// `disablePathToLower` keeps the case).
pub fn path_segment_cased(raw: &str, lower: bool) -> String {
    let categories = CodePointMapData::<GeneralCategory>::new();
    let mut out = String::with_capacity(raw.len());
    let mut pending_hyphen = false;
    for (i, c) in raw.char_indices() {
        let kept = matches!(c, '.' | '_' | '-' | '+' | '~' | '@' | '#')
            || (c == '%' && is_escape(&raw[i + 1..]))
            // ASCII letters and digits are the only ASCII characters in
            // those categories: told without looking them up.
            || c.is_ascii_alphanumeric()
            || (!c.is_ascii() && taxonomy::is_wordy(categories.get(c)));
        if kept {
            if pending_hyphen {
                out.push('-');
                pending_hyphen = false;
            }
            if lower {
                taxonomy::push_lowercase(&mut out, c);
            } else {
                out.push(c);
            }
        } else if c.is_whitespace() && !out.is_empty() {
            pending_hyphen = true;
        }
    }
    out
}

/// Resolves a site path (`/posts/x/`, `posts/x/`) against `base`. A path that
/// already starts with the base URL's own path is not prefixed twice, so both
/// `/img/a.png` and `/blog/img/a.png` work under `https://example.com/blog/`.
pub fn site_url(base: &Url, path: &str) -> Option<Url> {
    base.join(site_path(base, path)).ok()
}

/// Resolves a link found in an article against its permalink. Absolute URLs
/// and non-HTTP schemes (`mailto:`) are kept; `/x` is resolved against the
/// site's base URL; anything else against the article's own address.
pub fn resolve_link(link: &str, permalink: &Url, base: &Url) -> Option<String> {
    let link = link.trim();
    if link.is_empty() {
        return None;
    }
    if has_scheme(link) {
        return None;
    }
    if link.starts_with("//") {
        return Url::parse(&format!("{}:{link}", base.scheme()))
            .ok()
            .map(String::from);
    }
    // Most links of a site are plain paths (`/posts/x/`, `img/a.png`):
    // joined as text, they give what the URL parser gives, without it.
    let (against, path) = if link.starts_with('/') {
        (base, site_path(base, link))
    } else {
        (permalink, link)
    };
    if let Some(joined) = plain_join(against, path) {
        return Some(joined);
    }
    against.join(path).ok().map(String::from)
}

/// `against.join(path)` as text, when `against` ends with `/` and `path` is
/// a plain relative path: letters, digits, `/`, `-`, `_`, `~` and `.`, not
/// starting with `/`, with no `.` or `..` segment to resolve and nothing to
/// escape. `None` otherwise, for the URL parser to do it.
fn plain_join(against: &Url, path: &str) -> Option<String> {
    let plain_base = against.as_str().ends_with('/')
        && against.query().is_none()
        && against.fragment().is_none();
    let plain_path = !path.starts_with('/')
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'~' | b'.'))
        && !path
            .split('/')
            .any(|segment| segment == "." || segment == "..");
    (plain_base && plain_path).then(|| [against.as_str(), path].concat())
}

/// What [`site_url`] joins onto the base URL for a site path.
fn site_path<'p>(base: &Url, path: &'p str) -> &'p str {
    let base_path = base.path();
    if base_path != "/" && path.starts_with(base_path) {
        &path[base_path.len()..]
    } else {
        path.trim_start_matches('/')
    }
}

/// Whether a link already names its scheme (`https:`, `mailto:`, `data:`).
fn has_scheme(link: &str) -> bool {
    let Some(colon) = link.find(':') else {
        return false;
    };
    let scheme = &link[..colon];
    !scheme.is_empty()
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
}

/// Hugo's `uglyURLs`: pages at `posts/a.html`, not `posts/a/`, on the
/// whole site (`uglyURLs = true`) or in the sections a map turns on
/// (`[uglyURLs]` with `books = true`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UglyUrls {
    all: bool,
    /// Top-level sections, in lower case, as Hugo's config keys are.
    sections: Vec<String>,
}

impl UglyUrls {
    /// Read from the value of Hugo's `uglyURLs`: a switch, or a map of
    /// section to switch. Anything else is Hugo's default, off.
    pub fn of(value: Option<&serde_json::Value>) -> UglyUrls {
        match value {
            Some(serde_json::Value::Bool(all)) => UglyUrls {
                all: *all,
                sections: Vec::new(),
            },
            Some(serde_json::Value::Object(map)) => UglyUrls {
                all: false,
                sections: map
                    .iter()
                    .filter(|(_, on)| on.as_bool() == Some(true))
                    .map(|(section, _)| section.to_lowercase())
                    .collect(),
            },
            _ => UglyUrls::default(),
        }
    }

    /// Whether the page at `path` (under the content folder) has an ugly
    /// URL: by its top-level section (none for a page at the top).
    pub fn for_page(&self, path: &str) -> bool {
        if self.all {
            return true;
        }
        let section = match path.split_once('/') {
            Some((section, _)) => section.to_lowercase(),
            None => return false,
        };
        self.sections.contains(&section)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

    #[test]
    fn the_only_ascii_letters_marks_and_digits_are_alphanumeric() {
        let categories = CodePointMapData::<GeneralCategory>::new();
        for c in (0u8..128).map(char::from) {
            assert_eq!(
                taxonomy::is_wordy(categories.get(c)),
                c.is_ascii_alphanumeric(),
                "{c:?}"
            );
        }
        assert_eq!(
            path_segment("Post 12: Ünïcode, 開源 ÉTÉ!"),
            "post-12-ünïcode-開源-été"
        );
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn segments_are_encoded_for_urls() {
        assert_eq!(encode_segment("黃仁勳"), "%E9%BB%83%E4%BB%81%E5%8B%B3");
        assert_eq!(encode_segment("c++"), "c++");
        assert_eq!(encode_segment("a b?#%"), "a%20b%3F%23%25");
        assert_eq!(
            encode_segment("中文-標題"),
            "%E4%B8%AD%E6%96%87-%E6%A8%99%E9%A1%8C"
        );
    }

    #[test]
    fn path_segments_follow_hugo() {
        // Each expectation was checked against Hugo 0.111's output.
        assert_eq!(path_segment("My First  Post"), "my-first-post");
        assert_eq!(path_segment("開源 AI"), "開源-ai");
        assert_eq!(path_segment("a、b（c）d！e。f"), "abcdef");
        assert_eq!(path_segment("【人生初】x"), "人生初x");
        assert_eq!(path_segment("pan🐼da"), "panda");
        assert_eq!(path_segment("x@y+z~w#v"), "x@y+z~w#v");
        assert_eq!(path_segment("Ümlaut café"), "ümlaut-café");
        assert_eq!(path_segment("--lead"), "--lead");
        assert_eq!(path_segment(" trail "), "trail");
        assert_eq!(path_segment("qu'o\"te"), "quote");
        assert_eq!(path_segment("a&b=c;d,e"), "abcde");
        assert_eq!(path_segment("p%20q%zz"), "p%20qzz");
        assert_eq!(path_segment("١٢٣"), "١٢٣");
        // Combining marks stay (Devanagari vowel signs are marks, not letters).
        assert_eq!(path_segment("हिंदी"), "हिंदी");
    }

    #[test]
    fn valid_escapes_are_kept_and_stray_percents_encoded() {
        assert_eq!(encode_segment("%e4%bd%9c"), "%e4%bd%9c");
        assert_eq!(encode_segment("100%"), "100%25");
        assert_eq!(encode_segment("a%zz"), "a%25zz");
        assert_eq!(encode_segment("x#v"), "x%23v");
    }

    #[test]
    fn plain_paths_are_joined_as_text() {
        let page = url("https://example.com/blog/posts/foo/");
        for path in ["img/a.png", "posts/x/", "", "a..b/c.d", "~u/-_"] {
            assert!(plain_join(&page, path).is_some(), "{path}");
        }
        for path in [
            "../x", "./x", "a/..", "a b", "x?y", "x#y", "%41", "é", "a\\b", "a:b",
        ] {
            assert_eq!(plain_join(&page, path), None, "{path}");
        }
        assert_eq!(plain_join(&url("https://example.com/x.html"), "a"), None);
        assert_eq!(plain_join(&url("https://example.com/?q=1"), "a"), None);
    }

    proptest::proptest! {
        /// Joining as text gives what the URL parser gives, whenever it is
        /// done: half the paths are made of plain segments, `.` and `..`
        /// among them, half hold anything that needs the parser.
        #[test]
        fn plain_joins_are_what_the_url_parser_gives(
            path in proptest::prop_oneof![
                proptest::collection::vec(
                    proptest::sample::select(vec!["a", "b.c", ".", "..", "x-y_z", "~u", ""]),
                    0..5,
                )
                .prop_map(|segments: Vec<&str>| segments.join("/")),
                "[a-z./%?#: \\\\é\\-]{0,12}",
            ],
            against in proptest::sample::select(vec![
                "https://example.com/",
                "https://example.com/blog/",
                "https://EXAMPLE.com:443/blog/posts/foo/",
                "https://example.com/blog/x.html",
                "https://example.com/a/?q=1",
                "https://example.com/a/#top",
                "http://例子.测试/路径/",
            ]),
        ) {
            let against = url(against);
            if let Some(joined) = plain_join(&against, &path) {
                let parsed = against.join(&path).map(String::from);
                proptest::prop_assert_eq!(Ok(joined), parsed);
            }
        }
    }

    #[test]
    fn links_resolve_against_the_permalink_or_the_base() {
        let base = url("https://example.com/blog/");
        let page = url("https://example.com/blog/posts/foo/");
        let r = |l: &str| resolve_link(l, &page, &base);
        assert_eq!(
            r("cover.jpg").as_deref(),
            Some("https://example.com/blog/posts/foo/cover.jpg")
        );
        assert_eq!(
            r("../bar/").as_deref(),
            Some("https://example.com/blog/posts/bar/")
        );
        assert_eq!(
            r("/img/a.png").as_deref(),
            Some("https://example.com/blog/img/a.png")
        );
        assert_eq!(
            r("/blog/img/a.png").as_deref(),
            Some("https://example.com/blog/img/a.png")
        );
        assert_eq!(
            r("#fn1").as_deref(),
            Some("https://example.com/blog/posts/foo/#fn1")
        );
        assert_eq!(
            r("//cdn.example.net/x.js").as_deref(),
            Some("https://cdn.example.net/x.js")
        );
        assert_eq!(r("https://other.org/a"), None);
        assert_eq!(r("mailto:a@b.c"), None);
        assert_eq!(r("data:image/png;base64,xx"), None);
        assert_eq!(
            r("圖片/貓.png").as_deref(),
            Some("https://example.com/blog/posts/foo/%E5%9C%96%E7%89%87/%E8%B2%93.png")
        );
    }
}
