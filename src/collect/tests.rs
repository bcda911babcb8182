//! Tests of the collector: order, exclusions, terms, permalink clashes and
//! patching in place.

use super::*;
use crate::parse::article::{parse, ParseContext};
use url::Url;

fn article(path: &str, front: &str) -> Arc<Article> {
    let base = Url::parse("https://e.com/").unwrap();
    let ctx = ParseContext::plain(&base, chrono_tz::Tz::UTC);
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

proptest::proptest! {
    /// Numbering the terms of articles in tables of their own, shared out
    /// in any way and numbered in any order, then adopting the tables,
    /// gives every term the site's number of its spelling, keeps the
    /// numbers of spellings known before, and gives the same numbers
    /// however the articles were shared out.
    #[test]
    fn terms_numbered_in_local_tables_get_the_sites_numbers(
        terms in proptest::collection::vec(
            (
                proptest::collection::vec(0..8usize, 0..4),
                proptest::collection::vec(0..8usize, 0..3),
                0..3usize,
            ),
            0..80,
        ),
        known in proptest::collection::vec(0..8usize, 0..3),
    ) {
        const POOL: [&str; 8] = ["a", "A", " b", "b ", "中文", "c-d", "c d", "e"];
        let list = |ids: &[usize]| {
            let quoted: Vec<String> = ids.iter().map(|&i| format!("\"{}\"", POOL[i])).collect();
            quoted.join(", ")
        };
        let articles: Vec<Arc<Article>> = terms
            .iter()
            .enumerate()
            .map(|(i, (tags, categories, _))| {
                article(
                    &format!("p{i}.md"),
                    &format!(
                        "title: T\ndate: 2024-01-01\ntags: [{}]\ncategories: [{}]",
                        list(tags),
                        list(categories)
                    ),
                )
            })
            .collect();
        // Some spellings may be known before (a site's spellings only grow).
        let mut before = Spellings::default();
        for &i in &known {
            before.intern(1, POOL[i]);
        }
        // Shared out as `terms` says, each table numbering its articles
        // last first; or all in one table, first first.
        let number = |table_of: &dyn Fn(usize) -> usize, order: Vec<usize>| {
            let mut listings: Vec<Listing> =
                articles.iter().map(|a| Listing::unnumbered(a, 0)).collect();
            let mut tables: Vec<LocalSpellings> =
                (0..3).map(|_| LocalSpellings::default()).collect();
            for i in order {
                listings[i].number_locally(&articles[i], &mut tables[table_of(i)]);
            }
            let mut spellings = before.clone();
            let site = spellings.adopt(tables);
            for (i, listing) in listings.iter_mut().enumerate() {
                listing.renumber(&site[table_of(i)]);
            }
            (spellings, listings)
        };
        let (spellings, listings) =
            number(&|i| terms[i].2, (0..articles.len()).rev().collect());
        for (article, listing) in articles.iter().zip(&listings) {
            let named = |numbers: &[u32]| -> Vec<String> {
                numbers.iter().map(|&n| spellings.text[n as usize].clone()).collect()
            };
            let all: Vec<String> = article.taxonomies.iter().flatten().cloned().collect();
            proptest::prop_assert_eq!(named(&listing.terms), all);
        }
        for &i in &known {
            proptest::prop_assert_eq!(spellings.id(1, POOL[i]), before.id(1, POOL[i]));
        }
        let (one_table, same) = number(&|_| 0, (0..articles.len()).collect());
        proptest::prop_assert_eq!(&spellings, &one_table);
        proptest::prop_assert_eq!(&listings, &same);
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
fn rows_made_in_chunks_keep_every_posts_terms() {
    // More than two chunks of rows, drafts among them.
    let articles: Vec<Arc<Article>> = (0..2_500)
        .map(|i| {
            article(
                &format!("p{i:04}.md"),
                &format!(
                    "title: P\ndate: 2024-01-01T00:00:00Z\nlastmod: 2024-01-02\npublishDate: {}\ndraft: {}\ntags: [t{}, u{}]\ncategories: [c{}]",
                    (chrono::DateTime::parse_from_rfc3339("2020-01-01T00:00:00Z").unwrap()
                        + chrono::Duration::minutes(i))
                    .to_rfc3339(),
                    i % 10 == 0,
                    i % 7,
                    i % 11,
                    i % 3
                ),
            )
        })
        .collect();
    let c = collect(articles.clone(), &opts());
    assert_eq!(c.excluded.get(&Exclusion::Draft), Some(&250));
    assert_eq!(c.posts.len(), 2_250);
    let paths = |term: &TermPosts| -> Vec<String> {
        term.posts
            .iter()
            .map(|&i| c.posts[i].path.clone())
            .collect()
    };
    let expected = |has: &dyn Fn(&Article) -> bool| -> Vec<String> {
        let mut kept: Vec<&Arc<Article>> = articles.iter().filter(|a| !a.draft && has(a)).collect();
        kept.sort_by_key(|a| std::cmp::Reverse(a.publish_date));
        kept.iter().map(|a| a.path.clone()).collect()
    };
    assert_eq!(c.terms(1).len(), 18);
    for term in c.terms(1) {
        let name = term.term.name.clone();
        assert_eq!(
            paths(term),
            expected(&|a| a.taxonomies[1].contains(&name)),
            "{name}"
        );
    }
    assert_eq!(c.terms(0).len(), 3);
    for term in c.terms(0) {
        let name = term.term.name.clone();
        assert_eq!(
            paths(term),
            expected(&|a| a.taxonomies[0].contains(&name)),
            "{name}"
        );
    }
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
    assert_eq!(c.terms(1).len(), 2);
    assert_eq!(c.terms(1)[0].term.name, "AI");
    assert_eq!(c.terms(1)[0].posts, [0, 1]);
    assert_eq!(c.terms(0).len(), 1);
    assert_eq!(c.terms(0)[0].posts, [0, 1]);
}

#[test]
fn three_posts_with_one_permalink_keep_the_first_path() {
    let c = collect(
        vec![
            article("m.md", "title: M\ndate: 2024-01-01\nurl: /same/"),
            article("z.md", "title: Z\ndate: 2024-01-01\nurl: /same/"),
            article("a.md", "title: A\ndate: 2024-01-01\nurl: /same/"),
        ],
        &opts(),
    );
    let titles: Vec<&str> = c.posts.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(titles, ["A"]);
    assert_eq!(c.diagnostics.len(), 2);
    assert!(c
        .diagnostics
        .iter()
        .all(|d| d.is_error() && d.message.contains("only a.md is in the feeds")));
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

#[test]
fn a_post_is_in_the_deepest_section_it_is_under() {
    let posts: Vec<Arc<Article>> = [
        "posts/a.md",
        "posts/tech/b.md",
        "posts/tech/bundle/index.md",
        "posts/tech/go/c.md",
        "posts/plain/d.md",
        "about.md",
        "contact/index.md",
    ]
    .iter()
    .map(|path| article(path, "title: T\ndate: 2024-01-01"))
    .collect();
    let nested: BTreeSet<&str> = ["posts/tech", "posts/tech/go"].into();
    let sections = sections(&posts, &nested, true);
    let found: Vec<(&str, &str, Vec<usize>)> = sections
        .iter()
        .map(|s| (s.term.slug.as_str(), s.term.name.as_str(), s.posts.clone()))
        .collect();
    // `posts/plain` has no page of its own: its post is `posts`'. A top-level
    // page is in no section, nor is a bundle at the top (`contact/`).
    assert_eq!(
        found,
        [
            ("posts", "posts", vec![0, 4]),
            ("posts/tech", "tech", vec![1, 2]),
            ("posts/tech/go", "go", vec![3]),
        ]
    );
    let flat = super::sections(&posts, &BTreeSet::new(), true);
    assert_eq!(flat.len(), 1);
    assert_eq!(flat[0].posts, [0, 1, 2, 3, 4]);
}
