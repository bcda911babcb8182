//! Command line behaviour: config discovery, flags, exit codes, `--strict`,
//! `--check` and the summary line.

use crate::common::{run_in, tree, Site};

const OK_POST: &str = "title: Fine\ndate: 2024-03-05T10:00:00+08:00\ntags: [rust]";

#[test]
fn without_a_config_file_defaults_apply_and_the_summary_says_so() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("content")).unwrap();
    std::fs::write(
        dir.path().join("content/a.md"),
        format!("---\n{OK_POST}\n---\nHello\n"),
    )
    .unwrap();
    let run = run_in(dir.path(), &["build"]);
    run.assert_code(0);
    run.assert_stderr_has("no feedsmith.yaml found, so built-in defaults were used");
    let feed: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("feeds/feed.json")).unwrap())
            .unwrap();
    assert_eq!(feed["feed_url"], "http://localhost:1313/feeds/feed.json");
    assert_eq!(feed["items"][0]["url"], "http://localhost:1313/a/");
}

#[test]
fn the_summary_line_counts_feeds_posts_skips_and_time() {
    let site = Site::new();
    site.post("posts/a.md", OK_POST, "Hello")
        .post("posts/d.md", "title: D\ndate: 2024-01-01\ndraft: true", "x")
        .post("posts/f.md", "title: F\ndate: 2999-01-01", "x");
    let run = site.build(&[]);
    run.assert_code(0);
    let last = run.stderr.lines().last().unwrap();
    assert!(last.starts_with("feedsmith: 11 written, 0 unchanged, 0 removed in feeds/ (3 feeds, 1 posts used, 2 skipped: 1 draft, 1 future, "), "{last}");
    assert!(last.ends_with(" ms)"), "{last}");
}

#[test]
fn an_explicit_config_that_does_not_exist_is_a_usage_error() {
    let site = Site::new();
    let run = site.build(&["--config", "nope.yaml"]);
    run.assert_code(2);
    run.assert_stderr_has("error: nope.yaml: cannot read the config file");
    assert!(!site.out().exists());
}

#[test]
fn an_unknown_config_key_names_the_key_and_its_line() {
    let site = Site::with_config("title: T\nbase_url: https://example.org/\nbase_ulr: typo\n");
    site.post("a.md", OK_POST, "x");
    let run = site.build(&[]);
    run.assert_code(2);
    run.assert_stderr_has("feedsmith.yaml:3");
    run.assert_stderr_has("base_ulr");
    assert!(!site.out().exists(), "nothing is written on a config error");
}

#[test]
fn a_relative_base_url_is_a_config_error() {
    let site = Site::with_config("title: T\nbase_url: example.org\n");
    site.post("a.md", OK_POST, "x");
    let run = site.build(&[]);
    run.assert_code(2);
    run.assert_stderr_has("feedsmith.yaml:2");
}

#[test]
fn a_missing_content_folder_is_a_usage_error() {
    let site = Site::new();
    let run = site.build(&["--content", "missing"]);
    run.assert_code(2);
    run.assert_stderr_has("missing: the content folder does not exist");
}

#[test]
fn an_unknown_flag_is_a_usage_error() {
    let site = Site::new();
    site.build(&["--no-such-flag"]).assert_code(2);
}

#[test]
fn paths_in_the_config_are_relative_to_the_config_file() {
    let site = Site::new();
    std::fs::create_dir_all(site.path().join("blog/posts")).unwrap();
    std::fs::write(
        site.path().join("blog/feedsmith.yaml"),
        "title: Sub\nbase_url: https://example.org/\ncontent_dir: posts\noutput_dir: public/feeds\n",
    )
    .unwrap();
    std::fs::write(
        site.path().join("blog/posts/a.md"),
        format!("---\n{OK_POST}\n---\nx\n"),
    )
    .unwrap();
    site.build(&["--config", "blog/feedsmith.yaml"])
        .assert_code(0);
    assert!(site.path().join("blog/public/feeds/rss.xml").is_file());
    assert!(!site.out().exists());
}

