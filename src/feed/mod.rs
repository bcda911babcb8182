//! The feeds a site gets, and what each one holds. The emitters in [`rss`]
//! and [`json`] turn a [`Feed`] into bytes.

pub mod atom;
pub mod discovery;
pub mod json;
pub mod rss;
pub mod websub;

use std::borrow::Cow;
use std::cell::RefCell;
use std::thread::LocalKey;

use chrono::{DateTime, FixedOffset};

use crate::base::config::{Config, Format, Layout};
use crate::base::taxonomy::{Taxonomy, Term};
use crate::base::urls::encode_path;
use crate::parse::article::Article;

/// The name the generator gives itself in feeds.
pub const GENERATOR: &str = concat!("feedsmith ", env!("CARGO_PKG_VERSION"));

/// Which slice of the site a feed covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    Site,
    /// A section: the posts under one first folder of the content folder.
    Section(&'a Term),
    /// A term of a taxonomy (`tags`, `categories`, `series`, …).
    Term(&'a Taxonomy, &'a Term),
}

impl<'a> Scope<'a> {
    /// The folder under the output folder: `""`; `sections/x/` (Hugo's
    /// layout: `x/`); `tags/x/` (Hugo's layout: where the taxonomy's
    /// `permalinks` pattern puts the term, if it has one).
    pub fn folder(&self, config: &Config) -> String {
        match (self, config.layout) {
            (Scope::Site, _) => String::new(),
            (Scope::Section(t), Layout::Feedsmith) => format!("sections/{}/", t.slug),
            (Scope::Section(t), Layout::Hugo) => format!("{}/", t.slug),
            (Scope::Term(taxonomy, t), Layout::Hugo) => match term_pattern(config, taxonomy) {
                Some(pattern) => expand_term(pattern, &t.slug),
                None => format!("{}/{}/", taxonomy.plural, t.slug),
            },
            (Scope::Term(taxonomy, t), Layout::Feedsmith) => {
                format!("{}/{}/", taxonomy.plural, t.slug)
            }
        }
    }

    /// What kind of feed this is: `site`, `section`, or the taxonomy's
    /// plural name (`tags`).
    pub fn kind(&self) -> &'a str {
        match self {
            Scope::Site => "site",
            Scope::Section(_) => "section",
            Scope::Term(taxonomy, _) => &taxonomy.plural,
        }
    }

    /// The term or section as readers see it (empty for the site).
    pub fn name(&self) -> &'a str {
        match self {
            Scope::Site => "",
            Scope::Section(t) | Scope::Term(_, t) => &t.name,
        }
    }

    /// The page Hugo makes for the term (`tags/<term's URL>/`, or where the
    /// taxonomy's `permalinks` pattern puts it) or section (`posts/`): the
    /// `link` of its feed, so it leads to the page the site already has.
    fn page(&self, config: &Config) -> String {
        match self {
            Scope::Site => String::new(),
            Scope::Section(t) => format!("{}/", encode_path(&t.slug)),
            Scope::Term(taxonomy, t) => match term_pattern(config, taxonomy) {
                Some(pattern) => encode_path(&expand_term(pattern, &t.key)),
                None => format!("{}/{}/", encode_path(&taxonomy.plural), encode_path(&t.key)),
            },
        }
    }

    /// [`Scope::folder`] as a URL path, percent-encoded.
    fn url_folder(&self, config: &Config) -> String {
        encode_path(&self.folder(config))
    }
}

/// The `permalinks` pattern of a taxonomy's terms, if the site has one.
fn term_pattern<'c>(config: &'c Config, taxonomy: &Taxonomy) -> Option<&'c str> {
    config
        .term_permalinks
        .iter()
        .find(|(plural, _)| *plural == taxonomy.plural)
        .map(|(_, pattern)| pattern.as_str())
}

