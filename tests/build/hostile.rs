//! Hostile and broken input: each gets a clear `path:line: message`, the rest
//! of the site still builds, and every feed written still parses.

use crate::common::{tree, Site};

/// Every feed in the output parses with feed-rs, and every RSS feed has no
/// character XML forbids.
fn assert_all_feeds_parse(site: &Site) {
    for (rel, bytes) in tree(&site.out()) {
        if rel.ends_with("rss.xml") || rel.ends_with("feed.json") {
            crate::common::parse_feed(&bytes, &rel);
            assert!(
                !bytes
                    .iter()
                    .any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')),
                "{rel} holds a control character"
            );
        }
    }
}

fn alias_bomb() -> String {
    let mut lines = vec![
        "title: Bomb".to_owned(),
        "date: 2024-01-01".to_owned(),
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]"
            .to_owned(),
    ];
    let mut previous = 'a';
    for name in 'b'..='j' {
        let p = previous;
        lines.push(format!(
            "{name}: &{name} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]"
        ));
        previous = name;
    }
    lines.join("\n")
}

#[test]
fn malformed_and_malicious_front_matter_is_reported_and_skipped() {
    let site = Site::new();
    site.post("good.md", "title: Good\ndate: 2024-01-02\ntags: [ok]", "x")
        .post("bomb.md", &alias_bomb(), "x")
        .post(
            "deep.md",
            &format!(
                "title: Deep\ndate: 2024-01-01\nx: {}{}",
                "[".repeat(5000),
                "]".repeat(5000)
            ),
            "x",
        )
        .post("date-list.md", "title: D\ndate: [1]", "x")
        .post("date-map.md", "title: D\ndate: {a: 1}", "x")
        .post(
            "bad-indent.md",
            "title: A\n  date: 2024-01-01\n bad: [",
            "x",
        )
        .write("toml-bad.md", "+++\ntitle = [\ndate = 2024-01-01\n+++\n")
        .write(
            "json-bad.md",
            "{\n  \"title\": \"x\",\n  \"date\": \n}\nbody\n",
        )
        .write("only-fence.md", "---\n")
        .write("nul.md", "---\ntitle: a\u{0}b\ndate: 2024-01-01\n---\nx\n");
    let started = std::time::Instant::now();
    let run = site.build(&[]);
    run.assert_code(0);
    // Bounded time even for the alias bomb and the deep nesting (this is a
    // sanity bound on a debug build, not a benchmark).
    assert!(
        started.elapsed().as_secs() < 20,
        "took {:?}",
        started.elapsed()
    );
    for expected in [
        "error: content/bomb.md:",
        "repetition limit exceeded",
        "error: content/deep.md:",
        "recursion limit exceeded",
        "error: content/date-list.md:3: `date` should be a date, but it is a list",
        "error: content/date-map.md:3:",
        "error: content/bad-indent.md:",
        "error: content/toml-bad.md:",
        "error: content/json-bad.md:",
        "error: content/only-fence.md:1:",
    ] {
        assert!(
            run.stderr.contains(expected),
            "missing {expected:?} in:\n{}",
            run.stderr
        );
    }
    assert_eq!(site.titles("tags/ok/rss.xml"), ["Good"]);
    assert_all_feeds_parse(&site);
}

#[test]
fn wrong_types_are_warned_about_and_worked_around() {
    let site = Site::new();
    site.post(
        "a.md",
        "title: 5\ndate: 2024-01-01\ntags: 5\ncategories: {a: 1}\ndraft: \"maybe\"",
        "x",
    )
    .post("b.md", "title: B\ndate: 2024-01-02\ndraft: false", "x");
    let run = site.build(&[]);
    run.assert_code(0);
    run.assert_stderr_has("`draft` should be true or false");
    run.assert_stderr_has("treated as a draft");
    assert_eq!(site.titles("rss.xml"), ["B"]);
    site.build(&["--drafts"]).assert_code(0);
    assert_eq!(site.titles("rss.xml"), ["B", "5"]);
    assert!(site.exists("tags/5/rss.xml"));
    assert_all_feeds_parse(&site);
}

