//! The one-shot build: a [`Site`] filled once, rebuilt once, and dropped.
//! The caller does the I/O through the functions it passes in, so the same
//! inputs always give the same bytes, and tests can drive it in memory.

use std::collections::BTreeMap;

use super::item_cache::ItemCache;
use super::rebuild::Stats;
use super::sink::{load_from_memory, Content, Sink, MANIFEST};
use super::state::Site;
use crate::base::config::Config;
use crate::base::diagnostic::Diagnostic;
use crate::collect::{Flags, Options};

/// One file found under the content folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path under the content folder, `/`-separated (`posts/foo.md`).
    pub path: String,
    /// Path shown in messages (`content/posts/foo.md`).
    pub shown: String,
    /// The bytes, or why they could not be read.
    pub bytes: Result<Vec<u8>, String>,
}

/// The result of a build: every output file by path under the output folder,
/// the manifest included.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Output {
    pub files: BTreeMap<String, Vec<u8>>,
    pub diagnostics: Vec<Diagnostic>,
    pub stats: Stats,
    /// Time spent in each stage, for `--verbose`.
    pub timings: Vec<(&'static str, std::time::Duration)>,
}

/// What a one-shot build reports (its files went to the sink).
#[derive(Debug, Clone, Default)]
pub struct Built {
    pub diagnostics: Vec<Diagnostic>,
    pub stats: Stats,
    /// Time spent in each stage, for `--verbose`.
    pub timings: Vec<(&'static str, std::time::Duration)>,
    /// The manifest listing every file produced.
    pub manifest: Option<Vec<u8>>,
    /// How many feeds (each an RSS and a JSON file).
    pub feeds: usize,
    /// Whether the sink stopped the build before any file was produced.
    pub stopped: bool,
    /// How many posts were rendered (the others shown came from the item
    /// cache).
    pub rendered: usize,
    /// How many posts' items came from the item cache.
    pub remembered: usize,
    /// The item cache for the next build to find, when it changed.
    pub remember: Option<ItemCache>,
}

/// The one-shot build: finds the files through `found`, reads them through
/// `load`, on every core, and hands every output file to `sink` as it is
/// produced. The caller does the I/O; this stays pure.
///
/// `found` is called once, with a function to hand batches of candidate
/// articles to ((path, shown path) pairs, in any order; see
/// [`crate::parse::files::is_candidate`]), and returns the problems it met: the
/// first batches are parsed while it looks for more (see
/// [`Site::load_found`]). Those problems come first in the diagnostics.
///
/// `item_cache` gives what earlier builds made of the posts they showed
/// (see [`crate::site::item_cache`]), once the files are parsed (so it can be
/// read meanwhile); [`Built::remember`] is what the next build should.
pub fn build_into<F, L, C>(
    config: &Config,
    found: F,
    load: L,
    options: &Options,
    item_cache: C,
    sink: &mut dyn Sink,
) -> Built
where
    F: FnOnce(&mut dyn FnMut(Vec<(String, String)>)) -> Vec<Diagnostic> + Send,
    L: Content,
    C: FnOnce() -> Option<ItemCache>,
{
    let flags = Flags {
        drafts: options.drafts,
        future: options.future,
        expired: options.expired,
    };
    let mut site = Site::once(config.clone(), flags);
    let started = std::time::Instant::now();
    let found = site.load_found(found, &load);
    let parse_time = started.elapsed();
    if let Some(cache) = item_cache() {
        site.remember(cache);
    }
    let rebuild = site.rebuild_once(options.now, sink, &load, &found);
    let remember = site.items_to_remember();
    // Freeing every parsed article takes tens of milliseconds at 10,000 posts
    // and nobody waits for it: a command-line build exits right after (and
    // the exit ends this thread), while a caller that lives on still gets the
    // memory back.
    std::thread::spawn(move || drop(site));
    Built {
        diagnostics: rebuild.diagnostics,
        stats: rebuild.stats,
        timings: std::iter::once(("find+read+parse", parse_time))
            .chain(rebuild.timings)
            .collect(),
        manifest: rebuild.manifest,
        feeds: rebuild.feeds,
        stopped: rebuild.stopped,
        rendered: rebuild.rendered,
        remembered: rebuild.remembered,
        remember,
    }
}

/// The one-shot build in memory: every output file by path, the manifest
/// included.
pub fn build(config: &Config, sources: &[SourceFile], options: &Options) -> Output {
    let files: Vec<(String, String)> = sources
        .iter()
        .map(|s| (s.path.clone(), s.shown.clone()))
        .collect();
    let by_path: BTreeMap<&str, &SourceFile> =
        sources.iter().map(|s| (s.path.as_str(), s)).collect();
    let load = |path: &str, limit: usize| {
        let bytes = by_path[path].bytes.as_deref().map_err(String::as_str);
        load_from_memory(bytes, limit)
    };
    let mut out = BTreeMap::new();
    let found = |give: &mut dyn FnMut(Vec<(String, String)>)| {
        give(files);
        Vec::new()
    };
    let built = build_into(config, found, load, options, || None, &mut out);
    if let Some(manifest) = built.manifest {
        out.insert(MANIFEST.to_owned(), manifest);
    }
    Output {
        files: out,
        diagnostics: built.diagnostics,
        stats: built.stats,
        timings: built.timings,
    }
}

#[cfg(test)]
mod tests;
