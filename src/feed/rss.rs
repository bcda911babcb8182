//! RSS 2.0, written with the `rss` crate, with the extensions readers expect:
//! `atom:link rel="self"` (and `rel="hub"` for WebSub), `content:encoded`,
//! `dc:creator`, and Media RSS's `media:thumbnail`/`media:content` for a
//! post's picture (what Feedly and Inoreader show beside an item).
//!
//! A post's `<item>` is written once ([`item`]) and copied into every feed
//! that shows it ([`write()`]): the crate writes the channel, items last, and
//! the items go in before `</channel>`, exactly where the crate puts them
//! (as [`Pieces`]: they are copied only if the feed must be written).

use ::rss::extension::atom::{AtomExtension, Link};
use ::rss::extension::dublincore::{self, DublinCoreExtension};
use std::collections::BTreeMap;

use ::rss::extension::Extension;
use ::rss::{Category, Channel, Enclosure, Image, Item, Source};

use super::{Feed, Pieces, GENERATOR};
use crate::base::config::Config;
use crate::parse::article::Article;

/// How the crate indents: two spaces a level, items two levels deep.
const INDENT: usize = 2;
/// What starts an item in a feed written with that indent.
const ITEM_START: &str = "\n    <item>";
/// What closes the channel: the items end right before it.
const CHANNEL_END: &str = "\n  </channel>";

/// One post's `<item>` element, indented as in a feed, and the namespaces it
/// uses (the feed declares them on its `<rss>` element).
#[derive(Debug, Clone)]
pub struct ItemXml {
    pub(super) xml: Result<super::Written, String>,
    namespaces: Vec<(&'static str, &'static str)>,
}

/// Writes a post's `<item>` element once, for every feed that shows it
/// (its bytes kept if `keep`, else only their length and hash).
/// The HTML is moved into the item being written, not copied, and handed
/// back for the JSON item.
pub fn item(
    article: &Article,
    html: Option<String>,
    summary: &str,
    config: &Config,
    keep: bool,
) -> (ItemXml, Option<String>) {
    let mut item = item_of(article, summary, config);
    item.content = html;
    let namespaces = namespaces_of(&item);
    // The crate only writes whole channels: write one holding just this
    // item and cut the item out. Its start is the first `<item>` at its
    // depth (the channel's own elements before it hold escaped text, never
    // a `<`), its end the last `</channel>` (the item's content may hold
    // anything, the channel's end comes after it).
    let mut channel = Channel {
        items: vec![item],
        ..Channel::default()
    };
    let xml = super::with_buffer(&super::ITEM, |out| {
        let bytes = channel
            .pretty_write_to(&mut *out, b' ', INDENT)
            .map_err(|e| e.to_string())?;
        let start = memchr::memmem::find(bytes, ITEM_START.as_bytes());
        let end = memchr::memmem::rfind(bytes, CHANNEL_END.as_bytes());
        match (start, end) {
            (Some(start), Some(end)) if start < end => {
                Ok(super::Written::of(&bytes[start..end], keep))
            }
            _ => Err("the rss crate wrote an item in an unexpected shape".to_owned()),
        }
    });
    let html = channel.items.pop().and_then(|item| item.content);
    (ItemXml { xml, namespaces }, html)
}

/// Every namespace an item may use, in the order an item lists them; as
/// bits (in [`super::ItemHashes`]), `1 << i` stands for the `i`th.
pub const NAMESPACES: [(&str, &str); 3] = [
    ("content", "http://purl.org/rss/1.0/modules/content/"),
    ("dc", dublincore::NAMESPACE),
    ("media", super::atom::MEDIA_NAMESPACE),
];