/// A term's folder by a `permalinks` pattern (`/topic/:slug/`): `:slug`
/// and `:title` are the term's URL (`term`); no leading `/`, a trailing
/// one.
fn expand_term(pattern: &str, term: &str) -> String {
    let path = pattern.replace(":slug", term).replace(":title", term);
    let path = path.trim_matches('/');
    if path.is_empty() {
        String::new()
    } else {
        format!("{path}/")
    }
}

/// What a post's feed item is made of: the article and its rendered body.
#[derive(Debug, Clone, Copy)]
pub struct Post<'a> {
    pub article: &'a Article,
    /// Full HTML, absent when the config asks for summaries only.
    pub html: Option<&'a str>,
    pub summary: &'a str,
}

/// A post as a feed item, written once in each format.
///
/// A post appears in about three feeds (the site's, its categories' and
/// tags'). Each feed used to build and write its items anew (copying the
/// HTML into the crate's structures each time); now each item is written
/// once, when its body is rendered, and each feed copies its bytes.
#[derive(Debug, Clone)]
pub struct Item {
    rss: rss::ItemXml,
    json: Result<Written, String>,
    /// Written only when the config asks for Atom.
    atom: Option<Result<Written, String>>,
}

/// An item's bytes in one format, or only their length and hash.
///
/// The hash, made once, goes into the fingerprint of every feed that shows
/// the item. The bytes are needed only to write a feed, and a one-shot build
/// of a site built before writes few feeds: keeping every shown post's two
/// items (38 MB at 10,000 posts, two thirds of the build's memory) cost more
/// in fresh memory than writing them did (see [`Item::hashed`]).
#[derive(Debug, Clone)]
pub struct Written {
    bytes: Option<Vec<u8>>,
    len: usize,
    hash: Hash,
}

impl Written {
    /// `bytes` written, kept only if `keep`.
    fn of(bytes: &[u8], keep: bool) -> Written {
        Written {
            bytes: keep.then(|| bytes.to_vec()),
            len: bytes.len(),
            hash: hash(bytes),
        }
    }

    /// The concatenation of `pieces`, or only its length and hash: nothing
    /// is copied then.
    fn of_pieces(pieces: &[&[u8]], keep: bool) -> Written {
        let len = pieces.iter().map(|p| p.len()).sum();
        if keep {
            let bytes = pieces.concat();
            return Written {
                hash: hash(&bytes),
                len,
                bytes: Some(bytes),
            };
        }
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        for piece in pieces {
            h.update(piece);
        }
        Written {
            bytes: None,
            len,
            hash: h.digest128(),
        }
    }
}

impl Item {
    /// The item of `article`, showing `html` (when the feeds show full
    /// content) and `summary`.
    pub fn new(article: &Article, html: Option<String>, summary: &str, config: &Config) -> Item {
        Item::make(article, html, summary, config, true)
    }

    /// The same item, but only its lengths and hashes: enough to tell whether
    /// a feed on disk holds it, not to write one. A feed that must be written
    /// needs its items made again with [`Item::new`].
    pub fn hashed(article: &Article, html: Option<String>, summary: &str, config: &Config) -> Item {
        Item::make(article, html, summary, config, false)
    }

    fn make(
        article: &Article,
        html: Option<String>,
        summary: &str,
        config: &Config,
        keep: bool,
    ) -> Item {
        let (rss, html) = rss::item(article, html, summary, config, keep);
        let post = Post {
            article,
            html: html.as_deref(),
            summary,
        };
        let json = json::item(&post, keep);
        let atom = config
            .formats
            .contains(&Format::Atom)
            .then(|| atom::item(article, post.html, summary, config, keep));
        Item { rss, json, atom }
    }

    /// Whether the item's bytes were kept (or it could not be written,
    /// which writing it again would not mend).
    pub fn has_bytes(&self) -> bool {
        let kept = |w: &Result<Written, String>| w.as_ref().map_or(true, |w| w.bytes.is_some());
        kept(&self.rss.xml) && kept(&self.json) && self.atom.as_ref().is_none_or(kept)
    }

