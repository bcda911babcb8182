//! RSS 2.0, written with the `rss` crate, with the extensions readers expect:
//! `atom:link rel="self"`, `content:encoded` and `dc:creator`.

use ::rss::extension::atom::{AtomExtension, Link};
use ::rss::extension::dublincore::DublinCoreExtension;
use std::collections::BTreeMap;

use ::rss::extension::Extension;
use ::rss::{Category, Channel, Item, Source};

use super::{Entry, Feed, GENERATOR};
use crate::config::Config;

/// Writes a feed as RSS 2.0 bytes (pretty-printed, UTF-8, ending in a newline).
pub fn write(feed: &Feed<'_>, config: &Config) -> Result<Vec<u8>, String> {
    let updated = feed.updated().map(|d| d.to_rfc2822());
    let channel = Channel {
        title: feed.title.clone(),
        link: feed.home_url.clone(),
        description: feed.description.clone(),
        language: feed.language.map(str::to_owned),
        managing_editor: config.author.as_ref().and_then(rss_author),
        last_build_date: updated.clone(),
        pub_date: feed
            .entries
            .first()
            .map(|e| e.article.publish_date.to_rfc2822()),
        generator: Some(GENERATOR.to_owned()),
        docs: Some("https://www.rssboard.org/rss-specification".to_owned()),
        atom_ext: Some(AtomExtension {
            links: vec![Link {
                href: feed.rss_url.clone(),
                rel: "self".to_owned(),
                mime_type: Some("application/rss+xml".to_owned()),
                ..Link::default()
            }],
        }),
        items: feed.entries.iter().map(|e| item(e, config)).collect(),
        ..Channel::default()
    };
    let out = Vec::with_capacity(super::size_hint(feed));
    let mut out = channel
        .pretty_write_to(out, b' ', 2)
        .map_err(|e| e.to_string())?;
    out.push(b'\n');
    Ok(out)
}

/// RSS's `<author>` and `<managingEditor>` must hold an email address.
fn rss_author(author: &crate::config::Author) -> Option<String> {
    author
        .email
        .as_ref()
        .map(|email| format!("{email} ({})", author.name))
}

fn item(entry: &Entry<'_>, config: &Config) -> Item {
    let a = entry.article;
    let mut categories: Vec<Category> = Vec::new();
    for name in a.categories.iter().chain(&a.tags) {
        if !categories.iter().any(|c| c.name == *name) {
            categories.push(Category {
                name: name.clone(),
                domain: None,
            });
        }
    }
    let (author, creators) = if !a.authors.is_empty() {
        (None, a.authors.clone())
    } else {
        match &config.author {
            Some(site) => match rss_author(site) {
                Some(with_email) => (Some(with_email), Vec::new()),
                None => (None, vec![site.name.clone()]),
            },
            None => (None, Vec::new()),
        }
    };
    Item {
        title: Some(a.title.clone()),
        link: Some(a.permalink.to_string()),
        description: Some(entry.summary.to_owned()),
        author,
        categories,
        extensions: permalink_guid(a.permalink.as_str()),
        pub_date: Some(a.publish_date.to_rfc2822()),
        source: a.source_url.as_ref().map(|url| Source {
            url: url.clone(),
            title: Some(a.source_name.clone().unwrap_or_else(|| url.clone())),
        }),
        content: entry.html.map(|h| h.as_str().to_owned()),
        dublin_core_ext: (!creators.is_empty()).then(|| DublinCoreExtension {
            creators,
            ..Default::default()
        }),
        ..Item::default()
    }
}

/// `<guid isPermaLink="true">`. The rss crate's `Guid` leaves the attribute
/// out when it is true (the spec's default), but some readers and validators
/// look for it, so it is written through the crate's generic element writer.
fn permalink_guid(permalink: &str) -> ::rss::extension::ExtensionMap {
    let guid = Extension {
        name: "guid".to_owned(),
        value: Some(permalink.to_owned()),
        attrs: BTreeMap::from([("isPermaLink".to_owned(), "true".to_owned())]),
        children: BTreeMap::new(),
    };
    BTreeMap::from([(
        String::new(),
        BTreeMap::from([("guid".to_owned(), vec![guid])]),
    )])
}