#[test]
fn text_that_is_poison_for_xml_and_json_comes_out_well_formed() {
    let site = Site::new();
    let title = "A <b>&amp; ]]> \u{202e}RTL\u{202c} 😀 \u{0}\u{1}\u{8} \u{fffe}end";
    site.write(
        "poison.md",
        format!(
            "---\ntitle: \"{title}\"\ndate: 2024-01-01\ntags: [\"<&>\", \"]]>\", \"😀\", \"\\\"quoted\\\"\", \"a\\\\b\"]\ndescription: \"]]> and <![CDATA[ inside\"\n---\nBody ]]> with <script>x</script>, \u{0} NUL, \u{7f} DEL and {} chars.\n",
            "長".repeat(10_000)
        ),
    );
    let run = site.build(&[]);
    run.assert_code(0);
    run.assert_stderr_has("control characters that XML forbids were removed");
    assert_all_feeds_parse(&site);
    let feed = site.rss("rss.xml");
    let entry = &feed.entries[0];
    assert_eq!(
        entry.title.as_ref().unwrap().content,
        "A <b>&amp; ]]> \u{202e}RTL\u{202c} 😀  end"
    );
    assert_eq!(
        entry.summary.as_ref().unwrap().content,
        "]]> and <![CDATA[ inside"
    );
    let json = site.json("feed.json");
    assert_eq!(
        json["items"][0]["title"],
        entry.title.as_ref().unwrap().content.as_str()
    );
    let tags: Vec<String> = std::fs::read_dir(site.out().join("tags"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    // `<&>`, `]]>` and `😀` have nothing Hugo keeps in a URL: no feed, and a
    // warning each; `a\b` nests.
    assert_eq!(tags.len(), 2, "{tags:?}");
    run.assert_stderr_has("`😀` in `tags` has no letter or digit");
}

#[test]
fn a_ten_thousand_character_title_is_kept_whole() {
    let site = Site::new();
    let title = "長".repeat(10_000);
    site.post(
        "long.md",
        &format!("title: \"{title}\"\ndate: 2024-01-01"),
        "x",
    );
    site.build(&["--strict"]).assert_code(0);
    assert_eq!(site.titles("rss.xml"), [title]);
}

#[test]
fn files_too_big_or_not_text_are_rejected_without_reading_them_whole() {
    let site = Site::new();
    site.post("good.md", "title: Good\ndate: 2024-01-01", "x");
    // A sparse 200 MB file: rejected on its size, before it is read.
    let huge = std::fs::File::create(site.path().join("content/huge.md")).unwrap();
    huge.set_len(200 * 1024 * 1024).unwrap();
    let binary: Vec<u8> = (0..=255u8).cycle().take(64 * 1024).collect();
    site.write("binary.md", binary);
    let run = site.build(&[]);
    run.assert_code(0);
    run.assert_stderr_has(
        "content/huge.md: cannot read the file: it is 200 MiB, more than the 32 MiB",
    );
    run.assert_stderr_has("content/binary.md:");
    run.assert_stderr_has("not valid UTF-8");
    assert_eq!(site.titles("rss.xml"), ["Good"]);
}

#[test]
fn symlink_loops_are_reported_not_fatal() {
    let site = Site::new();
    site.post("posts/good.md", "title: Good\ndate: 2024-01-01", "x");
    std::os::unix::fs::symlink("..", site.path().join("content/posts/loop")).unwrap();
    let run = site.build(&[]);
    run.assert_code(0);
    run.assert_stderr_has("symbolic link loop");
    assert_eq!(site.titles("rss.xml"), ["Good"]);
    // Under --strict it is a problem like any other.
    site.build(&["--strict"]).assert_code(1);
}

#[test]
fn strict_writes_nothing_at_all_when_any_article_is_broken() {
    let site = Site::new();
    for i in 0..50 {
        site.post(
            &format!("p{i}.md"),
            &format!("title: P{i}\ndate: 2024-01-01\ntags: [t{i}]"),
            "x",
        );
    }
    site.post("broken.md", "title: [", "x");
    let run = site.build(&["--strict"]);
    run.assert_code(1);
    assert!(!site.out().exists(), "--strict wrote something");
}
