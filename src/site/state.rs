//! The [`Site`]: what it holds between rebuilds, and how files come and go.
//! The rebuild itself is in [`super::rebuild`].

use chrono::{DateTime, Utc};

use super::changes::{self, Collected};
use super::emit::Outputs;
use super::item_cache::ItemCache;
use super::render::Renders;
use super::sink::{load_from_memory, Load};
use super::sources::Sources;
use crate::base::config::Config;
use crate::base::diagnostic::Diagnostic;
use crate::collect::Flags;

/// The site in memory: every article's last good version, the rendered
/// bodies and a fingerprint of every feed last produced.
#[derive(Debug)]
pub struct Site {
    pub(super) config: Config,
    pub(super) flags: Flags,
    /// Whether this site is built once and dropped (a one-shot build): it
    /// then need not remember what it produced.
    pub(super) once: bool,
    pub(super) sources: Sources,
    pub(super) renders: Renders,
    pub(super) outputs: Outputs,
    /// The last collection, while it is still right.
    pub(super) collected: Option<Collected>,
}

impl Site {
    /// An empty site. `keep_last_good` is for watch mode: a one-shot build
    /// skips a broken article, a watch keeps its previous version.
    pub fn new(config: Config, flags: Flags, keep_last_good: bool) -> Site {
        Site::with(config, flags, keep_last_good, false)
    }

    /// A site for a one-shot build: it will be rebuilt once, so it skips the
    /// bookkeeping that only later rebuilds need.
    pub fn once(config: Config, flags: Flags) -> Site {
        Site::with(config, flags, false, true)
    }

    fn with(config: Config, flags: Flags, keep_last_good: bool, once: bool) -> Site {
        let sources = Sources::new(keep_last_good, once, &config);
        Site {
            config,
            flags,
            once,
            sources,
            renders: Renders::default(),
            outputs: Outputs::default(),
            collected: None,
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Gives a one-shot site what earlier builds made of the posts they
    /// showed: a build over an earlier one takes a post's items from it,
    /// rather than rendering the post, when the post's bytes are the ones
    /// remembered (see [`super::item_cache`]).
    pub fn remember(&mut self, cache: ItemCache) {
        self.renders.item_cache = Some(cache);
    }

    /// What the next build should remember: the items of the posts this
    /// build's feeds show, but for posts that used `ref`/`relref` or gave
    /// warnings. `None` when the site was given no cache, or when this is
    /// what it was given.
    pub fn items_to_remember(&self) -> Option<ItemCache> {
        self.renders.to_remember(self.collected.as_ref()?)
    }

    /// The content paths of every article file known.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.sources.paths()
    }

    /// The section pages known (`posts/tech/_index.md`), whose folders are
    /// sections.
    pub fn section_pages(&self) -> impl Iterator<Item = &str> {
        self.sources.section_pages()
    }

    /// Whether `path` is a known article file or list page.
    pub fn contains(&self, path: &str) -> bool {
        self.sources.get(path).is_some() || self.sources.is_list_page(path)
    }

    /// Whether an earlier rebuild's output is remembered (so the next one
    /// only reports what changed).
    pub fn has_built(&self) -> bool {
        self.outputs.built
    }

    /// Forgets what was produced, so the next rebuild returns every file (used
    /// when the output folder may no longer match what this site remembers).
    pub fn forget_outputs(&mut self) {
        self.outputs.forget();
    }

    /// Sets the bytes of one article file (`path` under the content folder).
    /// Returns false when nothing changed (an editor touched the file).
    pub fn update(&mut self, path: &str, shown: &str, bytes: Result<&[u8], &str>) -> bool {
        let file = vec![(path.to_owned(), shown.to_owned())];
        let load = |_: &str, limit: usize| load_from_memory(bytes, limit);
        !self.load_all(file, &load).is_empty()
    }

    /// Reads and parses article files, on every core: `load` gives the bytes
    /// of a path (the caller does the I/O), and each file's bytes are dropped
    /// as soon as it is parsed. `files` holds (path, shown path) pairs of
    /// articles (no page bundle's resources: see [`Site::load_found`]).
    /// Returns which of `files` changed (their indices, in order). `files`
    /// is taken so that a first load moves the paths into the site instead
    /// of copying.
    pub fn load_all(&mut self, files: Vec<(String, String)>, load: Load<'_>) -> Vec<usize> {
        // A site's first load is made in one go; once anything was
        // collected, every change must be noted for the next rebuild.
        if self.sources.is_empty() && self.collected.is_none() {
            self.sources.load_first(files, load)
        } else {
            self.sources.load_each(files, load)
        }
    }

    /// A site's first load, made while its files are still being found.
    /// `found` is called once, on a worker thread, with a function to hand
    /// batches of candidate articles to ((path, shown path) pairs, see
    /// [`crate::parse::files::is_candidate`]) in any order, and returns the
    /// problems it met; each batch is read and parsed on the other cores
    /// while `found` looks for more, and its terms numbered there (see
    /// [`crate::collect::LocalSpellings`]). The resources of page bundles
    /// are then dropped, and the rest stored in one go. Returns `found`'s
    /// problems.
    pub fn load_found<F>(&mut self, found: F, load: Load<'_>) -> Vec<Diagnostic>
    where
        F: FnOnce(&mut dyn FnMut(Vec<(String, String)>)) -> Vec<Diagnostic> + Send,
    {
        self.sources.load_found(found, load)
    }

    /// Forgets an article file that was deleted or moved away. Returns false
    /// if it was not known.
    pub fn remove(&mut self, path: &str) -> bool {
        self.renders.remove(path);
        self.sources.remove(path)
    }

    /// The next moment after `now` when a post is scheduled to appear or to
    /// expire, so watch mode can rebuild then without any file event.
    pub fn next_scheduled(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        changes::next_scheduled(&self.sources, self.collected.as_ref(), self.flags, now)
    }
}
