//! What earlier one-shot builds made of the posts their feeds showed: each
//! post's feed items, as lengths and hashes, and its summary, found by the
//! post's path and bytes (kept in the site's `.feedsmith-cache/` by [`crate::disk::cache`]).
//!
//! Rendering the Markdown of the ~2,400 posts that a 10,000-post site's
//! feeds show, and writing their items, was a third of the CPU time of a
//! build after a build, though between two builds few posts change. A build
//! over an earlier one needs an item's bytes only for a feed it writes; to
//! find the others unchanged, the item's length and hash are enough (see
//! [`crate::feed::Item::hashed`]), and those this cache remembers.
//!
//! An item is made from its post's path and bytes, the config, the build's
//! flags and feedsmith's own code, and from nothing else but the permalinks
//! of the posts that `ref`/`relref` name. So:
//! - a cache is made for one [`context`]: the config, the flags, and the
//!   version of feedsmith and the hash of its binary's bytes (a binary
//!   built from changed code is another). A cache of another context is
//!   not used, as ccache does not use results of another compiler;
//! - an entry's key is the hash of the post's path and of its file's bytes
//!   as read for this build ([`key`]);
//! - posts that used `ref`/`relref`, and posts whose rendering gave a
//!   warning (which each build must give again), are not remembered.
//!
//! The cache never makes bytes: a feed that must be written has the posts it
//! shows rendered again, and if an item then differs from what the cache
//! said, the build says so. A cache that is missing, cut short, or of
//! another format or context is an empty one.

use std::collections::HashMap;

use crate::base::config::Config;
use crate::feed::{Hash, ItemHashes};
use crate::parse::article::Article;

/// The cache's file in the site's cache folder ([`Config::cache_dir`]).
pub const FILE: &str = "items";

/// The file's first line, naming its format.
const HEADER: &str = "feedsmith item cache 2";

/// The file's last line: a file without it was cut short.
const END: &str = "end";

/// What finds an entry: see [`key`].
pub type Key = Hash;

/// What a build remembers of one post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remembered {
    /// Its feed items, without their bytes.
    pub hashes: ItemHashes,
    /// The summary made from its text (empty when its front matter gave one).
    pub summary: String,
}

/// The entries of one [`context`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemCache {
    context: Hash,
    entries: HashMap<Key, Remembered>,
}

/// The context of a build's items: the config, the flags (`Debug` of the
/// build's flags) and `binary`, which names the feedsmith that builds
/// (its version is added here). Items of one context are the same for the
/// same post bytes.
pub fn context(config: &Config, flags: &impl std::fmt::Debug, binary: &str) -> Hash {
    let version = env!("CARGO_PKG_VERSION");
    crate::feed::hash(format!("{version}\n{binary}\n{flags:?}\n{config:?}").as_bytes())
}

/// The key of a post at `path` (under the content folder) whose file holds
/// `bytes`.
pub fn key(path: &str, bytes: &[u8]) -> Key {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&(path.len() as u64).to_le_bytes());
    h.update(path.as_bytes());
    h.update(bytes);
    h.digest128()
}

/// The key of a post, made by [`key`], for a post of a page bundle: its
/// item also depends on what its bundle's files gave it (its picture, its
/// attachments' sizes: see [`crate::parse::article::complete_from_bundle`]),
/// which are not in its bytes.
pub fn with_bundle(key: Key, article: &Article) -> Key {
    if crate::parse::files::bundle_folder(&article.path).is_none() {
        return key;
    }
    let given = format!("{:?}\n{:?}", article.image, article.attachments);
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&key.to_le_bytes());
    h.update(given.as_bytes());
    h.digest128()
}

/// The key of a post, made by [`key`], for a site whose dates come from
/// the files' modification times (`:fileModTime`): its item also depends
/// on its dates, which are not in its bytes.
pub fn with_dates(key: Key, article: &Article) -> Key {
    let given = format!(
        "{:?}\n{:?}\n{:?}\n{:?}",
        article.date, article.publish_date, article.lastmod, article.expiry_date
    );
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&key.to_le_bytes());
    h.update(given.as_bytes());
    h.digest128()
}

/// The key of a post, made by [`key`], for a post its list pages hand
/// values down to (Hugo's `cascade`, with their `fingerprint`: see
/// [`crate::parse::cascade::Applied`]): they are not in its bytes.
pub fn with_cascade(key: Key, fingerprint: u64) -> Key {
    if fingerprint == 0 {
        return key;
    }
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&key.to_le_bytes());
    h.update(&fingerprint.to_le_bytes());
    h.digest128()
}

impl ItemCache {
    /// An empty cache for `context`.
    pub fn new(context: Hash) -> ItemCache {
        ItemCache {
            context,
            entries: HashMap::new(),
        }
    }

    pub fn context(&self) -> Hash {
        self.context
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, key: Key) -> Option<&Remembered> {
        self.entries.get(&key)
    }

    pub fn insert(&mut self, key: Key, remembered: Remembered) {
        self.entries.insert(key, remembered);
    }

