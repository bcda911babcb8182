//! Tests of the one-shot build: bodies read again when rendered, files
//! that change meanwhile, builds over an earlier one, and the item cache.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use crate::base::diagnostic::Diagnostic;
use crate::collect::Options;
use crate::disk::output;
use crate::feed;
use crate::site::build::{self, SourceFile};
use crate::site::item_cache::{self, ItemCache};
use crate::site::tests::{config, now, text, text_with};
use crate::site::{Flags, OnDisk, Sink, Site};

/// A one-shot build reads a rendered post's body a second time; `reads`
/// says what each read of `p1.md` returns.
fn one_shot_with_rereads(reads: Vec<Result<String, String>>) -> build::Output {
    let reads = std::sync::Mutex::new(reads.into_iter());
    let load = |path: &str, limit: usize| -> Result<Vec<u8>, String> {
        let cut = |mut b: Vec<u8>| {
            b.truncate(limit);
            b
        };
        if path != "p1.md" {
            return Ok(cut(text(2, &[0], false, false).into_bytes()));
        }
        let next = reads.lock().map(|mut r| r.next());
        match next {
            Ok(Some(read)) => read.map(|t| cut(t.into_bytes())),
            _ => Err("no more reads".to_owned()),
        }
    };
    let files = [
        ("p1.md".to_owned(), "p1.md".to_owned()),
        ("p2.md".to_owned(), "p2.md".to_owned()),
    ];
    let options = Options {
        drafts: false,
        future: false,
        expired: false,
        now: now(),
    };
    let mut out = BTreeMap::new();
    let found = |give: &mut dyn FnMut(Vec<(String, String)>)| {
        give(files.to_vec());
        Vec::new()
    };
    let built = build::build_into(&config(), found, load, &options, || None, &mut out);
    build::Output {
        files: out,
        diagnostics: built.diagnostics,
        stats: built.stats,
        timings: Vec::new(),
    }
}

#[test]
fn a_one_shot_build_renders_the_body_it_reads_again() {
    let first = text(1, &[0], false, false);
    let out = one_shot_with_rereads(vec![Ok(first.clone()), Ok(first)]);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let feed = String::from_utf8(out.files["rss.xml"].clone()).unwrap();
    assert!(feed.contains("and text."), "{feed}");
}

/// The body was not read before, so a body edited between the two reads
/// is simply the body; so is the one of a front matter changed in a way
/// that means nothing (a space more before a value).
#[test]
fn a_body_edited_between_the_two_reads_is_the_body() {
    let first = text(1, &[0], false, false);
    let edited = first.replace("and text", "and newer text");
    let spaced = edited.replacen("title: ", "title:  ", 1);
    for second in [edited, spaced] {
        let out = one_shot_with_rereads(vec![Ok(first.clone()), Ok(second)]);
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        let feed = String::from_utf8(out.files["rss.xml"].clone()).unwrap();
        assert!(feed.contains("and newer text."), "{feed}");
    }
}

#[test]
fn a_file_changed_during_a_one_shot_build_is_reported() {
    let first = text(1, &[0], false, false);
    let edited = first
        .replace("Day 1", "Day one")
        .replace("and text", "and newer text");
    let out = one_shot_with_rereads(vec![Ok(first.clone()), Ok(edited)]);
    assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
    let d = &out.diagnostics[0];
    assert_eq!(d.path, "p1.md");
    assert!(
        d.message.contains("changed while feedsmith was building"),
        "{d:?}"
    );
    let feed = String::from_utf8(out.files["rss.xml"].clone()).unwrap();
    assert!(feed.contains("and newer text."), "{feed}");

    let gone = one_shot_with_rereads(vec![Ok(first), Err("No such file".to_owned())]);
    assert_eq!(gone.diagnostics.len(), 1, "{:?}", gone.diagnostics);
    let message = &gone.diagnostics[0].message;
    assert!(message.contains("could not be read again"), "{message}");
    assert!(message.contains("(No such file)"), "{message}");
    assert!(gone.files.contains_key("rss.xml"));
}

