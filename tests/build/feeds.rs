//! Every feed of the sample site, read back by independent parsers: the
//! `feed-rs` crate always, and Python's `feedparser` (what many readers and
//! aggregators are built on) when it is installed — `.ci/run` installs it.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};

use crate::common::{parse_feed, run_in, tree};

const FEEDS_URL: &str = "https://blog.example.com/feeds/";

fn sample_output() -> (tempfile::TempDir, BTreeMap<String, Vec<u8>>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().unwrap();
    run_in(root, &["build", "--out", out.path().to_str().unwrap()]).assert_code(0);
    let files = tree(out.path());
    (out, files)
}

/// What an entry looks like to a reader, for comparing RSS with JSON.
#[derive(Debug, PartialEq)]
struct Seen {
    id: String,
    title: String,
    link: String,
    published: DateTime<Utc>,
    categories: Vec<String>,
}

fn seen(feed: &feed_rs::model::Feed) -> Vec<Seen> {
    feed.entries
        .iter()
        .map(|e| {
            let mut categories: Vec<String> = e.categories.iter().map(|c| c.term.clone()).collect();
            categories.sort();
            Seen {
                id: e.id.clone(),
                title: e.title.as_ref().expect("title").content.clone(),
                link: e.links.first().expect("link").href.clone(),
                published: e.published.expect("published date"),
                categories,
            }
        })
        .collect()
}

#[test]
fn every_feed_parses_and_rss_and_json_agree() {
    let (_out, files) = sample_output();
    let rss_files: Vec<&String> = files.keys().filter(|k| k.ends_with("rss.xml")).collect();
    assert_eq!(rss_files.len(), 18);
    for rel in rss_files {
        let folder = rel.trim_end_matches("rss.xml");
        let rss = parse_feed(&files[rel], rel);
        let json_rel = format!("{folder}feed.json");
        let json = parse_feed(&files[&json_rel], &json_rel);

        let entries = seen(&rss);
        assert!(!entries.is_empty(), "{rel} has no items");
        assert_eq!(entries, seen(&json), "{rel} and {json_rel} disagree");
        assert_eq!(
            rss.title.as_ref().unwrap().content,
            json.title.as_ref().unwrap().content
        );

        for e in &entries {
            assert!(
                e.link.starts_with("https://blog.example.com/posts/"),
                "{}",
                e.link
            );
            assert_eq!(e.id, e.link, "the guid is the permalink");
        }
        let dates: Vec<_> = entries.iter().map(|e| e.published).collect();
        assert!(
            dates.windows(2).all(|w| w[0] >= w[1]),
            "{rel} is not newest first"
        );
        assert_eq!(
            rss.updated,
            Some(dates[0]).max(rss.updated),
            "lastBuildDate is older than an item"
        );

        // Term feeds only hold posts with that term; the self link points into feeds_url.
        let text = String::from_utf8(files[rel].clone()).unwrap();
        let self_link = format!("{FEEDS_URL}{}rss.xml", encode_path(folder));
        assert!(
            text.contains(&format!("<atom:link href=\"{self_link}\" rel=\"self\"")),
            "{rel}: no self link {self_link}"
        );
        if let Some(term) = folder
            .strip_prefix("tags/")
            .or(folder.strip_prefix("categories/"))
        {
            let term_title = rss
                .title
                .as_ref()
                .unwrap()
                .content
                .rsplit('：')
                .next()
                .unwrap()
                .to_owned();
            for e in &entries {
                assert!(
                    e.categories
                        .iter()
                        .any(|c| c.to_lowercase() == term_title.to_lowercase()),
                    "{rel} ({term}) holds {} without that term: {:?}",
                    e.title,
                    e.categories
                );
            }
        }
    }
}

