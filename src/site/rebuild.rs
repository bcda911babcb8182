//! The rebuild: problems, collect, render, emit, in that order, each doing
//! only what the changes since the last rebuild need. A one-shot build and a
//! watch rebuild go through this same code, so an incremental rebuild gives
//! the bytes a fresh build would.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rayon::prelude::*;

use super::changes::{self, Collected, Needs};
use super::emit::{self, Inputs, Pass, Shown};
use super::render::{self, Renders};
use super::sink::{Load, Sink, MANIFEST};
use super::sources::{Prepared, Source};
use super::state::Site;
use crate::base::diagnostic::Diagnostic;
use crate::collect::{Collection, Exclusion};
use crate::parse::files::section_of;

/// Counts for the summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub articles: usize,
    pub published: usize,
    pub broken: usize,
    pub excluded: BTreeMap<Exclusion, usize>,
    /// Files without a date where no page of their section has one (or at
    /// the top of the content folder): pages such as `about.md`, not
    /// posts. Shown paths, sorted.
    pub pages: Vec<String>,
    /// Files without a date in a section whose other pages have one: a
    /// date probably forgotten (each has a warning).
    pub undated: usize,
}

/// What [`Site::problems`] found besides the diagnostics.
#[derive(Debug, Default)]
struct Tally {
    broken: usize,
    undated: usize,
    pages: Vec<String>,
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
    pub timings: Vec<(&'static str, Duration)>,
}

impl Site {
    /// [`Site::rebuild_into`], collecting the files in memory, the manifest
    /// included (under its name) when it changed.
    pub fn rebuild(&mut self, now: DateTime<Utc>) -> (Rebuild, BTreeMap<String, Vec<u8>>) {
        let mut files = BTreeMap::new();
        let rebuild = self.rebuild_into(now, &mut files);
        if let Some(manifest) = &rebuild.manifest {
            files.insert(MANIFEST.to_owned(), manifest.clone());
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
        let (mut diagnostics, tally) = self.problems(found);
        let last = self.collected.take();
        let (mut collected, edited) = changes::collect(&mut self.sources, last, self.flags, now);
        diagnostics.extend(collected.collection.diagnostics.iter().cloned());
        clock.lap("collect");

        let Collected {
            collection, needs, ..
        } = &mut collected;
        let collection = &*collection;
        // The site's own copy: the scopes borrow it while `self` changes.
        let taxonomies = self.config.taxonomies.clone();
        let scopes = emit::scopes(collection, &taxonomies, &self.config);
        // A one-shot build over an earlier one writes few feeds: its items
        // keep only their hashes, and the feeds it writes get theirs again.
        let keep = !(self.once && sink.built_before());
        let cx = render::Context {
            config: &self.config,
            sources: &self.sources,
            load,
        };
        let rendered = render_needed(
            &mut self.renders,
            &cx,
            collection,
            &scopes,
            edited,
            needs,
            keep,
        );
        let (rendered, remembered) = match rendered {
            Ok(counts) => counts,
            Err(broken) => {
                // Posts whose whole file turned out broken leave the site,
                // as if their first read had found it, and the feeds are
                // worked out again without them (nothing was emitted yet).
                self.collected = Some(collected);
                for (path, prepared) in broken {
                    self.sources.commit(&path, prepared);
                }
                return self.rebuild_with(now, sink, load, found);
            }
        };
        diagnostics.extend(needs.notes.values().flatten().cloned());
        clock.lap("render");

        let mut rebuild = Rebuild {
            feeds: scopes.len(),
            rendered,
            remembered,
            stats: Stats {
                articles: self.sources.len(),
                published: collection.posts.len(),
                broken: tally.broken,
                excluded: collection.excluded.clone(),
                pages: tally.pages,
                undated: tally.undated,
            },
            ..Rebuild::default()
        };
        if sink.proceed(&diagnostics) {
            let (again, pass) = self.emit(
                collection,
                &scopes,
                &needs.uses_refs,
                load,
                sink,
                &mut diagnostics,
            );
            rebuild.rendered += again;
            let (manifest, files) = self.outputs.finish(&pass);
            (rebuild.manifest, rebuild.files, rebuild.removed) = (manifest, files, pass.removed);
            clock.lap("emit");
        } else {
            // Nothing is emitted, so nothing counts as produced.
            rebuild.stopped = true;
        }
        self.collected = Some(collected);
        rebuild.timings = clock.laps;
        rebuild.diagnostics = diagnostics;
        rebuild
    }

    /// Every problem the sources have, after those of `found`, and how many
    /// sources are broken, undated, or pages that are not posts.
    ///
    /// A file without a date is a page, not a post, when it is at the top of
    /// the content folder (`about.md`) or when no page of its section (the
    /// first folder under the content folder, as in Hugo) has a date: such
    /// pages are counted, never reported. In a section whose other pages
    /// have dates, it is a date forgotten: a warning.
    fn problems(&self, found: &[Diagnostic]) -> (Vec<Diagnostic>, Tally) {
        let mut diagnostics = found.to_vec();
        let mut tally = Tally::default();
        // Few files have problems: they are picked out on every core, as
        // each source is read here for the first time since it was made.
        let mut with_problems: Vec<(&str, &Source)> = self
            .sources
            .par_entries()
            .filter(|(_, source)| source.error.is_some() || !source.warnings.is_empty())
            .collect();
        with_problems.sort_unstable_by_key(|(path, _)| *path);
        let any_undated = with_problems
            .iter()
            .any(|(_, s)| s.error.as_ref().is_some_and(|e| e.undated) && s.good.is_none());
        let dated_sections: std::collections::HashSet<&str> = if any_undated {
            self.sources
                .par_entries()
                .filter(|(_, source)| source.good.is_some())
                .map(|(path, _)| section_of(path))
                .collect()
        } else {
            std::collections::HashSet::new()
        };
        for (path, source) in with_problems {
            diagnostics.extend(source.warnings.iter().cloned());
            let Some(error) = &source.error else {
                continue;
            };
            if error.undated && source.good.is_none() {
                let section = section_of(path);
                if section.is_empty() || !dated_sections.contains(section) {
                    tally.pages.push(source.shown.clone());
                } else {
                    tally.undated += 1;
                    diagnostics.push(forgotten_date(error, section));
                }
                continue;
            }
            tally.broken += 1;
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
        (diagnostics, tally)
    }

    /// Emits every feed and the directory pages, making again first the
    /// items of feeds to write whose items kept only their hashes. Returns
    /// how many posts that rendered again, and the pass.
    fn emit(
        &mut self,
        collection: &Collection,
        scopes: &[Shown<'_>],
        uses_refs: &[bool],
        load: Option<Load<'_>>,
        sink: &mut dyn Sink,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> (usize, Pass) {
        // On a full build, files already on disk with these bytes are found
        // in parallel, rather than one by one in the sink.
        let (on_disk, writer) = if self.outputs.built {
            (None, None)
        } else {
            let writer = sink.writer(&emit::files(&self.config, scopes));
            (sink.on_disk(), writer)
        };
        let mut pass = self.outputs.start(scopes.len());
        let inputs = Inputs {
            config: &self.config,
            collection,
            uses_refs,
            renders: &self.renders,
            on_disk: on_disk.clone(),
            writer: writer.clone(),
        };
        let without_bytes = self
            .outputs
            .emit_all(&inputs, scopes, sink, &mut pass, diagnostics);
        let mut again = 0;
        if !without_bytes.is_empty() {
            let cx = render::Context {
                config: &self.config,
                sources: &self.sources,
                load,
            };
            again =
                self.renders
                    .items_again(&cx, collection, &without_bytes, uses_refs, diagnostics);
            let inputs = Inputs {
                config: &self.config,
                collection,
                uses_refs,
                renders: &self.renders,
                on_disk,
                writer,
            };
            self.outputs
                .emit_again(&inputs, &without_bytes, sink, &mut pass, diagnostics);
        }
        self.outputs.remove_gone(&self.config, &mut pass);
        self.outputs.directory(&self.config, &mut pass, sink);
        (again, pass)
    }
}

/// Renders the posts the feeds show: after an edit to bodies alone
/// (`edited`), only those of them that are shown; else every shown post,
/// and `needs` is worked out again. Returns how many were rendered and how
/// many remembered, or the posts found broken (see [`Renders::render`]).
fn render_needed(
    renders: &mut Renders,
    cx: &render::Context<'_>,
    collection: &Collection,
    scopes: &[Shown<'_>],
    edited: Option<Vec<usize>>,
    needs: &mut Needs,
    keep: bool,
) -> Result<(usize, usize), Vec<(String, Prepared)>> {
    let indices: Vec<usize> = match edited {
        // Only bodies changed: only they can need rendering.
        Some(edited) => edited.into_iter().filter(|&i| needs.needed[i]).collect(),
        None => {
            needs.needed = vec![false; collection.posts.len()];
            for (_, posts) in scopes {
                for &i in posts {
                    needs.needed[i] = true;
                }
            }
            needs.uses_refs = vec![false; collection.posts.len()];
            needs.notes.clear();
            (0..collection.posts.len())
                .filter(|&i| needs.needed[i])
                .collect()
        }
    };
    let Needs {
        uses_refs, notes, ..
    } = needs;
    renders.render(cx, collection, &indices, uses_refs, notes, keep)
}

/// Times the stages of a rebuild.
struct Stopwatch {
    last: Instant,
    laps: Vec<(&'static str, Duration)>,
}

impl Stopwatch {
    fn start() -> Stopwatch {
        Stopwatch {
            last: Instant::now(),
            laps: Vec::new(),
        }
    }

    fn lap(&mut self, stage: &'static str) {
        let now = Instant::now();
        self.laps.push((stage, now - self.last));
        self.last = now;
    }
}

/// The warning for a file without a date in a section whose other pages
/// have one, made of the parse's error.
fn forgotten_date(error: &Diagnostic, section: &str) -> Diagnostic {
    Diagnostic::warning(
        error.path.clone(),
        error.line,
        format!(
            "{}, unlike the other pages of `{section}/`; it is not in the feeds",
            error.message
        ),
    )
    .with_help(
        "give it a `date` (e.g. `date: 2024-03-05T10:00:00+08:00`); if it is not a post, \
         move it out of the section (a page at the top of the content folder, or in a \
         section without dates, is not a post)",
    )
}