/// An output folder built before, for a one-shot build over it: it finds
/// a file that holds the pieces it is given, items known only by their
/// length and hash included (compared as the output folder's files are),
/// and keeps what is written apart.
struct Disk {
    files: Arc<BTreeMap<String, Vec<u8>>>,
    written: BTreeMap<String, Vec<u8>>,
}

impl Sink for Disk {
    fn file(&mut self, path: &str, bytes: Vec<u8>, _: feed::Hash) {
        self.written.insert(path.to_owned(), bytes);
    }

    fn on_disk(&self) -> Option<OnDisk> {
        let files = Arc::clone(&self.files);
        Some(Arc::new(move |path: &str, parts: &[feed::Piece<'_>], _| {
            let Some(bytes) = files.get(path) else {
                return false;
            };
            let len = parts.iter().map(feed::Piece::size).sum();
            len == bytes.len() && output::reads_as(&bytes[..], parts, len)
        }))
    }

    fn built_before(&self) -> bool {
        !self.files.is_empty()
    }
}

/// A one-shot build of `files` (path and the text of each successive
/// read, the last one repeated) into `sink`; returns the build and how
/// many times each file was read.
fn one_shot_reading(
    files: &[(&str, Vec<String>)],
    sink: &mut dyn Sink,
) -> (build::Built, BTreeMap<String, usize>) {
    one_shot_remembering(files, None, sink)
}

/// [`one_shot_reading`] with an item cache.
fn one_shot_remembering(
    files: &[(&str, Vec<String>)],
    cache: Option<ItemCache>,
    sink: &mut dyn Sink,
) -> (build::Built, BTreeMap<String, usize>) {
    let reads = Mutex::new(BTreeMap::<String, usize>::new());
    let load = |path: &str, limit: usize| -> Result<Vec<u8>, String> {
        let mut reads = reads.lock().unwrap();
        let n = reads.entry(path.to_owned()).or_default();
        let (_, texts) = files.iter().find(|(p, _)| *p == path).unwrap();
        let mut bytes = texts[(*n).min(texts.len() - 1)].clone().into_bytes();
        *n += 1;
        bytes.truncate(limit);
        Ok(bytes)
    };
    let options = Options {
        drafts: false,
        future: false,
        expired: false,
        now: now(),
    };
    let paths: Vec<(String, String)> = files
        .iter()
        .map(|(p, _)| (p.to_string(), p.to_string()))
        .collect();
    let found = |give: &mut dyn FnMut(Vec<(String, String)>)| {
        give(paths);
        Vec::new()
    };
    let built = build::build_into(&config(), found, load, &options, || cache, sink);
    (built, reads.into_inner().unwrap())
}

/// Four posts, the oldest (`p1`, alone in tag `t0`) out of the site
/// feed (limit 3), with `p1`'s text.
fn four_posts(p1: Vec<String>) -> Vec<(&'static str, Vec<String>)> {
    vec![
        ("p1.md", p1),
        ("p2.md", vec![text(2, &[1], false, false)]),
        ("p3.md", vec![text(3, &[1], false, false)]),
        ("p4.md", vec![text(4, &[1], false, false)]),
    ]
}