    /// Whether `other` is this item with the same bytes in every format.
    pub fn same_as(&self, other: &Item) -> bool {
        let key = |w: &Result<Written, String>| w.as_ref().map(|w| (w.len, w.hash)).ok();
        key(&self.rss.xml) == key(&other.rss.xml)
            && key(&self.json) == key(&other.json)
            && self.atom.as_ref().map(key) == other.atom.as_ref().map(key)
    }

    /// What the item is without its bytes, if every format could be written.
    pub fn hashes(&self) -> Option<ItemHashes> {
        let (rss, json) = (self.rss.xml.as_ref().ok()?, self.json.as_ref().ok()?);
        let atom = match &self.atom {
            Some(atom) => Some(atom.as_ref().ok()?),
            None => None,
        };
        Some(ItemHashes {
            rss: (rss.len, rss.hash),
            rss_namespaces: self.rss.namespace_bits(),
            json: (json.len, json.hash),
            atom: atom.map(|a| (a.len, a.hash)),
        })
    }

    /// The item that `hashes` describes, without its bytes: it stands for
    /// the item in feeds' fingerprints, like one made by [`Item::hashed`].
    pub fn of_hashes(hashes: ItemHashes) -> Item {
        let written = |(len, hash): (usize, Hash)| Written {
            bytes: None,
            len,
            hash,
        };
        Item {
            rss: rss::ItemXml::of_hashed(written(hashes.rss), hashes.rss_namespaces),
            json: Ok(written(hashes.json)),
            atom: hashes.atom.map(|atom| Ok(written(atom))),
        }
    }

    /// The JSON item, or why it could not be written.
    fn json(&self) -> Result<&Written, String> {
        self.json.as_ref().map_err(Clone::clone)
    }
}

/// An item without its bytes: the length and hash of each format, and the
/// namespaces its RSS uses (as bits, see [`rss::NAMESPACES`]). Enough to
/// stand for the item in a feed's fingerprint, so that a build can remember
/// it instead of rendering its post again (see [`crate::site::item_cache`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemHashes {
    pub rss: (usize, Hash),
    pub rss_namespaces: u8,
    pub json: (usize, Hash),
    /// When the items were written with Atom.
    pub atom: Option<(usize, Hash)>,
}

/// One item of a feed: an article, its summary and its written item.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    pub article: &'a Article,
    pub summary: &'a str,
    pub item: &'a Item,
}

/// One feed, ready to emit.
#[derive(Debug, Clone)]
pub struct Feed<'a> {
    pub title: String,
    pub description: String,
    pub home_url: String,
    pub rss_url: String,
    pub json_url: String,
    pub atom_url: String,
    pub language: Option<&'a str>,
    pub entries: Vec<Entry<'a>>,
}

/// A hash of bytes: 128 bits, so two different files never share one in
/// practice.
pub type Hash = u128;

/// The hash of `bytes` (xxh3).
pub fn hash(bytes: &[u8]) -> Hash {
    xxhash_rust::xxh3::xxh3_128(bytes)
}

/// A file's bytes as the pieces they are made of, in order: a feed's own
/// head and tail, and its items' bytes, borrowed. Most feeds of a build are
/// on disk already with these bytes and are compared piece by piece (or by
/// their [`Pieces::fingerprint`]); only a feed that must be written is
/// copied into one buffer ([`Pieces::concat`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pieces<'a> {
    parts: Vec<Part<'a>>,
}

/// A piece of [`Pieces`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part<'a> {
    /// Bytes, with their hash when it was known beforehand (an item's).
    Bytes(Cow<'a, [u8]>, Option<Hash>),
    /// An item whose bytes were not kept: only their length and hash.
    Hashed { len: usize, hash: Hash },
}

/// A piece of a file as [`Pieces::parts`] gives it: its bytes, or only
/// their length and hash (an item whose bytes were not kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    Bytes(&'a [u8]),
    Hashed { len: usize, hash: Hash },
}

