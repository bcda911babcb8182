//! JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>), written with serde_json.
//!
//! A post's item is written once ([`item`]) and copied into every feed that
//! shows it ([`write()`]), indented as serde_json indents an item of `items`
//! (as [`Pieces`]: they are copied only if the feed must be written).

use std::cell::RefCell;

use serde::Serialize;

use super::{Feed, Pieces, Post, Written};
use crate::base::config::Config;

/// How serde_json's pretty printer indents an element of `items`.
const ITEM_INDENT: &[u8] = b"    ";
/// How it ends a non-empty `items` as the last member of the top level.
const ITEMS_END: &[u8] = b"\n  ]\n}";

#[derive(Serialize)]
struct JsonFeed<'a, Items> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: &'a str,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    icon: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    favicon: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hubs: Vec<Hub<'a>>,
    /// Left empty by [`write()`]: the items, written once each, go in after.
    items: Items,
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
}

/// A WebSub hub.
#[derive(Serialize)]
struct Hub<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    url: &'a str,
}

/// A file offered with an item.
#[derive(Serialize)]
struct Attachment<'a> {
    url: &'a str,
    mime_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    size_in_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration_in_seconds: Option<f64>,
}

/// An item.
#[derive(Serialize)]
struct Item<'a> {
    id: String,
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_url: Option<&'a str>,
    /// JSON Feed's items need no title: none is written when the post has
    /// none.
    #[serde(skip_serializing_if = "str::is_empty")]
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<&'a str>,
    summary: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    date_published: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_modified: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<Attachment<'a>>,
}

fn rfc3339(d: chrono::DateTime<chrono::FixedOffset>) -> String {
    d.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// A post's item, to be serialised, showing `content_html` (the post's HTML,
/// or an empty string in its place).
fn item_of<'a>(post: &Post<'a>, content_html: Option<&'a str>) -> Item<'a> {
    let a = post.article;
    let tags = a.terms();
    Item {
        id: a.permalink.to_string(),
        url: a.permalink.to_string(),
        external_url: a.source_url.as_deref(),
        title: &a.title,
        content_html,
        // One of content_html and content_text is required.
        content_text: post.html.is_none().then_some(post.summary),
        summary: post.summary,
        image: a.image.as_ref().map(|i| i.url.as_str()),
        date_published: rfc3339(a.publish_date),
        date_modified: a.lastmod.map(rfc3339),
        tags,
        authors: a
            .authors
            .iter()
            .map(|name| Author { name, url: None })
            .collect(),
        attachments: a
            .attachments
            .iter()
            .map(|f| Attachment {
                url: f.file.url.as_str(),
                mime_type: &f.mime_type,
                title: f.title.as_deref(),
                size_in_bytes: f.size_in_bytes,
                duration_in_seconds: f.duration_in_seconds,
            })
            .collect(),
    }
}

/// Writes a post's item once, for every feed that shows it: pretty-printed
/// and indented as an element of a feed's `items` (two levels deep).
///
/// serde_json writes it with an empty `content_html`, and the post's HTML,
/// escaped by json-escape-simd, goes between its quotes: serde_json escapes
/// a string a byte at a time, json-escape-simd writes the same bytes (a test
/// compares them) about ten times as fast, and the HTML is most of the bytes
/// of every item.
pub fn item(post: &Post<'_>, keep: bool) -> Result<Written, String> {
    /// The item as serde_json writes it in a feed: inside `items` of the
    /// top-level object. The item is cut out of what surrounds it.
    #[derive(Serialize)]
    struct InItems<T> {
        items: [T; 1],
    }
    const BEFORE: &[u8] = b"{\n  \"items\": [\n    ";
    /// The empty `content_html` as serde_json's pretty printer writes it.
    /// Its first match is the member itself: inside a string every `"` is
    /// written `\"`, and no other key ends in `content_html`.
    const EMPTY_HTML: &[u8] = b"\"content_html\": \"\"";
    let wrapped = InItems {
        items: [item_of(post, post.html.map(|_| ""))],
    };
    super::with_buffer(&super::ITEM, |out| {
        serde_json::to_writer_pretty(&mut *out, &wrapped).map_err(|e| e.to_string())?;
        let shape = || "serde_json wrote an item in an unexpected shape".to_owned();
        let item = out
            .strip_prefix(BEFORE)
            .and_then(|o| o.strip_suffix(ITEMS_END))
            .ok_or_else(shape)?;
        let Some(html) = post.html else {
            return Ok(Written::of(item, keep));
        };
        // Where the empty string's quotes are.
        let at = memchr::memmem::find(item, EMPTY_HTML).ok_or_else(shape)? + EMPTY_HTML.len() - 2;
        super::with_buffer(&ESCAPED, |escaped| {
            escape(html, escaped);
            Ok(Written::of_pieces(
                &[&item[..at], escaped, &item[at + 2..]],
                keep,
            ))
        })
    })
}

thread_local! {
    /// Where a thread escapes its posts' HTML: the escaper asks for six
    /// times the HTML's length up front.
    static ESCAPED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// `html` as a JSON string with its quotes, as serde_json writes it, in
/// `buffer` (whatever it held before is dropped).
fn escape(html: &str, buffer: &mut Vec<u8>) {
    buffer.clear();
    json_escape_simd::escape_into(html, buffer);
}

/// A feed's top level, with `items` to fill in.
fn head<'a, Items>(feed: &'a Feed<'_>, config: &'a Config, items: Items) -> JsonFeed<'a, Items> {
    JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &feed.title,
        home_page_url: &feed.home_url,
        feed_url: &feed.json_url,
        description: &feed.description,
        icon: config.image.as_ref().map(url::Url::as_str),
        favicon: config.favicon.as_ref().map(url::Url::as_str),
        language: feed.language,
        authors: config
            .author
            .iter()
            .map(|a| Author {
                name: &a.name,
                url: a.url.as_deref(),
            })
            .collect(),
        hubs: config
            .websub_hubs
            .iter()
            .map(|hub| Hub {
                kind: "WebSub",
                url: hub.as_str(),
            })
            .collect(),
        items,
    }
}

