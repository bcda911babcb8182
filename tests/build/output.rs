//! Writing the output folder: atomic, minimal, deterministic, and careful to
//! delete only what feedsmith wrote.

use std::os::unix::fs::MetadataExt;

use crate::common::{tree, Site};

#[test]
fn stale_term_feeds_are_removed_but_other_files_are_kept() {
    let site = Site::new();
    site.post("a.md", "title: A\ndate: 2024-01-01\ntags: [old, keep]", "x");
    site.build(&[]).assert_code(0);
    std::fs::write(site.out().join("README.txt"), "mine").unwrap();
    std::fs::write(site.out().join("tags/old/notes.txt"), "also mine").unwrap();
    std::fs::create_dir_all(site.out().join("tags/handmade")).unwrap();
    std::fs::write(site.out().join("tags/handmade/rss.xml"), "not feedsmith's").unwrap();

    site.post("a.md", "title: A\ndate: 2024-01-01\ntags: [keep]", "x");
    let run = site.build(&[]);
    run.assert_code(0);
    // RSS, JSON and the term's page.
    run.assert_stderr_has("3 removed");
    assert!(!site.exists("tags/old/rss.xml") && !site.exists("tags/old/feed.json"));
    assert_eq!(site.read("README.txt"), b"mine");
    assert_eq!(site.read("tags/old/notes.txt"), b"also mine");
    assert_eq!(site.read("tags/handmade/rss.xml"), b"not feedsmith's");

    // Once a term's folder holds nothing else, it goes too.
    site.post("a.md", "title: A\ndate: 2024-01-01", "x");
    site.build(&[]).assert_code(0);
    assert!(!site.out().join("tags/keep").exists());
    assert!(site.out().join("tags/handmade").exists());
}

/// Two posts, each with a tag of its own.
fn two_tagged_posts(site: &Site) {
    site.post("a.md", "title: A\ndate: 2024-01-02\ntags: [one]", "x")
        .post("b.md", "title: B\ndate: 2024-01-01\ntags: [two]", "x");
}

#[test]
fn unchanged_files_are_not_rewritten() {
    let site = Site::new();
    two_tagged_posts(&site);
    site.build(&[]).assert_code(0);
    let stamp = |rel: &str| {
        let m = std::fs::metadata(site.out().join(rel)).unwrap();
        (m.ino(), m.mtime(), m.mtime_nsec())
    };
    let one = stamp("tags/one/rss.xml");
    let two = stamp("tags/two/rss.xml");
    let site_feed = stamp("rss.xml");

    site.post(
        "b.md",
        "title: B edited\ndate: 2024-01-01\ntags: [two]",
        "x",
    );
    let run = site.build(&[]);
    run.assert_code(0);
    assert_eq!(
        stamp("tags/one/rss.xml"),
        one,
        "an unchanged feed was rewritten"
    );
    assert_ne!(stamp("tags/two/rss.xml"), two);
    assert_ne!(stamp("rss.xml"), site_feed);
    // The tag feed (RSS, JSON, page) and the site feed (RSS, JSON); the
    // directory pages list the same counts and dates, so they stay.
    run.assert_stderr_has("5 written");
}

#[test]
fn same_input_gives_the_same_bytes() {
    let site = Site::new();
    for i in 0..30 {
        site.post(
            &format!("p{i:02}.md"),
            &format!("title: P{i}\ndate: 2024-01-{:02}T10:00:00+08:00\ntags: [t{}, 共同]\ncategories: [c{}]", i % 28 + 1, i % 7, i % 3),
            "Body with [a link](x/) and ![img](i.png)",
        );
    }
    site.build(&["--out", "one"]).assert_code(0);
    site.build(&["--out", "two"]).assert_code(0);
    let one = tree(&site.path().join("one"));
    assert!(one.len() > 20);
    assert_eq!(one, tree(&site.path().join("two")));
}