/// The namespaces an item uses, as the crate declares them for it: its
/// items' `used_namespaces` is not public, so this mirrors it for the
/// fields set here (a test compares whole feeds with the crate's).
fn namespaces_of(item: &Item) -> Vec<(&'static str, &'static str)> {
    let used = [
        item.content.is_some(),
        item.dublin_core_ext.is_some(),
        item.extensions.contains_key("media"),
    ];
    NAMESPACES
        .into_iter()
        .zip(used)
        .filter_map(|(namespace, used)| used.then_some(namespace))
        .collect()
}

impl ItemXml {
    /// The namespaces the item uses, as bits (see [`NAMESPACES`]).
    pub(super) fn namespace_bits(&self) -> u8 {
        NAMESPACES
            .iter()
            .enumerate()
            .filter(|(_, namespace)| self.namespaces.contains(namespace))
            .fold(0, |bits, (i, _)| bits | 1 << i)
    }

    /// An item known only by its length and hash, using the namespaces of
    /// `bits` (bits beyond [`NAMESPACES`] are ignored).
    pub(super) fn of_hashed(xml: super::Written, bits: u8) -> ItemXml {
        let namespaces = NAMESPACES
            .into_iter()
            .enumerate()
            .filter(|(i, _)| bits & 1 << i != 0)
            .map(|(_, namespace)| namespace)
            .collect();
        ItemXml {
            xml: Ok(xml),
            namespaces,
        }
    }
}

/// Writes a feed as RSS 2.0 (pretty-printed, UTF-8, ending in a newline):
/// its channel as the crate writes it, with the items' bytes, borrowed, in
/// place of its empty list of items.
pub fn write<'a>(feed: &Feed<'a>, config: &Config) -> Result<Pieces<'a>, String> {
    let mut namespaces = BTreeMap::new();
    for entry in &feed.entries {
        for &(prefix, url) in &entry.item.rss.namespaces {
            namespaces.insert(prefix.to_owned(), url.to_owned());
        }
    }
    let mut channel = channel(feed, config);
    channel.namespaces = namespaces;
    let mut head = channel
        .pretty_write_to(Vec::with_capacity(4096), b' ', INDENT)
        .map_err(|e| e.to_string())?;
    let end = memchr::memmem::rfind(&head, CHANNEL_END.as_bytes())
        .ok_or("the rss crate wrote a channel in an unexpected shape")?;
    let mut tail = head.split_off(end);
    tail.push(b'\n');
    let mut pieces = Pieces::with_capacity(feed.entries.len() + 2);
    pieces.push(head);
    for entry in &feed.entries {
        let item: &'a super::Item = entry.item;
        let xml = item.rss.xml.as_ref().map_err(Clone::clone)?;
        pieces.push_item(xml);
    }
    pieces.push(tail);
    Ok(pieces)
}

/// The channel of a feed, without its items.
fn channel(feed: &Feed<'_>, config: &Config) -> Channel {
    let updated = feed.updated().map(rfc822);
    Channel {
        title: feed.title.clone(),
        link: feed.home_url.clone(),
        description: feed.description.clone(),
        language: feed.language.map(str::to_owned),
        managing_editor: config.author.as_ref().and_then(rss_author),
        copyright: config.copyright.clone(),
        last_build_date: updated.clone(),
        pub_date: feed.entries.first().map(|e| rfc822(e.article.publish_date)),
        generator: Some(GENERATOR.to_owned()),
        docs: Some("https://www.rssboard.org/rss-specification".to_owned()),
        image: config.image.as_ref().map(|url| Image {
            url: url.to_string(),
            title: feed.title.clone(),
            link: feed.home_url.clone(),
            ..Image::default()
        }),
        atom_ext: Some(AtomExtension {
            links: std::iter::once(Link {
                href: feed.rss_url.clone(),
                rel: "self".to_owned(),
                mime_type: Some("application/rss+xml".to_owned()),
                ..Link::default()
            })
            .chain(config.websub_hubs.iter().map(|hub| Link {
                href: hub.to_string(),
                rel: "hub".to_owned(),
                ..Link::default()
            }))
            .collect(),
        }),
        ..Channel::default()
    }
}

