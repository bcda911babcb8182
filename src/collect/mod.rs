//! The collector: which articles are published, in which order, under which
//! terms.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

use crate::base::diagnostic::Diagnostic;
use crate::base::taxonomy::Term;

mod sections;
mod spellings;
mod tally;
use crate::parse::article::Article;
pub use sections::sections;
pub use spellings::{LocalSpellings, Spellings};
use tally::Tally;

/// What `--drafts`, `--future` and `--expired` ask for: which unpublished
/// articles to include anyway (Hugo's `-D`, `-F`, `-E`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    pub drafts: bool,
    pub future: bool,
    pub expired: bool,
}

impl Flags {
    /// The options of a collection made at `now`.
    pub fn at(self, now: DateTime<Utc>) -> Options {
        Options {
            drafts: self.drafts,
            future: self.future,
            expired: self.expired,
            now,
        }
    }
}

/// Which unpublished articles to include anyway, and the moment that
/// decides what is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    pub drafts: bool,
    pub future: bool,
    pub expired: bool,
    /// The moment that decides what is future and what is expired.
    pub now: DateTime<Utc>,
}

/// Why an article is left out of every feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Exclusion {
    Draft,
    Future,
    Expired,
    /// `feed: false`, or Hugo's `build.list: never`.
    Unlisted,
}

/// The articles of one term, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct TermPosts {
    pub term: Term,
    /// Indexes into [`Collection::posts`].
    pub posts: Vec<usize>,
}

/// Everything the emitters need to know about the site's articles.
#[derive(Debug, Clone, PartialEq)]
pub struct Collection {
    /// Published articles, newest first (ties: by permalink).
    pub posts: Vec<Arc<Article>>,
    /// Each post's version (from its listing), by index.
    pub versions: Vec<u64>,
    /// A number that changes whenever the set of published paths and
    /// permalinks does, which is all `ref`/`relref` resolution depends on (a
    /// wrapping sum of per-post hashes: independent of order).
    pub refs_generation: u64,
    pub excluded: BTreeMap<Exclusion, usize>,
    /// Each taxonomy's terms (by the taxonomy's index in the site's list;
    /// a taxonomy no post uses may be missing at the end).
    pub taxonomies: Vec<Vec<TermPosts>>,
    /// Each section with a published post (see [`sections`]), by folder;
    /// made by whoever knows the site's section pages.
    pub sections: Vec<TermPosts>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Collection {
    /// The terms of the `taxonomy`th taxonomy (none when no post has one).
    pub fn terms(&self, taxonomy: usize) -> &[TermPosts] {
        self.taxonomies.get(taxonomy).map_or(&[], Vec::as_slice)
    }
}

/// What the collector needs to know of an article, computed once per version
/// (see [`Listing::of`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// The version of the article (see the site), carried to the collection.
    version: u64,
    /// Hash of path and permalink: what `ref`/`relref` resolution sees.
    ref_hash: u64,
    draft: bool,
    unlisted: bool,
    publish: DateTime<Utc>,
    expiry: Option<DateTime<Utc>>,
    permalink_hash: u64,
    /// The numbers of its terms' spellings, of every taxonomy.
    terms: Box<[u32]>,
}

impl Listing {
    pub fn of(article: &Article, version: u64, spellings: &mut Spellings) -> Listing {
        let mut listing = Listing::unnumbered(article, version);
        listing.number(article, spellings);
        listing
    }

    /// All of the listing but the numbers of its terms: what any thread can
    /// compute (see [`Listing::number`]).
    pub fn unnumbered(article: &Article, version: u64) -> Listing {
        let mut h = rustc_hash::FxHasher::default();
        article.permalink.as_str().hash(&mut h);
        let mut r = rustc_hash::FxHasher::default();
        (article.path.as_str(), article.permalink.as_str()).hash(&mut r);
        Listing {
            version,
            ref_hash: r.finish(),
            draft: article.draft,
            unlisted: article.unlisted,
            publish: article.publish_date.to_utc(),
            expiry: article.expiry_date.map(|d| d.to_utc()),
            permalink_hash: h.finish(),
            terms: Box::default(),
        }
    }

