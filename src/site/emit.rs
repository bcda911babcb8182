//! The files a rebuild produces: every feed's RSS, JSON and page, the
//! directory pages, and the manifest. A fingerprint of each feed's inputs
//! and a hash of each file's bytes are kept, so that after an edit only the
//! feeds it touched are serialised and only files whose bytes changed reach
//! the [`Sink`].

use std::collections::{BTreeMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

use super::render::Renders;
use super::sink::{manifest, OnDisk, Sink, Writer};
use crate::base::config::{Config, Format, Layout};
use crate::base::diagnostic::Diagnostic;
use crate::base::taxonomy::Taxonomy;
use crate::collect::Collection;
use crate::feed::discovery::{self, Listed};
use crate::feed::{self, Entry, Feed, Pieces, Scope};

/// How many feeds are serialised (in parallel) before their files go to
/// the sink: bounds memory on large sites.
const EMIT_BATCH: usize = 64;

/// A feed and the posts it shows, by index in the collection.
pub(super) type Shown<'c> = (Scope<'c>, Vec<usize>);

/// Every feed of the site with the posts it shows (its newest `limit`):
/// the site's, each section's, each term's of each taxonomy, less the kinds
/// the config turns off (Hugo's `disableKinds`).
/// `taxonomies` are the config's.
pub(super) fn scopes<'c>(
    c: &'c Collection,
    taxonomies: &'c [Taxonomy],
    config: &Config,
) -> Vec<Shown<'c>> {
    let shown = |n: usize| config.limit.map_or(n, |l| l.min(n));
    let limited = |posts: &[usize]| posts[..shown(posts.len())].to_vec();
    let kinds = config.kinds;
    let site = kinds
        .home
        .then(|| (Scope::Site, (0..shown(c.posts.len())).collect()));
    let sections = c
        .sections
        .iter()
        .filter(|_| kinds.sections)
        .map(|t| (Scope::Section(&t.term), limited(&t.posts)));
    let terms = taxonomies
        .iter()
        .zip(&c.taxonomies)
        .filter(|_| kinds.terms)
        .flat_map(|(taxonomy, terms)| {
            terms
                .iter()
                .map(move |t| (Scope::Term(taxonomy, &t.term), limited(&t.posts)))
        });
    site.into_iter().chain(sections).chain(terms).collect()
}

/// What the emitters need to know about this rebuild's posts, by index.
pub(super) struct Inputs<'a> {
    pub(super) config: &'a Config,
    pub(super) collection: &'a Collection,
    pub(super) uses_refs: &'a [bool],
    pub(super) renders: &'a Renders,
    /// On a full build, the sink's check of whether a file is on disk
    /// already (see [`Sink::on_disk`]).
    pub(super) on_disk: Option<OnDisk>,
    /// On a full build into a new folder, the sink's writer (see
    /// [`Sink::writer`]), which then does the check too.
    pub(super) writer: Option<Writer>,
}

