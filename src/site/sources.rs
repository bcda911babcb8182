//! The article files as last seen: each one's newest parse, its last good
//! version, its problems, and what collecting needs of it.
//!
//! Loading parses files on every core and stores them; it also notes which
//! edits changed only a body and which changed what the collector looks at,
//! so that the next rebuild knows how much of the last collection still
//! holds (see [`super::changes`]).

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

use rayon::prelude::*;

use super::sink::{Load, FRONT_BYTES, WHOLE};
use crate::base::config::Config;
use crate::base::diagnostic::Diagnostic;
use crate::collect::{Listing, LocalSpellings, Spellings};
use crate::parse::article::{self, Article, ParseContext};
use crate::parse::cascade::{self, Cascades, PageInfo};
use crate::parse::files;
use crate::parse::frontmatter;

/// One article file as last seen.
#[derive(Debug, Clone)]
pub(super) struct Source {
    pub(super) shown: String,
    /// Hash of the newest bytes (or of the read error), to skip unchanged saves.
    hash: u64,
    /// The newest version that parsed and its version number (the hash of its
    /// path and bytes). Kept while a later edit is broken, so that in watch mode the
    /// feeds do not flap while someone types.
    pub(super) good: Option<(Arc<Article>, u64)>,
    /// What the collector needs of `good`, computed once.
    pub(super) listing: Option<Listing>,
    /// Why the newest version does not parse, if it does not.
    pub(super) error: Option<Diagnostic>,
    /// Warnings about the newest version.
    pub(super) warnings: Vec<Diagnostic>,
    /// A one-shot build's [`Front`] of the file, when its start was enough.
    pub(super) front: Option<Front>,
    /// The fingerprint of what its list pages handed down to the newest
    /// parse (see [`cascade::Applied`]).
    cascade: u64,
}

/// How many bytes of a file held its front matter (up to the body), and
/// their hash: when a one-shot build reads a shown post again to render it,
/// bytes that still hash the same need not be parsed again.
#[derive(Debug, Clone, Copy)]
pub(super) struct Front {
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
    pub(super) fn starts(self, bytes: &[u8]) -> bool {
        bytes
            .get(..self.len)
            .is_some_and(|front| Front::hash(front) == self.hash)
    }

    /// The body after this front in `bytes`, which [`Front::starts`], when
    /// it needs no cleaning up.
    pub(super) fn body_in(self, bytes: &[u8]) -> Option<String> {
        article::clean_body(&bytes[self.len..])
    }
}

/// A file parsed, ready to be stored.
pub(super) struct Prepared {
    hash: u64,
    front: Option<Front>,
    /// See [`Source::cascade`].
    cascade: u64,
    /// The article, shared, with its listing but for the terms' numbers:
    /// made on the parsing thread, so that storing it is quick.
    pub(super) article: Result<(Arc<Article>, Listing), Diagnostic>,
    warnings: Vec<Diagnostic>,
    shown: String,
}

impl Prepared {
    /// A parsed file, ready to store; `hash` is its version (0 when the
    /// build compares no versions).
    pub(super) fn of(hash: u64, shown: &str, parsed: article::Parsed) -> Prepared {
        let article = parsed.article.map(|a| {
            let listing = Listing::unnumbered(&a, hash);
            (Arc::new(a), listing)
        });
        Prepared {
            hash,
            front: None,
            cascade: 0,
            article,
            warnings: parsed.warnings,
            shown: shown.to_owned(),
        }
    }
}

/// An article whose listing changed, with what the last collection saw of
/// it (`None`: nothing).
pub(super) type ListingEdits = BTreeMap<String, Option<(Arc<Article>, Listing)>>;

