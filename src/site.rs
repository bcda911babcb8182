//! The site in memory: every article's last good version, the rendered bodies
//! and a fingerprint of every feed last produced.
//!
//! A one-shot build fills a [`Site`] once and renders everything. Watch mode
//! keeps it for hours and, after a change, re-parses only the files that
//! changed, re-renders only posts whose source changed, and re-emits only the
//! feeds whose items changed. Both go through the same code, so an incremental
//! rebuild gives the bytes a fresh build would. No I/O happens here.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

use crate::article::{self, Article, ParseContext};
use crate::build::Stats;
use crate::collect::{
    self, Collection, Edit, Listing, LocalSpellings, Options, Patchable, Spellings,
};
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::feed::discovery::{self, Listed};
use crate::feed::{self, Entry, Feed, Pieces, Scope};
use crate::item_cache::{self, ItemCache, Remembered};
use crate::markdown::{self, Rendered};
use crate::output;
use crate::source;

/// What `--drafts`, `--future` and `--expired` ask for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    pub drafts: bool,
    pub future: bool,
    pub expired: bool,
}

/// One article file as last seen.
#[derive(Debug, Clone)]
struct Source {
    shown: String,
    /// Hash of the newest bytes (or of the read error), to skip unchanged saves.
    hash: u64,
    /// The newest version that parsed and its version number (the hash of its
    /// path and bytes). Kept while a later edit is broken, so that in watch mode the
    /// feeds do not flap while someone types.
    good: Option<(Arc<Article>, u64)>,
    /// What the collector needs of `good`, computed once.
    listing: Option<Listing>,
    /// Why the newest version does not parse, if it does not.
    error: Option<Diagnostic>,
    /// Warnings about the newest version.
    warnings: Vec<Diagnostic>,
    /// A one-shot build's [`Front`] of the file, when its start was enough.
    front: Option<Front>,
}

/// How many bytes of a file held its front matter (up to the body), and
/// their hash: when a one-shot build reads a shown post again to render it,
/// bytes that still hash the same need not be parsed again.
#[derive(Debug, Clone, Copy)]
struct Front {
    len: usize,
    hash: u64,
}

impl Front {
    fn of(bytes: &[u8], len: usize) -> Front {
        Front {
            len,
            hash: Front::hash(&bytes[..len]),
        }
    }

    /// A fast hash (fronts are hashed for every post of a site): it only has
    /// to tell whether a file changed in the second or so between two reads.
    fn hash(bytes: &[u8]) -> u64 {
        let mut h = rustc_hash::FxHasher::default();
        h.write(bytes);
        h.finish()
    }

    /// Whether `bytes` (the file read again) start with this front.
    fn starts(self, bytes: &[u8]) -> bool {
        bytes
            .get(..self.len)
            .is_some_and(|front| Front::hash(front) == self.hash)
    }

    /// The body after this front in `bytes`, which [`Front::starts`], when
    /// it needs no cleaning up.
    fn body_in(self, bytes: &[u8]) -> Option<String> {
        article::clean_body(&bytes[self.len..])
    }
}

/// A file parsed, ready to be stored.
struct Prepared {
    hash: u64,
    front: Option<Front>,
    /// The article, shared, with its listing but for the terms' numbers:
    /// made on the parsing thread, so that storing it is quick.
    article: Result<(Arc<Article>, Listing), Diagnostic>,
    warnings: Vec<Diagnostic>,
    shown: String,
}

/// A rendered body and what it was rendered from.
#[derive(Debug, Clone)]
struct Cached {
    version: u64,
    /// The `ref`/`relref` generation it used, if it resolved any: those posts
    /// must be rendered again when the set of permalinks changes.
    refs: Option<u64>,
    /// The summary and notes; its `html` went into `item`.
    rendered: Rendered,
    /// The post as a feed item, written once for every feed that shows it.
    item: feed::Item,
    /// Its [`item_cache::key`], when a one-shot build with an item cache
    /// read it whole.
    key: Option<item_cache::Key>,
    /// Whether the item cache gave it, rather than rendering.
    remembered: bool,
}

impl Cached {
    /// What a cache remembered of the post whose bytes gave `key`.
    fn remembered(version: u64, key: item_cache::Key, remembered: &Remembered) -> Cached {
        Cached {
            version,
            refs: None,
            rendered: Rendered {
                html: String::new(),
                summary: remembered.summary.clone(),
                notes: Vec::new(),
            },
            item: feed::Item::of_hashes(remembered.hashes),
            key: Some(key),
            remembered: true,
        }
    }
}

/// The collection of the last rebuild, kept while edits only change bodies
/// (the common case while writing), so such a rebuild skips collecting.
#[derive(Debug)]
struct Collected {
    collection: Collection,
    /// What updates `collection` in place after a front matter edit.
    patchable: Patchable,
    /// The moment it was collected for, and the next moment a post appears
    /// or expires: it holds for any time in between.
    from: DateTime<Utc>,
    until: Option<DateTime<Utc>>,
    /// Which posts appear in at least one feed, by index.
    needed: Vec<bool>,
    /// Which posts' bodies used `ref`/`relref`, by index.
    uses_refs: Vec<bool>,
    /// Warnings from rendering, by path.
    notes: BTreeMap<String, Vec<Diagnostic>>,
}

/// What a rebuild produced.
#[derive(Debug, Clone, Default)]
pub struct Rebuild {
    /// The new manifest, when the list of files changed. Write it last.
    pub manifest: Option<Vec<u8>>,
    /// Whether the sink stopped the rebuild before any file was produced.
    pub stopped: bool,
    /// Files produced last time and not any more.
    pub removed: Vec<String>,
    /// How many files the site has now, the manifest included.
    pub files: usize,
    /// How many feeds (each an RSS and a JSON file).
    pub feeds: usize,
    /// Every current problem, in a stable order.
    pub diagnostics: Vec<Diagnostic>,
    pub stats: Stats,
    /// How many post bodies were rendered (not taken from the cache).
    pub rendered: usize,
    /// How many posts' items a one-shot build took from its item cache
    /// (see [`Site::remember`]).
    pub remembered: usize,
    /// Time spent in each stage, for `--verbose`.
    pub timings: Vec<(&'static str, std::time::Duration)>,
}

/// The site in memory.
#[derive(Debug)]
pub struct Site {
    config: Config,
    flags: Flags,
    /// Whether a broken edit keeps the article's last good version.
    keep_last_good: bool,
    /// Whether this site is built once and dropped (a one-shot build): it
    /// then need not remember what it produced.
    once: bool,
    /// Boxed: a first load makes each one on the core that parsed its file,
    /// and building the map on one core then moves pointers, not 300-byte
    /// values into fresh memory.
    sources: BTreeMap<String, Box<Source>>,
    /// Boxed: each render is made on the core that rendered it, and the map
    /// stays small (a map of 2,400 whole renders, grown at once on one core,
    /// was a fresh megabyte for the kernel to zero while the others waited).
    renders: HashMap<String, Box<Cached>>,
    /// Fingerprint of the inputs of each feed file last emitted.
    feeds: HashMap<String, u64>,
    /// Hash of the bytes of every file last produced (manifest excluded).
    files: BTreeMap<String, feed::Hash>,
    /// Whether `files` reflects an earlier rebuild.
    built: bool,
    /// What the directory pages show of each feed (by RSS path), so
    /// unchanged feeds and an unchanged directory cost nothing.
    listed: HashMap<String, Listed>,
    /// Every tag and category spelling seen, numbered.
    spellings: Spellings,
    /// The last collection, while it is still right.
    collected: Option<Collected>,
    /// Articles edited since the last rebuild without any change to what
    /// collecting looks at.
    body_edits: Vec<String>,
    /// Articles whose listing changed since the last collection, with what
    /// that collection saw of them (`None`: nothing).
    listing_edits: BTreeMap<String, Option<(Arc<Article>, Listing)>>,
    /// What earlier one-shot builds made of the posts they showed, when
    /// this one-shot build was given it (see [`Site::remember`]).
    item_cache: Option<ItemCache>,
}

impl Site {
    /// An empty site. `keep_last_good` is for watch mode: a one-shot build
    /// skips a broken article, a watch keeps its previous version.
    pub fn new(config: Config, flags: Flags, keep_last_good: bool) -> Site {
        Site {
            config,
            flags,
            keep_last_good,
            once: false,
            sources: BTreeMap::new(),
            renders: HashMap::default(),
            feeds: HashMap::default(),
            files: BTreeMap::new(),
            built: false,
            listed: HashMap::default(),
            collected: None,
            body_edits: Vec::new(),
            listing_edits: BTreeMap::new(),
            spellings: Spellings::default(),
            item_cache: None,
        }
    }

