//! What feedsmith knows of the files it left in an output folder (I/O edge).
//!
//! A build compares every file it makes with the one on disk, so that
//! unchanged feeds keep their dates and a deploy sees no change. Reading a
//! hundred megabytes of feeds back to compare them was the largest cost left
//! in a build whose feeds were already up to date.
//!
//! The record keeps, for each output file a run found holding its bytes, the
//! file's identity on disk — device, inode, size, modification and change
//! times — and the fingerprint of those bytes (see
//! [`crate::feed::Pieces::fingerprint`]). While a file keeps that identity,
//! it holds those bytes: writing to a file, truncating it or replacing it
//! gives it a new change time, and no program can set a change time back. A
//! later run that makes the file with that fingerprint, and finds it with
//! that identity, need not read it. git's index and rsync's quick check
//! trust file identities the same way. The record only ever says "the same":
//! anything else is settled by reading the file.
//!
//! A file is recorded only once its change time is [`SETTLED`] in the past:
//! a timestamp is coarse (a clock tick, or two seconds on some file systems),
//! and a file changed again within the same tick would keep its identity.
//! A file the record does not vouch for is read and compared, as without it.
//!
//! The record lives in the site's `.feedsmith-cache/` folder, which ignores
//! itself in git, not in the output folder, which holds only what is
//! published.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// The record's file in the cache folder ([`crate::base::config::CACHE_DIR`]).
pub const FILE: &str = "outputs";

/// The record's first line, naming its format.
const HEADER: &str = "feedsmith output record 1";

/// The record's last line: a record without it was cut short.
const END: &str = "end";

/// How long ago a file must have last changed for its identity to vouch for
/// its bytes: more than the coarsest timestamps of common file systems.
pub const SETTLED: Duration = Duration::from_secs(3);

pub use crate::feed::Hash;

/// Who a file on disk is: while all of this stays the same, so do its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    dev: u64,
    ino: u64,
    len: u64,
    /// Seconds and nanoseconds.
    modified: (i64, i64),
    changed: (i64, i64),
}

impl Identity {
    /// The identity of a regular file, on systems that give change times.
    pub fn of(meta: &std::fs::Metadata) -> Option<Identity> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            meta.is_file().then(|| Identity {
                dev: meta.dev(),
                ino: meta.ino(),
                len: meta.len(),
                modified: (meta.mtime(), meta.mtime_nsec()),
                changed: (meta.ctime(), meta.ctime_nsec()),
            })
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            None
        }
    }

    /// Whether the file last changed at least `settled` before `now`: any
    /// later change then gives it another change time.
    fn settled(&self, now: SystemTime, settled: Duration) -> bool {
        let (secs, nanos) = self.changed;
        let Ok(secs) = u64::try_from(secs) else {
            return false;
        };
        let changed = SystemTime::UNIX_EPOCH
            + Duration::from_secs(secs)
            + Duration::from_nanos(u64::try_from(nanos).unwrap_or(0));
        now.duration_since(changed).is_ok_and(|age| age >= settled)
    }
}

/// The record of one output folder: what the last run knew, and what this
/// run finds. Shared by the threads that compare files with the disk.
#[derive(Debug)]
pub struct Record {
    /// The output folder, as the record names it.
    out_dir: String,
    known: HashMap<String, Known>,
    /// Files this run found holding their bytes otherwise than the record
    /// knew them (read and compared), if they changed long enough ago to be
    /// trusted. In a build after a build it stays empty: pushing every file
    /// of a large site here (near a thousand) made a fresh block of memory,
    /// zeroed while the other threads waited for the lock.
    found: Mutex<Vec<(String, Identity, Hash)>>,
    settled: Duration,
}

/// A file the record knows, and whether this run found it so.
#[derive(Debug)]
struct Known {
    id: Identity,
    hash: Hash,
    seen: AtomicBool,
}

