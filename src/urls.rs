//! Permalinks and URL resolution.
//!
//! Every link in a feed must be absolute: most feed readers do not resolve
//! relative URLs, and a feed is read far from the site it came from.

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use url::Url;

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

/// Percent-encodes one path segment.
pub fn encode_segment(segment: &str) -> String {
    utf8_percent_encode(segment, SEGMENT).to_string()
}

/// Makes a path segment the way Hugo does for content paths: lower case, with
/// runs of white space turned into one hyphen.
pub fn path_segment(raw: &str) -> String {
    raw.split_whitespace()
        .collect::<Vec<_>>()
        .join("-")
        .to_lowercase()
}

/// Resolves a site path (`/posts/x/`, `posts/x/`) against `base`. A path that
/// already starts with the base URL's own path is not prefixed twice, so both
/// `/img/a.png` and `/blog/img/a.png` work under `https://example.com/blog/`.
pub fn site_url(base: &Url, path: &str) -> Option<Url> {
    let base_path = base.path();
    let trimmed = if base_path != "/" && path.starts_with(base_path) {
        &path[base_path.len()..]
    } else {
        path.trim_start_matches('/')
    };
    base.join(trimmed).ok()
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
    let resolved = if link.starts_with("//") {
        Url::parse(&format!("{}:{link}", base.scheme())).ok()?
    } else if link.starts_with('/') {
        site_url(base, link)?
    } else {
        permalink.join(link).ok()?
    };
    Some(resolved.to_string())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn segments_are_encoded_for_urls() {
        assert_eq!(encode_segment("黃仁勳"), "%E9%BB%83%E4%BB%81%E5%8B%B3");
        assert_eq!(encode_segment("c++"), "c++");
        assert_eq!(encode_segment("a b?#%"), "a%20b%3F%23%25");
    }

    #[test]
    fn path_segments_follow_hugo() {
        assert_eq!(path_segment("My First  Post"), "my-first-post");
        assert_eq!(path_segment("開源 AI"), "開源-ai");
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
