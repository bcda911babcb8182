//! The site's cache folder, `.feedsmith-cache/` (I/O edge): what feedsmith
//! keeps between runs to be faster, never to be right. It holds the record
//! of the output folder ([`super::record`]) and the item cache
//! ([`crate::site::item_cache`]); anything missing or unreadable in it is
//! an empty cache, and failing to save costs only speed.

use std::path::Path;

use crate::feed::Hash;
use crate::site::item_cache::{self, ItemCache};

/// Makes the cache folder, if it is not there, with a `.gitignore` in it.
pub fn make_cache_dir(cache_dir: &Path) -> std::io::Result<()> {
    if !cache_dir.is_dir() {
        std::fs::create_dir_all(cache_dir)?;
        // Like pytest's and ruff's caches: git leaves the folder alone
        // with no line in the site's own .gitignore.
        std::fs::write(
            cache_dir.join(".gitignore"),
            "# Written by feedsmith: what it keeps between runs.\n*\n",
        )?;
    }
    Ok(())
}

/// The item cache kept in `cache_dir` if it is of `context`, else an empty
/// one for it.
pub fn load_items(cache_dir: &Path, context: Hash) -> ItemCache {
    std::fs::read_to_string(cache_dir.join(item_cache::FILE))
        .ok()
        .and_then(|text| item_cache::from_text(&text, context))
        .unwrap_or_else(|| ItemCache::new(context))
}

/// Saves the item cache into `cache_dir`, replacing the file whole. Failing
/// to save costs only speed, so the caller may ignore the error.
pub fn save_items(cache: &ItemCache, cache_dir: &Path) -> std::io::Result<()> {
    make_cache_dir(cache_dir)?;
    super::atomic::write_atomic(
        &cache_dir.join(item_cache::FILE),
        cache.to_text().as_bytes(),
    )
    .map_err(|e| e.source)
}

/// The hash of what `reader` gives, read through a small buffer: a binary
/// of megabytes read into one would be as many megabytes of fresh memory.
pub fn hash_of_reader(mut reader: impl std::io::Read) -> std::io::Result<Hash> {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    let mut buffer = vec![0; 64 * 1024];
    loop {
        match reader.read(&mut buffer) {
            Ok(0) => return Ok(h.digest128()),
            Ok(n) => h.update(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::ItemHashes;
    use crate::site::item_cache::Remembered;

    fn cache() -> ItemCache {
        let mut cache = ItemCache::new(0xfeed);
        for n in 0..3u8 {
            let hashes = ItemHashes {
                rss: (n.into(), n.into()),
                rss_namespaces: 0,
                json: (n.into(), n.into()),
                atom: None,
            };
            let summary = format!("摘要 {n}");
            cache.insert(
                item_cache::key(&format!("posts/{n}.md"), &[n]),
                Remembered { hashes, summary },
            );
        }
        cache
    }

    #[test]
    fn a_cache_is_saved_whole_and_loaded_only_for_its_context() {
        let dir = tempfile::tempdir().unwrap();
        let cache_dir = dir.path().join(crate::base::config::CACHE_DIR);
        assert_eq!(load_items(&cache_dir, 0xfeed), ItemCache::new(0xfeed));
        save_items(&cache(), &cache_dir).unwrap();
        assert_eq!(load_items(&cache_dir, 0xfeed), cache());
        assert_eq!(load_items(&cache_dir, 1), ItemCache::new(1));
        assert!(cache_dir.join(".gitignore").is_file());
    }

    #[test]
    fn a_reader_hashes_as_its_bytes() {
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let reader = std::io::Cursor::new(&bytes);
        assert_eq!(hash_of_reader(reader).unwrap(), crate::feed::hash(&bytes));
        assert_eq!(hash_of_reader(&b""[..]).unwrap(), crate::feed::hash(b""));
    }
}