/// Over an earlier build, a one-shot build keeps only its items' hashes
/// and makes the items of the feeds it writes again: it writes what a
/// fresh build would, and reads a third time only the posts those feeds
/// show.
#[test]
fn a_build_over_an_earlier_one_writes_what_a_fresh_build_would() {
    let mut before = BTreeMap::new();
    one_shot_reading(&four_posts(vec![text(1, &[0], false, false)]), &mut before);
    let edited = text_with(1, &[0], false, false, 3);
    let files = four_posts(vec![edited]);
    let mut fresh = BTreeMap::new();
    one_shot_reading(&files, &mut fresh);

    let mut disk = Disk {
        files: Arc::new(before.clone()),
        written: BTreeMap::new(),
    };
    let (built, reads) = one_shot_reading(&files, &mut disk);
    assert!(built.diagnostics.is_empty(), "{:?}", built.diagnostics);
    let changed: Vec<&String> = fresh
        .iter()
        .filter(|(path, bytes)| before.get(*path) != Some(bytes))
        .map(|(path, _)| path)
        .collect();
    assert!(
        changed.contains(&&"tags/t0/rss.xml".to_owned()),
        "{changed:?}"
    );
    // The directory pages are always handed over (a sink compares them
    // itself); of the feeds, only those that changed.
    let feeds_written: Vec<&String> = disk
        .written
        .keys()
        .filter(|p| ![feed::PAGE_FILE, feed::OPML_FILE].contains(&p.as_str()))
        .collect();
    assert_eq!(feeds_written, changed);
    for (path, bytes) in &disk.written {
        assert_eq!(
            String::from_utf8_lossy(bytes),
            String::from_utf8_lossy(&fresh[path]),
            "{path}"
        );
    }
    // The start, the rest to render it, and again for `t0`'s feed.
    let expected: BTreeMap<String, usize> =
        [("p1.md", 3), ("p2.md", 2), ("p3.md", 2), ("p4.md", 2)]
            .into_iter()
            .map(|(p, n)| (p.to_owned(), n))
            .collect();
    assert_eq!(reads, expected);
}

/// A post's text without `ref` (see [`text`]), whose body has `extra`.
fn plain(day: u8, tags: &[u8], extra: &str) -> String {
    let tags: Vec<String> = tags.iter().map(|t| format!("t{t}")).collect();
    format!(
        "---\ntitle: Day {day}\ndate: 2024-02-{day:02}\ntags: [{}]\n---\nBody of day {day}.{extra}\n",
        tags.join(", ")
    )
}

/// Five posts, each in one successive read: `p1` (alone in `t0`), `p2`
/// to `p4` plain, `p5` with a `ref` and `p6` with an unknown shortcode
/// (a warning); limit 3, so `p1` and `p2` are only in their tags' feeds.
fn six_posts(p1: &str) -> Vec<(&'static str, Vec<String>)> {
    vec![
        ("p1.md", vec![p1.to_owned()]),
        ("p2.md", vec![plain(2, &[1], "")]),
        ("p3.md", vec![plain(3, &[1], "")]),
        ("p4.md", vec![plain(4, &[1], "")]),
        ("p5.md", vec![plain(5, &[2], " See {{< ref \"p1.md\" >}}.")]),
        ("p6.md", vec![plain(6, &[2], " {{< nope >}}")]),
    ]
}

/// A build over an earlier one takes the items of posts whose bytes the
/// item cache remembers instead of rendering them, and still writes
/// what a fresh build would: here nothing after no edit, and `t0`'s
/// feed after an edit of `p1`. Posts that used `ref`, or gave a warning
/// (given again in every build), are not remembered.
#[test]
fn unchanged_posts_are_taken_from_the_item_cache() {
    let files = six_posts(&plain(1, &[0], ""));
    let mut before = BTreeMap::new();
    let empty = ItemCache::new(7);
    let (first, _) = one_shot_remembering(&files, Some(empty), &mut before);
    assert_eq!((first.rendered, first.remembered), (6, 0));
    let cache = first.remember.expect("a cache to save");
    // Not p5 (ref) nor p6 (warning).
    assert_eq!(cache.len(), 4);
    assert_eq!(cache.context(), 7);
    for (path, texts) in &files[..4] {
        assert!(
            cache
                .get(item_cache::key(path, texts[0].as_bytes()))
                .is_some(),
            "{path}"
        );
    }
    assert_eq!(first.diagnostics.len(), 1, "{:?}", first.diagnostics);

    let disk = |files: &BTreeMap<String, Vec<u8>>| Disk {
        files: Arc::new(files.clone()),
        written: BTreeMap::new(),
    };
    let directory = [feed::PAGE_FILE, feed::OPML_FILE];
    let mut again = disk(&before);
    let (second, reads) = one_shot_remembering(&files, Some(cache.clone()), &mut again);
    assert_eq!((second.rendered, second.remembered), (2, 4));
    assert_eq!(second.diagnostics, first.diagnostics);
    assert!(second.remember.is_none(), "nothing new to remember");
    assert!(again
        .written
        .keys()
        .all(|p| directory.contains(&p.as_str())));
    assert!(reads.values().all(|&n| n == 2), "{reads:?}");

    let edited = six_posts(&plain(1, &[0], " Edited."));
    let mut fresh = BTreeMap::new();
    one_shot_reading(&edited, &mut fresh);
    let mut over = disk(&before);
    let (third, _) = one_shot_remembering(&edited, Some(cache), &mut over);
    // p1 twice (its feed is written), p5 and p6; the rest remembered.
    assert_eq!((third.rendered, third.remembered), (4, 3));
    let written: Vec<&str> = over
        .written
        .keys()
        .map(String::as_str)
        .filter(|p| !directory.contains(p))
        .collect();
    assert_eq!(
        written,
        ["tags/t0/feed.json", "tags/t0/index.html", "tags/t0/rss.xml"]
    );
    for (path, bytes) in &over.written {
        assert_eq!(bytes, &fresh[path], "{path}");
    }
    let next = third.remember.expect("p1's new item to remember");
    assert!(next
        .get(item_cache::key("p1.md", edited[0].1[0].as_bytes()))
        .is_some());
    assert!(next
        .get(item_cache::key("p1.md", files[0].1[0].as_bytes()))
        .is_none());
    assert_eq!(next.len(), 4);
}