/// A date as RSS writes it (RFC 822), with a two-digit day as Hugo and
/// most feeds write it (`Sun, 02 Nov 2025 09:00:00 +0800`); chrono's
/// `to_rfc2822` writes one digit, which some readers parse badly.
fn rfc822(date: chrono::DateTime<chrono::FixedOffset>) -> String {
    date.format("%a, %d %b %Y %H:%M:%S %z").to_string()
}

/// RSS's `<author>` and `<managingEditor>` must hold an email address.
fn rss_author(author: &crate::base::config::Author) -> Option<String> {
    author
        .email
        .as_ref()
        .map(|email| format!("{email} ({})", author.name))
}

/// A post's item, all but its `content:encoded` (the HTML, which the caller
/// moves in).
fn item_of(a: &Article, summary: &str, config: &Config) -> Item {
    let categories: Vec<Category> = a
        .terms()
        .into_iter()
        .map(|name| Category {
            name: name.to_owned(),
            domain: None,
        })
        .collect();
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
    let mut extensions = permalink_guid(a.permalink.as_str());
    if let Some(image) = &a.image {
        extensions.insert("media".to_owned(), media_image(image.url.as_str()));
    }
    Item {
        // RSS needs a title or a description; the description is there.
        title: (!a.title.is_empty()).then(|| a.title.clone()),
        link: Some(a.permalink.to_string()),
        description: Some(summary.to_owned()),
        author,
        categories,
        extensions,
        // RSS allows one enclosure: the first attachment.
        enclosure: a.attachments.first().map(|first| Enclosure {
            url: first.file.url.to_string(),
            // Required; 0 says "unknown", as podcast tools write it.
            length: first.size_in_bytes.unwrap_or(0).to_string(),
            mime_type: first.mime_type.clone(),
        }),
        pub_date: Some(rfc822(a.publish_date)),
        source: a.source_url.as_ref().map(|url| Source {
            url: url.clone(),
            title: Some(a.source_name.clone().unwrap_or_else(|| url.clone())),
        }),
        dublin_core_ext: (!creators.is_empty()).then(|| DublinCoreExtension {
            creators,
            ..Default::default()
        }),
        ..Item::default()
    }
}

/// A post's picture as Media RSS: `media:thumbnail` (Feedly, Inoreader,
/// feedparser) and `media:content medium="image"` (readers that show only
/// media content).
fn media_image(url: &str) -> BTreeMap<String, Vec<Extension>> {
    let element = |name: &str, attrs: &[(&str, &str)]| Extension {
        name: name.to_owned(),
        value: None,
        attrs: attrs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        children: BTreeMap::new(),
    };
    BTreeMap::from([
        (
            "media:content".to_owned(),
            vec![element(
                "media:content",
                &[("url", url), ("medium", "image")],
            )],
        ),
        (
            "media:thumbnail".to_owned(),
            vec![element("media:thumbnail", &[("url", url)])],
        ),
    ])
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

/// The feed as the crate writes it with every item in the channel: what
/// [`write`] must equal.
#[cfg(test)]
pub(super) fn whole(
    feed: &Feed<'_>,
    posts: &[super::Post<'_>],
    config: &Config,
) -> Result<Vec<u8>, String> {
    let mut channel = Channel {
        items: posts
            .iter()
            .map(|p| Item {
                content: p.html.map(str::to_owned),
                ..item_of(p.article, p.summary, config)
            })
            .collect(),
        ..channel(feed, config)
    };
    // The crate declares the namespaces it knows; Media RSS is declared
    // by the feed, as `write` does.
    if posts.iter().any(|p| p.article.image.is_some()) {
        let (prefix, url) = NAMESPACES[2];
        channel.namespaces.insert(prefix.to_owned(), url.to_owned());
    }
    let mut out = channel
        .pretty_write_to(Vec::new(), b' ', INDENT)
        .map_err(|e| e.to_string())?;
    out.push(b'\n');
    Ok(out)
}