#[test]
fn no_temporary_files_are_left_behind() {
    let site = Site::new();
    site.post("a.md", "title: A\ndate: 2024-01-01\ntags: [x]", "x");
    site.build(&[]).assert_code(0);
    site.post("a.md", "title: A2\ndate: 2024-01-01\ntags: [y]", "x");
    site.build(&[]).assert_code(0);
    let names: Vec<String> = tree(&site.out()).into_keys().collect();
    assert_eq!(
        names,
        [
            ".feedsmith-manifest",
            "feed.json",
            "feeds.opml",
            "index.html",
            "rss.xml",
            "tags/y/feed.json",
            "tags/y/index.html",
            "tags/y/rss.xml"
        ]
    );
}

/// Once a build has found the feeds on disk holding their bytes (and they
/// last changed long enough ago), later builds take the record's word for
/// them. A feed edited by hand since — even in place, with the same size
/// and its old modification time put back — is still found and rewritten.
#[test]
fn recorded_feeds_are_not_read_back_but_edited_ones_are_rewritten() {
    let site = Site::new();
    two_tagged_posts(&site);
    site.build(&[]).assert_code(0);
    let files = tree(&site.out()).len();
    // Files are recorded only once their last change is old enough.
    std::thread::sleep(feedsmith::disk::record::SETTLED + std::time::Duration::from_millis(200));
    site.build(&["-v"])
        .assert_code(0)
        .assert_stderr_has("0 file(s) known from .feedsmith-cache/outputs, not read back");
    let record = site.path().join(".feedsmith-cache");
    assert_eq!(
        std::fs::read_to_string(record.join(".gitignore")).unwrap(),
        "# Written by feedsmith: what it keeps between runs.\n*\n"
    );
    // Every file but the manifest, which is always read.
    let known = format!("{} file(s) known from", files - 1);
    site.build(&["-v"])
        .assert_code(0)
        .assert_stderr_has(&known)
        .assert_stderr_has(&format!("0 written, {files} unchanged"));

    let rss = site.out().join("tags/one/rss.xml");
    let before = std::fs::metadata(&rss).unwrap();
    let mut bytes = std::fs::read(&rss).unwrap();
    let at = bytes.len() / 2;
    bytes[at] = if bytes[at] == b'x' { b'y' } else { b'x' };
    {
        use std::io::{Seek, Write};
        let mut file = std::fs::File::options().write(true).open(&rss).unwrap();
        file.seek(std::io::SeekFrom::Start(at as u64)).unwrap();
        file.write_all(&bytes[at..=at]).unwrap();
        file.set_modified(before.modified().unwrap()).unwrap();
    }
    let after = std::fs::metadata(&rss).unwrap();
    assert_eq!(
        (after.ino(), after.len(), after.mtime(), after.mtime_nsec()),
        (
            before.ino(),
            before.len(),
            before.mtime(),
            before.mtime_nsec()
        )
    );
    site.build(&["--check"])
        .assert_code(1)
        .assert_stderr_has("would update");
    site.build(&["-v"])
        .assert_code(0)
        .assert_stderr_has(&format!("{} file(s) known from", files - 2))
        .assert_stderr_has("1 written");
    let fresh = Site::new();
    two_tagged_posts(&fresh);
    fresh.build(&[]).assert_code(0);
    assert_eq!(tree(&site.out()), tree(&fresh.out()));

    // Files the record knows are still rewritten when their bytes change,
    // here without a change of size.
    for site in [&site, &fresh] {
        site.post("b.md", "title: C\ndate: 2024-01-01\ntags: [two]", "x");
    }
    site.build(&[])
        .assert_code(0)
        .assert_stderr_has("5 written");
    fresh.build(&[]).assert_code(0);
    assert_eq!(tree(&site.out()), tree(&fresh.out()));
}

