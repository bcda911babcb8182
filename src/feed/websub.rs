//! WebSub publishing (W3C Recommendation): which feeds to tell each hub
//! about, and the record of what each hub accepted.
//!
//! A hub is told a feed's URL (`hub.mode=publish`, `hub.url=…`), then
//! fetches the feed and pushes it to subscribers. Telling it about bytes it
//! already has costs the hub a fetch and every subscriber a push of nothing
//! new, so a feed is told to a hub only when its bytes differ from the ones
//! that hub last accepted. The record keeps, per hub and feed URL, the hash
//! of those bytes; the command that sends the requests lives in
//! [`crate::cmd::ping`].

use std::collections::BTreeMap;

use super::Hash;

/// The record's first line, naming its format.
const HEADER: &str = "feedsmith websub record 1";

/// A feed as it is now: its public URL and the hash of its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub url: String,
    pub hash: Hash,
}

/// What each hub last accepted: by (hub, feed URL), the hash of the
/// feed's bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    accepted: BTreeMap<(String, String), Hash>,
}

impl Record {
    /// The feeds `hub` has not accepted with these bytes.
    pub fn pending<'f>(&self, hub: &str, feeds: &'f [Published]) -> Vec<&'f Published> {
        feeds
            .iter()
            .filter(|feed| {
                self.accepted.get(&(hub.to_owned(), feed.url.clone())) != Some(&feed.hash)
            })
            .collect()
    }

    /// Notes that `hub` accepted `feed` with its bytes.
    pub fn accept(&mut self, hub: &str, feed: &Published) {
        self.accepted
            .insert((hub.to_owned(), feed.url.clone()), feed.hash);
    }

    /// Forgets feeds that are no longer published and hubs no longer
    /// configured, so that the record does not grow forever.
    pub fn keep_only(&mut self, hubs: &[&str], feeds: &[Published]) {
        let urls: std::collections::HashSet<&str> = feeds.iter().map(|f| f.url.as_str()).collect();
        self.accepted
            .retain(|(hub, url), _| hubs.contains(&hub.as_str()) && urls.contains(url.as_str()));
    }

    /// The record as text: the header, then a line per (hub, feed): the
    /// hash, the hub and the feed URL, separated by spaces (URLs hold
    /// none).
    pub fn to_text(&self) -> String {
        let mut text = format!("{HEADER}\n");
        for ((hub, url), hash) in &self.accepted {
            text.push_str(&format!("{hash:032x} {hub} {url}\n"));
        }
        text
    }

    /// The record a text holds; an unreadable one is an empty record (every
    /// feed is told again: harmless, if wasteful).
    pub fn from_text(text: &str) -> Record {
        let mut lines = text.lines();
        if lines.next() != Some(HEADER) {
            return Record::default();
        }
        let accepted = lines
            .filter_map(|line| {
                let mut fields = line.split(' ');
                let hash = Hash::from_str_radix(fields.next()?, 16).ok()?;
                let (hub, url) = (fields.next()?, fields.next()?);
                fields
                    .next()
                    .is_none()
                    .then(|| ((hub.to_owned(), url.to_owned()), hash))
            })
            .collect();
        Record { accepted }
    }
}

/// The address a file of the output folder (`tags/台北/rss.xml`) is
/// published at, under `feeds_url`: each segment encoded as the feeds'
/// own links encode it.
pub fn published_url(feeds_url: &url::Url, path: &str) -> Option<url::Url> {
    let encoded: Vec<String> = path
        .split('/')
        .map(crate::base::urls::encode_segment)
        .collect();
    feeds_url.join(&encoded.join("/")).ok()
}

/// Whether an output file is a feed (and not a page or the OPML file),
/// when RSS files are named `rss_name` (see [`super::file_of`]).
pub fn is_feed_file(path: &str, rss_name: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    [rss_name, super::JSON_FILE, super::ATOM_FILE].contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(url: &str, hash: Hash) -> Published {
        Published {
            url: url.to_owned(),
            hash,
        }
    }

    #[test]
    fn a_feed_is_told_to_each_hub_once_per_bytes() {
        let feeds = [feed("https://x/rss.xml", 1), feed("https://x/atom.xml", 2)];
        let mut record = Record::default();
        assert_eq!(record.pending("https://hub/", &feeds).len(), 2);
        record.accept("https://hub/", &feeds[0]);
        let pending = record.pending("https://hub/", &feeds);
        assert_eq!(pending, [&feeds[1]]);
        // Another hub has been told nothing.
        assert_eq!(record.pending("https://other/", &feeds).len(), 2);
        // New bytes are news again.
        let changed = [feed("https://x/rss.xml", 3)];
        assert_eq!(record.pending("https://hub/", &changed).len(), 1);
    }

    #[test]
    fn the_record_reads_back_and_forgets_what_is_gone() {
        let feeds = [
            feed("https://x/rss.xml", 1),
            feed("https://x/tags/a/rss.xml", 2),
        ];
        let mut record = Record::default();
        for hub in ["https://a/", "https://b/"] {
            for f in &feeds {
                record.accept(hub, f);
            }
        }
        assert_eq!(Record::from_text(&record.to_text()), record);
        assert_eq!(Record::from_text("something else\n"), Record::default());
        record.keep_only(&["https://a/"], &feeds[..1]);
        assert_eq!(record.pending("https://a/", &feeds[..1]).len(), 0);
        assert_eq!(record.to_text().lines().count(), 2);
    }

    #[test]
    fn only_feeds_are_published() {
        assert!(is_feed_file("rss.xml", "rss.xml"));
        assert!(is_feed_file("tags/中文/atom.xml", "rss.xml"));
        assert!(is_feed_file("tags/x/feed.json", "rss.xml"));
        assert!(!is_feed_file("index.html", "rss.xml"));
        assert!(!is_feed_file("feeds.opml", "rss.xml"));
        assert!(is_feed_file("tags/x/index.xml", "index.xml"));
        assert!(!is_feed_file("tags/x/index.xml", "rss.xml"));
    }
}
