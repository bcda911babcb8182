//! Compares, feed by feed, what feedsmith and Hugo publish for one Hugo site:
//! the same feeds, and in each the same set of item links.
//!
//! ```text
//! cargo run --release --example compare_with_hugo -- SITE [--hugo PATH] [--show N] [--base-url URL] [--builtin-rss] [--keep]
//! ```
//!
//! Both build a temporary copy of SITE, so the site itself is not touched:
//! - Hugo (`hugo` on the PATH, or `--hugo PATH`) as the site is configured,
//!   but for its HTML: a theme the copy lacks (a git submodule, say) gets
//!   an empty folder, and of the site's and its themes' layouts only the RSS
//!   and XML templates are kept, so that HTML templates written for another
//!   Hugo do not stop the build; every shortcode the content uses but Hugo's
//!   own gets an empty template. A site's own RSS template decides what
//!   Hugo's feeds hold; feedsmith follows Hugo's built-in one, so the
//!   report names such templates (`--builtin-rss` removes them, so that
//!   both follow the built-in one). Hugo then warns that it has no HTML
//!   layouts, and writes its feeds with the site's RSS template or its
//!   built-in one. A feed's item links do not depend on HTML layouts.
//! - feedsmith with no config of its own (`feedsmith build --layout hugo`,
//!   run in this process): every setting comes from Hugo's config, as for
//!   a new user, and the RSS files go where Hugo puts them.
//! - `--base-url` is given to both (`hugo -b`), for a site whose `baseURL`
//!   is set at deploy time.
//!
//! Every RSS file Hugo writes is a feed: the home page's, each section's,
//! each term's, and each taxonomy's list of terms. The last list terms, not
//! posts, and are reported but not scored. A feed agrees when feedsmith
//! publishes one for the same folder (`tags/rust/`) with the same set of
//! item links (percent-decoded). The report ends with the share of Hugo's
//! feeds that agree, and the first `--show` (default 10) that do not.
//! Counted apart, as differences on purpose (README): an empty feed Hugo
//! writes for a section or a term without posts, where feedsmith writes
//! none; and a feed that differs only by pages that are not posts (without
//! a date, or a section's page), which Hugo lists.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use feedsmith::base::config::Layout;
use feedsmith::cmd::settings::{BuildArgs, ConfigPlaces};

struct Options {
    site: PathBuf,
    hugo: String,
    show: usize,
    base_url: Option<String>,
    /// Drop the site's own RSS templates too, so that Hugo's feeds follow
    /// its built-in one, as feedsmith's do.
    builtin_rss: bool,
    /// Keep the temporary folder (the copy, and both outputs) to look into.
    keep: bool,
}

fn options() -> Options {
    let mut args = std::env::args().skip(1);
    let mut o = Options {
        site: PathBuf::new(),
        hugo: "hugo".to_owned(),
        show: 10,
        base_url: None,
        builtin_rss: false,
        keep: false,
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--hugo" => o.hugo = args.next().expect("--hugo PATH"),
            "--show" => o.show = args.next().and_then(|n| n.parse().ok()).expect("--show N"),
            "--base-url" => o.base_url = Some(args.next().expect("--base-url URL")),
            "--builtin-rss" => o.builtin_rss = true,
            "--keep" => o.keep = true,
            _ => o.site = PathBuf::from(arg),
        }
    }
    assert!(
        o.site.is_dir(),
        "usage: compare_with_hugo SITE [--hugo PATH] [--show N]"
    );
    o
}

/// A feed: its folder under the site (`tags/rust/`, lower case, decoded)
/// and the links of its items (decoded).
type Feeds = BTreeMap<String, BTreeSet<String>>;

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Every entry under `root` but those in its top-level folders named in
/// `skip`.
fn walk_without(
    root: &Path,
    skip: &'static [&'static str],
) -> impl Iterator<Item = walkdir::DirEntry> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_entry(move |e| {
            e.depth() != 1 || !e.file_name().to_str().is_some_and(|n| skip.contains(&n))
        })
        .map(|entry| entry.expect("walk the site"))
}

