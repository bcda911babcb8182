//! Which articles are published, how their front matter is read, and what
//! their content becomes.

use crate::common::Site;

/// The item URLs of the site-wide JSON feed, in order.
fn urls(site: &Site) -> Vec<String> {
    site.json("feed.json")["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            i["url"]
                .as_str()
                .unwrap()
                .trim_start_matches(crate::common::BASE)
                .to_owned()
        })
        .collect()
}

/// The site-wide JSON item whose URL ends in `path`.
fn item(site: &Site, path: &str) -> serde_json::Value {
    let url = format!("{}{path}", crate::common::BASE);
    site.json("feed.json")["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["url"] == url.as_str())
        .unwrap_or_else(|| panic!("no item {url}"))
        .clone()
}

fn publication_site() -> Site {
    let site = Site::new();
    site.post(
        "posts/live.md",
        "title: Live\ndate: 2024-01-01T00:00:00Z",
        "x",
    )
    .post(
        "posts/draft.md",
        "title: Draft\ndate: 2024-01-02T00:00:00Z\ndraft: true",
        "x",
    )
    .post(
        "posts/future.md",
        "title: Future\ndate: 2999-01-01T00:00:00Z",
        "x",
    )
    .post(
        "posts/scheduled.md",
        "title: Scheduled\ndate: 2024-01-03T00:00:00Z\npublishDate: 2999-01-01T00:00:00Z",
        "x",
    )
    .post(
        "posts/published-later.md",
        "title: Published later\ndate: 2999-06-01T00:00:00Z\npublishDate: 2024-01-04T00:00:00Z",
        "x",
    )
    .post(
        "posts/expired.md",
        "title: Expired\ndate: 2024-01-05T00:00:00Z\nexpiryDate: 2024-02-01T00:00:00Z",
        "x",
    )
    .post(
        "posts/not-yet-expired.md",
        "title: Not yet expired\ndate: 2024-01-06T00:00:00Z\nexpiryDate: 2999-02-01T00:00:00Z",
        "x",
    );
    site
}

#[test]
fn only_published_posts_are_used_newest_first() {
    let site = publication_site();
    let run = site.build(&[]);
    run.assert_code(0);
    assert_eq!(
        urls(&site),
        [
            "posts/not-yet-expired/",
            "posts/published-later/",
            "posts/live/"
        ]
    );
    run.assert_stderr_has("3 posts used, 4 skipped: 1 draft, 1 expired, 2 future");
    // publishDate, not date, is the published date.
    assert_eq!(
        item(&site, "posts/published-later/")["date_published"],
        "2024-01-04T00:00:00Z"
    );
}

#[test]
fn drafts_future_and_expired_flags_bring_them_back() {
    let site = publication_site();
    site.build(&["--drafts"]).assert_code(0);
    assert!(urls(&site).contains(&"posts/draft/".to_owned()));
    assert!(!urls(&site).contains(&"posts/future/".to_owned()));

    site.build(&["-D", "-F", "-E"]).assert_code(0);
    assert_eq!(
        urls(&site),
        [
            "posts/future/",
            "posts/scheduled/",
            "posts/not-yet-expired/",
            "posts/expired/",
            "posts/published-later/",
            "posts/draft/",
            "posts/live/"
        ]
    );
}

/// `feed: false`, and Hugo's `build.list: never` (or `_build`), keep a
/// published post out of every feed, whatever the flags; the summary counts
/// it. Hugo's `list: local` keeps it in.
#[test]
fn posts_can_opt_out_of_every_feed() {
    let site = Site::new();
    let post = |name: &str, extra: &str| {
        site.post(
            &format!("posts/{name}.md"),
            &format!("title: {name}\ndate: 2024-01-02\ntags: [t]\ncategories: [c]\n{extra}"),
            "Body.",
        );
    };
    post("listed", "");
    post("feed-false", "feed: false");
    post("build-never", "build:\n  list: never");
    post(
        "underscore-build",
        "_build:\n  list: Never\n  render: always",
    );
    post("local", "build:\n  list: local");
    post("draft-and-out", "draft: true\nfeed: false");
    post("odd", "feed: maybe");
    let run = site.build(&["--drafts"]);
    run.assert_code(0)
        .assert_stderr_has("5 unlisted")
        .assert_stderr_has(
        "`feed` should be true or false, but it is `maybe`; the article is kept out of the feeds",
    );
    for feed in ["rss.xml", "tags/t/rss.xml", "categories/c/rss.xml"] {
        let mut titles = site.titles(feed);
        titles.sort();
        assert_eq!(titles, ["listed", "local"], "{feed}");
    }
    // `feed: true` is the default, and may be written.
    post("feed-false", "feed: true");
    site.build(&[]).assert_code(0);
    assert!(site.titles("rss.xml").contains(&"feed-false".to_owned()));
}

#[test]
fn ties_are_broken_by_permalink() {
    let site = Site::new();
    for name in ["c", "a", "b"] {
        site.post(
            &format!("{name}.md"),
            &format!("title: {name}\ndate: 2024-01-01T00:00:00Z"),
            "x",
        );
    }
    site.build(&[]).assert_code(0);
    assert_eq!(urls(&site), ["a/", "b/", "c/"]);
}

#[test]
fn toml_and_json_front_matter_are_read() {
    let site = Site::new();
    site.write(
        "toml.md",
        "+++\ntitle = \"From TOML\"\ndate = 2024-03-05T10:00:00+08:00\ntags = [\"x\"]\ndraft = false\n+++\nBody\n",
    );
    site.write(
        "json.md",
        "{\n  \"title\": \"From JSON\",\n  \"date\": \"2024-03-04T10:00:00+08:00\",\n  \"tags\": [\"x\"]\n}\nBody\n",
    );
    site.build(&[]).assert_code(0);
    assert_eq!(site.titles("tags/x/rss.xml"), ["From TOML", "From JSON"]);
    assert_eq!(
        item(&site, "toml/")["date_published"],
        "2024-03-05T10:00:00+08:00"
    );
}

#[test]
fn a_bom_and_crlf_line_endings_are_tolerated() {
    let site = Site::new();
    site.write(
        "windows.md",
        "\u{feff}---\r\ntitle: Saved on Windows\r\ndate: 2024-03-05\r\ntags: solo\r\n---\r\nLine one\r\nline two\r\n",
    );
    let run = site.build(&["--strict"]);
    run.assert_code(0);
    assert_eq!(site.titles("tags/solo/rss.xml"), ["Saved on Windows"]);
    let html = item(&site, "windows/")["content_html"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!html.contains('\r'), "{html:?}");
}

#[test]
fn hugo_date_forms_are_read_in_the_configured_timezone() {
    let site = Site::new(); // timezone: Asia/Taipei
    site.post("day.md", "title: Day\ndate: 2024-03-05", "x")
        .post("space.md", "title: Space\ndate: 2024-03-04 10:00:00", "x")
        .post("local.md", "title: Local\ndate: 2024-03-03T10:00:00", "x")
        .post(
            "offset.md",
            "title: Offset\ndate: 2024-03-02T10:00:00-05:00",
            "x",
        )
        .post("zulu.md", "title: Zulu\ndate: 2024-03-01T10:00:00Z", "x");
    site.build(&["--strict"]).assert_code(0);
    let dates = |p: &str| {
        item(&site, p)["date_published"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(dates("day/"), "2024-03-05T00:00:00+08:00");
    assert_eq!(dates("space/"), "2024-03-04T10:00:00+08:00");
    assert_eq!(dates("local/"), "2024-03-03T10:00:00+08:00");
    assert_eq!(dates("offset/"), "2024-03-02T10:00:00-05:00");
    assert_eq!(dates("zulu/"), "2024-03-01T10:00:00Z");
    let rss = String::from_utf8(site.read("rss.xml")).unwrap();
    assert!(
        rss.contains("<pubDate>Tue, 05 Mar 2024 00:00:00 +0800</pubDate>"),
        "{rss}"
    );
}

#[test]
fn what_hugo_accepts_is_accepted_with_a_warning() {
    let site = Site::new();
    site.post(
        "sloppy.md",
        "title: First\ndate: 2019-05-28T7:15:43+08:00\ntitle: Second wins\ntags: [a]",
        "x",
    );
    let run = site.build(&[]);
    run.assert_code(0);
    run.assert_stderr_has(
        "warning: content/sloppy.md:3: date `2019-05-28T7:15:43+08:00` has a one-digit hour",
    );
    run.assert_stderr_has("warning: content/sloppy.md:4: duplicate front matter key `title`");
    assert_eq!(item(&site, "sloppy/")["title"], "Second wins");
    assert_eq!(
        item(&site, "sloppy/")["date_published"],
        "2019-05-28T07:15:43+08:00"
    );
}

#[test]
fn broken_articles_are_reported_with_path_and_line_and_the_rest_is_built() {
    // In a section with a dated post, so that a file without a date is a
    // post whose date was forgotten, not a page (see tests/build/pages.rs).
    let site = Site::new();
    site.post(
        "posts/good.md",
        "title: Good\ndate: 2024-01-01\ntags: [ok]",
        "x",
    )
    .post(
        "posts/bad-yaml.md",
        "title: Bad\ndate: 2024-01-01\ntags: [unclosed",
        "x",
    )
    .post("posts/no-title.md", "date: 2024-01-01", "x")
    .post("posts/no-date.md", "title: No date", "x")
    .post(
        "posts/bad-date.md",
        "title: Bad date\ndate: next tuesday",
        "x",
    )
    .post("posts/wrong-type.md", "title: Wrong\ndate: [1]", "x")
    .write(
        "posts/bad-toml.md",
        "+++\ntitle = \"x\ndate = 2024-01-01\n+++\n",
    )
    .write(
        "posts/not-utf8.md",
        b"---\ntitle: x\ndate: 2024-01-01\n---\nab\xffcd\n".as_slice(),
    )
    .write("posts/empty.md", "")
    .write("posts/unclosed.md", "---\ntitle: x\ndate: 2024-01-01\n");
    let run = site.build(&[]);
    run.assert_code(0);
    for expected in [
        "error: content/posts/bad-yaml.md:",
        "invalid YAML front matter",
        "warning: content/posts/no-date.md:2: the article has no `date`, unlike the other pages of `posts/`",
        "error: content/posts/bad-date.md:3: invalid `date`: `next tuesday`",
        "error: content/posts/wrong-type.md:3:",
        "error: content/posts/bad-toml.md:",
        "error: content/posts/not-utf8.md:5: the file is not valid UTF-8 text",
        "warning: content/posts/empty.md:1: the file is empty",
        "error: content/posts/unclosed.md:1: the front matter opened with `---` here is never closed",
        "this article was skipped",
        "= help:",
        "2 posts used, 8 skipped: 6 broken, 2 undated",
    ] {
        assert!(
            run.stderr.contains(expected),
            "missing {expected:?} in:\n{}",
            run.stderr
        );
    }
    // A post without a title is a post, as in Hugo: its item has none.
    assert_eq!(site.titles("rss.xml"), ["Good", ""]);
    assert!(site.json("feed.json")["items"][1].get("title").is_none());
    assert_eq!(site.titles("tags/ok/rss.xml"), ["Good"]);
}

#[test]
fn ignored_files_are_not_posts() {
    let site = Site::new();
    site.post("posts/real.md", "title: Real\ndate: 2024-01-01", "x")
        .post("posts/_index.md", "title: Section\ndate: 2024-01-02", "x")
        .post("_index.md", "title: Home\ndate: 2024-01-02", "x")
        .post("posts/.#real.md", "title: Lock\ndate: 2024-01-02", "x")
        .post("posts/real.md~", "title: Backup\ndate: 2024-01-02", "x")
        .post("posts/.real.md.swp", "title: Swap\ndate: 2024-01-02", "x")
        .post("posts/.hidden.md", "title: Hidden\ndate: 2024-01-02", "x")
        .post(".git/x.md", "title: Git\ndate: 2024-01-02", "x")
        .post("posts/notes.txt", "title: Text\ndate: 2024-01-02", "x")
        .post(
            "posts/readme.markdown.bak",
            "title: Bak\ndate: 2024-01-02",
            "x",
        );
    let run = site.build(&["--strict"]);
    run.assert_code(0);
    assert_eq!(site.titles("rss.xml"), ["Real"]);
}

#[test]
fn permalinks_follow_hugo_bundles_slug_and_url() {
    let site = Site::new();
    site.post("posts/plain.md", "title: Plain\ndate: 2024-01-05", "x")
        .post(
            "posts/bundle/index.md",
            "title: Bundle\ndate: 2024-01-04",
            "x",
        )
        .post(
            "posts/slugged.md",
            "title: Slugged\ndate: 2024-01-03\nslug: nice-name",
            "x",
        )
        .post(
            "posts/urled.md",
            "title: Urled\ndate: 2024-01-02\nurl: /custom/place/",
            "x",
        )
        .post("posts/中文 標題.md", "title: CJK\ndate: 2024-01-01", "x")
        .post(
            "posts/【人生初】Remote！.md",
            "title: Punctuation\ndate: 2023-12-31",
            "x",
        );
    site.build(&["--strict"]).assert_code(0);
    assert_eq!(
        urls(&site),
        [
            "posts/plain/",
            "posts/bundle/",
            "posts/nice-name/",
            "custom/place/",
            "posts/%E4%B8%AD%E6%96%87-%E6%A8%99%E9%A1%8C/",
            // Hugo drops punctuation from paths: 【】 and ！ go.
            "posts/%E4%BA%BA%E7%94%9F%E5%88%9Dremote/"
        ]
    );
}

#[test]
fn relative_links_and_images_become_absolute() {
    let site = Site::new();
    site.post(
        "posts/trip/index.md",
        "title: Trip\ndate: 2024-01-01",
        "![map](map.png) [next](../other/) [root](/about/) [abs](https://x.org/a) [frag](#top)\n\n<img src=\"photo.jpg\" srcset=\"a.jpg 1x, b.jpg 2x\">",
    );
    site.build(&[]).assert_code(0);
    let html = item(&site, "posts/trip/")["content_html"]
        .as_str()
        .unwrap()
        .to_owned();
    for expected in [
        "src=\"https://example.org/posts/trip/map.png\"",
        "href=\"https://example.org/posts/other/\"",
        "href=\"https://example.org/about/\"",
        "href=\"https://x.org/a\"",
        "href=\"https://example.org/posts/trip/#top\"",
        "src=\"https://example.org/posts/trip/photo.jpg\"",
        "srcset=\"https://example.org/posts/trip/a.jpg 1x, https://example.org/posts/trip/b.jpg 2x\"",
    ] {
        assert!(html.contains(expected), "missing {expected} in {html}");
    }
}

#[test]
fn shortcodes_become_html_and_never_leak() {
    let site = Site::new();
    site.post(
        "v.md",
        "title: Video\ndate: 2024-01-01",
        "Watch:\n\n{{< youtube jpZ0dPsnIWw >}}\n\n{{< mystery arg >}}\n\n{{% unknown-paired %}}kept text{{% /unknown-paired %}}\n\nLiteral: `{{</* youtube x */>}}`",
    );
    let run = site.build(&[]);
    run.assert_code(0);
    run.assert_stderr_has("warning: content/v.md:9: unknown shortcode `mystery` was removed");
    let html = item(&site, "v/")["content_html"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        html.contains("href=\"https://www.youtube.com/watch?v=jpZ0dPsnIWw\""),
        "{html}"
    );
    assert!(html.contains("kept text"), "{html}");
    assert!(
        html.contains("{{&lt; youtube x &gt;}}") || html.contains("{{< youtube x >}}"),
        "{html}"
    );
    assert!(!html.contains("mystery"), "{html}");
    let rss = String::from_utf8(site.read("rss.xml")).unwrap();
    assert!(
        !rss.contains("{{< mystery") && !rss.contains("{{% unknown"),
        "{rss}"
    );
}

#[test]
fn summaries_prefer_description_then_summary_then_more_then_text() {
    let site = Site::new();
    let long_zh = "開源模型是產業的地基。".repeat(40);
    let long_en = "word ".repeat(100);
    site.post(
        "a.md",
        "title: A\ndate: 2024-01-05\ndescription: From description\nsummary: not this",
        "Body",
    )
    .post(
        "b.md",
        "title: B\ndate: 2024-01-04\nsummary: From summary",
        "Body",
    )
    .post(
        "c.md",
        "title: C\ndate: 2024-01-03",
        "Before the **fold**.\n\n<!--more-->\n\nAfter.",
    )
    .post("d.md", "title: D\ndate: 2024-01-02", &long_zh)
    .post("e.md", "title: E\ndate: 2024-01-01", &long_en);
    site.build(&[]).assert_code(0);
    let summary = |p: &str| item(&site, p)["summary"].as_str().unwrap().to_owned();
    assert_eq!(summary("a/"), "From description");
    assert_eq!(summary("b/"), "From summary");
    assert_eq!(summary("c/"), "Before the fold.");
    let d = summary("d/");
    assert!(d.ends_with('…') && d.chars().count() <= 201, "{d}");
    assert!(long_zh.starts_with(d.trim_end_matches('…')), "{d}");
    let e = summary("e/");
    assert!(e.ends_with("word…"), "cut inside a word: {e}");
}

#[test]
fn characters_xml_forbids_never_reach_a_feed() {
    let site = Site::new();
    site.post(
        "ctl.md",
        "title: \"Bell\\a and \\x01 NUL\"\ndate: 2024-01-01\ntags: [\"a\\x02b\"]",
        "Text with \u{1} control \u{8} chars and a CDATA end ]]> here & <b>bold</b>",
    );
    let run = site.build(&[]);
    run.assert_code(0);
    for rel in ["rss.xml", "feed.json"] {
        let bytes = site.read(rel);
        assert!(
            !bytes
                .iter()
                .any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')),
            "{rel} holds a control character"
        );
    }
    let feed = site.rss("rss.xml");
    let entry = &feed.entries[0];
    let content = entry.content.as_ref().unwrap().body.as_ref().unwrap();
    assert!(
        content.contains("]]> here") || content.contains("]]&gt; here"),
        "{content}"
    );
    assert_eq!(entry.title.as_ref().unwrap().content, "Bell and  NUL");
}

#[test]
fn the_limit_caps_items_and_zero_means_all() {
    let site = Site::with_config("title: T\nbase_url: https://example.org/\nlimit: 2\n");
    for day in 1..=5 {
        site.post(
            &format!("p{day}.md"),
            &format!("title: P{day}\ndate: 2024-01-0{day}\ntags: [t]"),
            "x",
        );
    }
    site.build(&[]).assert_code(0);
    assert_eq!(site.titles("rss.xml"), ["P5", "P4"]);
    assert_eq!(site.titles("tags/t/rss.xml"), ["P5", "P4"]);
    std::fs::write(
        site.path().join("feedsmith.yaml"),
        "title: T\nbase_url: https://example.org/\nlimit: 0\n",
    )
    .unwrap();
    site.build(&[]).assert_code(0);
    assert_eq!(site.titles("rss.xml").len(), 5);
}

#[test]
fn full_content_false_leaves_out_the_html() {
    let site = Site::with_config("title: T\nbase_url: https://example.org/\nfull_content: false\n");
    site.post("a.md", "title: A\ndate: 2024-01-01", "Some *body* text.");
    site.build(&[]).assert_code(0);
    let rss = String::from_utf8(site.read("rss.xml")).unwrap();
    assert!(!rss.contains("content:encoded>"), "{rss}");
    let it = item(&site, "a/");
    assert!(it.get("content_html").is_none(), "{it}");
    assert_eq!(it["content_text"], "Some body text.");
}

#[test]
fn author_is_rss_author_only_with_an_email() {
    let with_email = Site::with_config(
        "title: T\nbase_url: https://example.org/\nauthor:\n  name: Lin\n  email: lin@example.org\n",
    );
    with_email.post("a.md", "title: A\ndate: 2024-01-01", "x");
    with_email.build(&[]).assert_code(0);
    let rss = String::from_utf8(with_email.read("rss.xml")).unwrap();
    assert!(
        rss.contains("<author>lin@example.org (Lin)</author>"),
        "{rss}"
    );
    assert!(!rss.contains("dc:creator"), "{rss}");

    let name_only =
        Site::with_config("title: T\nbase_url: https://example.org/\nauthor:\n  name: Lin\n");
    name_only
        .post("a.md", "title: A\ndate: 2024-01-02", "x")
        .post(
            "b.md",
            "title: B\ndate: 2024-01-01\nauthors: [Chen, Wang]",
            "x",
        );
    name_only.build(&[]).assert_code(0);
    let rss = String::from_utf8(name_only.read("rss.xml")).unwrap();
    assert!(!rss.contains("<author>"), "{rss}");
    let feed = name_only.rss("rss.xml");
    let names = |i: usize| {
        feed.entries[i]
            .authors
            .iter()
            .map(|p| p.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(0), ["Lin"]);
    assert_eq!(names(1), ["Chen", "Wang"]);
    let json = name_only.json("feed.json");
    assert_eq!(json["authors"][0]["name"], "Lin");
    assert_eq!(json["items"][1]["authors"][1]["name"], "Wang");
}

#[test]
fn source_and_lastmod_are_carried() {
    let site = Site::new();
    site.post(
        "a.md",
        "title: A\ndate: 2024-01-01T10:00:00+08:00\nlastmod: 2024-02-01T10:00:00+08:00\nsource_url: https://origin.example/talk\nsource_name: The Talk",
        "x",
    )
    .post("b.md", "title: B\ndate: 2024-01-10T10:00:00+08:00", "x");
    site.build(&[]).assert_code(0);
    let rss = String::from_utf8(site.read("rss.xml")).unwrap();
    assert!(
        rss.contains("<source url=\"https://origin.example/talk\">The Talk</source>"),
        "{rss}"
    );
    assert!(
        rss.contains("<lastBuildDate>Thu, 01 Feb 2024 10:00:00 +0800</lastBuildDate>"),
        "{rss}"
    );
    let a = item(&site, "a/");
    assert_eq!(a["external_url"], "https://origin.example/talk");
    assert_eq!(a["date_modified"], "2024-02-01T10:00:00+08:00");
    assert!(item(&site, "b/").get("date_modified").is_none());
}

#[test]
fn two_posts_with_one_permalink_keep_one_and_report_both() {
    let site = Site::new();
    site.post("a.md", "title: First\ndate: 2024-01-01\nurl: /same/", "x")
        .post("b.md", "title: Second\ndate: 2024-01-02\nurl: /same/", "x");
    let run = site.build(&[]);
    run.assert_code(0);
    assert!(
        run.stderr.contains("error: content/b.md: this article has the same address (https://example.org/same/) as content/a.md; only content/a.md is in the feeds"),
        "{}",
        run.stderr
    );
    assert_eq!(site.titles("rss.xml"), ["First"]);
}

/// `feedsmith build` reads the front matter of every file but the body only
/// of the posts its feeds show. A shown post whose body turns out not to be
/// UTF-8 (past the first page of the file) is skipped with an error on the
/// right line, and the next post takes its place, as if every file had been
/// read whole; a post no feed shows is not judged on the part of its body
/// that was not read (past the first 4 KiB).
#[test]
fn bodies_are_judged_when_a_feed_shows_them() {
    let site = Site::with_config(&format!(
        "title: T\nbase_url: {}\ntimezone: Asia/Taipei\nlimit: 1\n",
        crate::common::BASE
    ));
    let long = "A long line of text.\n".repeat(300);
    let mut newest = b"---\ntitle: Newest\ndate: 2024-03-01\n---\n".to_vec();
    newest.extend_from_slice(long.as_bytes());
    newest.extend_from_slice(b"bad \xff byte\n");
    let mut oldest = b"---\ntitle: Oldest\ndate: 2024-01-01\n---\n".to_vec();
    oldest.extend_from_slice(long.as_bytes());
    oldest.extend_from_slice(b"also bad \xff\n");
    site.write("newest.md", newest)
        .post("middle.md", "title: Middle\ndate: 2024-02-01", "fine")
        .write("oldest.md", oldest);
    let run = site.build(&[]);
    run.assert_code(0);
    run.assert_stderr_has("error: content/newest.md:305: the file is not valid UTF-8 text");
    assert!(!run.stderr.contains("oldest.md"), "{}", run.stderr);
    assert_eq!(site.titles("rss.xml"), ["Middle"]);
}
