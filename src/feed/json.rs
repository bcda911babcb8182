//! JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>), written with serde_json.

use serde::Serialize;
use serde_json::value::RawValue;

use super::Feed;
use crate::config::Config;

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: &'a str,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    items: Vec<Item<'a>>,
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
}

#[derive(Serialize)]
struct Item<'a> {
    id: String,
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_url: Option<&'a str>,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<&'a RawValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<&'a str>,
    summary: &'a str,
    date_published: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_modified: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
}

fn rfc3339(d: chrono::DateTime<chrono::FixedOffset>) -> String {
    d.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// Writes a feed as JSON Feed 1.1 bytes (pretty-printed, ending in a newline).
pub fn write(feed: &Feed<'_>, config: &Config) -> Vec<u8> {
    let items = feed
        .entries
        .iter()
        .map(|e| {
            let a = e.article;
            let mut tags: Vec<&str> = Vec::new();
            for t in a.categories.iter().chain(&a.tags) {
                if !tags.contains(&t.as_str()) {
                    tags.push(t);
                }
            }
            Item {
                id: a.permalink.to_string(),
                url: a.permalink.to_string(),
                external_url: a.source_url.as_deref(),
                title: &a.title,
                content_html: e.html.map(super::Html::json),
                // One of content_html and content_text is required.
                content_text: e.html.is_none().then_some(e.summary),
                summary: e.summary,
                date_published: rfc3339(a.publish_date),
                date_modified: a.lastmod.map(rfc3339),
                tags,
                authors: a
                    .authors
                    .iter()
                    .map(|name| Author { name, url: None })
                    .collect(),
            }
        })
        .collect();
    let doc = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &feed.title,
        home_page_url: &feed.home_url,
        feed_url: &feed.json_url,
        description: &feed.description,
        language: feed.language,
        authors: config
            .author
            .iter()
            .map(|a| Author {
                name: &a.name,
                url: a.url.as_deref(),
            })
            .collect(),
        items,
    };
    // Sized up front: growing a buffer of a few hundred kilobytes step by
    // step copies it all again.
    let mut out = Vec::with_capacity(super::size_hint(feed));
    // Serialising plain structs of strings into a Vec cannot fail.
    if serde_json::to_writer_pretty(&mut out, &doc).is_err() {
        out.clear();
    }
    out.push(b'\n');
    out
}