/// Every feed file of `feeds` (the directory pages aside), which a
/// [`Sink::writer`] must be told of before the first is made.
pub(super) fn files(config: &Config, feeds: &[Shown<'_>]) -> Vec<String> {
    let mut paths = Vec::with_capacity(feeds.len() * (config.formats.len() + 1));
    for (scope, _) in feeds {
        let folder = scope.folder(config);
        for &format in &config.formats {
            paths.push(format!("{folder}{}", feed::file_of(config, format)));
        }
        if has_page(config, *scope) {
            paths.push(format!("{folder}{}", feed::PAGE_FILE));
        }
    }
    paths
}

/// Whether the feed of `scope` has a page of its own: every feed but the
/// site's, in feedsmith's layout. Hugo's layout is for Hugo's folder, whose
/// pages are Hugo's.
fn has_page(config: &Config, scope: Scope<'_>) -> bool {
    scope.kind() != "site" && config.layout == Layout::Feedsmith
}

/// What was produced last time, and what this rebuild has produced so far.
#[derive(Debug, Default)]
pub(super) struct Outputs {
    /// Fingerprint of the inputs of each feed file last emitted.
    feeds: HashMap<String, u64>,
    /// Hash of the bytes of every file last produced (manifest excluded).
    files: BTreeMap<String, feed::Hash>,
    /// Whether `files` reflects an earlier rebuild.
    pub(super) built: bool,
    /// What the directory pages show of each feed (by [`key_of`]), so
    /// unchanged feeds and an unchanged directory cost nothing.
    listed: HashMap<String, Listed>,
}

/// One rebuild's pass over the outputs.
#[derive(Debug, Default)]
pub(super) struct Pass {
    /// Whether a file is new to the list of files.
    added: bool,
    /// Whether what the directory pages list changed.
    directory_changed: bool,
    /// The key ([`key_of`]) of every current feed, in order.
    current: Vec<String>,
    /// Files produced last time and not any more.
    pub(super) removed: Vec<String>,
}

/// One feed, serialised (or found unchanged).
struct Emitted {
    /// Its first file (see [`key_of`]), which names the feed.
    key: String,
    fingerprint: u64,
    /// What the directory pages show of it, unless known already.
    listed: Option<Listed>,
    /// Each file's bytes and hash (or why the RSS could not be made); `None`
    /// when unchanged.
    outputs: Option<Vec<(String, FileBytes)>>,
    /// Outputs found already on disk with these bytes (their bytes dropped).
    on_disk: Vec<String>,
    /// Outputs the sink's writer took (their bytes never copied).
    written: Vec<String>,
    /// Whether a file must be written but an item in it kept only its hash.
    without_bytes: bool,
}

/// A file's bytes and hash, or why it could not be made.
type FileBytes = Result<(Vec<u8>, feed::Hash), String>;

impl Outputs {
    /// Forgets what was produced, so the next rebuild returns every file.
    pub(super) fn forget(&mut self) {
        self.feeds.clear();
        self.files.clear();
        self.built = false;
    }

    /// Starts a rebuild's pass. What was produced last time is updated in
    /// place: on a rebuild after one edit, nearly every feed is unchanged and
    /// costs a fingerprint.
    pub(super) fn start(&mut self, feeds: usize) -> Pass {
        if !self.built {
            self.files.clear();
            self.feeds.clear();
        }
        Pass {
            directory_changed: !self.built,
            current: Vec::with_capacity(feeds),
            ..Pass::default()
        }
    }

    /// Emits `feeds`, serialised in parallel a batch at a time, each file
    /// going to the sink as soon as its batch is done: the bytes of every
    /// feed of a large site are never all in memory at once. Returns the
    /// feeds to write whose items kept only their hashes: they are made
    /// ([`Outputs::emit_again`]) once the posts they show have their items
    /// again.
    pub(super) fn emit_all<'f, 'c>(
        &mut self,
        inputs: &Inputs<'_>,
        feeds: &'f [Shown<'c>],
        sink: &mut dyn Sink,
        pass: &mut Pass,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Vec<&'f Shown<'c>> {
        let mut without_bytes = Vec::new();
        for batch in feeds.chunks(EMIT_BATCH) {
            let emitted: Vec<(&Shown<'_>, Emitted)> = batch
                .par_iter()
                .map(|feed| (feed, self.emit(inputs, feed.0, &feed.1)))
                .collect();
            for (feed, e) in emitted {
                if let Some(listed) = e.listed {
                    if self.listed.get(&e.key) != Some(&listed) {
                        pass.directory_changed = true;
                        self.listed.insert(e.key.clone(), listed);
                    }
                }
                if e.without_bytes {
                    without_bytes.push(feed);
                } else if let Some(outputs) = e.outputs {
                    self.feeds.insert(e.key.clone(), e.fingerprint);
                    pass.added |=
                        self.take_outputs(outputs, (&e.on_disk, &e.written), sink, diagnostics);
                }
                pass.current.push(e.key);
            }
        }
        without_bytes
    }

    /// Emits again the feeds [`Outputs::emit_all`] could not write, once
    /// their posts' items have their bytes.
    pub(super) fn emit_again(
        &mut self,
        inputs: &Inputs<'_>,
        feeds: &[&Shown<'_>],
        sink: &mut dyn Sink,
        pass: &mut Pass,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        for batch in feeds.chunks(EMIT_BATCH) {
            let emitted: Vec<Emitted> = batch
                .par_iter()
                .map(|(scope, posts)| self.emit(inputs, *scope, posts))
                .collect();
            for e in emitted {
                match e.outputs {
                    Some(_) if e.without_bytes => diagnostics.push(
                        Diagnostic::error(
                            e.key,
                            None,
                            "could not write this feed: a post it shows changed while \
                             feedsmith was building and no longer reads as an article",
                        )
                        .with_help(super::render::REREAD_HELP),
                    ),
                    Some(outputs) => {
                        self.feeds.insert(e.key.clone(), e.fingerprint);
                        pass.added |=
                            self.take_outputs(outputs, (&e.on_disk, &e.written), sink, diagnostics);
                    }
                    None => {}
                }
            }
        }
    }

    /// Forgets the feeds of terms that no longer have a post: their files
    /// go. Every current feed is in `self.feeds` by now (unchanged ones
    /// were, the others were just put in), so equal sizes mean no feed went.
    pub(super) fn remove_gone(&mut self, config: &Config, pass: &mut Pass) {
        if self.feeds.len() == pass.current.len() {
            return;
        }
        let current: HashSet<&str> = pass.current.iter().map(String::as_str).collect();
        let gone: Vec<String> = self
            .feeds
            .keys()
            .filter(|k| !current.contains(k.as_str()))
            .cloned()
            .collect();
        for key in gone {
            self.feeds.remove(&key);
            self.listed.remove(&key);
            let folder = key.rsplit_once('/').map_or("", |(folder, _)| folder);
            let folder = if folder.is_empty() {
                String::new()
            } else {
                format!("{folder}/")
            };
            for name in [
                feed::file_of(config, Format::Rss),
                feed::JSON_FILE,
                feed::ATOM_FILE,
                feed::PAGE_FILE,
            ] {
                let path = format!("{folder}{name}");
                if self.files.remove(&path).is_some() {
                    pass.removed.push(path);
                }
            }
            pass.directory_changed = true;
        }
        pass.removed.sort();
    }

    /// The directory of every feed: the top page and the OPML file, made
    /// again only when what they list changed. In Hugo's layout, the OPML
    /// file only: the top page is Hugo's.
    pub(super) fn directory(&mut self, config: &Config, pass: &mut Pass, sink: &mut dyn Sink) {
        let hugo = config.layout == Layout::Hugo;
        let paths: &[&str] = if hugo {
            &[feed::OPML_FILE]
        } else {
            &[feed::PAGE_FILE, feed::OPML_FILE]
        };
        if !pass.directory_changed && paths.iter().all(|p| self.files.contains_key(*p)) {
            return;
        }
        let listed: Vec<&Listed> = pass
            .current
            .iter()
            .filter_map(|key| self.listed.get(key))
            .collect();
        // Made on the worker threads: their memory is warm from making
        // the feeds, while on this thread a 100 KB page took a fresh
        // 2 MiB of memory for the kernel to zero as the cores waited.
        let (index, opml) = rayon::join(
            || discovery::index(config, &listed),
            || discovery::opml(config, &listed),
        );
        for (path, bytes) in [(feed::PAGE_FILE, index), (feed::OPML_FILE, opml)] {
            if hugo && path == feed::PAGE_FILE {
                continue;
            }
            let hash = Pieces::from(&bytes[..]).fingerprint();
            pass.added |= self.hand_over(path.to_owned(), bytes, hash, sink);
        }
    }

    /// Ends the pass: the new manifest, when the list of files changed, and
    /// how many files the site has now, the manifest included.
    pub(super) fn finish(&mut self, pass: &Pass) -> (Option<Vec<u8>>, usize) {
        let list_changed = !self.built || pass.added || !pass.removed.is_empty();
        let manifest = list_changed.then(|| {
            let names: Vec<&str> = self.files.keys().map(String::as_str).collect();
            manifest(&names)
        });
        self.built = true;
        (manifest, self.files.len() + 1)
    }

    /// Takes a feed's files: each found on disk already, or handed over, or
    /// why it could not be made. Returns whether one is new to the list of
    /// files.
    fn take_outputs(
        &mut self,
        outputs: Vec<(String, FileBytes)>,
        (on_disk, written): (&[String], &[String]),
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
                Ok((_, hash)) if written.contains(&path) => {
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

    /// Serialises one feed's files (one per format) (and, for a term, its page),
    /// unless nothing it shows changed since they were last produced.
    /// Files that `on_disk` finds on disk already are not copied into one
    /// buffer: their bytes are left empty, and their paths listed.
    fn emit(&self, inputs: &Inputs<'_>, scope: Scope<'_>, posts: &[usize]) -> Emitted {
        let folder = scope.folder(inputs.config);
        let key = key_of(inputs.config, &folder);
        let (kind, name) = (scope.kind(), scope.name());
        let fingerprint = fingerprint(inputs, scope, posts);
        // A feed's files are produced together, so its first file stands
        // for all of them.
        let unchanged = self.feeds.get(&key) == Some(&fingerprint) && self.files.contains_key(&key);
        let mut emitted = Emitted {
            key,
            fingerprint,
            listed: None,
            outputs: None,
            on_disk: Vec::new(),
            written: Vec::new(),
            without_bytes: false,
        };
        if unchanged && self.listed.contains_key(&emitted.key) {
            return emitted;
        }
        let c = inputs.collection;
        let entries = posts
            .iter()
            .map(|&i| {
                let a = &c.posts[i];
                let cached = inputs.renders.of(&a.path);
                Entry {
                    article: a,
                    summary: cached.summary(a),
                    item: &cached.item,
                }
            })
            .collect();
        let feed = Feed::new(inputs.config, scope, entries);
        let listed = Listed::of(&feed, &inputs.config.formats, kind, name, &folder);
        if !unchanged {
            let page = has_page(inputs.config, scope)
                .then(|| discovery::page(inputs.config, &feed, &listed));
            serialise(inputs, &feed, &folder, page, &mut emitted);
        }
        emitted.listed = Some(listed);
        emitted
    }
}

/// The path that names a feed in `folder`: its first format's file
/// (`tags/x/rss.xml`).
fn key_of(config: &Config, folder: &str) -> String {
    let first = config.formats.first().copied().unwrap_or(Format::Rss);
    format!("{folder}{}", feed::file_of(config, first))
}

/// Serialises `feed`'s files (its `page` too, for a term) into `emitted`,
/// or through the sink's writer straight to where they go.
fn serialise(
    inputs: &Inputs<'_>,
    feed: &Feed<'_>,
    folder: &str,
    page: Option<Vec<u8>>,
    emitted: &mut Emitted,
) {
    let (on_disk, writer) = (inputs.on_disk.as_ref(), inputs.writer.as_ref());
    let Emitted {
        on_disk: found,
        written,
        without_bytes,
        ..
    } = &mut *emitted;
    let mut settle = |path: String, made: Result<Pieces<'_>, String>| {
        let output = made.map(|pieces| {
            let parts = pieces.parts();
            // Cheap (items are hashed once): it tells the next rebuild,
            // and the record of the output folder, what the file holds.
            let hash = pieces.fingerprint();
            if writer.is_some_and(|write| write(&path, &parts, hash)) {
                written.push(path.clone());
                (Vec::new(), hash)
            } else if on_disk.is_some_and(|holds| holds(&path, &parts, hash)) {
                found.push(path.clone());
                (Vec::new(), hash)
            } else {
                let bytes = pieces.concat();
                *without_bytes |= bytes.is_none();
                (bytes.unwrap_or_default(), hash)
            }
        });
        (path, output)
    };
    let mut outputs: Vec<(String, FileBytes)> = inputs
        .config
        .formats
        .iter()
        .map(|&format| {
            let path = format!("{folder}{}", feed::file_of(inputs.config, format));
            settle(path, feed::write(format, feed, inputs.config))
        })
        .collect();
    if let Some(page) = page {
        outputs.push(settle(
            format!("{folder}{}", feed::PAGE_FILE),
            Ok(page.into()),
        ));
    }
    emitted.outputs = Some(outputs);
}

/// The fingerprint of what a feed's files are made of: its scope, and the
/// versions of the posts it shows (with the `ref` generation, for those
/// that used one).
fn fingerprint(inputs: &Inputs<'_>, scope: Scope<'_>, posts: &[usize]) -> u64 {
    let mut h = DefaultHasher::new();
    match scope {
        Scope::Site => 0u8.hash(&mut h),
        Scope::Term(taxonomy, t) => (1u8, taxonomy, &t.name, &t.key, &t.slug).hash(&mut h),
        Scope::Section(t) => (3u8, &t.name, &t.slug).hash(&mut h),
    }
    for &i in posts {
        inputs.collection.versions[i].hash(&mut h);
        if inputs.uses_refs[i] {
            inputs.collection.refs_generation.hash(&mut h);
        }
    }
    h.finish()
}
