//! The posts' feed items: each shown post's body rendered once and kept by
//! version, so that watch mode renders only what an edit touched; a
//! one-shot build reads bodies again only now (see [`Sources`]), and takes
//! an unchanged post's item from the [`ItemCache`] instead of rendering it.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

use super::changes::Collected;
use super::item_cache::{self, ItemCache, Remembered};
use super::sink::{Load, WHOLE};
use super::sources::{with_bundle, Prepared, Sources};
use crate::base::config::{Config, CACHE_DIR};
use crate::base::diagnostic::Diagnostic;
use crate::collect::Collection;
use crate::feed::{self, Scope};
use crate::parse::article::{self, Article};
use crate::parse::files;
use crate::render::markdown::{self, Rendered};

/// A rendered body and what it was rendered from.
#[derive(Debug, Clone)]
pub(super) struct Cached {
    version: u64,
    /// The `ref`/`relref` generation it used, if it resolved any: those posts
    /// must be rendered again when the set of permalinks changes.
    refs: Option<u64>,
    /// The summary and notes; its `html` went into `item`.
    rendered: Rendered,
    /// The post as a feed item, written once for every feed that shows it.
    pub(super) item: feed::Item,
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

    /// The summary this post's feed items show: its `description`, else its
    /// `summary`, else the start of its text.
    pub(super) fn summary<'a>(&'a self, a: &'a Article) -> &'a str {
        front_matter_summary(a).unwrap_or(&self.rendered.summary)
    }
}

/// What rendering reads besides the posts: the config, the sources as first
/// read, and, in a one-shot build, how to read a body again.
pub(super) struct Context<'a> {
    pub(super) config: &'a Config,
    pub(super) sources: &'a Sources,
    pub(super) load: Option<Load<'a>>,
}

/// The renders of every post shown, by path.
#[derive(Debug, Default)]
pub(super) struct Renders {
    /// Boxed: each render is made on the core that rendered it, and the map
    /// stays small (a map of 2,400 whole renders, grown at once on one core,
    /// was a fresh megabyte for the kernel to zero while the others waited).
    by_path: HashMap<String, Box<Cached>>,
    /// What earlier one-shot builds made of the posts they showed, when
    /// this one-shot build was given it (see [`super::Site::remember`]).
    pub(super) item_cache: Option<ItemCache>,
}

impl Renders {
    /// The render of the post at `path`; it must have been rendered.
    pub(super) fn of(&self, path: &str) -> &Cached {
        &self.by_path[path]
    }

    pub(super) fn remove(&mut self, path: &str) {
        self.by_path.remove(path);
    }