/// Every article file known, by path under the content folder.
#[derive(Debug)]
pub(super) struct Sources {
    /// Whether a broken edit keeps the article's last good version.
    keep_last_good: bool,
    /// Whether this is a one-shot build's: it reads only the start of each
    /// file and keeps no bodies (see [`Sources::prepare`]).
    once: bool,
    /// The site's settings: what articles are parsed against (see
    /// [`Sources::parse_context`]) and which files are this language's (see
    /// [`Sources::is_own`]).
    config: Config,
    /// Boxed: a first load makes each one on the core that parsed its file,
    /// and building the map on one core then moves pointers, not 300-byte
    /// values into fresh memory.
    files: BTreeMap<String, Box<Source>>,
    /// Every term spelling seen, numbered.
    pub(super) spellings: Spellings,
    /// The language's list pages: section pages (`posts/tech/_index.md`),
    /// whose folders are sections, and the home page's (`_index.md`).
    section_pages: BTreeSet<String>,
    /// What the list pages hand down (Hugo's `cascade`), as last read.
    cascades: Cascades,
    /// Whether a list page was removed since the cascades were read.
    list_page_gone: bool,
    /// Articles edited since the edits were last taken without any change
    /// to what collecting looks at.
    body_edits: Vec<String>,
    /// Articles whose listing changed since the edits were last taken.
    listing_edits: ListingEdits,
}

impl Sources {
    /// The sources of a site with `config`, which says how to parse them.
    pub(super) fn new(keep_last_good: bool, once: bool, config: &Config) -> Sources {
        let names = config.taxonomies.iter().map(|t| t.singular.clone());
        Sources {
            keep_last_good,
            once,
            config: config.clone(),
            files: BTreeMap::new(),
            spellings: Spellings::named(names.collect()),
            section_pages: BTreeSet::new(),
            // The config's from the start: a site whose list pages hand
            // nothing down parses each file once.
            cascades: Cascades::read([], site_cascade(config).as_ref()),
            list_page_gone: false,
            body_edits: Vec::new(),
            listing_edits: BTreeMap::new(),
        }
    }