impl Record {
    /// The record of `out_dir` kept in `cache_dir`. A record that is missing,
    /// unreadable or for another output folder is an empty one: the files
    /// are then read and compared.
    pub fn load(cache_dir: &Path, out_dir: &Path) -> Record {
        let out_dir = std::fs::canonicalize(out_dir)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let known = std::fs::read_to_string(cache_dir.join(FILE))
            .ok()
            .and_then(|text| parse(&text, &out_dir))
            .unwrap_or_default()
            .into_iter()
            .map(|(rel, (id, hash))| {
                let seen = AtomicBool::new(false);
                (rel, Known { id, hash, seen })
            })
            .collect();
        Record {
            out_dir,
            known,
            found: Mutex::new(Vec::new()),
            settled: SETTLED,
        }
    }

    /// Trusts files however recently they changed, for tests that cannot
    /// wait [`SETTLED`].
    #[cfg(test)]
    pub(crate) fn trusting_at_once(mut self) -> Record {
        self.settled = Duration::ZERO;
        self
    }

    /// The fingerprint of the bytes `rel` holds, if the record knows the
    /// file with this identity.
    pub fn vouch(&self, rel: &str, id: &Identity) -> Option<Hash> {
        self.known
            .get(rel)
            .filter(|known| known.id == *id)
            .map(|known| known.hash)
    }

    /// How many files this run found as the record knew them: they were
    /// not read.
    pub fn vouched(&self) -> usize {
        self.known
            .values()
            .filter(|k| k.seen.load(Ordering::Relaxed))
            .count()
    }

    /// Notes that `rel`, with identity `id`, holds bytes with fingerprint `hash`:
    /// the next run can trust it, if it changed long enough ago.
    pub fn found(&self, rel: &str, id: Identity, hash: Hash) {
        if let Some(known) = self.known.get(rel) {
            if known.id == id && known.hash == hash {
                known.seen.store(true, Ordering::Relaxed);
                return;
            }
        }
        if id.settled(SystemTime::now(), self.settled) {
            if let Ok(mut found) = self.found.lock() {
                found.push((rel.to_owned(), id, hash));
            }
        }
    }

    /// Saves what this run found of the files it produced into `cache_dir`,
    /// unless it found every file as the record knew it, and no other.
    /// Failing to save costs only speed, so the caller may ignore the error.
    pub fn save(&self, cache_dir: &Path, produced: &BTreeSet<String>) -> std::io::Result<()> {
        let Ok(found) = self.found.lock() else {
            return Ok(());
        };
        // The common case, told without building the record again.
        if self.out_dir.is_empty() || (found.is_empty() && self.vouched() == self.known.len()) {
            return Ok(());
        }
        let seen = self
            .known
            .iter()
            .filter(|(_, k)| k.seen.load(Ordering::Relaxed))
            .map(|(rel, k)| (rel.as_str(), (k.id, k.hash)));
        let mut now: HashMap<&str, (Identity, Hash)> = seen.collect();
        for (rel, id, hash) in found.iter() {
            now.insert(rel.as_str(), (*id, *hash));
        }
        now.retain(|rel, _| produced.contains(*rel));
        super::cache::make_cache_dir(cache_dir)?;
        let text = write(&self.out_dir, &now);
        super::atomic::write_atomic(&cache_dir.join(FILE), text.as_bytes()).map_err(|e| e.source)
    }
}

/// Writes `bytes` to `dir/rel` and gives the file's identity.
#[cfg(test)]
pub(crate) fn written(dir: &Path, rel: &str, bytes: &[u8]) -> Identity {
    let path = dir.join(rel);
    std::fs::write(&path, bytes).unwrap();
    Identity::of(&std::fs::metadata(&path).unwrap()).unwrap()
}

/// The record's text: the header, the output folder, one file a line, and
/// the end line.
fn write<K: AsRef<str>>(out_dir: &str, files: &HashMap<K, (Identity, Hash)>) -> String {
    use std::fmt::Write;
    let mut sorted: Vec<(&str, &(Identity, Hash))> = files
        .iter()
        .map(|(rel, file)| (rel.as_ref(), file))
        .collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let mut text = format!("{HEADER}\n{out_dir}\n");
    for (rel, (id, hash)) in sorted {
        let _ = writeln!(
            text,
            "{hash:032x} {} {} {} {} {} {} {} {rel}",
            id.dev, id.ino, id.len, id.modified.0, id.modified.1, id.changed.0, id.changed.1
        );
    }
    text.push_str(END);
    text.push('\n');
    text
}

