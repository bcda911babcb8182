//! Writing the output folder (I/O edge).
//!
//! Every file is written to a temporary file in its own folder and renamed
//! into place, so a reader (or a deploy) never sees half a feed. Files whose
//! bytes would not change are left alone. Feeds that are no longer produced are
//! deleted — but only files feedsmith itself wrote, which it lists in a
//! manifest; nothing else in the output folder is ever touched.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;

use super::atomic::{
    err, remove_with_empty_parents, write_atomic, write_atomic_parts, OutputError,
};
use crate::base::diagnostic::Diagnostic;
use crate::disk::record::{Identity, Record};
use crate::feed::{Hash, Piece};
use crate::site::{manifest, OnDisk, Sink, Writer, MANIFEST};

/// Present in the output folder while a run writes to it: a run killed
/// meanwhile may have left temporary files, and the next run then looks for
/// them. Without it, every run would walk the whole output folder (hundreds
/// of folders, milliseconds on one core) to find nothing.
const WRITING: &str = ".feedsmith-writing";

/// What a build would do to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    Create,
    Update,
    Remove,
}

impl Change {
    pub fn verb(self) -> &'static str {
        match self {
            Change::Create => "create",
            Change::Update => "update",
            Change::Remove => "remove",
        }
    }
}

/// Reads the previous manifest. Only plain relative paths are trusted, so an
/// edited manifest can never make feedsmith delete outside the output folder.
fn previous_files(out_dir: &Path) -> BTreeSet<String> {
    match std::fs::read_to_string(out_dir.join(MANIFEST)) {
        Ok(text) => listed_in(&text),
        Err(_) => BTreeSet::new(),
    }
}

/// The files the manifest in `out_dir` lists: what the last run wrote
/// there. `None` when there is no manifest to read (nothing was built).
pub fn files_written(out_dir: &Path) -> Option<BTreeSet<String>> {
    std::fs::read_to_string(out_dir.join(MANIFEST))
        .ok()
        .map(|text| listed_in(&text))
}

/// The paths a manifest lists.
fn listed_in(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|l| {
            Path::new(l)
                .components()
                .all(|c| matches!(c, Component::Normal(_)))
        })
        .map(str::to_owned)
        .collect()
}

/// An exclusive lock on the output folder, held while a run writes to it, so
/// that two runs (two builds, or a build and a watch) never mix their files:
/// the folder always holds one run's complete output. It is an advisory lock
/// (`flock`) on the folder itself, so no lock file appears among the feeds,
/// and the system releases it when the process ends, however it ends.
#[derive(Debug)]
pub struct OutputLock {
    _folder: std::fs::File,
}

/// Takes the output folder's lock, creating the folder if needed. If another
/// run holds it, calls `waiting` (to say so) and waits. Then, if a run was
/// stopped while writing, removes the temporary files it may have left (none
/// can be in use now).
pub fn lock(out_dir: &Path, waiting: impl FnOnce()) -> Result<OutputLock, OutputError> {
    std::fs::create_dir_all(out_dir).map_err(err(out_dir))?;
    let folder = std::fs::File::open(out_dir).map_err(err(out_dir))?;
    match folder.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            waiting();
            folder.lock().map_err(err(out_dir))?;
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(err(out_dir)(e)),
    }
    let writing = out_dir.join(WRITING);
    if writing.exists() {
        remove_stale_temp_files(out_dir);
        let _ = std::fs::remove_file(writing);
    }
    Ok(OutputLock { _folder: folder })
}