impl Piece<'_> {
    /// How many bytes of the file the piece is.
    pub fn size(&self) -> usize {
        match self {
            Piece::Bytes(b) => b.len(),
            Piece::Hashed { len, .. } => *len,
        }
    }
}

impl<'a> Pieces<'a> {
    fn with_capacity(parts: usize) -> Pieces<'a> {
        Pieces {
            parts: Vec::with_capacity(parts),
        }
    }

    fn push(&mut self, part: impl Into<Cow<'a, [u8]>>) {
        self.parts.push(Part::Bytes(part.into(), None));
    }

    /// Pushes an item's bytes (or only their length and hash), shared by
    /// feeds.
    fn push_item(&mut self, item: &'a Written) {
        self.parts.push(match &item.bytes {
            Some(bytes) => Part::Bytes(Cow::Borrowed(bytes), Some(item.hash)),
            None => Part::Hashed {
                len: item.len,
                hash: item.hash,
            },
        });
    }

    /// The pieces, in order.
    pub fn parts(&self) -> Vec<Piece<'_>> {
        self.parts
            .iter()
            .map(|part| match part {
                Part::Bytes(b, _) => Piece::Bytes(b),
                &Part::Hashed { len, hash } => Piece::Hashed { len, hash },
            })
            .collect()
    }

    /// The file's bytes, in one buffer of the right size; `None` when the
    /// bytes of an item in it were not kept.
    pub fn concat(&self) -> Option<Vec<u8>> {
        let parts = self.parts();
        let mut bytes = Vec::with_capacity(parts.iter().map(Piece::size).sum());
        for part in parts {
            match part {
                Piece::Bytes(b) => bytes.extend_from_slice(b),
                Piece::Hashed { .. } => return None,
            }
        }
        Some(bytes)
    }

    /// A hash of the file that tells its bytes from any other bytes cut
    /// into these pieces: the hash of each piece's length and hash, in
    /// order. Items' hashes are made once, so a feed's fingerprint costs a
    /// pass over its own head and tail only — hashing every byte of every
    /// feed took 4% of a 10,000-post build. The same bytes cut otherwise
    /// fingerprint otherwise; what compares fingerprints falls back on the
    /// bytes (see `output::change_on_disk`).
    pub fn fingerprint(&self) -> Hash {
        let mut all = xxhash_rust::xxh3::Xxh3::new();
        for part in &self.parts {
            let (len, hash) = match part {
                Part::Bytes(b, known) => (b.len(), known.unwrap_or_else(|| hash(b))),
                &Part::Hashed { len, hash } => (len, hash),
            };
            all.update(&(len as u64).to_le_bytes());
            all.update(&hash.to_le_bytes());
        }
        all.digest128()
    }
}

impl From<Vec<u8>> for Pieces<'_> {
    fn from(bytes: Vec<u8>) -> Self {
        Pieces {
            parts: vec![Part::Bytes(Cow::Owned(bytes), None)],
        }
    }
}

impl<'a> From<&'a [u8]> for Pieces<'a> {
    fn from(bytes: &'a [u8]) -> Self {
        Pieces {
            parts: vec![Part::Bytes(Cow::Borrowed(bytes), None)],
        }
    }
}

/// A buffer each thread keeps, for [`with_buffer`].
pub(crate) type Buffer = LocalKey<RefCell<Vec<u8>>>;

/// The most of a [`Buffer`] a thread keeps after use: a huge post's is not
/// kept for the rest of the run.
const BUFFER_KEPT: usize = 1 << 20;

/// Runs `f` with this thread's `buffer`, emptied. Items are written and
/// escaped through such buffers, warm from the post before, because fresh
/// memory costs more here than the writing.
pub(crate) fn with_buffer<R>(buffer: &'static Buffer, f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
    buffer.with_borrow_mut(|bytes| {
        bytes.clear();
        let result = f(bytes);
        if bytes.capacity() > BUFFER_KEPT {
            *bytes = Vec::new();
        }
        result
    })
}