/// The files a record's text lists, if it is a record of `out_dir`.
fn parse(text: &str, out_dir: &str) -> Option<HashMap<String, (Identity, Hash)>> {
    let mut lines = text.strip_suffix('\n')?.split('\n');
    if lines.next() != Some(HEADER)
        || lines.next() != Some(out_dir)
        || lines.next_back() != Some(END)
    {
        return None;
    }
    lines.map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<(String, (Identity, Hash))> {
    fn next<T: std::str::FromStr>(fields: &mut std::str::SplitN<'_, char>) -> Option<T> {
        fields.next()?.parse().ok()
    }
    let mut fields = line.splitn(9, ' ');
    let hash = Hash::from_str_radix(fields.next()?, 16).ok()?;
    let id = Identity {
        dev: next(&mut fields)?,
        ino: next(&mut fields)?,
        len: next(&mut fields)?,
        modified: (next(&mut fields)?, next(&mut fields)?),
        changed: (next(&mut fields)?, next(&mut fields)?),
    };
    let rel = fields.next()?.to_owned();
    Some((rel, (id, hash)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::config::CACHE_DIR;

    fn id(ino: u64, changed: i64) -> Identity {
        Identity {
            dev: 66305,
            ino,
            len: 1234,
            modified: (changed, 5),
            changed: (changed, 999_999_999),
        }
    }

    #[test]
    fn a_record_reads_back_what_it_wrote_and_nothing_else() {
        let files: HashMap<String, (Identity, Hash)> = [
            ("rss.xml".to_owned(), (id(7, 1_700_000_000), 1)),
            (
                "tags/a b/feed.json".to_owned(),
                (id(u64::MAX, -5), u128::MAX),
            ),
            ("tags/中文/index.html".to_owned(), (id(0, 0), 0)),
        ]
        .into_iter()
        .collect();
        let text = write("/site/feeds", &files);
        assert_eq!(parse(&text, "/site/feeds"), Some(files));
        assert_eq!(parse(&text, "/site/other"), None, "another output folder");
        let other_format = text.replacen(HEADER, "feedsmith output record 2", 1);
        assert_eq!(parse(&other_format, "/site/feeds"), None);
        for cut in [text.len() - 1, text.len() - 4, text.rfind(' ').unwrap()] {
            assert_eq!(parse(&text[..cut], "/site/feeds"), None, "cut at {cut}");
        }
        assert_eq!(parse("", "/site/feeds"), None);
    }

    #[test]
    fn only_files_that_changed_long_enough_ago_are_trusted() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let at = |secs: i64, nanos: i64| Identity {
            changed: (secs, nanos),
            ..id(1, 0)
        };
        let settled = Duration::from_secs(3);
        assert!(at(1_800_000_000 - 3, 0).settled(now, settled));
        assert!(at(1_000_000_000, 0).settled(now, settled));
        assert!(!at(1_800_000_000 - 3, 1).settled(now, settled));
        assert!(!at(1_800_000_000 - 1, 0).settled(now, settled));
        assert!(!at(1_800_000_005, 0).settled(now, settled), "in the future");
        assert!(!at(-1, 0).settled(now, settled), "before 1970");
    }

    #[test]
    fn a_record_vouches_for_a_file_only_with_the_identity_it_had() {
        let out = tempfile::tempdir().unwrap();
        let site = tempfile::tempdir().unwrap();
        let cache = &site.path().join(CACHE_DIR);
        let path = out.path().join("rss.xml");
        std::fs::write(&path, b"<rss/>").unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        let first = Identity::of(&meta).unwrap();
        let produced: BTreeSet<String> = ["rss.xml".to_owned()].into_iter().collect();
        // Just written: a change within the same clock tick would not show.
        let record = Record::load(cache, out.path());
        record.found("rss.xml", first, 0x5eed);
        record.save(cache, &produced).unwrap();
        assert!(!cache.join(FILE).exists(), "a fresh file was recorded");
        let record = Record::load(cache, out.path()).trusting_at_once();
        record.found("rss.xml", first, 0x5eed);
        record.found("gone.xml", first, 1);
        record.save(cache, &produced).unwrap();
        assert!(cache.join(".gitignore").is_file());

        let record = Record::load(cache, out.path());
        assert_eq!(record.vouch("rss.xml", &first), Some(0x5eed));
        assert_eq!(record.vouch("gone.xml", &first), None, "not produced");
        assert_eq!(record.vouch("feed.json", &first), None);
        let other = Identity {
            ino: first.ino + 1,
            ..first
        };
        assert_eq!(record.vouch("rss.xml", &other), None);
        // Rewritten in place, with its old modification time put back: its
        // change time still tells.
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(&path, b"<RSS/>").unwrap();
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(meta.modified().unwrap()).unwrap();
        let now = Identity::of(&std::fs::metadata(&path).unwrap()).unwrap();
        assert_eq!(
            (now.ino, now.len, now.modified),
            (first.ino, first.len, first.modified)
        );
        assert_eq!(record.vouch("rss.xml", &now), None);
        // Another output folder's record is not this one's.
        let elsewhere = tempfile::tempdir().unwrap();
        let record = Record::load(cache, elsewhere.path());
        assert_eq!(record.vouch("rss.xml", &first), None);
    }

    #[test]
    fn a_record_that_holds_what_it_held_is_not_written_again() {
        let out = tempfile::tempdir().unwrap();
        let cache = tempfile::tempdir().unwrap();
        let id = written(out.path(), "a", b"a");
        let produced: BTreeSet<String> = ["a".to_owned()].into_iter().collect();
        let record = Record::load(cache.path(), out.path()).trusting_at_once();
        record.found("a", id, 1);
        assert_eq!(record.vouched(), 0, "the record was empty");
        record.save(cache.path(), &produced).unwrap();
        let file = cache.path().join(FILE);
        let written = std::fs::metadata(&file).unwrap();
        let record = Record::load(cache.path(), out.path()).trusting_at_once();
        record.found("a", id, 1);
        std::fs::remove_file(&file).unwrap();
        record.save(cache.path(), &produced).unwrap();
        assert!(!file.exists(), "an unchanged record is left as it is");
        assert_eq!(record.vouched(), 1);
        record.found("a", id, 2);
        assert_eq!(record.vouched(), 1, "found other than the record knew it");
        record.save(cache.path(), &produced).unwrap();
        assert!(file.exists() && std::fs::metadata(&file).unwrap().len() == written.len());
        let record = Record::load(cache.path(), out.path());
        assert_eq!(record.vouch("a", &id), Some(2));
    }

    /// What a run did not find as the record knew it leaves the record:
    /// files no longer produced, and files it found otherwise.
    #[test]
    fn a_record_keeps_only_what_this_run_found() {
        let out = tempfile::tempdir().unwrap();
        let cache = tempfile::tempdir().unwrap();
        let id = written(out.path(), "a", b"a");
        let all: BTreeSet<String> = ["a", "b", "c"].map(str::to_owned).into_iter().collect();
        let record = Record::load(cache.path(), out.path()).trusting_at_once();
        for rel in &all {
            record.found(rel, id, 1);
        }
        record.save(cache.path(), &all).unwrap();
        let record = Record::load(cache.path(), out.path()).trusting_at_once();
        record.found("a", id, 1);
        // "b" is produced but was not found as known (it changed); "c" is no
        // longer produced.
        let produced: BTreeSet<String> = ["a", "b"].map(str::to_owned).into_iter().collect();
        record.save(cache.path(), &produced).unwrap();
        let record = Record::load(cache.path(), out.path());
        assert_eq!(record.vouch("a", &id), Some(1));
        assert_eq!(record.vouch("b", &id), None);
        assert_eq!(record.vouch("c", &id), None);
    }
}