    /// Turns the numbers a [`LocalSpellings`] gave the article's terms into
    /// the site's: `site` is what [`Spellings::adopt`] gave for that table.
    pub fn renumber(&mut self, site: &[u32]) {
        for n in self.terms.iter_mut() {
            *n = site[*n as usize];
        }
    }

    /// Numbers the article's terms in a worker's own table: see
    /// [`LocalSpellings`].
    pub fn number_locally(&mut self, article: &Article, local: &mut LocalSpellings) {
        self.terms = local.number(article);
    }

    /// Numbers the article's terms, which needs the site's one set of
    /// spellings.
    pub fn number(&mut self, article: &Article, spellings: &mut Spellings) {
        let mut ids = Vec::with_capacity(article.taxonomies.iter().map(Vec::len).sum());
        for (taxonomy, terms) in article.taxonomies.iter().enumerate() {
            for term in terms {
                ids.push(spellings.intern(taxonomy as u16, term));
            }
        }
        self.terms = ids.into_boxed_slice();
    }

    /// When the article is published.
    pub fn publish(&self) -> DateTime<Utc> {
        self.publish
    }

    /// When the article expires, if it does.
    pub fn expiry(&self) -> Option<DateTime<Utc>> {
        self.expiry
    }

    /// Whether the article is published at `options.now`, and if not, why.
    fn exclusion(&self, options: &Options) -> Option<Exclusion> {
        // No flag brings an unlisted article back: it asked to stay out.
        if self.unlisted {
            Some(Exclusion::Unlisted)
        } else if self.draft && !options.drafts {
            Some(Exclusion::Draft)
        } else if self.publish > options.now && !options.future {
            Some(Exclusion::Future)
        } else if self.expiry.is_some_and(|e| e <= options.now) && !options.expired {
            Some(Exclusion::Expired)
        } else {
            None
        }
    }
}

/// Sorts and groups the articles.
pub fn collect(articles: Vec<Arc<Article>>, options: &Options) -> Collection {
    let mut spellings = Spellings::default();
    let listings: Vec<Listing> = articles
        .iter()
        .map(|a| Listing::of(a, 0, &mut spellings))
        .collect();
    let items = articles.into_iter().zip(listings.iter()).collect();
    let mut collection = collect_listed(items, &spellings, options);
    collection.sections = sections(&collection.posts, &BTreeSet::new(), true);
    collection
}

/// What collecting looks at of one published article, packed together. The
/// passes below (dedupe, sort, group) read these rows, which lie side by side
/// in memory, rather than following a pointer to each article's listing and
/// another to its term list: at 10,000 articles those pointer chases made
/// collecting memory-bound, and watch mode collects on every front matter
/// edit.
#[derive(Debug, Clone, Copy)]
struct Row {
    publish: DateTime<Utc>,
    permalink_hash: u64,
    version: u64,
    ref_hash: u64,
    /// Index into the items given to [`collect_patchable`] (only used while
    /// collecting).
    item: usize,
    /// Where this article's term ids start in the shared term list, and
    /// how many there are.
    terms: usize,
    count: usize,
}

impl Row {
    /// A listing's row; its term ids are appended to `terms`.
    fn of(listing: &Listing, item: usize, terms: &mut Vec<u32>) -> Row {
        let row = Row {
            publish: listing.publish,
            permalink_hash: listing.permalink_hash,
            version: listing.version,
            ref_hash: listing.ref_hash,
            item,
            terms: terms.len(),
            count: listing.terms.len(),
        };
        terms.extend_from_slice(&listing.terms);
        row
    }

    fn terms<'t>(&self, terms: &'t [u32]) -> &'t [u32] {
        &terms[self.terms..self.terms + self.count]
    }
}

/// [`collect`], from articles with their listings.
pub fn collect_listed(
    items: Vec<(Arc<Article>, &Listing)>,
    spellings: &Spellings,
    options: &Options,
) -> Collection {
    collect_patchable(items, spellings, options).0
}