    /// What the next build should remember: see
    /// [`super::Site::items_to_remember`].
    pub(super) fn to_remember(&self, collected: &Collected) -> Option<ItemCache> {
        let given = self.item_cache.as_ref()?;
        let shown = collected
            .collection
            .posts
            .iter()
            .zip(&collected.needs.needed);
        let to_remember: Vec<(item_cache::Key, &Cached)> = shown
            .filter(|(_, &needed)| needed)
            .filter_map(|(a, _)| self.by_path.get(&a.path))
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

    /// Renders the bodies of the posts at `indices` (each needed by a feed),
    /// reusing earlier renders of the same version, and records for each
    /// whether it used `ref`/`relref` and what warnings it gave. Their items
    /// keep their bytes if `keep` (a render whose item did not is made
    /// again), else only their lengths and hashes, and then the item cache's
    /// are taken when it remembers a post's bytes. Returns how many were
    /// rendered and how many remembered, or the articles that reading whole
    /// found broken (then the others' renders are stored, but nothing else
    /// is recorded).
    pub(super) fn render(
        &mut self,
        cx: &Context<'_>,
        c: &Collection,
        indices: &[usize],
        uses_refs: &mut [bool],
        notes: &mut BTreeMap<String, Vec<Diagnostic>>,
        keep: bool,
    ) -> Result<(usize, usize), Vec<(String, Prepared)>> {
        let resolver = ref_resolver(&c.posts);
        let stale: Vec<usize> = indices
            .iter()
            .copied()
            .filter(|&i| !self.is_fresh(c, i, keep))
            .collect();
        // Rendering is the costly part: on every core.
        let done: Vec<(usize, Result<Box<Cached>, _>)> = stale
            .par_iter()
            .map(|&i| (i, self.render_one(cx, c, i, &resolver, keep)))
            .collect();
        let remembered = done
            .iter()
            .filter(|(_, cached)| cached.as_ref().is_ok_and(|c| c.remembered))
            .count();
        let count = done.len() - remembered;
        // Grown once, not doubling (and moving every render) as it fills.
        self.by_path.reserve(count);
        let mut broken = Vec::new();
        for (i, cached) in done {
            let a = &c.posts[i];
            match cached {
                Ok(cached) => {
                    self.by_path.insert(a.path.clone(), cached);
                }
                Err(parsed) => {
                    broken.push((a.path.clone(), Prepared::of(0, &a.shown_path, *parsed)))
                }
            }
        }
        if !broken.is_empty() {
            return Err(broken);
        }
        for &i in indices {
            self.note(&c.posts[i], &mut uses_refs[i], notes);
        }
        Ok((count, remembered))
    }

    /// Whether the post at `i` has a render of its version, of the current
    /// `ref` generation when it used one, with its bytes if `keep`.
    fn is_fresh(&self, c: &Collection, i: usize, keep: bool) -> bool {
        self.by_path.get(&c.posts[i].path).is_some_and(|cached| {
            cached.version == c.versions[i]
                && cached
                    .refs
                    .is_none_or(|generation| generation == c.refs_generation)
                && (!keep || cached.item.has_bytes())
        })
    }

    /// Records whether the render of `a` used `ref`/`relref`, and its
    /// warnings.
    fn note(
        &self,
        a: &Article,
        uses_refs: &mut bool,
        notes: &mut BTreeMap<String, Vec<Diagnostic>>,
    ) {
        let cached = &self.by_path[&a.path];
        *uses_refs = cached.refs.is_some();
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

    /// Renders the post at `i` (or takes it from the item cache): see
    /// [`Renders::render`].
    fn render_one(
        &self,
        cx: &Context<'_>,
        c: &Collection,
        i: usize,
        resolver: &(dyn Fn(&str) -> Option<String> + Sync),
        keep: bool,
    ) -> Result<Box<Cached>, Box<article::Parsed>> {
        let a = &c.posts[i];
        let used = Cell::new(false);
        let tracking = |target: &str| {
            used.set(true);
            resolver(target)
        };
        let cache = self.item_cache.as_ref();
        let again = cx.load.map(|load| reread_body(cx, a, load, cache, !keep));
        let reread = match again.transpose()? {
            None => None,
            Some(Again::Body(reread)) => Some(reread),
            Some(Again::Remembered(key, remembered)) => {
                return Ok(Box::new(Cached::remembered(c.versions[i], key, remembered)));
            }
        };
        let key = reread.as_ref().and_then(|r| r.key);
        let (body, body_line) = reread.as_ref().map_or((a.body.as_str(), a.body_line), |r| {
            (r.body.as_str(), r.line)
        });
        let mut rendered = markdown::render(
            body,
            body_line,
            &a.permalink,
            &cx.config.base_url,
            &tracking,
            front_matter_summary(a).is_none(),
            a.html_body,
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
        let summary = front_matter_summary(a).unwrap_or(&rendered.summary);
        let item = item(
            a,
            cx.config.full_content.then_some(html),
            summary,
            cx.config,
        );
        Ok(Box::new(Cached {
            version: c.versions[i],
            refs: used.get().then_some(c.refs_generation),
            rendered,
            item,
            key,
            remembered: false,
        }))
    }

    /// Makes again, with their bytes, the items of the posts that `feeds`
    /// show: feeds to write, whose items kept only their hashes. Returns
    /// how many posts were rendered again.
    ///
    /// Each file is read a third time. One that changed since it was read
    /// for the first render gives its newer text to these feeds, while the
    /// feeds found unchanged on disk keep the older: that is said in a
    /// warning, as when a file changes between the first two reads.
    pub(super) fn items_again(
        &mut self,
        cx: &Context<'_>,
        c: &Collection,
        feeds: &[&(Scope<'_>, Vec<usize>)],
        uses_refs: &[bool],
        diagnostics: &mut Vec<Diagnostic>,
    ) -> usize {
        let mut indices: Vec<usize> = feeds.iter().flat_map(|f| f.1.iter().copied()).collect();
        indices.sort_unstable();
        indices.dedup();
        // Each item as first made, and its key if the item cache gave it.
        let before: Vec<(usize, feed::Item, Option<item_cache::Key>)> = indices
            .iter()
            .filter_map(|&i| {
                let first = self.by_path.get(&c.posts[i].path)?;
                let remembered = first.key.filter(|_| first.remembered);
                Some((i, first.item.clone(), remembered))
            })
            .collect();
        // What this render says of refs and warnings was said by the first.
        let (mut refs, mut notes) = (uses_refs.to_vec(), BTreeMap::new());
        let rendered = match self.render(cx, c, &indices, &mut refs, &mut notes, true) {
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
            let Some(again) = self.by_path.get(&a.path) else {
                continue;
            };
            if !again.item.has_bytes() || again.item.same_as(&first) {
                continue;
            }
            // The same bytes gave another item: the cache was wrong.
            let cache_was_wrong = remembered.is_some() && again.key == remembered;
            diagnostics.push(changed_item_warning(&a.shown_path, cache_was_wrong));
        }
        rendered
    }
}

/// The warning for a post whose item came out other than first made: the
/// item cache was wrong, or else the file changed in between.
fn changed_item_warning(shown: &str, cache_was_wrong: bool) -> Diagnostic {
    if cache_was_wrong {
        Diagnostic::warning(
            shown,
            None,
            format!(
                "the item cache ({CACHE_DIR}/{}) held another item for this post; the feeds \
                 written show the post as rendered now, the feeds found unchanged \
                 may show it as the cache had it",
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
            shown,
            None,
            "the file changed while feedsmith was building; the feeds written \
             show the newer text, the feeds found unchanged the older",
        )
        .with_help(REREAD_HELP)
    }
}

/// Reads the body of a one-shot build's article again, to render it
/// (see [`Sources`]: a one-shot build keeps no bodies). This is the first
/// time the body is read, so
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
    cx: &Context<'_>,
    a: &Article,
    load: Load<'_>,
    cache: Option<&'c ItemCache>,
    hits: bool,
) -> Result<Again<'c>, Box<article::Parsed>> {
    let first = cx.sources.get(&a.path);
    let bytes = load.read(&a.path, WHOLE);
    let applied = cx.sources.cascade_of(&a.path);
    let key = match (&bytes, cache) {
        (Ok(bytes), Some(_)) => {
            let key = item_cache::with_bundle(item_cache::key(&a.path, bytes), a);
            let dated = cx.config.dates.use_file_times();
            let key = if dated {
                item_cache::with_dates(key, a)
            } else {
                key
            };
            Some(item_cache::with_cascade(key, applied.fingerprint))
        }
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
    let context = cx.sources.parse_context_of(&a.path, load, &applied);
    let bundle = files::bundle_folder(&a.path).and_then(|folder| load.files_in(folder));
    let fresh = bytes.map(|bytes| {
        let parsed = article::parse_owned(&a.path, &a.shown_path, bytes, &context);
        with_bundle(parsed, bundle.as_deref())
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
                    REREAD_HELP.to_owned(),
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
                REREAD_HELP.to_owned(),
            )),
            warnings: Vec::new(),
            key: None,
        })),
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
pub(super) const REREAD_HELP: &str =
    "run the build again once nothing is editing the content folder";

/// The summary an article's front matter gives, if any: its `description`,
/// else its `summary`. Without one, the render makes one from the text.
fn front_matter_summary(a: &Article) -> Option<&str> {
    a.description.as_deref().or(a.summary.as_deref())
}

/// Resolves Hugo `ref`/`relref` targets: a path under the content folder
/// (`posts/a.md`, `/posts/a.md`, `posts/a`), or a file name when only one
/// published article has it.
fn ref_resolver(posts: &[Arc<Article>]) -> impl Fn(&str) -> Option<String> + Sync + '_ {
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