    /// How articles are parsed for this site.
    pub(super) fn parse_context(&self) -> ParseContext<'_> {
        let c = &self.config;
        ParseContext {
            base_url: &c.base_url,
            timezone: c.timezone,
            permalinks: &c.permalinks,
            taxonomies: &c.taxonomies,
            languages: &c.languages,
            url_prefix: &c.url_prefix,
            dates: &c.dates,
            ugly_urls: &c.ugly_urls,
            lower_paths: c.lower_paths,
            modified: None,
            git: None,
            cascade: &[],
        }
    }

    /// [`Sources::parse_context`] for the file at `path`: with its
    /// modification time and its last commit's date when the dates use
    /// them (`:fileModTime`, `:git`), in the site's time zone, and what its
    /// list pages hand down to it (`cascade`, from [`Sources::cascade_of`]).
    pub(super) fn parse_context_of<'c>(
        &'c self,
        path: &str,
        load: Load<'_>,
        cascade: &'c cascade::Applied,
    ) -> ParseContext<'c> {
        let mut context = self.parse_context();
        context.cascade = &cascade.values;
        let dates = &self.config.dates;
        let here = |t: chrono::DateTime<chrono::Utc>| {
            t.with_timezone(&self.config.timezone).fixed_offset()
        };
        if dates.use_mod_time() {
            context.modified = load.modified(path).map(here);
        }
        if dates.use_git() {
            context.git = load.git_date(path).map(here);
        }
        context
    }

    /// What the list pages hand down to the file at `path` (Hugo's
    /// `cascade`).
    pub(super) fn cascade_of(&self, path: &str) -> cascade::Applied {
        let c = &self.config;
        self.cascades.for_page(&PageInfo {
            rel: path,
            languages: &c.languages,
            lang: &c.language_code,
            environment: &c.environment,
        })
    }

    /// Whether `path` is one of the language's list pages (see
    /// [`files::list_page_folder`]).
    pub(super) fn is_list_page(&self, path: &str) -> bool {
        self.section_pages.contains(path)
    }

    /// Reads the list pages' `cascade`s again (with the config's) and,
    /// when they changed, parses again each file whose handed-down values
    /// changed with them (a folder of drafts, say). Returns whether any
    /// file was.
    ///
    /// The list pages are a handful of small files: reading them all on a
    /// site's first load, and when one of them changes, costs little, and
    /// a site without any `cascade` parses nothing twice.
    fn refresh_cascades(&mut self, load: Load<'_>) -> bool {
        let texts: Vec<(&str, String)> = self
            .section_pages
            .iter()
            .filter_map(|path| {
                let folder = files::list_page_folder(path)?;
                let bytes = load.read(path, WHOLE).ok()?;
                Some((folder, String::from_utf8_lossy(&bytes).into_owned()))
            })
            .collect();
        let pages = texts.iter().map(|(f, t)| (*f, t.as_str()));
        let cascades = Cascades::read(pages, site_cascade(&self.config).as_ref());
        if cascades == self.cascades {
            return false;
        }
        self.cascades = cascades;
        let stale: Vec<(String, String)> = self
            .files
            .iter()
            .filter(|(path, source)| self.cascade_of(path).fingerprint != source.cascade)
            .map(|(path, source)| (path.clone(), source.shown.clone()))
            .collect();
        let prepared: Vec<Option<Prepared>> = stale
            .par_iter()
            .map(|(path, shown)| self.prepare(path, shown, load))
            .collect();
        let mut any = false;
        for ((path, _), prepared) in stale.iter().zip(prepared) {
            if let Some(prepared) = prepared {
                self.commit(path, prepared);
                any = true;
            }
        }
        any
    }

    /// Whether a file of the content folder is one of this language's
    /// pages: its name says so (`about.en.md`), or it names no language
    /// and this language has a content folder of its own or is the
    /// default one (a site without languages has only that one).
    fn is_own(&self, rel: &str) -> bool {
        let c = &self.config;
        match files::language_of(rel, &c.languages) {
            Some(code) => code == c.language_code,
            None => {
                c.own_content
                    || c.languages.is_empty()
                    || c.languages.first() == Some(&c.language_code)
            }
        }
    }

    /// Whether URL paths are in lower case (not with Hugo's
    /// `disablePathToLower`).
    pub(super) fn lower_paths(&self) -> bool {
        self.config.lower_paths
    }

    /// The folders that are sections by a page of their own
    /// (`posts/tech`), below the top ones, which always are.
    pub(super) fn section_folders(&self) -> BTreeSet<&str> {
        self.section_pages
            .iter()
            .filter_map(|p| files::section_index_folder(p))
            .collect()
    }

    /// The section pages known (see [`Sources::section_folders`]).
    pub(super) fn section_pages(&self) -> impl Iterator<Item = &str> {
        self.section_pages.iter().map(String::as_str)
    }

    pub(super) fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    pub(super) fn get(&self, path: &str) -> Option<&Source> {
        self.files.get(path).map(|s| &**s)
    }

    pub(super) fn len(&self) -> usize {
        self.files.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Every source, on every core.
    pub(super) fn par_iter(&self) -> impl ParallelIterator<Item = &Source> {
        self.files.par_iter().map(|(_, s)| &**s)
    }

    /// Every source with its path, on every core.
    pub(super) fn par_entries(&self) -> impl ParallelIterator<Item = (&str, &Source)> {
        self.files.par_iter().map(|(p, s)| (p.as_str(), &**s))
    }

    /// The edits since they were last taken: the paths whose body alone
    /// changed, and those whose listing changed.
    pub(super) fn take_edits(&mut self) -> (Vec<String>, ListingEdits) {
        (
            std::mem::take(&mut self.body_edits),
            std::mem::take(&mut self.listing_edits),
        )
    }

    /// A first load of `files`, in one go: every file is new and changes
    /// (see [`Sources::load_found`]). Nothing of it is noted as an edit, so
    /// it is only for a site that has collected nothing yet.
    pub(super) fn load_first(
        &mut self,
        files: Vec<(String, String)>,
        load: Load<'_>,
    ) -> Vec<usize> {
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
        (0..count).collect()
    }

    /// Parses `files` on every core and stores those whose bytes changed,
    /// noting each as an edit. Returns which changed (their indices).
    pub(super) fn load_each(&mut self, files: Vec<(String, String)>, load: Load<'_>) -> Vec<usize> {
        let prepared: Vec<Option<Prepared>> = files
            .par_iter()
            .map(|(path, shown)| {
                let page = files::list_page_folder(path).is_some();
                (!page && self.is_own(path))
                    .then(|| self.prepare(path, shown, load))
                    .flatten()
            })
            .collect();
        let mut changed = Vec::new();
        let mut list_pages = Vec::new();
        for (i, ((path, _), prepared)) in files.iter().zip(prepared).enumerate() {
            if let Some(prepared) = prepared {
                self.commit(path, prepared);
                changed.push(i);
            } else if files::list_page_folder(path).is_some() && self.is_own(path) {
                if self.section_pages.insert(path.clone()) {
                    changed.push(i);
                } else {
                    list_pages.push(i);
                }
            }
        }
        // An edited list page changes the site only if what it hands down
        // changed; a new or removed one may have too.
        let any_list_page = files
            .iter()
            .any(|(path, _)| files::list_page_folder(path).is_some());
        if (any_list_page || std::mem::take(&mut self.list_page_gone))
            && self.refresh_cascades(load)
        {
            changed.extend(list_pages);
            changed.sort_unstable();
        }
        changed
    }

    /// A site's first load, made while its files are still being found:
    /// see [`super::Site::load_found`].
    pub(super) fn load_found<F>(&mut self, found: F, load: Load<'_>) -> Vec<Diagnostic>
    where
        F: FnOnce(&mut dyn FnMut(Vec<(String, String)>)) -> Vec<Diagnostic> + Send,
    {
        // Each worker numbers the terms of what it parses in a table of its
        // own; each source keeps the index of that table.
        let tables: Vec<Mutex<LocalSpellings>> = (0..rayon::current_num_threads())
            .map(|_| Mutex::default())
            .collect();
        let batches: Mutex<Vec<Batch>> = Mutex::default();
        let mut pages: Vec<String> = Vec::new();
        let this = &*self;
        let problems = rayon::scope(|scope| {
            found(&mut |mut files| {
                files.retain(|(path, _)| {
                    let page = files::list_page_folder(path).is_some();
                    if page && this.is_own(path) {
                        pages.push(path.clone());
                    }
                    !page && this.is_own(path)
                });
                let (batches, tables) = (&batches, &tables);
                scope.spawn(move |_| {
                    let batch = this.parse_batch(files, tables, load);
                    lock(batches).push(batch);
                });
            })
        });
        let batches = batches.into_inner().unwrap_or_else(PoisonError::into_inner);
        let tables = tables
            .into_iter()
            .map(|t| t.into_inner().unwrap_or_else(PoisonError::into_inner))
            .collect();
        self.store_first(batches, tables);
        self.section_pages.extend(pages);
        self.refresh_cascades(load);
        problems
    }

    /// Parses one batch of a first load on a worker, numbering its terms in
    /// the worker's table.
    fn parse_batch(
        &self,
        files: Vec<(String, String)>,
        tables: &[Mutex<LocalSpellings>],
        load: Load<'_>,
    ) -> Batch {
        let table = rayon::current_thread_index().unwrap_or(0) % tables.len();
        let mut local = lock(&tables[table]);
        let mut bundle = false;
        let mut sources = Vec::with_capacity(files.len());
        for (path, shown) in files {
            let Some(prepared) = self.prepare(&path, &shown, load) else {
                continue;
            };
            let mut source = self.source(prepared, None, None);
            if let (Some((article, _)), Some(listing)) = (&source.good, &mut source.listing) {
                listing.number_locally(article, &mut local);
            }
            bundle |= files::bundle_folder(&path).is_some();
            sources.push((path, Box::new(source), table));
        }
        (sources, bundle)
    }

    /// Stores a first load's batches in one go: their terms numbered for
    /// the site, the resources of page bundles dropped.
    fn store_first(&mut self, mut batches: Vec<Batch>, tables: Vec<LocalSpellings>) {
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
            sources = files::drop_bundle_resources(sources, |(path, _, _)| path);
        }
        sources.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
        self.files = sources
            .into_iter()
            .map(|(path, source, _)| (path, source))
            .collect();
    }

    /// Parses one file (without copying its bytes), unless its bytes are the
    /// ones already known.
    fn prepare(&self, path: &str, shown: &str, load: Load<'_>) -> Option<Prepared> {
        // A page bundle's files are part of its post: they give its
        // picture and its attachments' sizes (see `with_bundle`).
        let bundle = files::bundle_folder(path).and_then(|folder| load.files_in(folder));
        let applied = self.cascade_of(path);
        let context = self.parse_context_of(path, load, &applied);
        let handed_down = applied.fingerprint;
        if self.once {
            // A one-shot build keeps no bodies: most posts are in no feed,
            // and the few that are rendered are read again then (see
            // `Renders::reread_body`). So it reads the start of each file, and
            // the rest only when the front matter goes on beyond it or needs
            // a closer look.
            let front = load.read(path, FRONT_BYTES).ok().and_then(|start| {
                article::parse_front(path, shown, &start, &context)
                    .map(|(parsed, len)| (parsed, Front::of(&start, len)))
            });
            if let Some((parsed, front)) = front {
                let mut prepared = Prepared::of(0, shown, with_bundle(parsed, bundle.as_deref()));
                prepared.front = Some(front);
                prepared.cascade = handed_down;
                return Some(prepared);
            }
        }
        let bytes = load.read(path, WHOLE);
        // The path is part of the version: it decides the permalink, and
        // so is the file's time when a date is made of it. A one-shot build
        // reads each file once and compares no versions, so it skips
        // hashing every byte of the site.
        let hash = if self.once {
            0
        } else {
            let read = bytes.as_deref().map_err(String::as_str);
            hash_of(&(
                path,
                &read,
                &bundle,
                (context.modified, context.git, handed_down),
            ))
        };
        if let Some(old) = self.files.get(path) {
            if old.hash == hash && old.shown == shown && old.cascade == handed_down {
                return None;
            }
        }
        let parsed = match bytes {
            Ok(bytes) => {
                let mut parsed = article::parse_owned(path, shown, bytes, &context);
                if self.once {
                    if let Ok(article) = &mut parsed.article {
                        article.body = String::new();
                    }
                }
                with_bundle(parsed, bundle.as_deref())
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
        let mut prepared = Prepared::of(hash, shown, parsed);
        prepared.cascade = handed_down;
        Some(prepared)
    }

    /// Stores a parsed file.
    pub(super) fn commit(&mut self, path: &str, mut prepared: Prepared) {
        if let Ok((article, listing)) = &mut prepared.article {
            listing.number(article, &mut self.spellings);
        }
        let (previous, previous_listing) = match self.files.remove(path) {
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
        self.files.insert(path.to_owned(), Box::new(source));
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
            cascade,
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
                cascade,
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
                    cascade,
                }
            }
        }
    }

    /// Notes that what collecting sees of `path` changed; `before` is what the
    /// last collection saw (only the first change since the edits were last
    /// taken counts).
    fn listing_changed(&mut self, path: &str, before: Option<(Arc<Article>, Listing)>) {
        self.listing_edits.entry(path.to_owned()).or_insert(before);
    }

    /// Forgets an article file that was deleted or moved away. Returns false
    /// if it was not known.
    pub(super) fn remove(&mut self, path: &str) -> bool {
        if self.section_pages.remove(path) {
            self.list_page_gone = true;
            return true;
        }
        match self.files.remove(path) {
            Some(source) => {
                if let (Some((article, _)), Some(listing)) = (source.good, source.listing) {
                    self.listing_changed(path, Some((article, listing)));
                }
                true
            }
            None => false,
        }
    }
}