fn encode_path(path: &str) -> String {
    path.split('/')
        .map(|s| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>())
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn the_site_feed_holds_the_published_sample_posts() {
    let (_out, files) = sample_output();
    let rss = parse_feed(&files["rss.xml"], "rss.xml");
    let titles: Vec<String> = rss
        .entries
        .iter()
        .map(|e| e.title.clone().unwrap().content)
        .collect();
    assert_eq!(titles.len(), 6, "{titles:?}");
    assert!(
        !titles.iter().any(|t| t.contains("2099")),
        "a future post leaked: {titles:?}"
    );
    // feed-rs lowercases the language tag.
    assert_eq!(rss.language.as_deref(), Some("zh-tw"));
    assert!(String::from_utf8_lossy(&files["rss.xml"]).contains("<language>zh-TW</language>"));
    let first = &rss.entries[0];
    assert!(first
        .content
        .as_ref()
        .unwrap()
        .body
        .as_ref()
        .unwrap()
        .contains("https://www.youtube.com/watch?v=jpZ0dPsnIWw"));
    let json: serde_json::Value = serde_json::from_slice(&files["feed.json"]).unwrap();
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(json["feed_url"], "https://blog.example.com/feeds/feed.json");
    assert_eq!(json["authors"][0]["name"], "林書衡");
    for item in json["items"].as_array().unwrap() {
        for key in [
            "id",
            "url",
            "title",
            "content_html",
            "summary",
            "date_published",
        ] {
            assert!(item.get(key).is_some(), "item lacks {key}: {item}");
        }
    }
}

/// Python's feedparser flags any feed it had to repair (`bozo`). Its released
/// versions (6.x) read RSS and Atom but not JSON Feed, so only `rss.xml` and
/// `atom.xml` files go to it;
/// JSON feeds are read by feed-rs above. It is required
/// on CI (where `.ci/run` installs it) and skipped with a notice elsewhere.
#[test]
fn feedparser_reads_every_feed_without_complaint() {
    if !crate::common::python_has("feedparser", "pip install feedparser") {
        return;
    }
    let (out, files) = sample_output();
    let script = r#"
import json, sys, feedparser
result = {}
for path in sys.argv[1:]:
    d = feedparser.parse(path)
    result[path] = {"bozo": bool(d.bozo), "why": str(d.get("bozo_exception", "")),
                    "version": d.version, "entries": len(d.entries),
                    "titles": [e.title for e in d.entries]}
print(json.dumps(result))
"#;
    let paths: Vec<String> = files
        .keys()
        .filter(|k| k.ends_with("rss.xml") || k.ends_with("atom.xml"))
        .map(|k| out.path().join(k).to_string_lossy().into_owned())
        .collect();
    assert!(
        paths.iter().any(|p| p.ends_with("atom.xml")),
        "the sample writes Atom"
    );
    let result = crate::common::python_json(script, &paths);
    for path in &paths {
        let r = &result[path];
        let expected = if path.ends_with("rss.xml") {
            "rss20"
        } else {
            "atom10"
        };
        assert_eq!(r["bozo"], false, "{path}: {}", r["why"]);
        assert_eq!(r["version"], expected, "{path}");
        assert!(r["entries"].as_u64().unwrap() > 0, "{path}");
    }
}

/// The W3C Feed Validation Service (w3c/feedvalidator, Python 3) checks
/// every RSS and Atom file of the sample site, as published at its
/// `feeds_url`: no error and no warning. It is not packaged anywhere a
/// test could install it from, so it runs when `FEEDVALIDATOR` names the
/// `src` folder of a checkout (see docs/testing.md), and is skipped with a
/// notice otherwise.
#[test]
fn the_w3c_validator_finds_nothing_to_say() {
    let Some(validator) = std::env::var_os("FEEDVALIDATOR") else {
        eprintln!(
            "skipped: set FEEDVALIDATOR to the src/ folder of a w3c/feedvalidator checkout to run it"
        );
        return;
    };
    let (out, files) = sample_output();
    let script = r#"
import sys, urllib.parse
sys.path.insert(0, sys.argv[1])
import feedvalidator
from feedvalidator import compatibility
from feedvalidator.formatter.text_plain import Formatter
root, base, problems = sys.argv[2], sys.argv[3], 0
for rel in sys.argv[4:]:
    with open(root + "/" + rel, "rb") as f:
        try:
            events = feedvalidator.validateStream(
                f, firstOccurrenceOnly=1, base=base + urllib.parse.quote(rel))["loggedEvents"]
        except feedvalidator.logging.ValidationFailure as failure:
            events = [failure.event]
    said = Formatter(compatibility.AA(events))
    if said:
        problems += 1
        print(rel + ":\n  " + "\n  ".join(said))
print("%d files checked, %d with problems" % (len(sys.argv) - 4, problems))
sys.exit(1 if problems else 0)
"#;
    let rels: Vec<&String> = files
        .keys()
        .filter(|k| k.ends_with("rss.xml") || k.ends_with("atom.xml"))
        .collect();
    assert!(rels.len() > 2);
    let run = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&validator)
        .arg(out.path())
        .arg("https://blog.example.com/feeds/")
        .args(&rels)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        said.contains(&format!("{} files checked, 0 with problems", rels.len())),
        "{said}"
    );
}