/// A post whose file changed between the first read and the second is
/// not taken from the cache, even when the cache remembers its newer
/// bytes: the feeds were worked out from the older front matter, and a
/// warning says so, as without a cache.
#[test]
fn a_post_changed_between_its_reads_is_rendered_and_reported() {
    let newer = plain(1, &[3], "");
    let mut before = BTreeMap::new();
    let (first, _) = one_shot_remembering(&six_posts(&newer), Some(ItemCache::new(7)), &mut before);
    let cache = first.remember.unwrap();
    assert!(cache
        .get(item_cache::key("p1.md", newer.as_bytes()))
        .is_some());

    let mut files = six_posts(&plain(1, &[0], ""));
    files[0].1.push(newer);
    let mut disk = Disk {
        files: Arc::new(before),
        written: BTreeMap::new(),
    };
    let (built, _) = one_shot_remembering(&files, Some(cache), &mut disk);
    assert!(built.rendered >= 1);
    assert!(
        built
            .diagnostics
            .iter()
            .any(|d| d.path == "p1.md" && d.message.contains("the file changed")),
        "{:?}",
        built.diagnostics
    );
}

/// An item cache that holds a wrong item for a post (one made by
/// another feedsmith, say) does not get into a feed: a feed it makes
/// look changed is written with the post rendered, and a warning says
/// that the cache was wrong.
#[test]
fn a_wrong_item_in_the_cache_is_not_written_and_is_reported() {
    let files = six_posts(&plain(1, &[0], ""));
    let mut before = BTreeMap::new();
    let (first, _) = one_shot_remembering(&files, Some(ItemCache::new(7)), &mut before);
    let mut cache = first.remember.unwrap();
    let key = item_cache::key("p2.md", files[1].1[0].as_bytes());
    let right = cache.get(key).unwrap().clone();
    let mut wrong = right.clone();
    wrong.hashes.json.1 ^= 1;
    cache.insert(key, wrong);

    let mut disk = Disk {
        files: Arc::new(before.clone()),
        written: BTreeMap::new(),
    };
    let (built, _) = one_shot_remembering(&files, Some(cache), &mut disk);
    // `t1`'s JSON feed looked changed; made again, it is as on disk.
    let directory = [feed::PAGE_FILE, feed::OPML_FILE];
    assert!(disk.written.keys().all(|p| directory.contains(&p.as_str())));
    let warnings: Vec<&Diagnostic> = built
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("the item cache"))
        .collect();
    assert_eq!(warnings.len(), 1, "{:?}", built.diagnostics);
    assert_eq!(warnings[0].path, "p2.md");
    let next = built.remember.expect("the right item to remember");
    assert_eq!(next.get(key), Some(&right));
}

