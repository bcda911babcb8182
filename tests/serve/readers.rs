//! Real feed readers polling `feedsmith serve`: Python's feedparser, with
//! its own HTTP client (compressed responses, then a conditional GET with
//! the validators it was given), and newsboat (libcurl), which must see a
//! new post after a rebuild. Each is skipped with a notice when it is not
//! installed, except on CI.

use std::process::Command;
use std::time::{Duration, Instant};

use super::{common, site, Server};

/// feedparser fetches the RSS and JSON feeds compressed, parses every
/// item, and polling again with the ETag and Last-Modified it got is a 304
/// with nothing to parse.
#[test]
fn feedparser_fetches_compressed_feeds_then_gets_304s() {
    if !common::python_has("feedparser", "pip install feedparser") {
        return;
    }
    let site = site();
    let server = Server::start(&site);
    let script = r#"
import json, sys, feedparser
out = []
for url in sys.argv[1:]:
    first = feedparser.parse(url)
    again = feedparser.parse(url, etag=first.etag, modified=first.modified)
    out.append({
        "status": first.status, "entries": len(first.entries), "bozo": bool(first.bozo),
        "coding": first.headers.get("content-encoding"), "etag": first.etag,
        "again": again.status, "again_entries": len(again.entries),
    })
print(json.dumps(out))
"#;
    // (feedparser 6 reads no JSON Feed.)
    let paths = [
        "rss.xml",
        "tags/rust/rss.xml",
        "categories/%E6%8A%80%E8%A1%93/rss.xml",
    ];
    let urls: Vec<String> = paths.iter().map(|p| server.url(&format!("/{p}"))).collect();
    let results = common::python_json(script, &urls);
    for (path, got) in paths.iter().zip(results.as_array().unwrap()) {
        let file = path.replace("%E6%8A%80%E8%A1%93", "技術");
        let items = common::parse_feed(&site.read(&file), path).entries.len();
        assert_eq!(got["status"], 200, "{path}: {got}");
        assert_eq!(got["bozo"], false, "{path}: {got}");
        assert_eq!(got["entries"], items, "{path}: {got}");
        // It asks for gzip, and gets it, with that version's own tag.
        assert_eq!(got["coding"], "gzip", "{path}: {got}");
        assert!(got["etag"].as_str().unwrap().ends_with("-gzip\""), "{got}");
        assert_eq!(
            (&got["again"], &got["again_entries"]),
            (&304.into(), &0.into()),
            "{path}: {got}"
        );
    }
}

/// newsboat reads the served feed, and after a new post is written and
/// the feed rebuilt, a reload finds exactly that one new article. The
/// rebuild comes within the second of the first version: libcurl drops a
/// 200 whose `Last-Modified` is not later than its `If-Modified-Since`, so
/// this fails unless the new version is dated a second later.
#[test]
fn newsboat_follows_a_new_post_through_serve() {
    if !common::program_runs("newsboat", &["--version"], "apt-get install newsboat") {
        return;
    }
    let site = site();
    let server = Server::start(&site);
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("urls"), server.url("/rss.xml") + "\n").unwrap();
    std::fs::write(home.path().join("config"), "").unwrap();
    let unread = || {
        let out = Command::new("newsboat")
            .args(["-u", "urls", "-c", "cache.db", "-C", "config"])
            .args(["-x", "reload", "print-unread"])
            .current_dir(home.path())
            .env("HOME", home.path())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        text.split_whitespace()
            .next()
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or_else(|| panic!("newsboat said: {text}"))
    };
    let items = common::parse_feed(&site.read("rss.xml"), "rss.xml")
        .entries
        .len();
    assert_eq!(unread(), items);
    // Nothing changed: a reload finds nothing new.
    assert_eq!(unread(), items);
    site.post(
        "posts/new.md",
        "title: Fresh off the press\ndate: 2024-06-01\ntags: [rust]",
        "New.",
    );
    server.wait_for_rebuild("posts/new.md", 1);
    let started = Instant::now();
    while unread() != items + 1 {
        assert!(
            started.elapsed() < common::PATIENCE,
            "newsboat never saw the new post"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