/// A first load's batch: each source with its path and the index of the
/// table its terms were numbered in, and whether the batch holds a page
/// bundle's `index.md` (only then can there be resources to drop).
type Batch = (Vec<(String, Box<Source>, usize)>, bool);

/// How many files of a first load [`Sources::load_first`] parses at a time.
const FIRST_LOAD_BATCH: usize = 128;

/// A lock that a panic elsewhere does not make unusable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Whether two versions of an article are the same to the collector (same
/// place in every list, same terms): then only its body changed.
fn same_listing(a: &Article, b: &Article) -> bool {
    a.path == b.path
        && a.permalink == b.permalink
        && a.publish_date == b.publish_date
        && a.expiry_date == b.expiry_date
        && a.draft == b.draft
        && a.unlisted == b.unlisted
        && a.taxonomies == b.taxonomies
}

/// The config's `cascade`, read as front matter is (the same tree of
/// values); `None` when it has none or it is not a tree of values.
fn site_cascade(config: &Config) -> Option<frontmatter::Value> {
    let json = config.cascade.as_ref()?;
    serde::Deserialize::deserialize(json).ok()
}

fn hash_of(value: &impl Hash) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

/// A parsed page bundle's post completed with its bundle's `files` (see
/// [`article::complete_from_bundle`]), when they are known.
pub(super) fn with_bundle(
    mut parsed: article::Parsed,
    files: Option<&[(String, u64)]>,
) -> article::Parsed {
    if let (Ok(article), Some(files)) = (&mut parsed.article, files) {
        let warnings = article::complete_from_bundle(article, files);
        parsed.warnings.extend(warnings);
    }
    parsed
}
