//! The feeds a site gets, and what each one holds. The emitters in [`rss`]
//! and [`json`] turn a [`Feed`] into bytes.

pub mod discovery;
pub mod json;
pub mod rss;

use chrono::{DateTime, FixedOffset};

use crate::article::Article;
use crate::config::Config;
use crate::taxonomy::Term;
use crate::urls::{encode_segment, path_segment};

/// The name the generator gives itself in feeds.
pub const GENERATOR: &str = concat!("feedsmith ", env!("CARGO_PKG_VERSION"));

/// Which slice of the site a feed covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    Site,
    Category(&'a Term),
    Tag(&'a Term),
}

impl Scope<'_> {
    /// The folder under the output folder (`""`, `categories/x/`, `tags/x/`).
    pub fn folder(&self) -> String {
        match self {
            Scope::Site => String::new(),
            Scope::Category(t) => format!("categories/{}/", t.slug),
            Scope::Tag(t) => format!("tags/{}/", t.slug),
        }
    }

    /// The page Hugo makes for the term (`tags/<urlized term>/`): the `link`
    /// of a term feed, so it leads to the page the site already has.
    fn page(&self) -> String {
        let (kind, term) = match self {
            Scope::Site => return String::new(),
            Scope::Category(t) => ("categories", t),
            Scope::Tag(t) => ("tags", t),
        };
        let parts: Vec<String> = term
            .name
            .split('/')
            .map(path_segment)
            .filter(|s| !s.is_empty())
            .map(|s| encode_segment(&s))
            .collect();
        if parts.is_empty() {
            format!("{kind}/{}/", encode_segment(&term.slug))
        } else {
            format!("{kind}/{}/", parts.join("/"))
        }
    }

    /// The same folder as a URL path, percent-encoded.
    fn url_folder(&self) -> String {
        match self {
            Scope::Site => String::new(),
            Scope::Category(t) => format!("categories/{}/", encode_segment(&t.slug)),
            Scope::Tag(t) => format!("tags/{}/", encode_segment(&t.slug)),
        }
    }
}

/// One item of a feed: an article and its rendered body.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    pub article: &'a Article,
    /// Full HTML, absent when the config asks for summaries only.
    pub html: Option<&'a Html>,
    pub summary: &'a str,
}

/// A post's full HTML, with its JSON string form made once.
///
/// A post appears in about three feeds (the site's, its categories' and
/// tags'), and escaping its HTML for JSON again in each was a tenth of a
/// build's time; now each feed copies the escaped bytes.
#[derive(Debug, Clone)]
pub struct Html {
    text: String,
    json: Box<serde_json::value::RawValue>,
}

impl Html {
    pub fn new(text: String) -> Html {
        // A string always serialises; the fallback is never taken.
        let json = serde_json::value::to_raw_value(&text).unwrap_or_default();
        Html { text, json }
    }

    /// The HTML itself.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The HTML as a JSON string, quotes included, exactly as serde_json
    /// writes it.
    pub fn json(&self) -> &serde_json::value::RawValue {
        &self.json
    }
}

/// One feed, ready to emit.
#[derive(Debug, Clone)]
pub struct Feed<'a> {
    pub title: String,
    pub description: String,
    pub home_url: String,
    pub rss_url: String,
    pub json_url: String,
    pub language: Option<&'a str>,
    pub entries: Vec<Entry<'a>>,
}

/// The file names, under a scope's folder.
pub const RSS_FILE: &str = "rss.xml";
pub const JSON_FILE: &str = "feed.json";
pub const PAGE_FILE: &str = "index.html";
pub const OPML_FILE: &str = "feeds.opml";

impl<'a> Feed<'a> {
    /// Describes the feed of `scope`.
    pub fn new(config: &'a Config, scope: Scope<'_>, entries: Vec<Entry<'a>>) -> Feed<'a> {
        let folder = scope.url_folder();
        let feed_url = |file: &str| join(&config.feeds_url, &format!("{folder}{file}"));
        let zh = config
            .language
            .as_deref()
            .is_some_and(|l| l.to_lowercase().starts_with("zh"));
        let site = config.title.as_str();
        let (title, description) = match (scope, zh) {
            (Scope::Site, _) => (
                site.to_owned(),
                if config.description.trim().is_empty() {
                    site.to_owned()
                } else {
                    config.description.clone()
                },
            ),
            (Scope::Category(t), true) => (
                format!("{site}｜分類：{}", t.name),
                format!("{site}中分類為「{}」的文章", t.name),
            ),
            (Scope::Tag(t), true) => (
                format!("{site}｜標籤：{}", t.name),
                format!("{site}中標籤為「{}」的文章", t.name),
            ),
            (Scope::Category(t), false) => (
                format!("{site} | Category: {}", t.name),
                format!("Articles in the category “{}” on {site}", t.name),
            ),
            (Scope::Tag(t), false) => (
                format!("{site} | Tag: {}", t.name),
                format!("Articles tagged “{}” on {site}", t.name),
            ),
        };
        Feed {
            title,
            description,
            home_url: join(&config.base_url, &scope.page()),
            rss_url: feed_url(RSS_FILE),
            json_url: feed_url(JSON_FILE),
            language: config.language.as_deref(),
            entries,
        }
    }

    /// The latest moment anything in the feed changed: the newest publish or
    /// `lastmod` date among its items. Never the wall clock, so that the same
    /// input gives the same bytes.
    pub fn updated(&self) -> Option<DateTime<FixedOffset>> {
        self.entries
            .iter()
            .flat_map(|e| [Some(e.article.publish_date), e.article.lastmod])
            .flatten()
            .max()
    }
}

/// About how many bytes a feed's file takes: its items' HTML and summaries,
/// and a little for everything else.
fn size_hint(feed: &Feed<'_>) -> usize {
    let items: usize = feed
        .entries
        .iter()
        .map(|e| e.html.map_or(0, |h| h.json().get().len()) + e.summary.len() + 1024)
        .sum();
    items + 2048
}

fn join(base: &url::Url, path: &str) -> String {
    // `path` is built from encoded segments, so joining cannot fail; fall back
    // to plain concatenation rather than panic if it ever did.
    base.join(path)
        .map_or_else(|_| format!("{base}{path}"), |u| u.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The escaped form is spliced into JSON feeds as it is, so it must be
    /// exactly what serde_json writes for the string, and read back as it.
    #[test]
    fn html_json_is_the_string_serde_json_writes() {
        let text = "<p class=\"x\">a\\b\n\t\u{1}</p>\u{2028}中文";
        let html = Html::new(text.to_owned());
        assert_eq!(html.as_str(), text);
        assert_eq!(html.json().get(), serde_json::to_string(text).unwrap());
        let back: String = serde_json::from_str(html.json().get()).unwrap();
        assert_eq!(back, text);
    }
}