/// [`collect_listed`], also returning what [`Patchable::apply`] needs to
/// update the collection after an edit without collecting again.
pub fn collect_patchable(
    items: Vec<(Arc<Article>, &Listing)>,
    spellings: &Spellings,
    options: &Options,
) -> (Collection, Patchable) {
    let (rows, terms, excluded) = rows_of(&items, options);
    let mut diagnostics = Vec::new();
    let mut rows = dedupe_permalinks(&items, rows, &mut diagnostics);
    let clean = diagnostics.is_empty();
    // Newest first, ties by permalink (the articles are only looked at for
    // ties).
    let permalink = |row: &Row| items[row.item].0.permalink.as_str();
    rows.par_sort_unstable_by(|a, b| order(a.publish, permalink(a), b.publish, permalink(b)));
    let tally = Tally::of(&rows, |r| r.terms(&terms), spellings);
    // The articles move into the collection (no reference counts touched).
    let mut articles: Vec<Option<Arc<Article>>> = items
        .into_iter()
        .map(|(article, _)| Some(article))
        .collect();
    let mut posts = Vec::with_capacity(rows.len());
    posts.extend(rows.iter().filter_map(|r| articles[r.item].take()));
    let mut collection = Collection {
        versions: rows.iter().map(|r| r.version).collect(),
        refs_generation: rows
            .iter()
            .fold(0u64, |sum, r| sum.wrapping_add(r.ref_hash)),
        posts,
        excluded,
        taxonomies: Vec::new(),
        sections: Vec::new(),
        diagnostics,
    };
    let mut permalinks: HashMap<u64, usize> =
        HashMap::with_capacity_and_hasher(rows.len(), Default::default());
    for row in &rows {
        *permalinks.entry(row.permalink_hash).or_default() += 1;
    }
    let patchable = Patchable {
        rows,
        terms,
        tally,
        permalinks,
        clean,
    };
    patchable.finish(&mut collection, spellings);
    (collection, patchable)
}

/// Rows, the term list they point into, and how many items each reason
/// excluded.
type Rows = (Vec<Row>, Vec<u32>, BTreeMap<Exclusion, usize>);

/// The rows of the items that are published, with the term list they point
/// into, and how many items each reason excluded. Made on every core, a
/// chunk at a time, each with a term list of its own: reading 10,000
/// listings for the first time since other cores made them took
/// milliseconds on one.
fn rows_of(items: &[(Arc<Article>, &Listing)], options: &Options) -> Rows {
    const CHUNK: usize = 1024;
    let chunks: Vec<Rows> = items
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(c, chunk)| {
            let mut excluded = BTreeMap::new();
            let mut terms = Vec::new();
            let mut rows = Vec::with_capacity(chunk.len());
            for (k, (_, listing)) in chunk.iter().enumerate() {
                match listing.exclusion(options) {
                    Some(why) => *excluded.entry(why).or_insert(0) += 1,
                    None => rows.push(Row::of(listing, c * CHUNK + k, &mut terms)),
                }
            }
            (rows, terms, excluded)
        })
        .collect();
    let mut rows = Vec::with_capacity(chunks.iter().map(|c| c.0.len()).sum());
    let mut terms = Vec::with_capacity(chunks.iter().map(|c| c.1.len()).sum());
    let mut excluded = BTreeMap::new();
    for (chunk_rows, chunk_terms, chunk_excluded) in chunks {
        let base = terms.len();
        rows.extend(chunk_rows.into_iter().map(|row| Row {
            terms: row.terms + base,
            ..row
        }));
        terms.extend_from_slice(&chunk_terms);
        for (why, n) in chunk_excluded {
            *excluded.entry(why).or_insert(0) += n;
        }
    }
    (rows, terms, excluded)
}

/// The order of the posts: newest first, ties by permalink.
fn order(
    a_publish: DateTime<Utc>,
    a_permalink: &str,
    b_publish: DateTime<Utc>,
    b_permalink: &str,
) -> std::cmp::Ordering {
    b_publish
        .cmp(&a_publish)
        .then_with(|| a_permalink.cmp(b_permalink))
}

