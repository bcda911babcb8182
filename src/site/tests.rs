//! The site's own tests: incremental rebuilds against fresh builds, and
//! one-shot builds that read bodies again or take items from the cache.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::build::{self, SourceFile};
use super::*;
use crate::base::config::Config;
use crate::base::diagnostic::Diagnostic;
use crate::collect::Options;
use proptest::prelude::*;

pub(super) fn config() -> Config {
    Config::parse(
        "title: T\nbase_url: https://example.org/\nlimit: 3\n",
        std::path::Path::new(""),
        None,
    )
    .unwrap()
}

pub(super) fn now() -> DateTime<Utc> {
    "2025-01-01T00:00:00Z".parse().unwrap()
}

/// One edit to the content folder.
#[derive(Debug, Clone)]
enum Op {
    Write {
        file: u8,
        day: u8,
        tags: Vec<u8>,
        draft: bool,
        broken: bool,
        /// Varies only the body, which takes the fast path.
        words: u8,
        /// Published in 2026 (after `now`) or expired before `now`.
        future: bool,
        expired: bool,
        /// A shared slug, so that two posts may want one permalink.
        slug: Option<u8>,
        /// `feed: false`: published, but in no feed.
        unlisted: bool,
    },
    Remove(u8),
    /// Time passes (days), so that scheduled posts appear and others
    /// expire without any edit.
    Wait(u16),
}

/// Tag spellings that merge (`ai`/`AI`, `t 2`/`t-2`) or collide on a
/// slug (`c`/`c#`).
const TAGS: [&str; 8] = ["t0", "T0", "t 2", "t-2", "c", "c#", "ai", "AI"];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (
            (0..8u8, 1..28u8, proptest::collection::vec(0..TAGS.len() as u8, 0..4)),
            (proptest::bool::weighted(0.15), proptest::bool::weighted(0.1), 0..4u8),
            (proptest::bool::weighted(0.1), proptest::bool::weighted(0.1), proptest::option::weighted(0.1, 0..2u8), proptest::bool::weighted(0.1)),
        )
            .prop_map(|((file, day, tags), (draft, broken, words), (future, expired, slug, unlisted))| Op::Write {
                file, day, tags, draft, broken, words, future, expired, slug, unlisted,
            }),
        1 => (0..8u8).prop_map(Op::Remove),
        1 => (1..500u16).prop_map(Op::Wait),
    ]
}

/// An article for the property test below.
fn generated(op: &Op) -> String {
    let Op::Write {
        day,
        tags,
        draft,
        broken,
        words,
        future,
        expired,
        slug,
        unlisted,
        ..
    } = op
    else {
        return String::new();
    };
    if *broken {
        return "---\ntitle: \"unclosed\ndate: 2024-01-01\n---\n".to_owned();
    }
    let tags: Vec<String> = tags
        .iter()
        .map(|&t| format!("\"{}\"", TAGS[t as usize]))
        .collect();
    let year = if *future { 2026 } else { 2024 };
    let mut front = format!(
        "title: Day {day}\ndate: {year}-02-{day:02}\ndraft: {draft}\ntags: [{}]\n",
        tags.join(", ")
    );
    if *expired {
        front.push_str("expiryDate: 2024-12-01\n");
    }
    if let Some(slug) = slug {
        front.push_str(&format!("slug: same-{slug}\n"));
    }
    if *unlisted {
        front.push_str("feed: false\n");
    }
    format!(
        "---\n{front}---\nBody {{{{< ref \"p1.md\" >}}}} and text{}.\n",
        " more".repeat(*words as usize)
    )
}

pub(super) fn text(day: u8, tags: &[u8], draft: bool, broken: bool) -> String {
    text_with(day, tags, draft, broken, 0)
}

pub(super) fn text_with(day: u8, tags: &[u8], draft: bool, broken: bool, words: u8) -> String {
    let tags: Vec<String> = tags.iter().map(|t| format!("t{t}")).collect();
    if broken {
        return "---\ntitle: \"unclosed\ndate: 2024-01-01\n---\n".to_owned();
    }
    format!(
        "---\ntitle: Day {day}\ndate: 2024-02-{day:02}\ndraft: {draft}\ntags: [{}]\n---\nBody {{{{< ref \"p1.md\" >}}}} and text{}.\n",
        tags.join(", "),
        " more".repeat(words as usize)
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// After any sequence of edits (broken ones included), the files an
    /// incremental site has produced — applying each rebuild's changes and
    /// removals — are the files a fresh one-shot build produces.
    #[test]
    fn incremental_rebuilds_equal_a_fresh_build(ops in proptest::collection::vec(op(), 1..25)) {
        let mut site = Site::new(config(), Flags::default(), false);
        let mut disk: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        let mut sources: BTreeMap<String, String> = BTreeMap::new();
        let mut at = now();
        for op in ops {
            match op {
                Op::Write { file, .. } => {
                    let path = format!("p{file}.md");
                    let body = generated(&op);
                    site.update(&path, &path, Ok(body.as_bytes()));
                    sources.insert(path, body);
                }
                Op::Remove(file) => {
                    let path = format!("p{file}.md");
                    site.remove(&path);
                    sources.remove(&path);
                }
                Op::Wait(days) => at += chrono::Duration::days(i64::from(days)),
            }
            let (rebuild, changed) = site.rebuild(at);
            for path in &rebuild.removed {
                disk.remove(path);
            }
            disk.extend(changed);
            let fresh: Vec<SourceFile> = sources
                .iter()
                .map(|(p, b)| SourceFile { path: p.clone(), shown: p.clone(), bytes: Ok(b.clone().into_bytes()) })
                .collect();
            let options = Options { drafts: false, future: false, expired: false, now: at };
            let expected = build::build(&config(), &fresh, &options);
            prop_assert_eq!(&disk, &expected.files);
            prop_assert_eq!(&rebuild.stats, &expected.stats);
            prop_assert_eq!(&rebuild.diagnostics, &expected.diagnostics);
        }
    }
}

#[test]
fn an_edit_renders_and_emits_only_what_it_touches() {
    let mut site = Site::new(config(), Flags::default(), false);
    for i in 1..=9u8 {
        let path = format!("p{i}.md");
        site.update(&path, &path, Ok(text(i, &[i % 3], false, false).as_bytes()));
    }
    let (first, files) = site.rebuild(now());
    assert_eq!(first.rendered, 9);
    assert!(files.contains_key(MANIFEST));

    // An old post outside the site feed's limit of 3, tagged t1.
    site.update(
        "p1.md",
        "p1.md",
        Ok(text(1, &[1], false, false)
            .replace("text", "words")
            .as_bytes()),
    );
    let (second, files) = site.rebuild(now());
    assert_eq!(second.rendered, 1);
    let changed: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        changed,
        ["tags/t1/feed.json", "tags/t1/index.html", "tags/t1/rss.xml"]
    );

    // Saving the same bytes again changes nothing.
    assert!(!site.update(
        "p1.md",
        "p1.md",
        Ok(text(1, &[1], false, false)
            .replace("text", "words")
            .as_bytes())
    ));
    let (third, files) = site.rebuild(now());
    assert!(files.is_empty() && third.removed.is_empty());
    assert_eq!(third.rendered, 0);
}

