//! The collector: which articles are published, in which order, under which
//! terms.

use std::collections::hash_map::Entry;
use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rustc_hash::FxHashMap as HashMap;

use crate::article::Article;
use crate::diagnostic::Diagnostic;
use crate::taxonomy::{self, Term};

/// Which unpublished articles to include anyway (Hugo's `-D`, `-F`, `-E`).
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
}

/// Whether an article is published at `options.now`, and if not, why.
pub fn exclusion(article: &Article, options: &Options) -> Option<Exclusion> {
    if article.draft && !options.drafts {
        Some(Exclusion::Draft)
    } else if article.publish_date > options.now && !options.future {
        Some(Exclusion::Future)
    } else if article.expiry_date.is_some_and(|e| e <= options.now) && !options.expired {
        Some(Exclusion::Expired)
    } else {
        None
    }
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
    pub excluded: BTreeMap<Exclusion, usize>,
    pub categories: Vec<TermPosts>,
    pub tags: Vec<TermPosts>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Sorts and groups the articles.
pub fn collect(articles: Vec<Arc<Article>>, options: &Options) -> Collection {
    let mut excluded = BTreeMap::new();
    let mut posts: Vec<Arc<Article>> = Vec::with_capacity(articles.len());
    for article in articles {
        match exclusion(&article, options) {
            Some(why) => *excluded.entry(why).or_insert(0) += 1,
            None => posts.push(article),
        }
    }
    let mut diagnostics = Vec::new();
    let posts = dedupe_permalinks(posts, &mut diagnostics);
    // Newest first, ties by permalink. The dates are copied out first so the
    // sort compares plain numbers, not articles behind pointers.
    let mut order: Vec<(DateTime<Utc>, usize)> = posts
        .iter()
        .enumerate()
        .map(|(i, a)| (a.publish_date.to_utc(), i))
        .collect();
    order.sort_unstable_by(|a, b| {
        b.0.cmp(&a.0).then_with(|| {
            posts[a.1]
                .permalink
                .as_str()
                .cmp(posts[b.1].permalink.as_str())
        })
    });
    let mut slots: Vec<Option<Arc<Article>>> = posts.into_iter().map(Some).collect();
    let posts: Vec<Arc<Article>> = order
        .into_iter()
        .filter_map(|(_, i)| slots[i].take())
        .collect();
    let categories = group(&posts, |a| &a.categories, "category", &mut diagnostics);
    let tags = group(&posts, |a| &a.tags, "tag", &mut diagnostics);
    Collection {
        posts,
        excluded,
        categories,
        tags,
        diagnostics,
    }
}

/// Two published articles with one address would give one feed item two
/// meanings; keep the one whose path sorts first and report the others.
/// A hash map, not a sort: this runs on every rebuild in watch mode.
fn dedupe_permalinks(
    posts: Vec<Arc<Article>>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Arc<Article>> {
    let mut owner: HashMap<&str, usize> =
        HashMap::with_capacity_and_hasher(posts.len(), Default::default());
    let mut dropped: Vec<(usize, usize)> = Vec::new();
    for (i, post) in posts.iter().enumerate() {
        match owner.entry(post.permalink.as_str()) {
            Entry::Vacant(slot) => {
                slot.insert(i);
            }
            Entry::Occupied(mut slot) => {
                let kept = *slot.get();
                if post.path < posts[kept].path {
                    slot.insert(i);
                    dropped.push((kept, i));
                } else {
                    dropped.push((i, kept));
                }
            }
        }
    }
    if dropped.is_empty() {
        return posts;
    }
    let mut removed = vec![false; posts.len()];
    let mut notes: Vec<(&str, Diagnostic)> = Vec::new();
    for (gone, _) in &dropped {
        let post = &posts[*gone];
        let kept = &posts[owner[post.permalink.as_str()]];
        removed[*gone] = true;
        notes.push((
            post.path.as_str(),
            Diagnostic::warning(
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
    posts
        .into_iter()
        .zip(removed)
        .filter_map(|(post, gone)| (!gone).then_some(post))
        .collect()
}

fn group(
    posts: &[Arc<Article>],
    terms_of: impl Fn(&Article) -> &Vec<String>,
    kind: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<TermPosts> {
    let (terms, collisions) = taxonomy::merge(
        posts
            .iter()
            .flat_map(|a| terms_of(a).iter().map(String::as_str)),
    );
    for c in collisions {
        diagnostics.push(
            Diagnostic::warning(
                format!("{kind} `{}`", c.renamed),
                None,
                format!(
                    "its slug `{}` is taken by the {kind} `{}`, so its feed is at `{}`",
                    c.slug, c.kept_by, c.new_slug
                ),
            )
            .with_help(format!("rename one of the two {kind} spellings if they are meant to be one, or to differ more")),
        );
    }
    let index: BTreeMap<&str, usize> = terms
        .iter()
        .enumerate()
        .map(|(i, t)| (t.key.as_str(), i))
        .collect();
    let mut grouped: Vec<TermPosts> = terms
        .iter()
        .cloned()
        .map(|term| TermPosts {
            term,
            posts: Vec::new(),
        })
        .collect();
    // Each distinct spelling's term, computed once: watch mode runs this on
    // every rebuild, and a few hundred spellings cover thousands of uses.
    let mut term_of: HashMap<&str, Option<usize>> = HashMap::default();
    for (i, post) in posts.iter().enumerate() {
        for spelling in terms_of(post) {
            let term = *term_of
                .entry(spelling.as_str())
                .or_insert_with(|| index.get(taxonomy::term_key(spelling).as_str()).copied());
            if let Some(t) = term {
                // An article listing `AI` and `ai` is in that feed once.
                if grouped[t].posts.last() != Some(&i) {
                    grouped[t].posts.push(i);
                }
            }
        }
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::{parse, ParseContext};
    use url::Url;

    fn article(path: &str, front: &str) -> Arc<Article> {
        let base = Url::parse("https://e.com/").unwrap();
        let ctx = ParseContext {
            base_url: &base,
            timezone: chrono_tz::Tz::UTC,
        };
        parse(
            path,
            path,
            format!("---\n{front}\n---\nbody\n").as_bytes(),
            &ctx,
        )
        .article
        .map(Arc::new)
        .unwrap()
    }

    fn opts() -> Options {
        Options {
            drafts: false,
            future: false,
            expired: false,
            now: "2025-01-01T00:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn keeps_only_published_articles_newest_first() {
        let c = collect(
            vec![
                article("old.md", "title: Old\ndate: 2020-01-01"),
                article("new.md", "title: New\ndate: 2024-01-01"),
                article("draft.md", "title: D\ndate: 2024-01-01\ndraft: true"),
                article("future.md", "title: F\ndate: 2030-01-01"),
                article(
                    "sched.md",
                    "title: S\ndate: 2020-01-01\npublishDate: 2030-01-01",
                ),
                article(
                    "expired.md",
                    "title: E\ndate: 2020-01-01\nexpiryDate: 2024-12-31",
                ),
                article("tie-b.md", "title: B\ndate: 2022-01-01"),
                article("tie-a.md", "title: A\ndate: 2022-01-01"),
            ],
            &opts(),
        );
        let titles: Vec<&str> = c.posts.iter().map(|a| a.title.as_str()).collect();
        assert_eq!(titles, ["New", "A", "B", "Old"]);
        assert_eq!(c.excluded[&Exclusion::Draft], 1);
        assert_eq!(c.excluded[&Exclusion::Future], 2);
        assert_eq!(c.excluded[&Exclusion::Expired], 1);
    }

    #[test]
    fn flags_include_what_they_name() {
        let o = Options {
            drafts: true,
            future: true,
            expired: true,
            ..opts()
        };
        let c = collect(
            vec![
                article("d.md", "title: D\ndate: 2024-01-01\ndraft: true"),
                article("f.md", "title: F\ndate: 2030-01-01"),
                article("e.md", "title: E\ndate: 2020-01-01\nexpiryDate: 2021-01-01"),
            ],
            &o,
        );
        assert_eq!(c.posts.len(), 3);
    }

    #[test]
    fn terms_are_merged_and_grouped() {
        let c = collect(
            vec![
                article(
                    "a.md",
                    "title: A\ndate: 2024-01-02\ntags: [AI, Rust]\ncategories: SERVICE MESH",
                ),
                article(
                    "b.md",
                    "title: B\ndate: 2024-01-01\ntags: [ai, ai]\ncategories: [service-mesh]",
                ),
            ],
            &opts(),
        );
        assert_eq!(c.tags.len(), 2);
        assert_eq!(c.tags[0].term.name, "AI");
        assert_eq!(c.tags[0].posts, [0, 1]);
        assert_eq!(c.categories.len(), 1);
        assert_eq!(c.categories[0].posts, [0, 1]);
    }

    #[test]
    fn duplicate_permalinks_keep_one_and_warn() {
        let c = collect(
            vec![
                article("b.md", "title: B\ndate: 2024-01-01\nslug: same"),
                article("a.md", "title: A\ndate: 2024-01-01\nslug: same"),
            ],
            &opts(),
        );
        assert_eq!(c.posts.len(), 1);
        assert_eq!(c.posts[0].title, "A");
        assert_eq!(c.diagnostics.len(), 1);
        assert!(c.diagnostics[0].message.contains("a.md"));
        assert_eq!(c.diagnostics[0].path, "b.md");
    }
}