/// A post's item depends on what its list pages hand down (`cascade`),
/// which is not in its bytes: a build after the cascade changed renders the
/// posts it reaches again, and writes what a build without a cache writes.
#[test]
fn a_changed_cascade_is_not_taken_from_the_item_cache() {
    let site = Site::new();
    site.post("posts/a.md", "title: A\ndate: 2024-01-01", "A.");
    site.post("notes/b.md", "title: B\ndate: 2024-01-02", "B.");
    site.build(&[]).assert_code(0);
    site.write(
        "posts/_index.md",
        "---\ntitle: Posts\ncascade:\n  tags: [handed-down]\n---\n",
    );
    // `b` is out of its reach: its item is the cache's. (A feed that is
    // written has all its posts rendered for their bytes: `a` twice.)
    site.build(&["-v"])
        .assert_code(0)
        .assert_stderr_has("3 post(s) rendered, 1 taken from");
    assert_eq!(site.titles("tags/handed-down/rss.xml"), ["A"]);
    let fresh = Site::new();
    for (rel, bytes) in tree(&site.path().join("content")) {
        fresh.write(&rel, bytes);
    }
    fresh.build(&[]).assert_code(0);
    assert_eq!(tree(&site.out()), tree(&fresh.out()));
}

/// A build after a build takes the items of unchanged posts from the item
/// cache instead of rendering them, and its output is always what a build
/// without the cache writes: after an edit, with a cache of other settings
/// or of another feedsmith binary, and with a damaged cache.
#[test]
fn the_item_cache_spares_rendering_and_never_changes_the_output() {
    let site = Site::new();
    two_tagged_posts(&site);
    site.post(
        "c.md",
        "title: C\ndate: 2024-01-03\ntags: [one]",
        "*Text* and [a link](x/).",
    );
    let cache = site.path().join(".feedsmith-cache/items");
    site.build(&["-v"])
        .assert_code(0)
        .assert_stderr_has("3 post(s) rendered, 0 taken from .feedsmith-cache/items");
    assert!(cache.is_file());
    site.build(&["-v"])
        .assert_code(0)
        .assert_stderr_has("0 post(s) rendered, 3 taken from .feedsmith-cache/items")
        .assert_stderr_has("0 written");

    // What a build without any cache writes.
    let fresh_of = |site: &Site| {
        let fresh = Site::new();
        for (rel, bytes) in tree(&site.path().join("content")) {
            fresh.write(&rel, bytes);
        }
        fresh.build(&[]).assert_code(0);
        tree(&fresh.out())
    };

    site.post(
        "c.md",
        "title: C\ndate: 2024-01-03\ntags: [one]",
        "*Text*, edited.",
    );
    site.build(&["-v"])
        .assert_code(0)
        .assert_stderr_has("2 taken from")
        .assert_stderr_has("0 removed");
    assert_eq!(tree(&site.out()), fresh_of(&site));

    // Other settings: the cache is not used.
    site.build(&["-v", "--drafts"])
        .assert_code(0)
        .assert_stderr_has("3 post(s) rendered, 0 taken");
    site.build(&["-v"])
        .assert_code(0)
        .assert_stderr_has("3 post(s) rendered, 0 taken");

    // The same binary elsewhere (as each CI job downloads it) uses the
    // cache; a binary with other bytes does not.
    let bin_dir = tempfile::tempdir().unwrap();
    let copy = bin_dir.path().join("feedsmith");
    std::fs::copy(crate::common::bin(), &copy).unwrap();
    let run_copy = || {
        let run = std::process::Command::new(&copy)
            .args(["build", "-v"])
            .current_dir(site.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
        assert!(run.status.success(), "{stderr}");
        stderr
    };
    let stderr = run_copy();
    assert!(stderr.contains("0 post(s) rendered, 3 taken"), "{stderr}");
    // Bytes after the end of an executable do not stop it from running.
    std::fs::OpenOptions::new()
        .append(true)
        .open(&copy)
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"\0"))
        .unwrap();
    let stderr = run_copy();
    assert!(stderr.contains("3 post(s) rendered, 0 taken"), "{stderr}");

    // A damaged cache is an empty one.
    site.build(&["-v"])
        .assert_code(0)
        .assert_stderr_has("3 post(s) rendered, 0 taken");
    let text = std::fs::read_to_string(&cache).unwrap();
    std::fs::write(&cache, &text[..text.len() / 2]).unwrap();
    site.post("a.md", "title: A\ndate: 2024-01-02\ntags: [one]", "y");
    // Each shown post, and again those of the feeds written: all three.
    site.build(&["-v"])
        .assert_code(0)
        .assert_stderr_has("6 post(s) rendered, 0 taken");
    assert_eq!(tree(&site.out()), fresh_of(&site));
}