/// Writes a feed as JSON Feed 1.1 (pretty-printed, ending in a newline): its
/// top level as serde_json writes it, with the items' bytes, borrowed, in
/// its empty `items`.
pub fn write<'a>(feed: &Feed<'a>, config: &Config) -> Result<Pieces<'a>, String> {
    let empty: [(); 0] = [];
    let mut head =
        serde_json::to_vec_pretty(&head(feed, config, empty)).map_err(|e| e.to_string())?;
    if feed.entries.is_empty() {
        head.push(b'\n');
        return Ok(head.into());
    }
    // `items` is the last member: its empty array ends the document.
    const EMPTY_END: &[u8] = b"[]\n}";
    if !head.ends_with(EMPTY_END) {
        return Err("serde_json wrote a feed in an unexpected shape".to_owned());
    }
    head.truncate(head.len() - EMPTY_END.len());
    head.push(b'[');
    let mut pieces = Pieces::with_capacity(3 * feed.entries.len() + 2);
    pieces.push(head);
    for (n, entry) in feed.entries.iter().enumerate() {
        let item: &'a super::Item = entry.item;
        pieces.push(if n == 0 { &b"\n"[..] } else { &b",\n"[..] });
        pieces.push(ITEM_INDENT);
        pieces.push_item(item.json()?);
    }
    pieces.push(ITEMS_END);
    pieces.push(&b"\n"[..]);
    Ok(pieces)
}

/// The feed as serde_json writes it with every item in `items`: what
/// [`write`] must equal.
#[cfg(test)]
pub(super) fn whole(feed: &Feed<'_>, posts: &[Post<'_>], config: &Config) -> Vec<u8> {
    let items: Vec<Item<'_>> = posts.iter().map(|p| item_of(p, p.html)).collect();
    let mut out = serde_json::to_vec_pretty(&head(feed, config, items)).expect("serialises");
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Strings full of what JSON escapes (quotes, backslashes, every control
    /// character), next to CJK and emoji, long enough to cross the SIMD
    /// kernels' 16- and 32-byte blocks.
    fn escapable() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                proptest::char::range('\u{0}', '\u{7f}'),
                Just('"'),
                Just('\\'),
                Just('中'),
                Just('😀'),
                Just('\u{2028}'),
                Just('\u{fffd}'),
            ],
            0..200,
        )
        .prop_map(|chars| chars.into_iter().collect())
    }

    proptest! {
        /// The fast escaper must write exactly what serde_json writes, or
        /// the feeds' bytes would change.
        #[test]
        fn html_is_escaped_as_serde_json_escapes_it(
            html in prop_oneof![escapable(), any::<String>()],
            reused in any::<bool>(),
        ) {
            let mut buffer = if reused { b"\"left over\"".to_vec() } else { Vec::new() };
            escape(&html, &mut buffer);
            prop_assert_eq!(buffer, serde_json::to_string(&html).expect("serialises").into_bytes());
        }
    }
}