/// A post that changes between the render that hashed its items and
/// the one that makes them again: the feed written shows the newer
/// text, and a warning says so.
#[test]
fn a_post_changed_before_its_items_are_made_again_is_reported() {
    let first = text(1, &[0], false, false);
    let mut before = BTreeMap::new();
    one_shot_reading(&four_posts(vec![first.clone()]), &mut before);
    let edited = text_with(1, &[0], false, false, 2);
    let newer = first.replace("and text", "and newer text");
    let mut disk = Disk {
        files: Arc::new(before),
        written: BTreeMap::new(),
    };
    let files = four_posts(vec![edited.clone(), edited, newer]);
    let (built, _) = one_shot_reading(&files, &mut disk);
    assert_eq!(built.diagnostics.len(), 1, "{:?}", built.diagnostics);
    let d = &built.diagnostics[0];
    assert_eq!(d.path, "p1.md");
    assert!(
        d.message.contains("the feeds written show the newer text"),
        "{d:?}"
    );
    let feed = String::from_utf8(disk.written["tags/t0/rss.xml"].clone()).unwrap();
    assert!(feed.contains("and newer text."), "{feed}");
}

/// A one-shot build reads only the start of each file, and the rest of
/// the posts it shows when it renders them: what the rest holds must
/// come out as if every file had been read whole at once — as watch mode
/// reads them. Here the newest post's body is not UTF-8 (so the post is
/// broken, and an older one takes its place in the feeds), and a shown
/// post's body holds a control character (a warning, and it is removed).
#[test]
fn bodies_read_only_when_rendered_are_judged_as_whole_reads_are() {
    let post = |day: u8, body: &[u8]| {
        let mut bytes = format!(
            "---\ntitle: Day {day}\ndate: 2024-02-{day:02}\ntags: [t0]\n---\nFirst line.\n\n"
        )
        .into_bytes();
        bytes.extend_from_slice(body);
        bytes
    };
    let long = "Long text. ".repeat(600);
    let files = vec![
        ("p1.md", post(1, long.as_bytes())),
        ("p2.md", post(2, b"Fine.\n")),
        ("p3.md", post(3, b"Bell \x07 here.\n")),
        (
            "p4.md",
            post(4, &[long.as_bytes(), b"\nthen \xff\xfe\n"].concat()),
        ),
        (
            "p5.md",
            post(5, &[long.as_bytes(), b"\nbad \xc3(\n"].concat()),
        ),
    ];
    let sources: Vec<SourceFile> = files
        .iter()
        .map(|(p, b)| SourceFile {
            path: (*p).to_owned(),
            shown: (*p).to_owned(),
            bytes: Ok(b.clone()),
        })
        .collect();
    let options = Options {
        drafts: false,
        future: false,
        expired: false,
        now: now(),
    };
    let once = build::build(&config(), &sources, &options);

    let mut whole = Site::new(config(), Flags::default(), false);
    for (path, bytes) in &files {
        whole.update(path, path, Ok(bytes));
    }
    let (rebuild, files) = whole.rebuild(now());
    assert_eq!(once.files, files);
    assert_eq!(once.stats, rebuild.stats);
    let sorted = |mut d: Vec<Diagnostic>| {
        d.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
        d
    };
    let diagnostics = sorted(once.diagnostics.clone());
    assert_eq!(diagnostics, sorted(rebuild.diagnostics));
    // Two broken (p4, p5: not UTF-8 after the first page), one warning
    // (p3); limit 3 leaves p1..p3 in the feeds.
    assert_eq!(once.stats.broken, 2, "{diagnostics:?}");
    let lines: Vec<(&str, Option<usize>)> = diagnostics
        .iter()
        .map(|d| (d.path.as_str(), d.line))
        .collect();
    assert_eq!(
        lines,
        [("p3.md", Some(8)), ("p4.md", Some(9)), ("p5.md", Some(9))]
    );
    let feed = String::from_utf8(once.files["rss.xml"].clone()).unwrap();
    assert!(feed.contains("Day 3") && feed.contains("Day 1"), "{feed}");
    assert!(!feed.contains("Day 4") && !feed.contains("Day 5"), "{feed}");
    assert!(feed.contains("Bell  here."), "{feed}");
}