    /// The file's text: the header, the context, one entry a line (by key),
    /// and the end line. A line holds the key, the RSS item's length, hash
    /// and namespace bits, the JSON item's length and hash, the Atom item's
    /// (`- -` without Atom), and the summary as a JSON string.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut sorted: Vec<(&Key, &Remembered)> = self.entries.iter().collect();
        sorted.sort_unstable_by_key(|(key, _)| **key);
        let mut text = format!("{HEADER}\n{:032x}\n", self.context);
        for (key, r) in sorted {
            let h = &r.hashes;
            let summary = serde_json::to_string(&r.summary).unwrap_or_else(|_| "\"\"".into());
            let atom = h.atom.map_or_else(
                || "- -".to_owned(),
                |(len, hash)| format!("{len} {hash:032x}"),
            );
            let _ = writeln!(
                text,
                "{key:032x} {} {:032x} {} {} {:032x} {atom} {summary}",
                h.rss.0, h.rss.1, h.rss_namespaces, h.json.0, h.json.1
            );
        }
        text.push_str(END);
        text.push('\n');
        text
    }
}

/// The cache a file's text holds, if it is whole, of this format and of
/// `context`.
pub fn from_text(text: &str, context: Hash) -> Option<ItemCache> {
    let mut lines = text.strip_suffix('\n')?.split('\n');
    if lines.next() != Some(HEADER)
        || Hash::from_str_radix(lines.next()?, 16).ok()? != context
        || lines.next_back() != Some(END)
    {
        return None;
    }
    let entries = lines.map(parse_line).collect::<Option<_>>()?;
    Some(ItemCache { context, entries })
}

fn parse_line(line: &str) -> Option<(Key, Remembered)> {
    fn next<T: std::str::FromStr>(fields: &mut std::str::SplitN<'_, char>) -> Option<T> {
        fields.next()?.parse().ok()
    }
    fn hash(fields: &mut std::str::SplitN<'_, char>) -> Option<Hash> {
        Hash::from_str_radix(fields.next()?, 16).ok()
    }
    let mut fields = line.splitn(9, ' ');
    let key = hash(&mut fields)?;
    let rss = (next(&mut fields)?, hash(&mut fields)?);
    let rss_namespaces: u8 = next(&mut fields)?;
    if rss_namespaces >> crate::feed::rss::NAMESPACES.len() != 0 {
        return None;
    }
    let json = (next(&mut fields)?, hash(&mut fields)?);
    let atom = match (fields.next()?, fields.next()?) {
        ("-", "-") => None,
        (len, h) => Some((len.parse().ok()?, Hash::from_str_radix(h, 16).ok()?)),
    };
    let summary = serde_json::from_str(fields.next()?).ok()?;
    let hashes = ItemHashes {
        rss,
        rss_namespaces,
        json,
        atom,
    };
    Some((key, Remembered { hashes, summary }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remembered(n: u8, summary: &str) -> Remembered {
        Remembered {
            hashes: ItemHashes {
                rss: (100 + usize::from(n), u128::MAX - u128::from(n)),
                rss_namespaces: n % 4,
                json: (usize::from(n), u128::from(n) << 64),
                atom: (n % 2 == 1).then(|| (usize::from(n) + 7, u128::from(n) << 32)),
            },
            summary: summary.to_owned(),
        }
    }

    fn cache() -> ItemCache {
        let mut cache = ItemCache::new(0xfeed);
        for (n, summary) in [(0, ""), (1, "中文 \"quoted\"\nnext line"), (3, "a b c")] {
            cache.insert(key(&format!("posts/{n}.md"), &[n]), remembered(n, summary));
        }
        cache
    }

    #[test]
    fn a_cache_reads_back_what_it_wrote_and_nothing_else() {
        let cache = cache();
        let text = cache.to_text();
        assert_eq!(from_text(&text, 0xfeed), Some(cache.clone()));
        assert_eq!(from_text(&text, 0xbeef), None, "another context");
        let other_format = text.replacen(HEADER, "feedsmith item cache 3", 1);
        assert_eq!(from_text(&other_format, 0xfeed), None);
        for cut in [text.len() - 1, text.len() - 4, text.rfind(' ').unwrap()] {
            assert_eq!(from_text(&text[..cut], 0xfeed), None, "cut at {cut}");
        }
        let mut unknown_namespace = cache.clone();
        let mut entry = remembered(4, "");
        entry.hashes.rss_namespaces = 8;
        unknown_namespace.insert(key("posts/4.md", b""), entry);
        assert_eq!(from_text(&unknown_namespace.to_text(), 0xfeed), None);
        assert_eq!(from_text("", 0xfeed), None);
    }

    #[test]
    fn keys_tell_paths_and_bytes_apart() {
        let keys = [
            key("a.md", b"x"),
            key("a.md", b"y"),
            key("b.md", b"x"),
            key("a.mdx", b""),
            key("a.md", b"x\n"),
        ];
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(key("a.md", b"x"), keys[0]);
    }

    #[test]
    fn contexts_differ_with_the_config_the_flags_and_the_binary() {
        let config = Config::defaults();
        let mut other = Config::defaults();
        other.title = "Another".into();
        let base = context(&config, &(false, false), "bin 1");
        assert_eq!(base, context(&config, &(false, false), "bin 1"));
        for differs in [
            context(&other, &(false, false), "bin 1"),
            context(&config, &(true, false), "bin 1"),
            context(&config, &(false, false), "bin 2"),
        ] {
            assert_ne!(base, differs);
        }
    }
}