/// Copies `from` into `to`, without `public/`, `resources/` and `.git/`.
fn copy_site(from: &Path, to: &Path) {
    for entry in walk_without(from, &["public", "resources", ".git"]) {
        let target = to.join(entry.path().strip_prefix(from).expect("under the site"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else if entry.file_type().is_file() {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Makes the copy a git repository of one commit when its config turns on
/// `enableGitInfo`: Hugo then stops without one, and the copy leaves out
/// the site's own `.git` (a snapshot may have none). Both tools read the
/// same history.
fn give_git_history(site: &Path) {
    let top = walkdir::WalkDir::new(site).max_depth(1).into_iter();
    let wants_git = top
        .chain(walkdir::WalkDir::new(site.join("config")))
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| {
            let name = e.file_name().to_string_lossy();
            let config = e.depth() > 0 && !name.starts_with('.');
            config
                && [".toml", ".yaml", ".yml", ".json"]
                    .iter()
                    .any(|ext| name.ends_with(ext))
        })
        .any(|e| {
            std::fs::read_to_string(e.path())
                .is_ok_and(|text| text.to_lowercase().contains("enablegitinfo"))
        });
    if !wants_git {
        return;
    }
    let git = |args: &[&str]| {
        let mut command = Command::new("git");
        command
            .args([
                "-c",
                "user.name=compare",
                "-c",
                "user.email=compare@localhost",
            ])
            .args(args)
            .env("GIT_AUTHOR_DATE", "2000-01-01T00:00:00Z")
            .env("GIT_COMMITTER_DATE", "2000-01-01T00:00:00Z")
            .current_dir(site);
        run(&mut command, "git");
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "the site as copied"]);
}

/// What the site's Hugo config names: its taxonomies (plural, lower case;
/// Hugo's default `tags` and `categories`) and languages.
struct Names {
    taxonomies: BTreeSet<String>,
    languages: BTreeSet<String>,
    /// The site's and its themes' own RSS templates.
    templates: Vec<String>,
}

/// Templates Hugo uses for RSS though their names do not say so: its
/// output formats fall back on a kind's or a list's layout of the same
/// suffix (a theme's `taxonomy.xml` writes its term feeds).
const RSS_LAYOUTS: [&str; 7] = [
    "index.xml",
    "list.xml",
    "home.xml",
    "section.xml",
    "taxonomy.xml",
    "term.xml",
    "terms.xml",
];

/// Removes the templates in `layouts` but those for RSS and XML (and those
/// for RSS too, with `drop_rss`), and returns the RSS templates kept
/// (relative to `site`).
fn keep_feed_templates(site: &Path, layouts: &Path, drop_rss: bool) -> Vec<String> {
    let mut kept = Vec::new();
    if !layouts.is_dir() {
        return kept;
    }
    for entry in walkdir::WalkDir::new(layouts) {
        let entry = entry.expect("walk layouts");
        let name = entry.file_name().to_string_lossy().to_lowercase();
        if !entry.file_type().is_file() {
            continue;
        }
        let rss = name.contains("rss") || RSS_LAYOUTS.contains(&name.as_str());
        if (!name.contains("rss") && !name.ends_with(".xml")) || (rss && drop_rss) {
            std::fs::remove_file(entry.path()).expect("remove a template");
        } else if rss {
            let shown = entry.path().strip_prefix(site).unwrap_or(entry.path());
            kept.push(shown.display().to_string());
        }
    }
    kept
}

/// Shortcodes Hugo has built in: their templates are not the site's.
const BUILT_IN_SHORTCODES: [&str; 14] = [
    "comment",
    "details",
    "figure",
    "gist",
    "highlight",
    "instagram",
    "param",
    "qr",
    "ref",
    "relref",
    "tweet",
    "vimeo",
    "x",
    "youtube",
];

/// Gives every shortcode the content uses an empty template (but Hugo's
/// own): the site's and its theme's were removed with their other HTML
/// templates, and a shortcode's HTML does not change a feed's item links.
fn stub_shortcodes(site: &Path, layouts: &Path) {
    // Each name, and whether it is ever closed (`{{< /name >}}`).
    let mut names: BTreeMap<String, bool> = BTreeMap::new();
    for entry in walk_without(site, &["themes", "public", "layouts"]) {
        let path = entry.path();
        let content = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("md" | "markdown" | "html" | "htm")
        );
        if !entry.file_type().is_file() || !content {
            continue;
        }
        let text =
            String::from_utf8_lossy(&std::fs::read(path).expect("read content")).into_owned();
        for open in ["{{<", "{{%"] {
            for piece in text.split(open).skip(1) {
                let piece = piece.trim_start();
                let closing = piece.starts_with('/');
                let name: String = piece
                    .trim_start_matches('/')
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '/'))
                    .collect();
                if !name.is_empty() && !BUILT_IN_SHORTCODES.contains(&name.as_str()) {
                    *names.entry(name).or_default() |= closing;
                }
            }
        }
    }
    let dir = layouts.join("shortcodes");
    for (name, closed) in names {
        let file = dir.join(format!("{name}.html"));
        std::fs::create_dir_all(file.parent().expect("a folder")).expect("mkdir");
        // One that is closed must read `.Inner`, one that is not must not:
        // Hugo refuses the other way round.
        let stub = if closed {
            "{{ with .Inner }}{{ end }}"
        } else {
            ""
        };
        if !file.exists() {
            std::fs::write(file, stub).expect("write a shortcode stub");
        }
    }
}