thread_local! {
    /// Where a thread writes a post's items, before each is copied out into
    /// a buffer of its own size: items are kept until every feed is made.
    static ITEM: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// What one term of a taxonomy is called in a feed's title: `Tag`,
/// `Category`, or the singular name as the site's config writes it, with a
/// capital.
fn label_en(taxonomy: &Taxonomy) -> String {
    let mut chars = taxonomy.singular.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// [`label_en`] in Chinese, for the taxonomies Hugo has by default.
fn label_zh(taxonomy: &Taxonomy) -> &str {
    match taxonomy.singular.as_str() {
        "tag" => "標籤",
        "category" => "分類",
        other => other,
    }
}

/// The file names, under a scope's folder.
pub const RSS_FILE: &str = "rss.xml";
pub const JSON_FILE: &str = "feed.json";
pub const ATOM_FILE: &str = "atom.xml";
pub const PAGE_FILE: &str = "index.html";
pub const OPML_FILE: &str = "feeds.opml";

impl<'a> Feed<'a> {
    /// Describes the feed of `scope`.
    pub fn new(config: &'a Config, scope: Scope<'_>, entries: Vec<Entry<'a>>) -> Feed<'a> {
        let folder = scope.url_folder(config);
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
            (Scope::Section(t), true) => (
                format!("{site}｜{}", t.name),
                format!("{site}中「{}」的文章", t.name),
            ),
            (Scope::Section(t), false) => (
                format!("{site} | {}", t.name),
                format!("Articles in “{}” on {site}", t.name),
            ),
            (Scope::Term(taxonomy, t), true) => (
                format!("{site}｜{}：{}", label_zh(taxonomy), t.name),
                format!("{site}中{}為「{}」的文章", label_zh(taxonomy), t.name),
            ),
            (Scope::Term(taxonomy, t), false) => (
                format!("{site} | {}: {}", label_en(taxonomy), t.name),
                match taxonomy.singular.as_str() {
                    "tag" => format!("Articles tagged “{}” on {site}", t.name),
                    singular => format!("Articles in the {singular} “{}” on {site}", t.name),
                },
            ),
        };
        Feed {
            title,
            description,
            home_url: join(
                &config.base_url,
                &format!("{}{}", encode_path(&config.url_prefix), scope.page(config)),
            ),
            rss_url: feed_url(file_of(config, Format::Rss)),
            json_url: feed_url(JSON_FILE),
            atom_url: feed_url(ATOM_FILE),
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

/// The file a format is written to, under a feed's folder: in Hugo's
/// layout, RSS goes where Hugo writes it (`index.xml`).
pub fn file_of(config: &Config, format: Format) -> &str {
    match format {
        Format::Rss if config.layout == Layout::Hugo => &config.rss_name,
        Format::Rss => RSS_FILE,
        Format::Json => JSON_FILE,
        Format::Atom => ATOM_FILE,
    }
}

/// The media type of a format, for links and for serving.
pub fn media_type_of(format: Format) -> &'static str {
    match format {
        Format::Rss => "application/rss+xml",
        Format::Json => "application/feed+json",
        Format::Atom => "application/atom+xml",
    }
}

/// Writes `feed` in `format`.
pub fn write<'a>(format: Format, feed: &Feed<'a>, config: &Config) -> Result<Pieces<'a>, String> {
    match format {
        Format::Rss => rss::write(feed, config),
        Format::Json => json::write(feed, config),
        Format::Atom => atom::write(feed, config),
    }
}

fn join(base: &url::Url, path: &str) -> String {
    // `path` is built from encoded segments, so joining cannot fail; fall back
    // to plain concatenation rather than panic if it ever did.
    base.join(path)
        .map_or_else(|_| format!("{base}{path}"), |u| u.to_string())
}

#[cfg(test)]
mod tests;