    /// A site for a one-shot build: it will be rebuilt once, so it skips the
    /// bookkeeping that only later rebuilds need.
    pub fn once(config: Config, flags: Flags) -> Site {
        Site {
            once: true,
            ..Site::new(config, flags, false)
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Gives a one-shot site what earlier builds made of the posts they
    /// showed: a build over an earlier one takes a post's items from it,
    /// rather than rendering the post, when the post's bytes are the ones
    /// remembered (see [`crate::item_cache`]).
    pub fn remember(&mut self, cache: ItemCache) {
        self.item_cache = Some(cache);
    }

    /// What the next build should remember: the items of the posts this
    /// build's feeds show, but for posts that used `ref`/`relref` or gave
    /// warnings. `None` when the site was given no cache, or when this is
    /// what it was given.
    pub fn items_to_remember(&self) -> Option<ItemCache> {
        let given = self.item_cache.as_ref()?;
        let collected = self.collected.as_ref()?;
        let shown = collected.collection.posts.iter().zip(&collected.needed);
        let to_remember: Vec<(item_cache::Key, &Cached)> = shown
            .filter(|(_, &needed)| needed)
            .filter_map(|(a, _)| self.renders.get(&a.path))
            .filter(|c| c.refs.is_none() && c.rendered.notes.is_empty())
            .filter_map(|c| Some((c.key?, &**c)))
            .collect();
        // Most often every one came from the cache, and they are all of it.
        if to_remember.len() == given.len() && to_remember.iter().all(|(_, c)| c.remembered) {
            return None;
        }
        let mut cache = ItemCache::new(given.context());
        for (key, cached) in to_remember {
            if let Some(hashes) = cached.item.hashes() {
                let summary = cached.rendered.summary.clone();
                cache.insert(key, Remembered { hashes, summary });
            }
        }
        (cache != *given).then_some(cache)
    }

    /// The content paths of every article file known.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.sources.keys().map(String::as_str)
    }

    /// Whether `path` is a known article file.
    pub fn contains(&self, path: &str) -> bool {
        self.sources.contains_key(path)
    }

    /// Whether an earlier rebuild's output is remembered (so the next one
    /// only reports what changed).
    pub fn has_built(&self) -> bool {
        self.built
    }

    /// Forgets what was produced, so the next rebuild returns every file (used
    /// when the output folder may no longer match what this site remembers).
    pub fn forget_outputs(&mut self) {
        self.feeds.clear();
        self.files.clear();
        self.built = false;
    }

    /// Sets the bytes of one article file (`path` under the content folder).
    /// Returns false when nothing changed (an editor touched the file).
    pub fn update(&mut self, path: &str, shown: &str, bytes: Result<&[u8], &str>) -> bool {
        let file = vec![(path.to_owned(), shown.to_owned())];
        let load = |_: &str, limit: usize| load_from_memory(bytes, limit);
        !self.load_all(file, load).is_empty()
    }

    /// Reads and parses article files, on every core: `load` gives the bytes
    /// of a path (the caller does the I/O), and each file's bytes are dropped
    /// as soon as it is parsed. `files` holds (path, shown path) pairs of
    /// articles (no page bundle's resources: see [`Site::load_found`]).
    /// Returns which of `files` changed (their indices, in order). `files`
    /// is taken so that a first load moves the paths into the site instead
    /// of copying.
    pub fn load_all<L>(&mut self, files: Vec<(String, String)>, load: L) -> Vec<usize>
    where
        L: Fn(&str, usize) -> Result<Vec<u8>, String> + Sync,
    {
        if self.sources.is_empty() && self.collected.is_none() {
            // A site's first load: every file is new and changes, and the
            // map is built in one go (see `Site::load_found`).
            let count = files.len();
            let found = |give: &mut dyn FnMut(Vec<(String, String)>)| {
                let mut files = files;
                while !files.is_empty() {
                    let rest = files.split_off(files.len().min(FIRST_LOAD_BATCH));
                    give(std::mem::replace(&mut files, rest));
                }
                Vec::new()
            };
            self.load_found(found, load);
            return (0..count).collect();
        }
        let prepared: Vec<Option<Prepared>> = files
            .par_iter()
            .map(|(path, shown)| self.prepare(path, shown, &load))
            .collect();
        let mut changed = Vec::new();
        for (i, ((path, _), prepared)) in files.iter().zip(prepared).enumerate() {
            if let Some(prepared) = prepared {
                self.commit(path, prepared);
                changed.push(i);
            }
        }
        changed
    }

    /// A site's first load, made while its files are still being found.
    /// `found` is called once, on a worker thread, with a function to hand
    /// batches of candidate articles to ((path, shown path) pairs, see
    /// [`source::is_candidate`]) in any order, and returns the problems it
    /// met; each batch is read and parsed on the other cores while `found`
    /// looks for more, and its terms numbered there (see
    /// [`LocalSpellings`]). The resources of page bundles are then dropped,
    /// and the rest stored in one go. Returns `found`'s problems.
    pub fn load_found<F, L>(&mut self, found: F, load: L) -> Vec<Diagnostic>
    where
        F: FnOnce(&mut dyn FnMut(Vec<(String, String)>)) -> Vec<Diagnostic> + Send,
        L: Fn(&str, usize) -> Result<Vec<u8>, String> + Sync,
    {
        // Each worker numbers the terms of what it parses in a table of its
        // own; each source keeps the index of that table.
        let tables: Vec<Mutex<LocalSpellings>> = (0..rayon::current_num_threads())
            .map(|_| Mutex::default())
            .collect();
        // Each batch also says whether it holds a page bundle's `index.md`:
        // only then can there be resources to drop.
        type Batch = (Vec<(String, Box<Source>, usize)>, bool);
        let batches: Mutex<Vec<Batch>> = Mutex::default();
        let this = &*self;
        let problems = rayon::scope(|scope| {
            found(&mut |files| {
                let (batches, tables, load) = (&batches, &tables, &load);
                scope.spawn(move |_| {
                    let table = rayon::current_thread_index().unwrap_or(0) % tables.len();
                    let mut local = tables[table].lock().unwrap_or_else(PoisonError::into_inner);
                    let mut bundle = false;
                    let mut sources = Vec::with_capacity(files.len());
                    for (path, shown) in files {
                        let Some(prepared) = this.prepare(&path, &shown, load) else {
                            continue;
                        };
                        let mut source = this.source(prepared, None, None);
                        if let (Some((article, _)), Some(listing)) =
                            (&source.good, &mut source.listing)
                        {
                            local.number(listing, article);
                        }
                        bundle |= source::bundle_folder(&path).is_some();
                        sources.push((path, Box::new(source), table));
                    }
                    drop(local);
                    batches
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push((sources, bundle));
                });
            })
        });
        let mut batches = batches.into_inner().unwrap_or_else(PoisonError::into_inner);
        let tables = tables
            .into_iter()
            .map(|t| t.into_inner().unwrap_or_else(PoisonError::into_inner))
            .collect();
        let site = self.spellings.adopt(tables);
        batches.par_iter_mut().for_each(|(sources, _)| {
            for (_, source, table) in sources {
                if let (Some(_), Some(listing)) = (&source.good, &mut source.listing) {
                    listing.renumber(&site[*table]);
                }
            }
        });
        let any_bundle = batches.iter().any(|&(_, bundle)| bundle);
        let mut sources: Vec<(String, Box<Source>, usize)> = batches
            .into_iter()
            .flat_map(|(sources, _)| sources)
            .collect();
        if any_bundle {
            sources = source::drop_bundle_resources(sources, |(path, _, _)| path);
        }
        sources.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
        self.sources = sources
            .into_iter()
            .map(|(path, source, _)| (path, source))
            .collect();
        problems
    }

    /// Parses one file (without copying its bytes), unless its bytes are the
    /// ones already known.
    fn prepare(&self, path: &str, shown: &str, load: Load<'_>) -> Option<Prepared> {
        if self.once {
            // A one-shot build keeps no bodies: most posts are in no feed,
            // and the few that are rendered are read again then (see
            // `Site::reread_body`). So it reads the start of each file, and
            // the rest only when the front matter goes on beyond it or needs
            // a closer look.
            let front = load(path, FRONT_BYTES).ok().and_then(|start| {
                article::parse_front(path, shown, &start, &self.parse_context())
                    .map(|(parsed, len)| (parsed, Front::of(&start, len)))
            });
            if let Some((parsed, front)) = front {
                let mut prepared = Self::prepared(0, shown, parsed);
                prepared.front = Some(front);
                return Some(prepared);
            }
        }
        let bytes = load(path, WHOLE);
        // The path is part of the version: it decides the permalink. A
        // one-shot build reads each file once and compares no versions, so it
        // skips hashing every byte of the site.
        let hash = if self.once {
            0
        } else {
            hash_of(&(path, &bytes.as_deref().map_err(String::as_str)))
        };
        if let Some(old) = self.sources.get(path) {
            if old.hash == hash && old.shown == shown {
                return None;
            }
        }
        let parsed = match bytes {
            Ok(bytes) => {
                let mut parsed = article::parse_owned(path, shown, bytes, &self.parse_context());
                if self.once {
                    if let Ok(article) = &mut parsed.article {
                        article.body = String::new();
                    }
                }
                parsed
            }
            Err(why) => article::Parsed {
                article: Err(Diagnostic::error(
                    shown,
                    None,
                    format!("cannot read the file: {why}"),
                )
                .with_help("check the file's permissions")),
                warnings: Vec::new(),
            },
        };
        Some(Self::prepared(hash, shown, parsed))
    }

    /// A parsed file, ready to store.
    fn prepared(hash: u64, shown: &str, parsed: article::Parsed) -> Prepared {
        let article = parsed.article.map(|a| {
            let listing = Listing::unnumbered(&a, hash);
            (Arc::new(a), listing)
        });
        Prepared {
            hash,
            front: None,
            article,
            warnings: parsed.warnings,
            shown: shown.to_owned(),
        }
    }

    /// Stores a parsed file.
    fn commit(&mut self, path: &str, mut prepared: Prepared) {
        if let Ok((article, listing)) = &mut prepared.article {
            listing.number(article, &mut self.spellings);
        }
        let (previous, previous_listing) = match self.sources.remove(path) {
            Some(old) => (old.good, old.listing),
            None => (None, None),
        };
        match (&previous, &prepared.article) {
            (Some((old, _)), Ok((new, _))) if same_listing(old, new) => {
                self.body_edits.push(path.to_owned());
            }
            // A broken edit in watch mode keeps the last good version.
            (Some(_), Err(_)) if self.keep_last_good => {}
            (None, Err(_)) => {}
            _ => {
                let before = previous
                    .as_ref()
                    .map(|(a, _)| Arc::clone(a))
                    .zip(previous_listing.clone());
                self.listing_changed(path, before);
            }
        }
        let source = self.source(prepared, previous, previous_listing);
        self.sources.insert(path.to_owned(), Box::new(source));
    }

    /// What is stored of a parsed file (its terms numbered), given what was
    /// stored before.
    fn source(
        &self,
        prepared: Prepared,
        previous: Option<(Arc<Article>, u64)>,
        previous_listing: Option<Listing>,
    ) -> Source {
        let Prepared {
            hash,
            front,
            article,
            warnings,
            shown,
        } = prepared;
        match article {
            Ok((article, listing)) => Source {
                shown,
                hash,
                listing: Some(listing),
                good: Some((article, hash)),
                error: None,
                warnings,
                front,
            },
            Err(error) => {
                let keep = self.keep_last_good;
                Source {
                    shown,
                    hash,
                    good: previous.filter(|_| keep),
                    listing: previous_listing.filter(|_| keep),
                    error: Some(error),
                    warnings,
                    // What it says of the last good version is gone.
                    front: None,
                }
            }
        }
    }

    /// Notes that what collecting sees of `path` changed; `before` is what the
    /// last collection saw (only the first change since it counts).
    fn listing_changed(&mut self, path: &str, before: Option<(Arc<Article>, Listing)>) {
        if self.collected.is_some() {
            self.listing_edits.entry(path.to_owned()).or_insert(before);
        }
    }

    /// Forgets an article file that was deleted or moved away. Returns false
    /// if it was not known.
    pub fn remove(&mut self, path: &str) -> bool {
        self.renders.remove(path);
        match self.sources.remove(path) {
            Some(source) => {
                if let (Some((article, _)), Some(listing)) = (source.good, source.listing) {
                    self.listing_changed(path, Some((article, listing)));
                }
                true
            }
            None => false,
        }
    }

    /// The next moment after `now` when a post is scheduled to appear or to
    /// expire, so watch mode can rebuild then without any file event.
    pub fn next_scheduled(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if let Some(c) = &self.collected {
            if c.from <= now && c.until.is_none_or(|until| now < until) {
                return c.until;
            }
        }
        self.next_scheduled_slow(now)
    }

    /// [`Site::next_scheduled`], computed from every article.
    fn next_scheduled_slow(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.sources
            .par_iter()
            .filter_map(|(_, s)| s.listing.as_ref())
            .filter_map(|l| self.next_time(l, now))
            .min()
    }

    /// The next moment after `now` when this listing's article appears or
    /// expires (as far as the flags care).
    fn next_time(&self, l: &Listing, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let publish = (!self.flags.future).then(|| l.publish());
        let expiry = if self.flags.expired { None } else { l.expiry() };
        publish.into_iter().chain(expiry).filter(|&t| t > now).min()
    }

    /// [`Site::rebuild_into`], collecting the files in memory, the manifest
    /// included (under its name) when it changed.
    pub fn rebuild(&mut self, now: DateTime<Utc>) -> (Rebuild, BTreeMap<String, Vec<u8>>) {
        let mut files = BTreeMap::new();
        let rebuild = self.rebuild_into(now, &mut files);
        if let Some(manifest) = &rebuild.manifest {
            files.insert(output::MANIFEST.to_owned(), manifest.clone());
        }
        (rebuild, files)
    }

    /// Recomputes the feeds at `now`, rendering and emitting only what changed
    /// since the last rebuild; changed files go to `sink`.
    pub fn rebuild_into(&mut self, now: DateTime<Utc>, sink: &mut dyn Sink) -> Rebuild {
        self.rebuild_with(now, sink, None, &[])
    }

    /// [`Site::rebuild_into`] for a one-shot site, whose bodies `load` reads
    /// again when they are rendered. `found` are the problems met while
    /// finding its files: they come first, and count for [`Sink::proceed`].
    pub fn rebuild_once(
        &mut self,
        now: DateTime<Utc>,
        sink: &mut dyn Sink,
        load: Load<'_>,
        found: &[Diagnostic],
    ) -> Rebuild {
        self.rebuild_with(now, sink, Some(load), found)
    }

    fn rebuild_with(
        &mut self,
        now: DateTime<Utc>,
        sink: &mut dyn Sink,
        load: Option<Load<'_>>,
        found: &[Diagnostic],
    ) -> Rebuild {
        let mut clock = Stopwatch::start();
        let mut diagnostics = found.to_vec();
        let mut broken = 0;
        // Few files have problems: they are picked out on every core, as
        // each source is read here for the first time since it was made.
        let with_problems: Vec<&Source> = self
            .sources
            .par_iter()
            .filter(|(_, source)| source.error.is_some() || !source.warnings.is_empty())
            .map(|(_, source)| &**source)
            .collect();
        for source in with_problems {
            diagnostics.extend(source.warnings.iter().cloned());
            if let Some(error) = &source.error {
                broken += 1;
                let consequence = if source.good.is_some() {
                    "until it is fixed, the feeds keep its last good version"
                } else {
                    "this article was skipped"
                };
                let mut error = error.clone();
                error.help = Some(match error.help.take() {
                    Some(help) => format!("{help}; {consequence}"),
                    None => consequence.to_owned(),
                });
                diagnostics.push(error);
            }
        }
        let (mut collected, edited) = self.collect(now);
        diagnostics.extend(collected.collection.diagnostics.iter().cloned());
        clock.lap("collect");

        let Collected {
            collection,
            needed,
            uses_refs,
            notes,
            ..
        } = &mut collected;
        let collection = &*collection;
        let scopes = scopes(collection, self.config.limit);
        // A one-shot build over an earlier one writes few feeds: its items
        // keep only their hashes, and the feeds it writes get theirs again.
        let keep = !(self.once && sink.built_before());
        let rendered = match edited {
            // Only bodies changed: only they can need rendering.
            Some(edited) => {
                let edited: Vec<usize> = edited.into_iter().filter(|&i| needed[i]).collect();
                self.render(collection, &edited, uses_refs, notes, load, keep)
            }
            None => {
                *needed = vec![false; collection.posts.len()];
                for (_, posts) in &scopes {
                    for &i in posts {
                        needed[i] = true;
                    }
                }
                *uses_refs = vec![false; collection.posts.len()];
                notes.clear();
                let all: Vec<usize> = (0..collection.posts.len()).filter(|&i| needed[i]).collect();
                self.render(collection, &all, uses_refs, notes, load, keep)
            }
        };
        let (rendered, remembered) = match rendered {
            Ok(counts) => counts,
            Err(broken) => {
                // Posts whose whole file turned out broken leave the site,
                // as if their first read had found it, and the feeds are
                // worked out again without them (nothing was emitted yet).
                self.collected = Some(collected);
                for (path, prepared) in broken {
                    self.commit(&path, prepared);
                }
                return self.rebuild_with(now, sink, load, found);
            }
        };
        diagnostics.extend(notes.values().flatten().cloned());
        clock.lap("render");
        let inputs = Inputs {
            collection,
            uses_refs,
        };

        let mut rebuild = Rebuild {
            feeds: scopes.len(),
            rendered,
            remembered,
            stats: Stats {
                articles: self.sources.len(),
                published: collection.posts.len(),
                broken,
                excluded: collection.excluded.clone(),
            },
            ..Rebuild::default()
        };
        if !sink.proceed(&diagnostics) {
            // Nothing is emitted, so nothing counts as produced.
            self.collected = Some(collected);
            rebuild.stopped = true;
            rebuild.timings = clock.laps;
            rebuild.diagnostics = diagnostics;
            return rebuild;
        }
        // What was produced last time is updated in place: on a rebuild after
        // one edit, nearly every feed is unchanged and costs a fingerprint.
        if !self.built {
            self.files.clear();
            self.feeds.clear();
        }
        let mut added = false;
        let mut directory_changed = !self.built;
        let mut current: Vec<String> = Vec::with_capacity(scopes.len());
        // Feeds are serialised in parallel, a batch at a time, and each file
        // goes to the sink as soon as its batch is done: the bytes of every
        // feed of a large site are never all in memory at once.
        // On a full build, files already on disk with these bytes are found
        // in parallel too, rather than one by one in the sink.
        let on_disk = if self.built { None } else { sink.on_disk() };
        // Feeds to write whose items kept only their hashes: they are made
        // once the posts they show have their items again.
        let mut without_bytes: Vec<&(Scope<'_>, Vec<usize>)> = Vec::new();
        for batch in scopes.chunks(EMIT_BATCH) {
            let emitted: Vec<(&(Scope<'_>, Vec<usize>), Emitted)> = batch
                .par_iter()
                .map(|feed| (feed, self.emit(feed.0, &feed.1, &inputs, on_disk.as_ref())))
                .collect();
            for (feed, e) in emitted {
                if let Some(listed) = e.listed {
                    if self.listed.get(&e.rss_path) != Some(&listed) {
                        directory_changed = true;
                        self.listed.insert(e.rss_path.clone(), listed);
                    }
                }
                if e.without_bytes {
                    without_bytes.push(feed);
                } else if let Some(outputs) = e.outputs {
                    self.feeds.insert(e.rss_path.clone(), e.fingerprint);
                    added |= self.take_outputs(outputs, &e.on_disk, sink, &mut diagnostics);
                }
                current.push(e.rss_path);
            }
        }
        if !without_bytes.is_empty() {
            rebuild.rendered += self.items_again(
                collection,
                &without_bytes,
                uses_refs,
                load,
                &mut diagnostics,
            );
            for batch in without_bytes.chunks(EMIT_BATCH) {
                let emitted: Vec<Emitted> = batch
                    .par_iter()
                    .map(|(scope, posts)| self.emit(*scope, posts, &inputs, on_disk.as_ref()))
                    .collect();
                for e in emitted {
                    match e.outputs {
                        Some(_) if e.without_bytes => diagnostics.push(
                            Diagnostic::error(
                                e.rss_path,
                                None,
                                "could not write this feed: a post it shows changed while \
                                 feedsmith was building and no longer reads as an article",
                            )
                            .with_help(REREAD_HELP),
                        ),
                        Some(outputs) => {
                            self.feeds.insert(e.rss_path.clone(), e.fingerprint);
                            added |= self.take_outputs(outputs, &e.on_disk, sink, &mut diagnostics);
                        }
                        None => {}
                    }
                }
            }
        }
        // Feeds of terms that no longer have a post: their files go. Every
        // current feed is in `self.feeds` by now (unchanged ones were, the
        // others were just put in), so equal sizes mean no feed went.
        if self.feeds.len() != current.len() {
            let current: std::collections::HashSet<&str> =
                current.iter().map(String::as_str).collect();
            let gone: Vec<String> = self
                .feeds
                .keys()
                .filter(|k| !current.contains(k.as_str()))
                .cloned()
                .collect();
            for rss_path in gone {
                self.feeds.remove(&rss_path);
                self.listed.remove(&rss_path);
                let folder = rss_path.strip_suffix(feed::RSS_FILE).unwrap_or_default();
                for name in [feed::RSS_FILE, feed::JSON_FILE, feed::PAGE_FILE] {
                    let path = format!("{folder}{name}");
                    if self.files.remove(&path).is_some() {
                        rebuild.removed.push(path);
                    }
                }
                directory_changed = true;
            }
            rebuild.removed.sort();
        }
        // The directory of every feed: the top page and the OPML file, made
        // again only when what they list changed.
        let directory_paths = [feed::PAGE_FILE, feed::OPML_FILE];
        if directory_changed || !directory_paths.iter().all(|p| self.files.contains_key(*p)) {
            let listed: Vec<&Listed> = current
                .iter()
                .filter_map(|rss_path| self.listed.get(rss_path))
                .collect();
            // Made on the worker threads: their memory is warm from making
            // the feeds, while on this thread a 100 KB page took a fresh
            // 2 MiB of memory for the kernel to zero as the cores waited.
            let (index, opml) = rayon::join(
                || discovery::index(&self.config, &listed),
                || discovery::opml(&self.config, &listed),
            );
            let directory = [(feed::PAGE_FILE, index), (feed::OPML_FILE, opml)];
            for (path, bytes) in directory {
                let hash = Pieces::from(&bytes[..]).fingerprint();
                added |= self.hand_over(path.to_owned(), bytes, hash, sink);
            }
        }
        clock.lap("emit");
        let list_changed = !self.built || added || !rebuild.removed.is_empty();
        if list_changed {
            let names: Vec<&str> = self.files.keys().map(String::as_str).collect();
            rebuild.manifest = Some(output::manifest(&names));
        }
        rebuild.files = self.files.len() + 1;
        self.built = true;
        self.collected = Some(collected);
        rebuild.timings = clock.laps;
        rebuild.diagnostics = diagnostics;
        rebuild
    }

    /// The published posts at `now`, in order and by term: the last
    /// collection with edited bodies swapped in when it still holds, else a
    /// fresh one. Taken out of `self`; the caller puts it back.
    /// The second value lists the posts swapped in (by index) when the last
    /// collection was reused, and is `None` for a fresh one.
    fn collect(&mut self, now: DateTime<Utc>) -> (Collected, Option<Vec<usize>>) {
        let edits = std::mem::take(&mut self.body_edits);
        let listing_edits = std::mem::take(&mut self.listing_edits);
        let options = Options {
            drafts: self.flags.drafts,
            future: self.flags.future,
            expired: self.flags.expired,
            now,
        };
        if let Some(mut c) = self.collected.take() {
            let valid = c.from <= now && c.until.is_none_or(|until| now < until);
            let moved = !listing_edits.is_empty();
            if valid && (!moved || self.patch(&mut c, &listing_edits, &options)) {
                let mut swapped = Vec::new();
                for path in edits {
                    let Some(source) = self.sources.get(&path) else {
                        continue;
                    };
                    let (Some((article, version)), Some(listing)) = (&source.good, &source.listing)
                    else {
                        continue;
                    };
                    // Same date and permalink as before: same place in the
                    // order.
                    let Some(i) = c.patchable.position(&c.collection, article, listing) else {
                        continue;
                    };
                    c.collection.posts[i] = Arc::clone(article);
                    c.collection.versions[i] = *version;
                    swapped.push(i);
                }
                // After a patch positions moved: which posts are needed is
                // worked out again.
                return (c, (!moved).then_some(swapped));
            }
        }
        let articles: Vec<(Arc<Article>, &Listing)> = self
            .sources
            .par_iter()
            .filter_map(|(_, source)| match (&source.good, &source.listing) {
                (Some((article, _)), Some(listing)) => Some((Arc::clone(article), listing)),
                _ => None,
            })
            .collect();
        let (collection, patchable) =
            collect::collect_patchable(articles, &self.spellings, &options);
        let until = self.next_scheduled_slow(now);
        let collected = Collected {
            collection,
            patchable,
            from: now,
            until,
            needed: Vec::new(),
            uses_refs: Vec::new(),
            notes: BTreeMap::new(),
        };
        (collected, None)
    }

    /// Updates the last collection for front matter edits, in place. False
    /// when it cannot (the caller collects again).
    fn patch(
        &self,
        c: &mut Collected,
        listing_edits: &BTreeMap<String, Option<(Arc<Article>, Listing)>>,
        options: &Options,
    ) -> bool {
        let now = options.now;
        let edits: Vec<Edit<'_>> = listing_edits
            .iter()
            .map(|(path, before)| Edit {
                before: before.as_ref().map(|(a, l)| (a, l)),
                after: self.sources.get(path).and_then(|s| {
                    let (article, _) = s.good.as_ref()?;
                    Some((article, s.listing.as_ref()?))
                }),
            })
            .collect();
        if !c
            .patchable
            .apply(&mut c.collection, &edits, &self.spellings, options)
        {
            return false;
        }
        // Every other post keeps its state until `until`; the edited ones
        // may change theirs sooner.
        let sooner = edits
            .iter()
            .filter_map(|e| self.next_time(e.after?.1, now))
            .min();
        c.until = match (c.until, sooner) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        c.from = now;
        true
    }

    /// How articles are parsed for this site.
    fn parse_context(&self) -> ParseContext<'_> {
        ParseContext {
            base_url: &self.config.base_url,
            timezone: self.config.timezone,
        }
    }

    /// Reads the body of a one-shot build's article again, to render it
    /// (see [`Site::prepare`]). This is the first time the body is read, so
    /// its problems are found now: characters XML forbids give warnings as
    /// they would have at the first read, and a body that is not UTF-8 makes
    /// the article broken (the error is the whole file's parse), as it would
    /// have been had it been read whole at once. The file may also have changed since it was
    /// first read: then the newer body is used, with a warning (a `--strict`
    /// build stops on it); if it cannot be read again (it went away, say),
    /// the body is empty, with a warning that gives the reason.
    ///
    /// With an item cache, the post's [`item_cache::key`] is made of the
    /// bytes read; if `hits` and the cache remembers them, the post need not
    /// be rendered: its front matter is as first read, so its item is the
    /// one remembered.
    fn reread_body<'c>(
        &self,
        a: &Article,
        load: Load<'_>,
        cache: Option<&'c ItemCache>,
        hits: bool,
    ) -> Result<Again<'c>, Box<article::Parsed>> {
        let help = REREAD_HELP;
        let first = self.sources.get(&a.path);
        let bytes = load(&a.path, WHOLE);
        let key = match (&bytes, cache) {
            (Ok(bytes), Some(_)) => Some(item_cache::key(&a.path, bytes)),
            _ => None,
        };
        // Most often the front matter is as first read and the body plain
        // text: then it is taken as it is, and the rest is not parsed again.
        if let (Ok(bytes), Some(front)) = (&bytes, first.and_then(|s| s.front)) {
            if front.starts(bytes) {
                let hit = key
                    .filter(|_| hits)
                    .and_then(|key| Some((key, cache?.get(key)?)));
                if let Some((key, remembered)) = hit {
                    return Ok(Again::Remembered(key, remembered));
                }
                if let Some(body) = front.body_in(bytes) {
                    return Ok(Again::Body(Reread {
                        body,
                        line: a.body_line,
                        note: None,
                        warnings: Vec::new(),
                        key,
                    }));
                }
            }
        }
        let fresh = bytes.map(|bytes| {
            article::parse_owned(&a.path, &a.shown_path, bytes, &self.parse_context())
        });
        match fresh {
            Ok(article::Parsed {
                article: Ok(mut fresh),
                mut warnings,
            }) => {
                // The article as first read has no body; anything else that
                // differs means the file changed in between.
                let body = std::mem::take(&mut fresh.body);
                let note = (fresh != *a).then(|| {
                    (
                        "the file changed while feedsmith was building; its feed item uses the newer text".to_owned(),
                        help.to_owned(),
                    )
                });
                // What the first read reported already is not said twice.
                if let Some(first) = first {
                    warnings.retain(|w| !first.warnings.contains(w));
                }
                Ok(Again::Body(Reread {
                    body,
                    line: fresh.body_line,
                    note,
                    warnings,
                    key,
                }))
            }
            Ok(broken) => Err(Box::new(broken)),
            Err(why) => Ok(Again::Body(Reread {
                body: String::new(),
                line: a.body_line,
                note: Some((
                    format!(
                        "the file could not be read again while feedsmith was building ({why}); \
                         its feed item has no content"
                    ),
                    help.to_owned(),
                )),
                warnings: Vec::new(),
                key: None,
            })),
        }
    }

    /// Renders the bodies of the posts at `indices` (each needed by a feed),
    /// reusing earlier renders of the same version, and records for each
    /// whether it used `ref`/`relref` and what warnings it gave. Their items
    /// keep their bytes if `keep` (a render whose item did not is made
    /// again), else only their lengths and hashes, and then the item cache's
    /// are taken when it remembers a post's bytes. Returns how many were
    /// rendered, or the articles that reading whole found broken (then the
    /// others' renders are stored, but nothing else is recorded).
    fn render(
        &mut self,
        c: &Collection,
        indices: &[usize],
        uses_refs: &mut [bool],
        notes: &mut BTreeMap<String, Vec<Diagnostic>>,
        load: Option<Load<'_>>,
        keep: bool,
    ) -> Result<(usize, usize), Vec<(String, Prepared)>> {
        let (versions, refs_generation) = (&c.versions, c.refs_generation);
        let resolver = ref_resolver(&c.posts);
        let cache = self.item_cache.as_ref();
        let stale: Vec<usize> = indices
            .iter()
            .copied()
            .filter(|&i| {
                !self.renders.get(&c.posts[i].path).is_some_and(|cached| {
                    cached.version == versions[i]
                        && cached
                            .refs
                            .is_none_or(|generation| generation == refs_generation)
                        && (!keep || cached.item.has_bytes())
                })
            })
            .collect();
        // Rendering is the costly part: on every core.
        let done: Vec<(usize, Result<Box<Cached>, _>)> = stale
            .par_iter()
            .map(|&i| {
                let a = &c.posts[i];
                let used = Cell::new(false);
                let tracking = |target: &str| {
                    used.set(true);
                    resolver(target)
                };
                let again = load.map(|load| self.reread_body(a, load, cache, !keep));
                let reread = match again.transpose() {
                    Err(broken) => return (i, Err(broken)),
                    Ok(None) => None,
                    Ok(Some(Again::Body(reread))) => Some(reread),
                    Ok(Some(Again::Remembered(key, remembered))) => {
                        let cached = Cached::remembered(versions[i], key, remembered);
                        return (i, Ok(Box::new(cached)));
                    }
                };
                let key = reread.as_ref().and_then(|r| r.key);
                let (body, body_line) =
                    reread.as_ref().map_or((a.body.as_str(), a.body_line), |r| {
                        (r.body.as_str(), r.line)
                    });
                let mut rendered = markdown::render(
                    body,
                    body_line,
                    &a.permalink,
                    &self.config.base_url,
                    &tracking,
                    front_matter_summary(a).is_none(),
                );
                if let Some(reread) = reread {
                    let found = reread
                        .warnings
                        .into_iter()
                        .map(|w| (w.line.unwrap_or(1), w.message, w.help.unwrap_or_default()));
                    let note = reread.note.map(|(message, help)| (1, message, help));
                    rendered.notes.splice(0..0, note.into_iter().chain(found));
                }
                let html = std::mem::take(&mut rendered.html);
                let item = if keep {
                    feed::Item::new
                } else {
                    feed::Item::hashed
                };
                let item = item(
                    a,
                    self.config.full_content.then_some(html),
                    summary_of(a, &rendered),
                    &self.config,
                );
                let cached = Cached {
                    version: versions[i],
                    refs: used.get().then_some(refs_generation),
                    rendered,
                    item,
                    key,
                    remembered: false,
                };
                (i, Ok(Box::new(cached)))
            })
            .collect();
        let remembered = done
            .iter()
            .filter(|(_, cached)| cached.as_ref().is_ok_and(|c| c.remembered))
            .count();
        let count = done.len() - remembered;
        // Grown once, not doubling (and moving every render) as it fills.
        self.renders.reserve(count);
        let mut broken = Vec::new();
        for (i, cached) in done {
            let a = &c.posts[i];
            match cached {
                Ok(cached) => {
                    self.renders.insert(a.path.clone(), cached);
                }
                Err(parsed) => {
                    broken.push((a.path.clone(), Self::prepared(0, &a.shown_path, *parsed)))
                }
            }
        }
        if !broken.is_empty() {
            return Err(broken);
        }
        for &i in indices {
            let a = &c.posts[i];
            let cached = &self.renders[&a.path];
            uses_refs[i] = cached.refs.is_some();
            notes.remove(&a.path);
            if !cached.rendered.notes.is_empty() {
                let list = cached
                    .rendered
                    .notes
                    .iter()
                    .map(|(line, message, help)| {
                        Diagnostic::warning(&a.shown_path, Some(*line), message.clone())
                            .with_help(help.clone())
                    })
                    .collect();
                notes.insert(a.path.clone(), list);
            }
        }
        Ok((count, remembered))
    }

    /// Takes a feed's files: each found on disk already, or handed over, or
    /// why it could not be made. Returns whether one is new to the list of
    /// files.
    fn take_outputs(
        &mut self,
        outputs: Vec<(String, FileBytes)>,
        on_disk: &[String],
        sink: &mut dyn Sink,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> bool {
        let mut added = false;
        for (path, bytes) in outputs {
            match bytes {
                Ok((_, hash)) if on_disk.contains(&path) => {
                    sink.same(&path);
                    added |= self.files.insert(path, hash).is_none();
                }
                Ok((bytes, hash)) => added |= self.hand_over(path, bytes, hash, sink),
                Err(why) => diagnostics.push(Diagnostic::error(
                    path,
                    None,
                    format!("could not write this feed: {why}"),
                )),
            }
        }
        added
    }

    /// Makes again, with their bytes, the items of the posts that `feeds`
    /// show: feeds to write, whose items kept only their hashes. Returns
    /// how many posts were rendered again.
    ///
    /// Each file is read a third time. One that changed since it was read
    /// for the first render gives its newer text to these feeds, while the
    /// feeds found unchanged on disk keep the older: that is said in a
    /// warning, as when a file changes between the first two reads.
    fn items_again(
        &mut self,
        c: &Collection,
        feeds: &[&(Scope<'_>, Vec<usize>)],
        uses_refs: &[bool],
        load: Option<Load<'_>>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> usize {
        let mut indices: Vec<usize> = feeds.iter().flat_map(|f| f.1.iter().copied()).collect();
        indices.sort_unstable();
        indices.dedup();
        // Each item as first made, and its key if the item cache gave it.
        let before: Vec<(usize, feed::Item, Option<item_cache::Key>)> = indices
            .iter()
            .filter_map(|&i| {
                let first = self.renders.get(&c.posts[i].path)?;
                let remembered = first.key.filter(|_| first.remembered);
                Some((i, first.item.clone(), remembered))
            })
            .collect();
        // What this render says of refs and warnings was said by the first.
        let (mut refs, mut notes) = (uses_refs.to_vec(), BTreeMap::new());
        let rendered = match self.render(c, &indices, &mut refs, &mut notes, load, true) {
            Ok((count, _)) => count,
            Err(broken) => {
                let count = indices.len() - broken.len();
                for (_, prepared) in broken {
                    if let Err(error) = prepared.article {
                        diagnostics.push(error);
                    }
                }
                count
            }
        };
        for (i, first, remembered) in before {
            let a = &c.posts[i];
            let Some(again) = self.renders.get(&a.path) else {
                continue;
            };
            if !again.item.has_bytes() || again.item.same_as(&first) {
                continue;
            }
            // The same bytes gave another item: the cache was wrong.
            let warning = if remembered.is_some() && again.key == remembered {
                Diagnostic::warning(
                    &a.shown_path,
                    None,
                    format!(
                        "the item cache ({}/{}) held another item for this post; the feeds \
                         written show the post as rendered now, the feeds found unchanged \
                         may show it as the cache had it",
                        crate::record::CACHE_DIR,
                        item_cache::FILE
                    ),
                )
                .with_help(
                    "build again: the cache now holds the post as rendered, and the feeds \
                     that differ will be rewritten; if this happens without any change to \
                     feedsmith or its cache, please report it",
                )
            } else {
                Diagnostic::warning(
                    &a.shown_path,
                    None,
                    "the file changed while feedsmith was building; the feeds written \
                     show the newer text, the feeds found unchanged the older",
                )
                .with_help(REREAD_HELP)
            };
            diagnostics.push(warning);
        }
        rendered
    }

    /// Records a produced file and gives it to the sink if it is new or its
    /// bytes changed. Returns whether it is new to the list of files.
    fn hand_over(
        &mut self,
        path: String,
        bytes: Vec<u8>,
        hash: feed::Hash,
        sink: &mut dyn Sink,
    ) -> bool {
        let previous = self.files.get(&path).copied();
        if !self.built || previous != Some(hash) {
            sink.file(&path, bytes, hash);
        }
        self.files.insert(path, hash);
        previous.is_none()
    }

    /// Serialises one feed's RSS and JSON files (and, for a term, its page),
    /// unless nothing it shows changed since they were last produced.
    /// Files that `on_disk` finds on disk already are not copied into one
    /// buffer: their bytes are left empty, and their paths listed.
    fn emit(
        &self,
        scope: Scope<'_>,
        posts: &[usize],
        inputs: &Inputs<'_>,
        on_disk: Option<&OnDisk>,
    ) -> Emitted {
        let c = inputs.collection;
        let folder = scope.folder();
        let rss_path = format!("{folder}{}", feed::RSS_FILE);
        let (kind, name) = match scope {
            Scope::Site => ("site", ""),
            Scope::Category(t) => ("category", t.name.as_str()),
            Scope::Tag(t) => ("tag", t.name.as_str()),
        };
        let fingerprint = {
            let mut h = DefaultHasher::new();
            match scope {
                Scope::Site => 0u8.hash(&mut h),
                Scope::Category(t) => (1u8, &t.name, &t.slug).hash(&mut h),
                Scope::Tag(t) => (2u8, &t.name, &t.slug).hash(&mut h),
            }
            for &i in posts {
                inputs.collection.versions[i].hash(&mut h);
                if inputs.uses_refs[i] {
                    inputs.collection.refs_generation.hash(&mut h);
                }
            }
            h.finish()
        };
        // A feed's files are produced together, so its RSS file stands for
        // all of them.
        let unchanged =
            self.feeds.get(&rss_path) == Some(&fingerprint) && self.files.contains_key(&rss_path);
        if unchanged && self.listed.contains_key(&rss_path) {
            return Emitted {
                rss_path,
                fingerprint,
                listed: None,
                outputs: None,
                on_disk: Vec::new(),
                without_bytes: false,
            };
        }
        let entries = posts
            .iter()
            .map(|&i| {
                let a = &c.posts[i];
                let cached = &self.renders[&a.path];
                Entry {
                    article: a,
                    summary: summary_of(a, &cached.rendered),
                    item: &cached.item,
                }
            })
            .collect();
        let feed = Feed::new(&self.config, scope, entries);
        let listed = Listed::of(&feed, kind, name, &folder);
        if unchanged {
            return Emitted {
                rss_path,
                fingerprint,
                listed: Some(listed),
                outputs: None,
                on_disk: Vec::new(),
                without_bytes: false,
            };
        }
        let mut found = Vec::new();
        let mut without_bytes = false;
        let mut settle = |path: String, made: Result<Pieces<'_>, String>| {
            let output = made.map(|pieces| {
                let parts = pieces.parts();
                // Cheap (items are hashed once): it tells the next rebuild,
                // and the record of the output folder, what the file holds.
                let hash = pieces.fingerprint();
                if on_disk.is_some_and(|holds| holds(&path, &parts, hash)) {
                    found.push(path.clone());
                    (Vec::new(), hash)
                } else {
                    let bytes = pieces.concat();
                    without_bytes |= bytes.is_none();
                    (bytes.unwrap_or_default(), hash)
                }
            });
            (path, output)
        };
        let json_path = format!("{folder}{}", feed::JSON_FILE);
        let mut outputs = vec![
            settle(rss_path.clone(), feed::rss::write(&feed, &self.config)),
            settle(json_path, feed::json::write(&feed, &self.config)),
        ];
        if kind != "site" {
            let page = discovery::page(&self.config, &feed, &listed);
            outputs.push(settle(
                format!("{folder}{}", feed::PAGE_FILE),
                Ok(page.into()),
            ));
        }
        Emitted {
            rss_path,
            fingerprint,
            listed: Some(listed),
            outputs: Some(outputs),
            on_disk: found,
            without_bytes,
        }
    }
}

/// A one-shot build's shown post, read again.
enum Again<'c> {
    /// Its bytes, found in the item cache under this key.
    Remembered(item_cache::Key, &'c Remembered),
    /// Its body, to render.
    Body(Reread),
}

/// A one-shot build's body, read again to be rendered.
struct Reread {
    /// The [`item_cache::key`] of the bytes read, with an item cache.
    key: Option<item_cache::Key>,
    body: String,
    /// The file line the body starts on.
    line: usize,
    /// A warning (message, help) when the file changed or could not be read.
    note: Option<(String, String)>,
    /// What reading the whole file warned about that its first read did not.
    warnings: Vec<Diagnostic>,
}

/// What to do about a file that changed while feedsmith was building.
const REREAD_HELP: &str = "run the build again once nothing is editing the content folder";

/// How many files of a first load [`Site::load_all`] parses at a time.
const FIRST_LOAD_BATCH: usize = 128;

/// How many feeds are serialised (in parallel) before their files go to
/// the sink: bounds memory on large sites.
const EMIT_BATCH: usize = 64;

/// One feed, serialised (or found unchanged).
struct Emitted {
    /// Its RSS file, which names the feed.
    rss_path: String,
    fingerprint: u64,
    /// What the directory pages show of it, unless known already.
    listed: Option<Listed>,
    /// Each file's bytes and hash (or why the RSS could not be made); `None`
    /// when unchanged.
    outputs: Option<Vec<(String, FileBytes)>>,
    /// Outputs found already on disk with these bytes (their bytes dropped).
    on_disk: Vec<String>,
    /// Whether a file must be written but an item in it kept only its hash.
    without_bytes: bool,
}

/// A file's bytes and hash, or why it could not be made.
type FileBytes = Result<(Vec<u8>, feed::Hash), String>;

/// Reads a file under the content folder (the caller does the I/O): at most
/// its first `limit` bytes ([`WHOLE`] for all of it).
pub type Load<'a> = &'a (dyn Fn(&str, usize) -> Result<Vec<u8>, String> + Sync);

/// What a [`Load`] gives for a file whose bytes (or read error) are in
/// memory already: its first `limit` bytes.
pub fn load_from_memory(bytes: Result<&[u8], &str>, limit: usize) -> Result<Vec<u8>, String> {
    bytes
        .map(|b| b[..b.len().min(limit)].to_vec())
        .map_err(str::to_owned)
}

/// The `limit` of a [`Load`] that reads the whole file.
pub const WHOLE: usize = usize::MAX;

/// How much of a file a one-shot build reads first, hoping it holds the
/// whole front matter (a few hundred bytes as Hugo writes it): one page.
pub const FRONT_BYTES: usize = 4096;

/// Where a rebuild's files go: the output folder (one-shot build, watch), or
/// memory (tests).
pub trait Sink {
    /// Called once every problem is known and before any file is produced;
    /// returning false stops the rebuild there (`--strict`), and nothing
    /// counts as produced.
    fn proceed(&mut self, _diagnostics: &[Diagnostic]) -> bool {
        true
    }

    /// A file that is new or whose bytes changed since the last rebuild,
    /// with their fingerprint ([`Pieces::fingerprint`]).
    fn file(&mut self, path: &str, bytes: Vec<u8>, fingerprint: feed::Hash);

    /// A check, callable from several threads, of whether a file already
    /// holds these bytes where the sink puts it. Files it finds are passed
    /// to [`Sink::same`] instead of [`Sink::file`].
    fn on_disk(&self) -> Option<OnDisk> {
        None
    }

    /// A file produced with the bytes it already has.
    fn same(&mut self, _path: &str) {}

    /// Whether the sink holds the files of an earlier build already. A
    /// one-shot build then keeps only the lengths and hashes of its items
    /// ([`feed::Item::hashed`]), as it will write few feeds, and makes again
    /// the items of the feeds it does write.
    fn built_before(&self) -> bool {
        false
    }
}

/// See [`Sink::on_disk`].
/// It is given the file's pieces, in order, and their fingerprint
/// ([`Pieces::fingerprint`]).
pub type OnDisk = Arc<dyn Fn(&str, &[feed::Piece<'_>], feed::Hash) -> bool + Send + Sync>;

/// Collects the files in memory.
impl Sink for BTreeMap<String, Vec<u8>> {
    fn file(&mut self, path: &str, bytes: Vec<u8>, _: feed::Hash) {
        self.insert(path.to_owned(), bytes);
    }
}

/// Every feed of the site with the posts it shows (its newest `limit`).
fn scopes(c: &Collection, limit: Option<usize>) -> Vec<(Scope<'_>, Vec<usize>)> {
    let shown = |n: usize| limit.map_or(n, |l| l.min(n));
    let limited = |posts: &[usize]| posts[..shown(posts.len())].to_vec();
    std::iter::once((Scope::Site, (0..shown(c.posts.len())).collect()))
        .chain(
            c.categories
                .iter()
                .map(|t| (Scope::Category(&t.term), limited(&t.posts))),
        )
        .chain(
            c.tags
                .iter()
                .map(|t| (Scope::Tag(&t.term), limited(&t.posts))),
        )
        .collect()
}

/// The summary a post's feed items show: its `description`, else its
/// `summary`, else the start of its text.
fn summary_of<'a>(a: &'a Article, rendered: &'a Rendered) -> &'a str {
    front_matter_summary(a).unwrap_or(&rendered.summary)
}

/// The summary an article's front matter gives, if any: its `description`,
/// else its `summary`. Without one, the render makes one from the text.
fn front_matter_summary(a: &Article) -> Option<&str> {
    a.description.as_deref().or(a.summary.as_deref())
}

/// Whether two versions of an article are the same to the collector (same
/// place in every list, same terms): then only its body changed.
fn same_listing(a: &Article, b: &Article) -> bool {
    a.path == b.path
        && a.permalink == b.permalink
        && a.publish_date == b.publish_date
        && a.expiry_date == b.expiry_date
        && a.draft == b.draft
        && a.tags == b.tags
        && a.categories == b.categories
}

/// Times the stages of a rebuild.
struct Stopwatch {
    last: std::time::Instant,
    laps: Vec<(&'static str, std::time::Duration)>,
}

impl Stopwatch {
    fn start() -> Stopwatch {
        Stopwatch {
            last: std::time::Instant::now(),
            laps: Vec::new(),
        }
    }

    fn lap(&mut self, stage: &'static str) {
        let now = std::time::Instant::now();
        self.laps.push((stage, now - self.last));
        self.last = now;
    }
}

/// What the emitters need to know about this rebuild's posts, by index.
struct Inputs<'a> {
    collection: &'a Collection,
    uses_refs: &'a [bool],
}

fn hash_of(value: &impl Hash) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

/// Resolves Hugo `ref`/`relref` targets: a path under the content folder
/// (`posts/a.md`, `/posts/a.md`, `posts/a`), or a file name when only one
/// published article has it.
fn ref_resolver(posts: &[Arc<Article>]) -> impl Fn(&str) -> Option<String> + '_ {
    move |target: &str| {
        let target = target.trim().trim_start_matches('/');
        let target = target.split('#').next().unwrap_or_default();
        let strip = |p: &str| {
            p.trim_end_matches(".md")
                .trim_end_matches("/index")
                .to_owned()
        };
        let wanted = strip(target);
        let exact = posts.iter().find(|a| strip(&a.path) == wanted);
        let found = exact.or_else(|| {
            let mut by_name = posts
                .iter()
                .filter(|a| strip(&a.path).rsplit('/').next() == Some(wanted.as_str()));
            match (by_name.next(), by_name.next()) {
                (Some(one), None) => Some(one),
                _ => None,
            }
        });
        found.map(|a| a.permalink.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::{self, SourceFile};
    use proptest::prelude::*;

    fn config() -> Config {
        Config::parse(
            "title: T\nbase_url: https://example.org/\nlimit: 3\n",
            std::path::Path::new(""),
            None,
        )
        .unwrap()
    }

    fn now() -> DateTime<Utc> {
        "2025-01-01T00:00:00Z".parse().unwrap()
    }

    /// One edit to the content folder.
    #[derive(Debug, Clone)]
    enum Op {
        Write {
            file: u8,
            day: u8,
            tags: Vec<u8>,
            draft: bool,
            broken: bool,
            /// Varies only the body, which takes the fast path.
            words: u8,
            /// Published in 2026 (after `now`) or expired before `now`.
            future: bool,
            expired: bool,
            /// A shared slug, so that two posts may want one permalink.
            slug: Option<u8>,
        },
        Remove(u8),
        /// Time passes (days), so that scheduled posts appear and others
        /// expire without any edit.
        Wait(u16),
    }

    /// Tag spellings that merge (`ai`/`AI`, `t 2`/`t-2`) or collide on a
    /// slug (`c`/`c#`).
    const TAGS: [&str; 8] = ["t0", "T0", "t 2", "t-2", "c", "c#", "ai", "AI"];

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (
                (0..8u8, 1..28u8, proptest::collection::vec(0..TAGS.len() as u8, 0..4)),
                (proptest::bool::weighted(0.15), proptest::bool::weighted(0.1), 0..4u8),
                (proptest::bool::weighted(0.1), proptest::bool::weighted(0.1), proptest::option::weighted(0.1, 0..2u8)),
            )
                .prop_map(|((file, day, tags), (draft, broken, words), (future, expired, slug))| Op::Write {
                    file, day, tags, draft, broken, words, future, expired, slug,
                }),
            1 => (0..8u8).prop_map(Op::Remove),
            1 => (1..500u16).prop_map(Op::Wait),
        ]
    }

    /// An article for the property test below.
    fn generated(op: &Op) -> String {
        let Op::Write {
            day,
            tags,
            draft,
            broken,
            words,
            future,
            expired,
            slug,
            ..
        } = op
        else {
            return String::new();
        };
        if *broken {
            return "---\ntitle: \"unclosed\ndate: 2024-01-01\n---\n".to_owned();
        }
        let tags: Vec<String> = tags
            .iter()
            .map(|&t| format!("\"{}\"", TAGS[t as usize]))
            .collect();
        let year = if *future { 2026 } else { 2024 };
        let mut front = format!(
            "title: Day {day}\ndate: {year}-02-{day:02}\ndraft: {draft}\ntags: [{}]\n",
            tags.join(", ")
        );
        if *expired {
            front.push_str("expiryDate: 2024-12-01\n");
        }
        if let Some(slug) = slug {
            front.push_str(&format!("slug: same-{slug}\n"));
        }
        format!(
            "---\n{front}---\nBody {{{{< ref \"p1.md\" >}}}} and text{}.\n",
            " more".repeat(*words as usize)
        )
    }

    fn text(day: u8, tags: &[u8], draft: bool, broken: bool) -> String {
        text_with(day, tags, draft, broken, 0)
    }

    fn text_with(day: u8, tags: &[u8], draft: bool, broken: bool, words: u8) -> String {
        let tags: Vec<String> = tags.iter().map(|t| format!("t{t}")).collect();
        if broken {
            return "---\ntitle: \"unclosed\ndate: 2024-01-01\n---\n".to_owned();
        }
        format!(
            "---\ntitle: Day {day}\ndate: 2024-02-{day:02}\ndraft: {draft}\ntags: [{}]\n---\nBody {{{{< ref \"p1.md\" >}}}} and text{}.\n",
            tags.join(", "),
            " more".repeat(words as usize)
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        /// After any sequence of edits (broken ones included), the files an
        /// incremental site has produced — applying each rebuild's changes and
        /// removals — are the files a fresh one-shot build produces.
        #[test]
        fn incremental_rebuilds_equal_a_fresh_build(ops in proptest::collection::vec(op(), 1..25)) {
            let mut site = Site::new(config(), Flags::default(), false);
            let mut disk: BTreeMap<String, Vec<u8>> = BTreeMap::new();
            let mut sources: BTreeMap<String, String> = BTreeMap::new();
            let mut at = now();
            for op in ops {
                match op {
                    Op::Write { file, .. } => {
                        let path = format!("p{file}.md");
                        let body = generated(&op);
                        site.update(&path, &path, Ok(body.as_bytes()));
                        sources.insert(path, body);
                    }
                    Op::Remove(file) => {
                        let path = format!("p{file}.md");
                        site.remove(&path);
                        sources.remove(&path);
                    }
                    Op::Wait(days) => at += chrono::Duration::days(i64::from(days)),
                }
                let (rebuild, changed) = site.rebuild(at);
                for path in &rebuild.removed {
                    disk.remove(path);
                }
                disk.extend(changed);
                let fresh: Vec<SourceFile> = sources
                    .iter()
                    .map(|(p, b)| SourceFile { path: p.clone(), shown: p.clone(), bytes: Ok(b.clone().into_bytes()) })
                    .collect();
                let options = Options { drafts: false, future: false, expired: false, now: at };
                let expected = build::build(&config(), &fresh, &options);
                prop_assert_eq!(&disk, &expected.files);
                prop_assert_eq!(&rebuild.stats, &expected.stats);
                prop_assert_eq!(&rebuild.diagnostics, &expected.diagnostics);
            }
        }
    }

    #[test]
    fn an_edit_renders_and_emits_only_what_it_touches() {
        let mut site = Site::new(config(), Flags::default(), false);
        for i in 1..=9u8 {
            let path = format!("p{i}.md");
            site.update(&path, &path, Ok(text(i, &[i % 3], false, false).as_bytes()));
        }
        let (first, files) = site.rebuild(now());
        assert_eq!(first.rendered, 9);
        assert!(files.contains_key(output::MANIFEST));

        // An old post outside the site feed's limit of 3, tagged t1.
        site.update(
            "p1.md",
            "p1.md",
            Ok(text(1, &[1], false, false)
                .replace("text", "words")
                .as_bytes()),
        );
        let (second, files) = site.rebuild(now());
        assert_eq!(second.rendered, 1);
        let changed: Vec<&str> = files.keys().map(String::as_str).collect();
        assert_eq!(
            changed,
            ["tags/t1/feed.json", "tags/t1/index.html", "tags/t1/rss.xml"]
        );

        // Saving the same bytes again changes nothing.
        assert!(!site.update(
            "p1.md",
            "p1.md",
            Ok(text(1, &[1], false, false)
                .replace("text", "words")
                .as_bytes())
        ));
        let (third, files) = site.rebuild(now());
        assert!(files.is_empty() && third.removed.is_empty());
        assert_eq!(third.rendered, 0);
    }

    #[test]
    fn files_found_in_any_order_build_what_their_sorted_list_does() {
        let mut texts: Vec<(String, String)> = (1..=24u8)
            .map(|i| (format!("p{i}.md"), text(i, &[i % 5, i % 7], i == 4, i == 7)))
            .collect();
        texts.push(("b/index.md".into(), text(20, &[1], false, false)));
        // A page bundle's resource: newest of all, in no feed unless it were
        // taken for an article.
        texts.push(("b/notes.md".into(), text(28, &[1], false, false)));
        let by_path: BTreeMap<&str, &str> = texts
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let load = |path: &str, limit: usize| load_from_memory(Ok(by_path[path].as_bytes()), limit);
        let options = Options {
            drafts: false,
            future: false,
            expired: false,
            now: now(),
        };
        let articles: Vec<build::SourceFile> = by_path
            .iter()
            .filter(|(path, _)| **path != "b/notes.md")
            .map(|(path, text)| build::SourceFile {
                path: (*path).to_owned(),
                shown: (*path).to_owned(),
                bytes: Ok(text.as_bytes().to_vec()),
            })
            .collect();
        let expected = build::build(&config(), &articles, &options);
        assert!(!expected.diagnostics.is_empty(), "p7.md is broken");

        let walk_problem = Diagnostic::warning("content/loop", None, "symbolic link loop");
        // One file at a time, last first, on four threads: each numbers the
        // terms of what it parses in a table of its own.
        let found = |give: &mut dyn FnMut(Vec<(String, String)>)| {
            for (path, _) in texts.iter().rev() {
                give(vec![(path.clone(), path.clone())]);
            }
            vec![walk_problem.clone()]
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        let mut out = BTreeMap::new();
        let built =
            pool.install(|| build::build_into(&config(), found, load, &options, || None, &mut out));
        if let Some(manifest) = built.manifest {
            out.insert(output::MANIFEST.to_owned(), manifest);
        }
        assert_eq!(out, expected.files);
        assert_eq!(built.stats, expected.stats);
        let mut diagnostics = vec![walk_problem];
        diagnostics.extend(expected.diagnostics);
        assert_eq!(built.diagnostics, diagnostics);
    }

    /// A one-shot build reads a rendered post's body a second time; `reads`
    /// says what each read of `p1.md` returns.
    fn one_shot_with_rereads(reads: Vec<Result<String, String>>) -> build::Output {
        let reads = std::sync::Mutex::new(reads.into_iter());
        let load = |path: &str, limit: usize| -> Result<Vec<u8>, String> {
            let cut = |mut b: Vec<u8>| {
                b.truncate(limit);
                b
            };
            if path != "p1.md" {
                return Ok(cut(text(2, &[0], false, false).into_bytes()));
            }
            let next = reads.lock().map(|mut r| r.next());
            match next {
                Ok(Some(read)) => read.map(|t| cut(t.into_bytes())),
                _ => Err("no more reads".to_owned()),
            }
        };
        let files = [
            ("p1.md".to_owned(), "p1.md".to_owned()),
            ("p2.md".to_owned(), "p2.md".to_owned()),
        ];
        let options = Options {
            drafts: false,
            future: false,
            expired: false,
            now: now(),
        };
        let mut out = BTreeMap::new();
        let found = |give: &mut dyn FnMut(Vec<(String, String)>)| {
            give(files.to_vec());
            Vec::new()
        };
        let built = build::build_into(&config(), found, load, &options, || None, &mut out);
        build::Output {
            files: out,
            diagnostics: built.diagnostics,
            stats: built.stats,
            timings: Vec::new(),
        }
    }

    #[test]
    fn a_one_shot_build_renders_the_body_it_reads_again() {
        let first = text(1, &[0], false, false);
        let out = one_shot_with_rereads(vec![Ok(first.clone()), Ok(first)]);
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let feed = String::from_utf8(out.files["rss.xml"].clone()).unwrap();
        assert!(feed.contains("and text."), "{feed}");
    }

    /// The body was not read before, so a body edited between the two reads
    /// is simply the body; so is the one of a front matter changed in a way
    /// that means nothing (a space more before a value).
    #[test]
    fn a_body_edited_between_the_two_reads_is_the_body() {
        let first = text(1, &[0], false, false);
        let edited = first.replace("and text", "and newer text");
        let spaced = edited.replacen("title: ", "title:  ", 1);
        for second in [edited, spaced] {
            let out = one_shot_with_rereads(vec![Ok(first.clone()), Ok(second)]);
            assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
            let feed = String::from_utf8(out.files["rss.xml"].clone()).unwrap();
            assert!(feed.contains("and newer text."), "{feed}");
        }
    }

    #[test]
    fn a_file_changed_during_a_one_shot_build_is_reported() {
        let first = text(1, &[0], false, false);
        let edited = first
            .replace("Day 1", "Day one")
            .replace("and text", "and newer text");
        let out = one_shot_with_rereads(vec![Ok(first.clone()), Ok(edited)]);
        assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
        let d = &out.diagnostics[0];
        assert_eq!(d.path, "p1.md");
        assert!(
            d.message.contains("changed while feedsmith was building"),
            "{d:?}"
        );
        let feed = String::from_utf8(out.files["rss.xml"].clone()).unwrap();
        assert!(feed.contains("and newer text."), "{feed}");

        let gone = one_shot_with_rereads(vec![Ok(first), Err("No such file".to_owned())]);
        assert_eq!(gone.diagnostics.len(), 1, "{:?}", gone.diagnostics);
        let message = &gone.diagnostics[0].message;
        assert!(message.contains("could not be read again"), "{message}");
        assert!(message.contains("(No such file)"), "{message}");
        assert!(gone.files.contains_key("rss.xml"));
    }

    /// An output folder built before, for a one-shot build over it: it finds
    /// a file that holds the pieces it is given, items known only by their
    /// length and hash included (compared as the output folder's files are),
    /// and keeps what is written apart.
    struct Disk {
        files: Arc<BTreeMap<String, Vec<u8>>>,
        written: BTreeMap<String, Vec<u8>>,
    }

    impl Sink for Disk {
        fn file(&mut self, path: &str, bytes: Vec<u8>, _: feed::Hash) {
            self.written.insert(path.to_owned(), bytes);
        }

        fn on_disk(&self) -> Option<OnDisk> {
            let files = Arc::clone(&self.files);
            Some(Arc::new(move |path: &str, parts: &[feed::Piece<'_>], _| {
                let Some(bytes) = files.get(path) else {
                    return false;
                };
                let len = parts.iter().map(feed::Piece::size).sum();
                len == bytes.len() && output::reads_as(&bytes[..], parts, len)
            }))
        }

        fn built_before(&self) -> bool {
            !self.files.is_empty()
        }
    }

    /// A one-shot build of `files` (path and the text of each successive
    /// read, the last one repeated) into `sink`; returns the build and how
    /// many times each file was read.
    fn one_shot_reading(
        files: &[(&str, Vec<String>)],
        sink: &mut dyn Sink,
    ) -> (build::Built, BTreeMap<String, usize>) {
        one_shot_remembering(files, None, sink)
    }

    /// [`one_shot_reading`] with an item cache.
    fn one_shot_remembering(
        files: &[(&str, Vec<String>)],
        cache: Option<ItemCache>,
        sink: &mut dyn Sink,
    ) -> (build::Built, BTreeMap<String, usize>) {
        let reads = Mutex::new(BTreeMap::<String, usize>::new());
        let load = |path: &str, limit: usize| -> Result<Vec<u8>, String> {
            let mut reads = reads.lock().unwrap();
            let n = reads.entry(path.to_owned()).or_default();
            let (_, texts) = files.iter().find(|(p, _)| *p == path).unwrap();
            let mut bytes = texts[(*n).min(texts.len() - 1)].clone().into_bytes();
            *n += 1;
            bytes.truncate(limit);
            Ok(bytes)
        };
        let options = Options {
            drafts: false,
            future: false,
            expired: false,
            now: now(),
        };
        let paths: Vec<(String, String)> = files
            .iter()
            .map(|(p, _)| (p.to_string(), p.to_string()))
            .collect();
        let found = |give: &mut dyn FnMut(Vec<(String, String)>)| {
            give(paths);
            Vec::new()
        };
        let built = build::build_into(&config(), found, load, &options, || cache, sink);
        (built, reads.into_inner().unwrap())
    }

    /// Four posts, the oldest (`p1`, alone in tag `t0`) out of the site
    /// feed (limit 3), with `p1`'s text.
    fn four_posts(p1: Vec<String>) -> Vec<(&'static str, Vec<String>)> {
        vec![
            ("p1.md", p1),
            ("p2.md", vec![text(2, &[1], false, false)]),
            ("p3.md", vec![text(3, &[1], false, false)]),
            ("p4.md", vec![text(4, &[1], false, false)]),
        ]
    }

    /// Over an earlier build, a one-shot build keeps only its items' hashes
    /// and makes the items of the feeds it writes again: it writes what a
    /// fresh build would, and reads a third time only the posts those feeds
    /// show.
    #[test]
    fn a_build_over_an_earlier_one_writes_what_a_fresh_build_would() {
        let mut before = BTreeMap::new();
        one_shot_reading(&four_posts(vec![text(1, &[0], false, false)]), &mut before);
        let edited = text_with(1, &[0], false, false, 3);
        let files = four_posts(vec![edited]);
        let mut fresh = BTreeMap::new();
        one_shot_reading(&files, &mut fresh);

        let mut disk = Disk {
            files: Arc::new(before.clone()),
            written: BTreeMap::new(),
        };
        let (built, reads) = one_shot_reading(&files, &mut disk);
        assert!(built.diagnostics.is_empty(), "{:?}", built.diagnostics);
        let changed: Vec<&String> = fresh
            .iter()
            .filter(|(path, bytes)| before.get(*path) != Some(bytes))
            .map(|(path, _)| path)
            .collect();
        assert!(
            changed.contains(&&"tags/t0/rss.xml".to_owned()),
            "{changed:?}"
        );
        // The directory pages are always handed over (a sink compares them
        // itself); of the feeds, only those that changed.
        let feeds_written: Vec<&String> = disk
            .written
            .keys()
            .filter(|p| ![feed::PAGE_FILE, feed::OPML_FILE].contains(&p.as_str()))
            .collect();
        assert_eq!(feeds_written, changed);
        for (path, bytes) in &disk.written {
            assert_eq!(
                String::from_utf8_lossy(bytes),
                String::from_utf8_lossy(&fresh[path]),
                "{path}"
            );
        }
        // The start, the rest to render it, and again for `t0`'s feed.
        let expected: BTreeMap<String, usize> =
            [("p1.md", 3), ("p2.md", 2), ("p3.md", 2), ("p4.md", 2)]
                .into_iter()
                .map(|(p, n)| (p.to_owned(), n))
                .collect();
        assert_eq!(reads, expected);
    }

    /// A post's text without `ref` (see [`text`]), whose body has `extra`.
    fn plain(day: u8, tags: &[u8], extra: &str) -> String {
        let tags: Vec<String> = tags.iter().map(|t| format!("t{t}")).collect();
        format!(
            "---\ntitle: Day {day}\ndate: 2024-02-{day:02}\ntags: [{}]\n---\nBody of day {day}.{extra}\n",
            tags.join(", ")
        )
    }

    /// Five posts, each in one successive read: `p1` (alone in `t0`), `p2`
    /// to `p4` plain, `p5` with a `ref` and `p6` with an unknown shortcode
    /// (a warning); limit 3, so `p1` and `p2` are only in their tags' feeds.
    fn six_posts(p1: &str) -> Vec<(&'static str, Vec<String>)> {
        vec![
            ("p1.md", vec![p1.to_owned()]),
            ("p2.md", vec![plain(2, &[1], "")]),
            ("p3.md", vec![plain(3, &[1], "")]),
            ("p4.md", vec![plain(4, &[1], "")]),
            ("p5.md", vec![plain(5, &[2], " See {{< ref \"p1.md\" >}}.")]),
            ("p6.md", vec![plain(6, &[2], " {{< nope >}}")]),
        ]
    }

    /// A build over an earlier one takes the items of posts whose bytes the
    /// item cache remembers instead of rendering them, and still writes
    /// what a fresh build would: here nothing after no edit, and `t0`'s
    /// feed after an edit of `p1`. Posts that used `ref`, or gave a warning
    /// (given again in every build), are not remembered.
    #[test]
    fn unchanged_posts_are_taken_from_the_item_cache() {
        let files = six_posts(&plain(1, &[0], ""));
        let mut before = BTreeMap::new();
        let empty = ItemCache::new(7);
        let (first, _) = one_shot_remembering(&files, Some(empty), &mut before);
        assert_eq!((first.rendered, first.remembered), (6, 0));
        let cache = first.remember.expect("a cache to save");
        // Not p5 (ref) nor p6 (warning).
        assert_eq!(cache.len(), 4);
        assert_eq!(cache.context(), 7);
        for (path, texts) in &files[..4] {
            assert!(
                cache
                    .get(item_cache::key(path, texts[0].as_bytes()))
                    .is_some(),
                "{path}"
            );
        }
        assert_eq!(first.diagnostics.len(), 1, "{:?}", first.diagnostics);

        let disk = |files: &BTreeMap<String, Vec<u8>>| Disk {
            files: Arc::new(files.clone()),
            written: BTreeMap::new(),
        };
        let directory = [feed::PAGE_FILE, feed::OPML_FILE];
        let mut again = disk(&before);
        let (second, reads) = one_shot_remembering(&files, Some(cache.clone()), &mut again);
        assert_eq!((second.rendered, second.remembered), (2, 4));
        assert_eq!(second.diagnostics, first.diagnostics);
        assert!(second.remember.is_none(), "nothing new to remember");
        assert!(again
            .written
            .keys()
            .all(|p| directory.contains(&p.as_str())));
        assert!(reads.values().all(|&n| n == 2), "{reads:?}");

        let edited = six_posts(&plain(1, &[0], " Edited."));
        let mut fresh = BTreeMap::new();
        one_shot_reading(&edited, &mut fresh);
        let mut over = disk(&before);
        let (third, _) = one_shot_remembering(&edited, Some(cache), &mut over);
        // p1 twice (its feed is written), p5 and p6; the rest remembered.
        assert_eq!((third.rendered, third.remembered), (4, 3));
        let written: Vec<&str> = over
            .written
            .keys()
            .map(String::as_str)
            .filter(|p| !directory.contains(p))
            .collect();
        assert_eq!(
            written,
            ["tags/t0/feed.json", "tags/t0/index.html", "tags/t0/rss.xml"]
        );
        for (path, bytes) in &over.written {
            assert_eq!(bytes, &fresh[path], "{path}");
        }
        let next = third.remember.expect("p1's new item to remember");
        assert!(next
            .get(item_cache::key("p1.md", edited[0].1[0].as_bytes()))
            .is_some());
        assert!(next
            .get(item_cache::key("p1.md", files[0].1[0].as_bytes()))
            .is_none());
        assert_eq!(next.len(), 4);
    }

    /// A post whose file changed between the first read and the second is
    /// not taken from the cache, even when the cache remembers its newer
    /// bytes: the feeds were worked out from the older front matter, and a
    /// warning says so, as without a cache.
    #[test]
    fn a_post_changed_between_its_reads_is_rendered_and_reported() {
        let newer = plain(1, &[3], "");
        let mut before = BTreeMap::new();
        let (first, _) =
            one_shot_remembering(&six_posts(&newer), Some(ItemCache::new(7)), &mut before);
        let cache = first.remember.unwrap();
        assert!(cache
            .get(item_cache::key("p1.md", newer.as_bytes()))
            .is_some());

        let mut files = six_posts(&plain(1, &[0], ""));
        files[0].1.push(newer);
        let mut disk = Disk {
            files: Arc::new(before),
            written: BTreeMap::new(),
        };
        let (built, _) = one_shot_remembering(&files, Some(cache), &mut disk);
        assert!(built.rendered >= 1);
        assert!(
            built
                .diagnostics
                .iter()
                .any(|d| d.path == "p1.md" && d.message.contains("the file changed")),
            "{:?}",
            built.diagnostics
        );
    }

    /// An item cache that holds a wrong item for a post (one made by
    /// another feedsmith, say) does not get into a feed: a feed it makes
    /// look changed is written with the post rendered, and a warning says
    /// that the cache was wrong.
    #[test]
    fn a_wrong_item_in_the_cache_is_not_written_and_is_reported() {
        let files = six_posts(&plain(1, &[0], ""));
        let mut before = BTreeMap::new();
        let (first, _) = one_shot_remembering(&files, Some(ItemCache::new(7)), &mut before);
        let mut cache = first.remember.unwrap();
        let key = item_cache::key("p2.md", files[1].1[0].as_bytes());
        let right = cache.get(key).unwrap().clone();
        let mut wrong = right.clone();
        wrong.hashes.json.1 ^= 1;
        cache.insert(key, wrong);

        let mut disk = Disk {
            files: Arc::new(before.clone()),
            written: BTreeMap::new(),
        };
        let (built, _) = one_shot_remembering(&files, Some(cache), &mut disk);
        // `t1`'s JSON feed looked changed; made again, it is as on disk.
        let directory = [feed::PAGE_FILE, feed::OPML_FILE];
        assert!(disk.written.keys().all(|p| directory.contains(&p.as_str())));
        let warnings: Vec<&Diagnostic> = built
            .diagnostics
            .iter()
            .filter(|d| d.message.contains("the item cache"))
            .collect();
        assert_eq!(warnings.len(), 1, "{:?}", built.diagnostics);
        assert_eq!(warnings[0].path, "p2.md");
        let next = built.remember.expect("the right item to remember");
        assert_eq!(next.get(key), Some(&right));
    }

    /// A post that changes between the render that hashed its items and
    /// the one that makes them again: the feed written shows the newer
    /// text, and a warning says so.
    #[test]
    fn a_post_changed_before_its_items_are_made_again_is_reported() {
        let first = text(1, &[0], false, false);
        let mut before = BTreeMap::new();
        one_shot_reading(&four_posts(vec![first.clone()]), &mut before);
        let edited = text_with(1, &[0], false, false, 2);
        let newer = first.replace("and text", "and newer text");
        let mut disk = Disk {
            files: Arc::new(before),
            written: BTreeMap::new(),
        };
        let files = four_posts(vec![edited.clone(), edited, newer]);
        let (built, _) = one_shot_reading(&files, &mut disk);
        assert_eq!(built.diagnostics.len(), 1, "{:?}", built.diagnostics);
        let d = &built.diagnostics[0];
        assert_eq!(d.path, "p1.md");
        assert!(
            d.message.contains("the feeds written show the newer text"),
            "{d:?}"
        );
        let feed = String::from_utf8(disk.written["tags/t0/rss.xml"].clone()).unwrap();
        assert!(feed.contains("and newer text."), "{feed}");
    }

    /// A one-shot build reads only the start of each file, and the rest of
    /// the posts it shows when it renders them: what the rest holds must
    /// come out as if every file had been read whole at once — as watch mode
    /// reads them. Here the newest post's body is not UTF-8 (so the post is
    /// broken, and an older one takes its place in the feeds), and a shown
    /// post's body holds a control character (a warning, and it is removed).
    #[test]
    fn bodies_read_only_when_rendered_are_judged_as_whole_reads_are() {
        let post = |day: u8, body: &[u8]| {
            let mut bytes = format!(
                "---\ntitle: Day {day}\ndate: 2024-02-{day:02}\ntags: [t0]\n---\nFirst line.\n\n"
            )
            .into_bytes();
            bytes.extend_from_slice(body);
            bytes
        };
        let long = "Long text. ".repeat(600);
        let files = vec![
            ("p1.md", post(1, long.as_bytes())),
            ("p2.md", post(2, b"Fine.\n")),
            ("p3.md", post(3, b"Bell \x07 here.\n")),
            (
                "p4.md",
                post(4, &[long.as_bytes(), b"\nthen \xff\xfe\n"].concat()),
            ),
            (
                "p5.md",
                post(5, &[long.as_bytes(), b"\nbad \xc3(\n"].concat()),
            ),
        ];
        let sources: Vec<SourceFile> = files
            .iter()
            .map(|(p, b)| SourceFile {
                path: (*p).to_owned(),
                shown: (*p).to_owned(),
                bytes: Ok(b.clone()),
            })
            .collect();
        let options = Options {
            drafts: false,
            future: false,
            expired: false,
            now: now(),
        };
        let once = build::build(&config(), &sources, &options);

        let mut whole = Site::new(config(), Flags::default(), false);
        for (path, bytes) in &files {
            whole.update(path, path, Ok(bytes));
        }
        let (rebuild, files) = whole.rebuild(now());
        assert_eq!(once.files, files);
        assert_eq!(once.stats, rebuild.stats);
        let sorted = |mut d: Vec<Diagnostic>| {
            d.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
            d
        };
        let diagnostics = sorted(once.diagnostics.clone());
        assert_eq!(diagnostics, sorted(rebuild.diagnostics));
        // Two broken (p4, p5: not UTF-8 after the first page), one warning
        // (p3); limit 3 leaves p1..p3 in the feeds.
        assert_eq!(once.stats.broken, 2, "{diagnostics:?}");
        let lines: Vec<(&str, Option<usize>)> = diagnostics
            .iter()
            .map(|d| (d.path.as_str(), d.line))
            .collect();
        assert_eq!(
            lines,
            [("p3.md", Some(8)), ("p4.md", Some(9)), ("p5.md", Some(9))]
        );
        let feed = String::from_utf8(once.files["rss.xml"].clone()).unwrap();
        assert!(feed.contains("Day 3") && feed.contains("Day 1"), "{feed}");
        assert!(!feed.contains("Day 4") && !feed.contains("Day 5"), "{feed}");
        assert!(feed.contains("Bell  here."), "{feed}");
    }

    #[test]
    fn watch_mode_keeps_the_last_good_version_of_a_broken_article() {
        let mut site = Site::new(config(), Flags::default(), true);
        site.update("p1.md", "p1.md", Ok(text(1, &[0], false, false).as_bytes()));
        site.rebuild(now());
        site.update("p1.md", "p1.md", Ok(text(1, &[0], false, true).as_bytes()));
        let (rebuild, files) = site.rebuild(now());
        assert!(files.is_empty() && rebuild.removed.is_empty());
        let error = rebuild.diagnostics.iter().find(|d| d.is_error()).unwrap();
        assert!(error.help.as_deref().unwrap().contains("last good version"));
        assert_eq!(rebuild.stats.broken, 1);
        assert_eq!(rebuild.stats.published, 1);
    }

    #[test]
    fn the_next_scheduled_moment_is_the_nearest_publish_or_expiry() {
        let mut site = Site::new(config(), Flags::default(), false);
        let front = |extra: &str| format!("---\ntitle: X\ndate: 2024-01-01\n{extra}\n---\n");
        site.update(
            "a.md",
            "a.md",
            Ok(front("publishDate: 2025-03-01").as_bytes()),
        );
        site.update(
            "b.md",
            "b.md",
            Ok(front("expiryDate: 2025-02-01").as_bytes()),
        );
        site.update(
            "c.md",
            "c.md",
            Ok(front("expiryDate: 2024-06-01").as_bytes()),
        );
        assert_eq!(
            site.next_scheduled(now()),
            Some("2025-02-01T00:00:00Z".parse().unwrap())
        );
        site.remove("b.md");
        assert_eq!(
            site.next_scheduled(now()),
            Some("2025-03-01T00:00:00Z".parse().unwrap())
        );
    }
}