/// Removes `.feedsmith-*.tmp` files: temporary files of a run that was killed
/// before it could rename them into place.
fn remove_stale_temp_files(out_dir: &Path) {
    for entry in walkdir::WalkDir::new(out_dir).into_iter().flatten() {
        let name = entry.file_name().to_string_lossy();
        if entry.file_type().is_file() && name.starts_with(".feedsmith-") && name.ends_with(".tmp")
        {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Decides, once every problem is known, whether files may be written.
type Gate<'a> = Box<dyn FnMut(&[Diagnostic]) -> bool + 'a>;

/// Writes a rebuild's files into the output folder as they are produced, or
/// with `check` only notes what would change. A file whose bytes are already
/// on disk is not rewritten.
pub struct DiskSink<'a> {
    out_dir: &'a Path,
    check: bool,
    /// Whether to go on once every problem is known (`--strict` says no).
    gate: Gate<'a>,
    /// What changed (or would), in the order it happened.
    pub changes: Vec<(String, Change)>,
    pub unchanged: usize,
    /// Every file handed over, changed or not.
    pub produced: BTreeSet<String>,
    /// The first write that failed; nothing more is written after it.
    pub error: Option<OutputError>,
    /// The output folder's lock, taken once the gate lets the run write and
    /// held until the sink is dropped (after [`DiskSink::finish`]).
    lock: Option<OutputLock>,
    /// Files handed over but not written yet (with their fingerprints), and
    /// their size.
    pending: Vec<(String, Vec<u8>, Hash)>,
    pending_bytes: usize,
    /// Whether this sink put the [`WRITING`] mark in the output folder.
    writing: bool,
    /// The files the manifest on disk lists, once this run has read it.
    listed: Option<BTreeSet<String>>,
    /// The manifest as it was before this run wrote one listing its new
    /// files (`Some(None)`: there was none), for reporting what changed.
    manifest_before: Option<Option<Vec<u8>>>,
    /// Where the record of the output folder is kept, if it is used.
    record_dir: Option<PathBuf>,
    /// The record being read, on a thread of its own.
    loading: Mutex<Option<std::thread::JoinHandle<Record>>>,
    /// The record, once read.
    record: OnceLock<Arc<Record>>,
    /// What the [`Writer`] it gave (see [`Sink::writer`]) did, from the
    /// build's threads, until [`DiskSink::finish`] takes it in.
    direct: Arc<Mutex<Direct>>,
}

/// What a [`DiskSink`]'s writer did: each file it took, with what writing
/// it changed, and the first write that failed (nothing more is written
/// after it, as after a failed [`DiskSink::flush`]).
#[derive(Debug, Default)]
struct Direct {
    taken: Vec<(String, Option<Change>)>,
    error: Option<OutputError>,
}

/// How many bytes of files the sink holds back before writing them all.
const PENDING_BYTES: usize = 16 * 1024 * 1024;

/// Writes one file whose comparison with the disk found `change` (see
/// [`change_on_disk`]; `None`: it is there already), unless `check`.
/// Returns `change`.
fn put_one(
    out_dir: &Path,
    rel: &str,
    bytes: &[u8],
    change: Option<Change>,
    check: bool,
) -> Result<Option<Change>, OutputError> {
    if change.is_some() && !check {
        // `write_atomic` creates the file's folder (and the output folder).
        write_atomic(&out_dir.join(rel), bytes)?;
    }
    Ok(change)
}

impl<'a> DiskSink<'a> {
    pub fn new(
        out_dir: &'a Path,
        check: bool,
        gate: impl FnMut(&[Diagnostic]) -> bool + 'a,
    ) -> Self {
        DiskSink {
            out_dir,
            check,
            gate: Box::new(gate),
            changes: Vec::new(),
            unchanged: 0,
            produced: BTreeSet::new(),
            error: None,
            lock: None,
            pending: Vec::new(),
            pending_bytes: 0,
            writing: false,
            listed: None,
            manifest_before: None,
            record_dir: None,
            loading: Mutex::new(None),
            record: OnceLock::new(),
            direct: Arc::default(),
        }
    }

    /// Uses the record of the output folder kept in `cache_dir` (see
    /// [`crate::disk::record`]): files it vouches for are not read to be compared.
    /// For a full build: it starts reading the record at once, on a thread
    /// of its own, because the build needs it when all its cores wait.
    pub fn with_record(mut self, cache_dir: &Path) -> Self {
        let (dir, out_dir) = (cache_dir.to_path_buf(), self.out_dir.to_path_buf());
        let loading = std::thread::Builder::new()
            .name("record".into())
            .spawn(move || Record::load(&dir, &out_dir))
            .ok();
        self.loading = Mutex::new(loading);
        self.record_dir = Some(cache_dir.to_path_buf());
        self
    }

    /// The record, once read (here, if its thread could not be started or
    /// failed).
    fn loaded_record(&self) -> Option<&Arc<Record>> {
        let dir = self.record_dir.as_deref()?;
        Some(self.record.get_or_init(|| {
            let loading = self.loading.lock().ok().and_then(|mut l| l.take());
            let record = loading.and_then(|thread| thread.join().ok());
            Arc::new(record.unwrap_or_else(|| Record::load(dir, self.out_dir)))
        }))
    }

    /// Takes the output folder's lock (saying so if another run holds it).
    /// `--check` writes nothing and only locks a folder that exists.
    fn take_lock(&mut self) {
        if self.lock.is_some() || (self.check && !self.out_dir.is_dir()) {
            return;
        }
        let shown = self.out_dir.display().to_string();
        match lock(self.out_dir, || {
            eprintln!("feedsmith: waiting for another feedsmith run that is writing to {shown}/ …")
        }) {
            Ok(lock) => self.lock = Some(lock),
            Err(e) => self.error = Some(e),
        }
    }

    /// Marks the output folder as being written to, before the first
    /// temporary file of this sink is made (see [`WRITING`]).
    fn start_writing(&mut self) -> Result<(), OutputError> {
        if !self.writing {
            let path = self.out_dir.join(WRITING);
            std::fs::File::create(&path).map_err(err(&path))?;
            self.writing = true;
        }
        Ok(())
    }

    /// Removes the mark once every file is in place (or its temporary file
    /// removed, as a failed write does).
    fn stop_writing(&mut self) {
        if std::mem::take(&mut self.writing) {
            let _ = std::fs::remove_file(self.out_dir.join(WRITING));
        }
    }

    /// Counts what writing one file changed.
    fn record(&mut self, rel: String, change: Option<Change>) {
        match change {
            None => self.unchanged += 1,
            Some(change) => self.changes.push((rel, change)),
        }
    }

    /// Writes the files held back so far, on every core: a rebuild's files
    /// are independent, and writing them is mostly waiting on the system.
    fn flush(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        self.pending_bytes = 0;
        if self.error.is_some() || pending.is_empty() {
            return;
        }
        let (out_dir, check) = (self.out_dir, self.check);
        // Only a full build reads the record (see `on_disk`): a rebuild that
        // hands over a few files must not load it, nor save it with only them.
        let record = self.record.get().map(Arc::as_ref);
        let changes: Vec<Option<Change>> = pending
            .par_iter()
            .map(|(rel, bytes, fingerprint)| {
                change_on_disk(
                    out_dir,
                    rel,
                    &[Piece::Bytes(bytes)],
                    record.map(|r| (r, *fingerprint)),
                )
            })
            .collect();
        if !check && changes.iter().any(Option::is_some) {
            if let Err(e) = self.start_writing() {
                self.error = Some(e);
                return;
            }
            // The mark goes first: the manifest below is written through a
            // temporary file too. A file already there was listed by the run
            // that made it.
            let created = pending
                .iter()
                .zip(&changes)
                .filter(|(_, change)| **change == Some(Change::Create))
                .map(|((rel, _, _), _)| rel.as_str());
            if let Err(e) = self.list_before_writing(created) {
                self.error = Some(e);
                return;
            }
        }
        let results: Vec<Result<Option<Change>, OutputError>> = pending
            .par_iter()
            .zip(&changes)
            .map(|((rel, bytes, _), &change)| put_one(out_dir, rel, bytes, change, check))
            .collect();
        for ((rel, _, _), result) in pending.into_iter().zip(results) {
            match result {
                Ok(change) => self.record(rel, change),
                Err(e) => {
                    if self.error.is_none() {
                        self.error = Some(e);
                    }
                }
            }
        }
    }

    /// Makes sure the manifest on disk lists every file about to be created
    /// before it is: a run killed halfway must not leave feeds no manifest
    /// lists, which no later run would remove. The manifest then lists the
    /// files of both the last complete run and this one until `finish`
    /// writes this run's. Costs nothing once every feed is listed.
    fn list_before_writing<'p>(
        &mut self,
        rels: impl Iterator<Item = &'p str>,
    ) -> Result<(), OutputError> {
        let out_dir = self.out_dir;
        let listed = self.listed.get_or_insert_with(|| previous_files(out_dir));
        let unlisted: Vec<&str> = rels
            .filter(|rel| *rel != MANIFEST && !listed.contains(*rel))
            .collect();
        if unlisted.is_empty() {
            return Ok(());
        }
        listed.extend(unlisted.into_iter().map(str::to_owned));
        let paths: Vec<&str> = listed.iter().map(String::as_str).collect();
        let path = out_dir.join(MANIFEST);
        if self.manifest_before.is_none() {
            self.manifest_before = Some(std::fs::read(&path).ok());
        }
        write_atomic(&path, &manifest(&paths))
    }

    /// Ends a rebuild: removes the files that are no longer produced —
    /// `removed`, and after a full build also those the previous manifest
    /// lists that this build did not produce —, writes the manifest, then the
    /// files still held back. In that order the manifest lists each new file
    /// before it is created, so a run stopped at any point leaves no file
    /// that later runs would not remove — and a rebuild that adds and removes
    /// feeds (a post moving to a new tag) writes the manifest once.
    pub fn finish(
        &mut self,
        removed: &[String],
        full: bool,
        manifest: Option<&[u8]>,
    ) -> Result<(), OutputError> {
        self.take_direct();
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let mut stale: BTreeSet<String> = removed.iter().cloned().collect();
        if full {
            stale.extend(
                previous_files(self.out_dir)
                    .into_iter()
                    .filter(|old| !self.produced.contains(old) && old != MANIFEST),
            );
        }
        for rel in stale {
            let path = self.out_dir.join(&rel);
            if !path.is_file() {
                continue;
            }
            if !self.check {
                remove_with_empty_parents(self.out_dir, &path)?;
            }
            self.changes.push((rel, Change::Remove));
        }
        if let Some(manifest) = manifest {
            let on_disk = change_on_disk(self.out_dir, MANIFEST, &[Piece::Bytes(manifest)], None);
            if on_disk.is_some() && !self.check {
                self.start_writing()?;
            }
            let written = put_one(self.out_dir, MANIFEST, manifest, on_disk, self.check)?;
            // A run that wrote a manifest already, to list new files, reports
            // the change from the one that was there before it.
            let change = match self.manifest_before.take() {
                None => written,
                Some(None) => Some(Change::Create),
                Some(Some(before)) => (before != manifest).then_some(Change::Update),
            };
            self.record(MANIFEST.to_owned(), change);
            self.listed = Some(listed_in(&String::from_utf8_lossy(manifest)));
        }
        self.flush();
        self.stop_writing();
        match self.error.take() {
            Some(e) => Err(e),
            None => {
                self.save_record();
                Ok(())
            }
        }
    }

    /// Takes in what the writer did: its files are produced, and its error,
    /// if it had one, is the sink's.
    fn take_direct(&mut self) {
        let direct = match self.direct.lock() {
            Ok(mut direct) => std::mem::take(&mut *direct),
            Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
        };
        for (rel, change) in direct.taken {
            self.produced.insert(rel.clone());
            self.record(rel, change);
        }
        if self.error.is_none() {
            self.error = direct.error;
        }
    }

    /// Saves what this run found of its files on disk. A record that cannot
    /// be saved costs the next run only time, so that is not an error.
    fn save_record(&self) {
        if let (Some(dir), Some(record), false) = (&self.record_dir, self.record.get(), self.check)
        {
            let _ = record.save(dir, &self.produced);
        }
    }

    /// How many files the record vouched for, which were not read.
    pub fn vouched(&self) -> usize {
        self.record.get().map_or(0, |r| r.vouched())
    }

    /// How many files were created or updated (or would be).
    pub fn written(&self) -> usize {
        self.changes
            .iter()
            .filter(|(_, c)| *c != Change::Remove)
            .count()
    }

    /// How many files were removed (or would be).
    pub fn removed(&self) -> usize {
        self.changes.len() - self.written()
    }
}

/// What a [`DiskSink`]'s [`Writer`] does with a file: compares `parts`
/// with `out_dir/rel` and writes them there if they differ, unless a write
/// failed already; notes what that changed, or the error, in `direct`.
/// Returns false, having done nothing, when a piece has only its hash.
fn write_directly(
    out_dir: &Path,
    rel: &str,
    parts: &[Piece<'_>],
    record: Option<(&Record, Hash)>,
    direct: &Mutex<Direct>,
) -> bool {
    let bytes: Option<Vec<&[u8]>> = parts
        .iter()
        .map(|p| match p {
            Piece::Bytes(b) => Some(*b),
            Piece::Hashed { .. } => None,
        })
        .collect();
    let Some(bytes) = bytes else {
        return false;
    };
    let change = change_on_disk(out_dir, rel, parts, record);
    let failed = || direct.lock().map_or(true, |d| d.error.is_some());
    let written = match change {
        Some(_) if failed() => return true,
        Some(_) => write_atomic_parts(&out_dir.join(rel), &bytes),
        None => Ok(()),
    };
    if let Ok(mut direct) = direct.lock() {
        match written {
            Ok(()) => direct.taken.push((rel.to_owned(), change)),
            Err(e) => {
                direct.error.get_or_insert(e);
            }
        }
    }
    true
}

/// What writing `parts` (a file's bytes, in pieces) to `out_dir/rel` would
/// change: nothing (`None`) when it holds them already, an update when
/// something else is there, else a creation. A different length settles it
/// without reading, and so does the record (with the parts' fingerprint)
/// when it knows the file with that fingerprint; else the file is read, and
/// the record told what it holds. The record only ever says "the same": a
/// fingerprint that differs may be the same bytes cut otherwise.
fn change_on_disk(
    out_dir: &Path,
    rel: &str,
    parts: &[Piece<'_>],
    record: Option<(&Record, Hash)>,
) -> Option<Change> {
    let path = out_dir.join(rel);
    let Ok(meta) = std::fs::metadata(&path) else {
        return Some(Change::Create);
    };
    let len: usize = parts.iter().map(Piece::size).sum();
    if !meta.is_file() || meta.len() != len as u64 {
        return Some(Change::Update);
    }
    if let (Some((record, fingerprint)), Some(id)) = (record, Identity::of(&meta)) {
        if record.vouch(rel, &id) == Some(fingerprint) {
            record.found(rel, id, fingerprint);
            return None;
        }
    }
    let Ok(file) = std::fs::File::open(&path) else {
        return Some(Change::Update);
    };
    // The identity is taken before reading: a change made while the file
    // is read then shows as a new identity next time.
    let id = file.metadata().ok().as_ref().and_then(Identity::of);
    if !reads_as(file, parts, len) {
        return Some(Change::Update);
    }
    if let (Some((record, fingerprint)), Some(id)) = (record, id) {
        record.found(rel, id, fingerprint);
    }
    None
}

/// Whether a file's first `len` bytes are `expected`'s (`len` bytes in all,
/// in pieces), read in large chunks through one buffer per thread: a build
/// compares a hundred megabytes of feeds with the disk, and a fresh buffer
/// for each file cost more than the comparing. A piece known only by its
/// length and hash is compared by hashing what the file holds there.
pub(crate) fn reads_as(mut file: impl std::io::Read, expected: &[Piece<'_>], len: usize) -> bool {
    const CHUNK: usize = 256 * 1024;
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUFFER.with_borrow_mut(|buffer| {
        if buffer.is_empty() {
            buffer.resize(CHUNK, 0);
        }
        let mut parts = expected.iter();
        // What is left of the piece being compared, and the hash of what
        // the file holds of it so far when it is known by its hash.
        let mut piece = Left::Bytes(&[]);
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        let mut left = len;
        while left > 0 {
            let n = match file.read(&mut buffer[..left.min(CHUNK)]) {
                Ok(0) => return false,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => return false,
            };
            left -= n;
            let mut read = &buffer[..n];
            while !read.is_empty() {
                if piece.is_done() {
                    match parts.next() {
                        Some(next) => piece = Left::of(next),
                        None => return false,
                    }
                    hasher.reset();
                    continue;
                }
                match piece.take(read, &mut hasher) {
                    Some(rest) => read = rest,
                    None => return false,
                }
            }
        }
        // The last piece may end exactly at the end of the file.
        piece.is_done()
    })
}

/// What is left to compare of a piece in [`reads_as`].
enum Left<'a> {
    Bytes(&'a [u8]),
    Hashed { left: usize, hash: Hash },
}

impl<'a> Left<'a> {
    fn of(piece: &Piece<'a>) -> Left<'a> {
        match *piece {
            Piece::Bytes(bytes) => Left::Bytes(bytes),
            Piece::Hashed { len, hash } => Left::Hashed { left: len, hash },
        }
    }

    /// Whether the piece was all compared (a hashed one is checked as its
    /// last byte is taken).
    fn is_done(&self) -> bool {
        match self {
            Left::Bytes(bytes) => bytes.is_empty(),
            Left::Hashed { left, .. } => *left == 0,
        }
    }

    /// Compares the start of `read` with the piece, and returns what is
    /// left of `read`, or `None` when it differs. `hasher` holds what the
    /// file held of a hashed piece before `read`.
    fn take<'r>(
        &mut self,
        read: &'r [u8],
        hasher: &mut xxhash_rust::xxh3::Xxh3,
    ) -> Option<&'r [u8]> {
        match self {
            Left::Bytes(bytes) => {
                let k = bytes.len().min(read.len());
                if bytes[..k] != read[..k] {
                    return None;
                }
                *bytes = &bytes[k..];
                Some(&read[k..])
            }
            Left::Hashed { left, hash } => {
                let k = (*left).min(read.len());
                hasher.update(&read[..k]);
                *left -= k;
                if *left == 0 && hasher.digest128() != *hash {
                    return None;
                }
                Some(&read[k..])
            }
        }
    }
}

/// A sink dropped without [`DiskSink::finish`] made no file it did not put
/// in place or remove again: only a stopped process leaves the mark.
impl Drop for DiskSink<'_> {
    fn drop(&mut self) {
        self.stop_writing();
    }
}

impl Sink for DiskSink<'_> {
    fn on_disk(&self) -> Option<OnDisk> {
        let out_dir = self.out_dir.to_path_buf();
        let record = self.loaded_record().cloned();
        Some(std::sync::Arc::new(
            move |rel: &str, parts: &[Piece<'_>], fingerprint: Hash| {
                let known = record.as_deref().map(|r| (r, fingerprint));
                change_on_disk(&out_dir, rel, parts, known).is_none()
            },
        ))
    }

    fn same(&mut self, path: &str) {
        self.produced.insert(path.to_owned());
        self.unchanged += 1;
    }

    /// A folder with a manifest was built before.
    fn built_before(&self) -> bool {
        self.out_dir.join(MANIFEST).is_file()
    }

    fn proceed(&mut self, diagnostics: &[Diagnostic]) -> bool {
        let go = (self.gate)(diagnostics);
        if go {
            self.take_lock();
        }
        go
    }

    /// Offered only into a folder no run has built (no manifest) and not
    /// for `--check`: there nearly every file is new, and written at once
    /// from the threads that make them. Elsewhere most files are on disk
    /// already, and the few to write go through [`Sink::file`].
    fn writer(&mut self, paths: &[String]) -> Option<Writer> {
        if self.check || self.error.is_some() || self.built_before() {
            return None;
        }
        let listed = self
            .start_writing()
            .and_then(|()| self.list_before_writing(paths.iter().map(String::as_str)));
        if let Err(e) = listed {
            self.error = Some(e);
            return None;
        }
        let (out_dir, direct) = (self.out_dir.to_path_buf(), Arc::clone(&self.direct));
        let record = self.loaded_record().cloned();
        Some(Arc::new(
            move |rel: &str, parts: &[Piece<'_>], fingerprint| {
                let known = record.as_deref().map(|r| (r, fingerprint));
                write_directly(&out_dir, rel, parts, known, &direct)
            },
        ))
    }

    fn file(&mut self, path: &str, bytes: Vec<u8>, fingerprint: Hash) {
        self.produced.insert(path.to_owned());
        self.pending_bytes += bytes.len();
        self.pending.push((path.to_owned(), bytes, fingerprint));
        if self.pending_bytes > PENDING_BYTES {
            self.flush();
        }
    }
}

#[cfg(test)]
mod tests;