/// Gives each theme the site names but lacks an empty folder, and returns
/// the names of its taxonomies and languages.
fn prepare(site: &Path, builtin_rss: bool) -> Names {
    let mut names = Names {
        taxonomies: ["tags", "categories"].map(str::to_owned).into(),
        languages: BTreeSet::new(),
        templates: Vec::new(),
    };
    let places = ConfigPlaces::of(&BuildArgs {
        config: Some(site.join("feedsmith.yaml")),
        ..BuildArgs::default()
    });
    let Ok(hugo) = places.read_hugo() else {
        names.templates = keep_feed_templates(site, &site.join("layouts"), builtin_rss);
        stub_shortcodes(site, &site.join("layouts"));
        return names;
    };
    let layouts = hugo
        .string(&["layoutdir"])
        .map_or_else(|| "layouts".to_owned(), |(d, _)| d);
    names.templates = keep_feed_templates(site, &site.join(&layouts), builtin_rss);
    let keys = |path: &str| -> Option<Vec<(String, serde_json::Value)>> {
        let map = hugo.get(path)?.value.as_object()?.clone();
        Some(map.into_iter().collect())
    };
    // The site's taxonomies, and each language's (`languages.en.taxonomies`).
    let mut found = keys("taxonomies").or_else(|| keys("indexes"));
    for (_, language) in keys("languages").unwrap_or_default() {
        if let Some(own) = language.get("taxonomies").and_then(|t| t.as_object()) {
            found.get_or_insert_with(Vec::new).extend(own.clone());
        }
    }
    if let Some(taxonomies) = found {
        names.taxonomies = taxonomies
            .iter()
            .filter_map(|(_, plural)| plural.as_str().map(str::to_lowercase))
            .collect();
    }
    stub_shortcodes(site, &site.join(&layouts));
    if let Some(languages) = keys("languages") {
        names.languages = languages.into_iter().map(|(code, _)| code).collect();
    }
    let themes: Vec<String> = match hugo.get("theme").map(|s| s.value.clone()) {
        Some(serde_json::Value::String(name)) => vec![name],
        Some(serde_json::Value::Array(names)) => names
            .iter()
            .filter_map(|n| n.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    let dir = hugo
        .string(&["themesdir"])
        .map_or_else(|| "themes".to_owned(), |(d, _)| d);
    for theme in themes {
        let folder = site.join(&dir).join(&theme);
        if folder.is_dir() {
            let kept = keep_feed_templates(site, &folder.join("layouts"), builtin_rss);
            names.templates.extend(kept);
        } else {
            eprintln!("note: theme `{theme}` is not in the site; Hugo gets an empty folder for it");
            std::fs::create_dir_all(folder).expect("theme folder");
        }
    }
    names
}

/// What a feed is, by its folder: `home`, `taxonomy` (a list of terms),
/// `term` or `section`. A language's folder (`en/`) is a home.
fn kind(folder: &str, names: &Names) -> &'static str {
    let segments: Vec<&str> = folder.trim_end_matches('/').split('/').collect();
    let last = segments.last().copied().unwrap_or_default();
    let parent = segments.len().checked_sub(2).map(|i| segments[i]);
    if folder.is_empty() || (segments.len() == 1 && names.languages.contains(last)) {
        "home"
    } else if names.taxonomies.contains(last) {
        "taxonomy"
    } else if parent.is_some_and(|p| names.taxonomies.contains(p)) {
        "term"
    } else {
        "section"
    }
}

/// What Hugo lists that feedsmith leaves out on purpose, as not posts:
/// pages without a date, and section pages (a section's `_index.md`, which
/// Hugo lists in the feeds of its terms).
#[derive(Default)]
struct NotPosts {
    /// Links of items without a date.
    dateless: BTreeSet<String>,
    /// Each feed's own link (its page), by folder.
    pages: BTreeMap<String, String>,
}

impl NotPosts {
    /// Whether `link` is a page feedsmith does not count as a post: one
    /// without a date, or the page of a section (whose feed is its own).
    fn contains(&self, link: &str, names: &Names) -> bool {
        self.dateless.contains(link)
            || self
                .pages
                .iter()
                .any(|(folder, page)| page == link && kind(folder, names) == "section")
    }
}

/// Every RSS feed under `out`, by folder: for Hugo every `.xml` file that
/// is RSS; for feedsmith its `rss.xml` files.
fn feeds(out: &Path, name: impl Fn(&str) -> bool, not_posts: &mut NotPosts) -> Feeds {
    let mut feeds = Feeds::new();
    for entry in walkdir::WalkDir::new(out) {
        let entry = entry.expect("walk the output");
        let file = entry.file_name().to_string_lossy();
        if !entry.file_type().is_file() || !name(&file) {
            continue;
        }
        let bytes = std::fs::read(entry.path()).expect("read a feed");
        let Ok(feed) = feed_rs::parser::parse(&bytes[..]) else {
            continue;
        };
        if feed.feed_type != feed_rs::model::FeedType::RSS2 {
            continue;
        }
        let rel = entry.path().strip_prefix(out).expect("under the output");
        let folder = rel.parent().map_or(String::new(), |p| {
            let p = p.to_string_lossy().replace('\\', "/");
            if p.is_empty() {
                p
            } else {
                format!("{p}/")
            }
        });
        let links = feed
            .entries
            .iter()
            .filter_map(|e| {
                let link = decode(&e.links.first()?.href);
                // Hugo dates a page without a date 0001-01-01.
                if e.published.is_none_or(|d| chrono::Datelike::year(&d) <= 1) {
                    not_posts.dateless.insert(link.clone());
                }
                Some(link)
            })
            .collect();
        let folder = decode(&folder).to_lowercase();
        if let Some(page) = feed.links.first() {
            not_posts.pages.insert(folder.clone(), decode(&page.href));
        }
        feeds.insert(folder, links);
    }
    feeds
}

fn run(command: &mut Command, what: &str) {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    if !out.status.success() {
        let said = [out.stdout, out.stderr].concat();
        let said = String::from_utf8_lossy(&said);
        let errors: Vec<&str> = said
            .lines()
            .filter(|l| l.contains("ERROR") || l.starts_with("Error"))
            .collect();
        eprintln!("{}", errors.join("\n"));
        eprintln!(
            "{what} failed ({}): this site cannot be compared as it is",
            out.status
        );
        std::process::exit(1);
    }
}

/// How many of a feed's links to show.
const EXAMPLES: usize = 2;

/// How feedsmith's feeds compare with Hugo's.
struct Score {
    /// Hugo's feeds of posts, and how many of them agree.
    scored: usize,
    agree: usize,
    /// Hugo's taxonomy feeds (lists of terms), not scored.
    lists: usize,
    /// Hugo's empty feeds (of sections, or of terms only drafts or section
    /// pages use) where feedsmith writes none, not scored.
    empty: usize,
    /// Feeds that differ only by pages that are not posts, which Hugo lists.
    but_pages: usize,
    /// Agreeing and scored feeds by kind.
    by_kind: BTreeMap<&'static str, (usize, usize)>,
    /// What differs, a line a feed.
    differences: Vec<String>,
}

/// Compares each of Hugo's feeds with feedsmith's for the same folder.
fn score(theirs: &Feeds, ours: &Feeds, names: &Names, not_posts: &NotPosts) -> Score {
    let (mut scored, mut agree, mut lists, mut empty, mut but_pages) = (0, 0, 0, 0, 0);
    let mut by_kind: BTreeMap<&'static str, (usize, usize)> = BTreeMap::new();
    let mut differences = Vec::new();
    for (folder, links) in theirs {
        let kind = kind(folder, names);
        if kind == "taxonomy" {
            lists += 1;
            continue;
        }
        // A section or a term without posts: Hugo writes an empty feed,
        // feedsmith none, on purpose (README, docs/content.md).
        if links.is_empty() && !ours.contains_key(folder) {
            empty += 1;
            continue;
        }
        scored += 1;
        let tally = by_kind.entry(kind).or_default();
        tally.1 += 1;
        match ours.get(folder) {
            Some(mine) if mine == links => {
                agree += 1;
                tally.0 += 1;
            }
            // The same but for pages without a date or section pages, which
            // Hugo lists and feedsmith does not (they are not posts).
            Some(mine)
                if mine.is_subset(links)
                    && links.difference(mine).all(|l| not_posts.contains(l, names)) =>
            {
                but_pages += 1;
            }
            Some(mine) => {
                let only_hugo: Vec<&String> = links.difference(mine).take(EXAMPLES).collect();
                let only_ours: Vec<&String> = mine.difference(links).take(EXAMPLES).collect();
                differences.push(format!(
                    "{folder} ({kind}): {} links only in Hugo's {only_hugo:?}, {} only in feedsmith's {only_ours:?}",
                    links.difference(mine).count(),
                    mine.difference(links).count(),
                ));
            }
            None if !links.is_empty() && links.iter().all(|l| not_posts.contains(l, names)) => {
                but_pages += 1;
            }
            None => differences.push(format!(
                "{folder} ({kind}, {} items): feedsmith publishes no feed here",
                links.len()
            )),
        }
    }
    Score {
        scored,
        agree,
        lists,
        empty,
        but_pages,
        by_kind,
        differences,
    }
}

fn main() {
    let o = options();
    let work = tempfile::tempdir().expect("temp dir");
    let site = work.path().join("site");
    copy_site(&o.site, &site);
    give_git_history(&site);
    let names = prepare(&site, o.builtin_rss);
    let hugo_out = work.path().join("hugo");
    let mut hugo = Command::new(&o.hugo);
    hugo.args(["--destination"])
        .arg(&hugo_out)
        .current_dir(&site);
    if let Some(base) = &o.base_url {
        hugo.args(["--baseURL", base]);
    }
    run(&mut hugo, "hugo");
    // `feedsmith build --quiet --out …` in the site's folder, in process.
    let ours_out = work.path().join("feedsmith");
    std::env::set_current_dir(&site).expect("enter the site");
    let code = feedsmith::cmd::build::run_build(&BuildArgs {
        out: Some(ours_out.clone()),
        quiet: true,
        layout: Some(Layout::Hugo),
        base_url: o.base_url.clone(),
        ..BuildArgs::default()
    });
    if code != std::process::ExitCode::SUCCESS {
        eprintln!(
            "feedsmith build failed (its errors are above): this site cannot be compared as it is \
             (a `baseURL` given at deploy time needs --base-url URL)"
        );
        std::process::exit(1);
    }
    let mut not_posts = NotPosts::default();
    let theirs = feeds(&hugo_out, |f| f.ends_with(".xml"), &mut not_posts);
    let ours = feeds(&ours_out, |f| f.ends_with(".xml"), &mut NotPosts::default());

    let Score {
        scored,
        agree,
        lists,
        empty,
        but_pages,
        by_kind,
        differences,
    } = score(&theirs, &ours, &names, &not_posts);
    let extras: Vec<&String> = ours.keys().filter(|f| !theirs.contains_key(*f)).collect();
    let extra = extras.len();
    let version = Command::new(&o.hugo)
        .arg("version")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default();
    let version = version
        .lines()
        .find(|l| l.starts_with("hugo v"))
        .unwrap_or("hugo");
    println!("site: {}", o.site.display());
    if o.keep {
        println!("kept: {} (site/, hugo/, feedsmith/)", work.keep().display());
    }
    println!(
        "oracle: {}",
        version
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let share = if scored == 0 {
        0.0
    } else {
        100.0 * agree as f64 / scored as f64
    };
    println!("agree: {agree} of {scored} of Hugo's post feeds ({share:.1}%)");
    if but_pages > 0 {
        let with = 100.0 * (agree + but_pages) as f64 / scored as f64;
        println!(
            "agree but for pages Hugo lists that are not posts (no date, or a section's page; on purpose): {but_pages} more ({with:.1}% with them)"
        );
    }
    for (kind, (a, n)) in &by_kind {
        println!("  {kind}: {a} of {n}");
    }
    println!("not scored: {lists} taxonomy feed(s), which list terms");
    if empty > 0 {
        println!("not scored: {empty} empty feed(s) of Hugo's; feedsmith writes none for a section or term without posts");
    }
    println!("feeds feedsmith publishes that Hugo does not: {extra}");
    for folder in extras.iter().take(o.show) {
        println!("+ {folder}");
    }
    for template in &names.templates {
        println!("note: Hugo's feeds follow the site's own template {template}; feedsmith's, Hugo's built-in one");
    }
    for line in differences.iter().take(o.show) {
        println!("- {line}");
    }
    if differences.len() > o.show {
        println!("… and {} more (--show N)", differences.len() - o.show);
    }
}