#[test]
fn files_found_in_any_order_build_what_their_sorted_list_does() {
    let mut texts: Vec<(String, String)> = (1..=24u8)
        .map(|i| (format!("p{i}.md"), text(i, &[i % 5, i % 7], i == 4, i == 7)))
        .collect();
    texts.push(("b/index.md".into(), text(20, &[1], false, false)));
    // A page bundle's resource: newest of all, in no feed unless it were
    // taken for an article.
    texts.push(("b/notes.md".into(), text(28, &[1], false, false)));
    let by_path: BTreeMap<&str, &str> = texts
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let load = |path: &str, limit: usize| load_from_memory(Ok(by_path[path].as_bytes()), limit);
    let options = Options {
        drafts: false,
        future: false,
        expired: false,
        now: now(),
    };
    let articles: Vec<build::SourceFile> = by_path
        .iter()
        .filter(|(path, _)| **path != "b/notes.md")
        .map(|(path, text)| build::SourceFile {
            path: (*path).to_owned(),
            shown: (*path).to_owned(),
            bytes: Ok(text.as_bytes().to_vec()),
        })
        .collect();
    let expected = build::build(&config(), &articles, &options);
    assert!(!expected.diagnostics.is_empty(), "p7.md is broken");

    let walk_problem = Diagnostic::warning("content/loop", None, "symbolic link loop");
    // One file at a time, last first, on four threads: each numbers the
    // terms of what it parses in a table of its own.
    let found = |give: &mut dyn FnMut(Vec<(String, String)>)| {
        for (path, _) in texts.iter().rev() {
            give(vec![(path.clone(), path.clone())]);
        }
        vec![walk_problem.clone()]
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap();
    let mut out = BTreeMap::new();
    let built =
        pool.install(|| build::build_into(&config(), found, load, &options, || None, &mut out));
    if let Some(manifest) = built.manifest {
        out.insert(MANIFEST.to_owned(), manifest);
    }
    assert_eq!(out, expected.files);
    assert_eq!(built.stats, expected.stats);
    let mut diagnostics = vec![walk_problem];
    diagnostics.extend(expected.diagnostics);
    assert_eq!(built.diagnostics, diagnostics);
}

#[test]
fn watch_mode_keeps_the_last_good_version_of_a_broken_article() {
    let mut site = Site::new(config(), Flags::default(), true);
    site.update("p1.md", "p1.md", Ok(text(1, &[0], false, false).as_bytes()));
    site.rebuild(now());
    site.update("p1.md", "p1.md", Ok(text(1, &[0], false, true).as_bytes()));
    let (rebuild, files) = site.rebuild(now());
    assert!(files.is_empty() && rebuild.removed.is_empty());
    let error = rebuild.diagnostics.iter().find(|d| d.is_error()).unwrap();
    assert!(error.help.as_deref().unwrap().contains("last good version"));
    assert_eq!(rebuild.stats.broken, 1);
    assert_eq!(rebuild.stats.published, 1);
}

#[test]
fn the_next_scheduled_moment_is_the_nearest_publish_or_expiry() {
    let mut site = Site::new(config(), Flags::default(), false);
    let front = |extra: &str| format!("---\ntitle: X\ndate: 2024-01-01\n{extra}\n---\n");
    site.update(
        "a.md",
        "a.md",
        Ok(front("publishDate: 2025-03-01").as_bytes()),
    );
    site.update(
        "b.md",
        "b.md",
        Ok(front("expiryDate: 2025-02-01").as_bytes()),
    );
    site.update(
        "c.md",
        "c.md",
        Ok(front("expiryDate: 2024-06-01").as_bytes()),
    );
    assert_eq!(
        site.next_scheduled(now()),
        Some("2025-02-01T00:00:00Z".parse().unwrap())
    );
    site.remove("b.md");
    assert_eq!(
        site.next_scheduled(now()),
        Some("2025-03-01T00:00:00Z".parse().unwrap())
    );
}