/// One article whose listing changed since a collection was made: how the
/// collection saw it, and how it is now (`None`: absent, or broken).
#[derive(Debug, Clone, Copy)]
pub struct Edit<'a> {
    pub before: Option<(&'a Arc<Article>, &'a Listing)>,
    pub after: Option<(&'a Arc<Article>, &'a Listing)>,
}

/// What a collection was made of (its rows, in post order, and its term
/// lists by key), so that a front matter edit — one post moving, appearing
/// or leaving — updates it in place: no sorting or grouping of the other
/// 9,999 posts. Collecting again gives the same collection; a property test
/// in the site checks it.
#[derive(Debug, Clone)]
pub struct Patchable {
    /// One row per post of the collection, in the same order.
    rows: Vec<Row>,
    /// The rows' term ids (rows removed leave theirs behind, unused).
    terms: Vec<u32>,
    tally: Tally,
    /// How many posts have each permalink hash.
    permalinks: HashMap<u64, usize>,
    /// Whether no two articles shared a permalink: otherwise which one is
    /// kept depends on all of them, and edits collect again.
    clean: bool,
}

impl Patchable {
    /// Applies `edits` to `c`, the collection this was made with. Returns
    /// false when an edit needs a full collect (a permalink shared with
    /// another post); `c` and `self` are then of no further use.
    pub fn apply(
        &mut self,
        c: &mut Collection,
        edits: &[Edit<'_>],
        spellings: &Spellings,
        options: &Options,
    ) -> bool {
        if !self.clean {
            return false;
        }
        self.tally.grow(spellings);
        for edit in edits {
            if let Some((article, listing)) = edit.before {
                match listing.exclusion(options) {
                    Some(why) => uncount(&mut c.excluded, why),
                    None => {
                        if !self.remove(c, article, listing) {
                            return false;
                        }
                    }
                }
            }
            if let Some((article, listing)) = edit.after {
                match listing.exclusion(options) {
                    Some(why) => *c.excluded.entry(why).or_insert(0) += 1,
                    None => {
                        if !self.insert(c, article, listing, spellings) {
                            return false;
                        }
                    }
                }
            }
        }
        c.diagnostics.clear();
        self.finish(c, spellings);
        true
    }

    /// Where a post goes (`Err`) or is (`Ok`) in the order.
    fn find(&self, c: &Collection, article: &Article, listing: &Listing) -> Result<usize, usize> {
        let link = article.permalink.as_str();
        let mut low = 0;
        let mut high = self.rows.len();
        while low < high {
            let mid = low + (high - low) / 2;
            match order(
                self.rows[mid].publish,
                c.posts[mid].permalink.as_str(),
                listing.publish,
                link,
            ) {
                std::cmp::Ordering::Less => low = mid + 1,
                std::cmp::Ordering::Greater => high = mid,
                std::cmp::Ordering::Equal => return Ok(mid),
            }
        }
        Err(low)
    }

    /// Where `article`'s post is in `c` (found by its place in the order,
    /// which `listing` gives), if it is there.
    pub fn position(&self, c: &Collection, article: &Article, listing: &Listing) -> Option<usize> {
        let i = self.find(c, article, listing).ok()?;
        (c.posts[i].path == article.path).then_some(i)
    }

    fn remove(&mut self, c: &mut Collection, article: &Article, listing: &Listing) -> bool {
        let Some(i) = self.position(c, article, listing) else {
            return false;
        };
        let row = self.rows.remove(i);
        c.posts.remove(i);
        c.versions.remove(i);
        c.refs_generation = c.refs_generation.wrapping_sub(row.ref_hash);
        if let Some(n) = self.permalinks.get_mut(&row.permalink_hash) {
            *n -= 1;
        }
        self.tally.remove(i, row.terms(&self.terms));
        true
    }

    fn insert(
        &mut self,
        c: &mut Collection,
        article: &Arc<Article>,
        listing: &Listing,
        spellings: &Spellings,
    ) -> bool {
        if self
            .permalinks
            .get(&listing.permalink_hash)
            .is_some_and(|&n| n > 0)
        {
            return false;
        }
        let Err(j) = self.find(c, article, listing) else {
            return false;
        };
        let row = Row::of(listing, j, &mut self.terms);
        self.rows.insert(j, row);
        c.posts.insert(j, Arc::clone(article));
        c.versions.insert(j, row.version);
        c.refs_generation = c.refs_generation.wrapping_add(row.ref_hash);
        *self.permalinks.entry(row.permalink_hash).or_default() += 1;
        self.tally.insert(j, row.terms(&self.terms), spellings);
        true
    }

    /// Makes the collection's term lists (and their warnings) from the
    /// tallies.
    fn finish(&self, c: &mut Collection, spellings: &Spellings) {
        c.taxonomies = self.tally.terms(spellings, &mut c.diagnostics);
    }
}

/// Takes one off an exclusion count, dropping it at zero (as a fresh
/// collection would not have it).
fn uncount(excluded: &mut BTreeMap<Exclusion, usize>, why: Exclusion) {
    if let Some(n) = excluded.get_mut(&why) {
        *n -= 1;
        if *n == 0 {
            excluded.remove(&why);
        }
    }
}

/// Two published articles with one address would give one feed item two
/// meanings; keep the one whose path sorts first and report the others.
fn dedupe_permalinks(
    items: &[(Arc<Article>, &Listing)],
    rows: Vec<Row>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Row> {
    let article = |i: usize| &items[rows[i].item].0;
    // Permalinks are compared by hash first; the strings only on a match.
    // One owner per hash; the rare posts whose hash is taken by a different
    // permalink go to `spill`, compared by string.
    let mut owner: HashMap<u64, usize> =
        HashMap::with_capacity_and_hasher(rows.len(), Default::default());
    let mut spill: HashMap<&str, usize> = HashMap::default();
    let mut dropped = vec![false; rows.len()];
    let mut notes: Vec<(&str, Diagnostic)> = Vec::new();
    let mut kept_for: Vec<usize> = (0..rows.len()).collect();
    for (i, row) in rows.iter().enumerate() {
        let post = article(i);
        let slot = match owner.get(&row.permalink_hash) {
            None => {
                owner.insert(row.permalink_hash, i);
                continue;
            }
            Some(&j) if article(j).permalink == post.permalink => Some(j),
            Some(_) => match spill.get(post.permalink.as_str()) {
                Some(&j) => Some(j),
                None => {
                    spill.insert(post.permalink.as_str(), i);
                    None
                }
            },
        };
        let Some(j) = slot else { continue };
        let (kept, gone) = if post.path < article(j).path {
            (i, j)
        } else {
            (j, i)
        };
        if kept == i {
            if owner.get(&row.permalink_hash) == Some(&j) {
                owner.insert(row.permalink_hash, i);
            } else {
                spill.insert(post.permalink.as_str(), i);
            }
        }
        dropped[gone] = true;
        kept_for[gone] = kept;
    }
    if !dropped.contains(&true) {
        return rows;
    }
    for gone in (0..rows.len()).filter(|&i| dropped[i]) {
        let post = article(gone);
        // Follow the chain to the post that finally kept the permalink.
        let mut k = kept_for[gone];
        while dropped[k] {
            k = kept_for[k];
        }
        let kept = article(k);
        // An error, not a warning: this article is left out of every feed.
        notes.push((
            post.path.as_str(),
            Diagnostic::error(
                &post.shown_path,
                None,
                format!(
                    "this article has the same address ({}) as {}; only {} is in the feeds",
                    post.permalink, kept.shown_path, kept.shown_path
                ),
            )
            .with_help("give one of them a different `slug` or `url`"),
        ));
    }
    notes.sort_by(|a, b| a.0.cmp(b.0));
    diagnostics.extend(notes.into_iter().map(|(_, d)| d));
    rows.iter()
        .zip(dropped)
        .filter_map(|(row, gone)| (!gone).then_some(*row))
        .collect()
}

#[cfg(test)]
mod tests;
