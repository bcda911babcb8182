//! What changed since the last rebuild, and so which posts and feeds need
//! work: the last collection is kept while it holds, patched in place after
//! front matter edits, and reused whole when only bodies changed (the common
//! case while writing). It also knows when the next scheduled post appears
//! or expires, so that watch mode can wake up then.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rayon::prelude::*;

use super::sources::{ListingEdits, Sources};
use crate::base::diagnostic::Diagnostic;
use crate::collect::{self, Collection, Edit, Flags, Listing, Options, Patchable};
use crate::parse::article::Article;

/// The collection of the last rebuild, kept while edits only change bodies
/// (the common case while writing), so such a rebuild skips collecting.
#[derive(Debug)]
pub(super) struct Collected {
    pub(super) collection: Collection,
    /// What updates `collection` in place after a front matter edit.
    patchable: Patchable,
    /// The moment it was collected for, and the next moment a post appears
    /// or expires: it holds for any time in between.
    from: DateTime<Utc>,
    until: Option<DateTime<Utc>>,
    /// What the feeds need of its posts.
    pub(super) needs: Needs,
}

/// What the feeds of a collection need of its posts, worked out as they are
/// rendered.
#[derive(Debug, Default)]
pub(super) struct Needs {
    /// Which posts appear in at least one feed, by index.
    pub(super) needed: Vec<bool>,
    /// Which posts' bodies used `ref`/`relref`, by index.
    pub(super) uses_refs: Vec<bool>,
    /// Warnings from rendering, by path.
    pub(super) notes: BTreeMap<String, Vec<Diagnostic>>,
}

impl Collected {
    /// Whether this collection is right at `now` (no post appeared or
    /// expired since it was made).
    fn holds_at(&self, now: DateTime<Utc>) -> bool {
        self.from <= now && self.until.is_none_or(|until| now < until)
    }
}

/// The published posts at `now`, in order and by term: `last` with edited
/// bodies swapped in when it still holds, else a fresh collection. Takes the
/// edits out of `sources`.
/// The second value lists the posts swapped in (by index) when the last
/// collection was reused, and is `None` for a fresh one.
pub(super) fn collect(
    sources: &mut Sources,
    last: Option<Collected>,
    flags: Flags,
    now: DateTime<Utc>,
) -> (Collected, Option<Vec<usize>>) {
    let (edits, listing_edits) = sources.take_edits();
    let options = flags.at(now);
    if let Some(mut c) = last {
        let moved = !listing_edits.is_empty();
        if c.holds_at(now) && (!moved || patch(sources, &mut c, &listing_edits, &options, flags)) {
            let swapped = swap_bodies(sources, &mut c, edits);
            c.collection.sections = collect::sections(
                &c.collection.posts,
                &sources.section_folders(),
                sources.lower_paths(),
            );
            // After a patch positions moved: which posts are needed is
            // worked out again.
            return (c, (!moved).then_some(swapped));
        }
    }
    let articles: Vec<(Arc<Article>, &Listing)> = sources
        .par_iter()
        .filter_map(|source| match (&source.good, &source.listing) {
            (Some((article, _)), Some(listing)) => Some((Arc::clone(article), listing)),
            _ => None,
        })
        .collect();
    let (mut collection, patchable) =
        collect::collect_patchable(articles, &sources.spellings, &options);
    collection.sections = collect::sections(
        &collection.posts,
        &sources.section_folders(),
        sources.lower_paths(),
    );
    let until = next_scheduled_slow(sources, flags, now);
    let collected = Collected {
        collection,
        patchable,
        from: now,
        until,
        needs: Needs::default(),
    };
    (collected, None)
}

/// Puts the newest versions of the articles at `edits`, whose bodies alone
/// changed, in their places in `c`. Returns those places.
fn swap_bodies(sources: &Sources, c: &mut Collected, edits: Vec<String>) -> Vec<usize> {
    let mut swapped = Vec::new();
    for path in edits {
        let Some(source) = sources.get(&path) else {
            continue;
        };
        let (Some((article, version)), Some(listing)) = (&source.good, &source.listing) else {
            continue;
        };
        // Same date and permalink as before: same place in the order.
        let Some(i) = c.patchable.position(&c.collection, article, listing) else {
            continue;
        };
        c.collection.posts[i] = Arc::clone(article);
        c.collection.versions[i] = *version;
        swapped.push(i);
    }
    swapped
}

/// Updates the last collection for front matter edits, in place. False
/// when it cannot (the caller collects again).
fn patch(
    sources: &Sources,
    c: &mut Collected,
    listing_edits: &ListingEdits,
    options: &Options,
    flags: Flags,
) -> bool {
    let now = options.now;
    let edits: Vec<Edit<'_>> = listing_edits
        .iter()
        .map(|(path, before)| Edit {
            before: before.as_ref().map(|(a, l)| (a, l)),
            after: sources.get(path).and_then(|s| {
                let (article, _) = s.good.as_ref()?;
                Some((article, s.listing.as_ref()?))
            }),
        })
        .collect();
    if !c
        .patchable
        .apply(&mut c.collection, &edits, &sources.spellings, options)
    {
        return false;
    }
    // Every other post keeps its state until `until`; the edited ones
    // may change theirs sooner.
    let sooner = edits
        .iter()
        .filter_map(|e| next_time(flags, e.after?.1, now))
        .min();
    c.until = match (c.until, sooner) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    c.from = now;
    true
}

/// The next moment after `now` when a post is scheduled to appear or to
/// expire: known from `last` while it holds, else worked out from every
/// article.
pub(super) fn next_scheduled(
    sources: &Sources,
    last: Option<&Collected>,
    flags: Flags,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    match last {
        Some(c) if c.holds_at(now) => c.until,
        _ => next_scheduled_slow(sources, flags, now),
    }
}

/// [`next_scheduled`], computed from every article.
fn next_scheduled_slow(
    sources: &Sources,
    flags: Flags,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    sources
        .par_iter()
        .filter_map(|s| s.listing.as_ref())
        .filter_map(|l| next_time(flags, l, now))
        .min()
}

/// The next moment after `now` when this listing's article appears or
/// expires (as far as the flags care).
fn next_time(flags: Flags, l: &Listing, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let publish = (!flags.future).then(|| l.publish());
    let expiry = if flags.expired { None } else { l.expiry() };
    publish.into_iter().chain(expiry).filter(|&t| t > now).min()
}