#[test]
fn content_and_out_flags_override_the_config() {
    let site = Site::new();
    let other = site.path().join("elsewhere");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(
        other.join("b.md"),
        "---\ntitle: Other\ndate: 2024-01-01\n---\nx\n",
    )
    .unwrap();
    site.build(&["--content", "elsewhere", "--out", "public"])
        .assert_code(0);
    let feed = crate::common::parse_feed(
        &std::fs::read(site.path().join("public/rss.xml")).unwrap(),
        "rss",
    );
    assert_eq!(feed.entries.len(), 1);
    assert_eq!(feed.entries[0].title.as_ref().unwrap().content, "Other");
}

#[test]
fn strict_turns_any_warning_into_failure_and_writes_nothing() {
    let site = Site::new();
    site.post("a.md", OK_POST, "Hi {{< mystery >}}");
    let run = site.build(&["--strict"]);
    run.assert_code(1);
    run.assert_stderr_has("unknown shortcode `mystery`");
    run.assert_stderr_has("--strict");
    assert!(!site.out().exists(), "--strict wrote something");
}

#[test]
fn strict_with_a_broken_article_keeps_the_previous_feeds_untouched() {
    let site = Site::new();
    site.post("a.md", OK_POST, "Hello");
    site.build(&[]).assert_code(0);
    let before = tree(&site.out());
    site.post("b.md", "title: [unclosed\ndate: 2024-01-01", "x");
    site.post("a.md", OK_POST, "Changed");
    site.build(&["--strict"]).assert_code(1);
    assert_eq!(tree(&site.out()), before);
}

#[test]
fn strict_passes_a_clean_site() {
    let site = Site::new();
    site.post("a.md", OK_POST, "Hello");
    let run = site.build(&["--strict"]);
    run.assert_code(0);
    assert!(site.exists("rss.xml"));
}

#[test]
fn check_lists_creations_updates_and_removals_and_writes_nothing() {
    let site = Site::new();
    site.post("a.md", OK_POST, "Hello");

    let run = site.build(&["--check"]);
    run.assert_code(1);
    run.assert_stderr_has("would create feeds/rss.xml");
    run.assert_stderr_has("would create feeds/tags/rust/feed.json");
    run.assert_stderr_has("feeds is out of date");
    assert!(!site.out().exists(), "--check wrote something");

    site.build(&[]).assert_code(0);
    let run = site.build(&["--check"]);
    run.assert_code(0);
    run.assert_stderr_has("feeds is up to date");
    assert!(!run.stderr.contains("would "), "{}", run.stderr);

    let before = tree(&site.out());
    site.post(
        "a.md",
        "title: Fine\ndate: 2024-03-05T10:00:00+08:00\ntags: [go]",
        "Hello",
    );
    let run = site.build(&["--check"]);
    run.assert_code(1);
    run.assert_stderr_has("would update feeds/rss.xml");
    run.assert_stderr_has("would create feeds/tags/go/rss.xml");
    run.assert_stderr_has("would remove feeds/tags/rust/rss.xml");
    assert_eq!(
        tree(&site.out()),
        before,
        "--check changed the output folder"
    );
}

#[test]
fn quiet_silences_the_summary_but_not_problems() {
    let site = Site::new();
    site.post("a.md", OK_POST, "Hello {{< mystery >}}");
    let run = site.build(&["-q"]);
    run.assert_code(0);
    assert!(!run.stderr.contains("feedsmith:"), "{}", run.stderr);
    run.assert_stderr_has("unknown shortcode");
}

#[test]
fn an_output_failure_exits_1_with_a_clear_message() {
    let site = Site::new();
    site.post("a.md", OK_POST, "Hello");
    // A file where the output folder should be.
    std::fs::write(site.out(), "in the way").unwrap();
    let run = site.build(&[]);
    run.assert_code(1);
    run.assert_stderr_has("cannot write the feeds");
    assert_eq!(std::fs::read(site.out()).unwrap(), b"in the way");
}
