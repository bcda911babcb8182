//! A Hugo site builds with no `feedsmith.yaml`: its settings come from Hugo's
//! own config (root file, `config/_default/`, `config/<environment>/`), and a
//! `feedsmith.yaml` beside it wins key by key.

use std::path::Path;
use std::process::Command;

use crate::common::{bin, run_in, Site};

/// A site folder with only Hugo's files (no `feedsmith.yaml`).
fn hugo_site(files: &[(&str, &str)]) -> Site {
    let site = Site::new();
    std::fs::remove_file(site.path().join("feedsmith.yaml")).unwrap();
    for (rel, text) in files {
        let path = site.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    site
}

/// `n` posts in `dir` (under the content folder), one day apart in January
/// 2024, written without an offset (so read in the site's time zone).
fn posts(site: &Site, dir: &str, n: usize) {
    for i in 1..=n {
        site.post(
            &format!("{dir}/p{i}.md"),
            &format!("title: Post {i}\ndate: 2024-01-{i:02}T10:00:00\ntags: [hugo]"),
            "Body.",
        );
    }
}

const HUGO_TOML: &str = r#"baseURL = "https://blog.example.org/"
title = "Hugo Site"
languageCode = "zh-TW"
timeZone = "Asia/Taipei"
copyright = "© 2026 Example"
enableRobotsTXT = true
[params]
  description = "A Hugo blog"
  [params.author]
    name = "Lin"
    email = "lin@example.org"
[markup.goldmark.renderer]
  unsafe = true
"#;

#[test]
fn a_hugo_site_needs_no_feedsmith_yaml() {
    let site = hugo_site(&[("hugo.toml", HUGO_TOML)]);
    posts(&site, "posts", 25);
    let run = site.build(&["-v"]);
    run.assert_code(0);
    let feed = site.rss("rss.xml");
    assert_eq!(feed.title.unwrap().content, "Hugo Site");
    assert_eq!(feed.links[0].href, "https://blog.example.org/");
    // feed-rs lower-cases the tag it reads.
    assert_eq!(feed.language.as_deref(), Some("zh-tw"));
    assert_eq!(feed.rights.unwrap().content, "© 2026 Example");
    assert_eq!(feed.description.unwrap().content, "A Hugo blog");
    // Hugo lists every item unless told otherwise; feedsmith's own default
    // (20) does not apply to a Hugo site.
    assert_eq!(feed.entries.len(), 25);
    let first = &feed.entries[0];
    assert_eq!(first.links[0].href, "https://blog.example.org/posts/p25/");
    // Dates written without an offset are in the site's time zone.
    let published = first.published.unwrap();
    assert_eq!(published.to_rfc3339(), "2024-01-25T02:00:00+00:00");
    let text = String::from_utf8(site.read("rss.xml")).unwrap();
    assert!(
        text.contains("<managingEditor>lin@example.org (Lin)</managingEditor>"),
        "{text}"
    );
    // Where each setting came from, with the line that set it.
    run.assert_stderr_has("title from hugo.toml:2")
        .assert_stderr_has("base_url from hugo.toml:1")
        .assert_stderr_has("author from hugo.toml:9")
        .assert_stderr_has("limit from Hugo's default (every item)");
    // The summary does not claim built-in defaults were used.
    assert!(!run.stderr.contains("built-in defaults"), "{}", run.stderr);
}

#[test]
fn the_config_folder_merges_over_the_root_file_by_environment() {
    let site = hugo_site(&[
        (
            "hugo.toml",
            "baseURL = \"https://root.example/\"\ntitle = \"Root\"\n",
        ),
        (
            "config/_default/hugo.toml",
            "title = \"Default\"\ncontentDir = \"src\"\n[services.rss]\nlimit = 2\n",
        ),
        (
            "config/_default/params.yaml",
            "description: From params.yaml\n",
        ),
        ("config/production/hugo.toml", "title = \"Production\"\n"),
        (
            "config/staging/hugo.json",
            "{\"title\": \"Staging\", \"baseURL\": \"https://staging.example/\"}",
        ),
    ]);
    std::fs::rename(site.path().join("content"), site.path().join("src")).unwrap();
    std::fs::create_dir_all(site.path().join("src/posts")).unwrap();
    for i in 1..=3 {
        let text = format!("---\ntitle: Post {i}\ndate: 2024-01-0{i}\n---\nBody.\n");
        std::fs::write(site.path().join(format!("src/posts/p{i}.md")), text).unwrap();
    }
    site.build(&[]).assert_code(0);
    let feed = site.rss("rss.xml");
    assert_eq!(feed.title.unwrap().content, "Production");
    assert_eq!(feed.description.unwrap().content, "From params.yaml");
    assert_eq!(feed.links[0].href, "https://root.example/");
    assert_eq!(
        feed.entries.len(),
        2,
        "services.rss.limit from config/_default"
    );

    site.build(&["--environment", "staging"]).assert_code(0);
    let feed = site.rss("rss.xml");
    assert_eq!(feed.title.unwrap().content, "Staging");
    assert_eq!(feed.links[0].href, "https://staging.example/");

    // As `hugo` does, HUGO_ENVIRONMENT chooses it too.
    let status = Command::new(bin())
        .args(["build", "-q"])
        .env("HUGO_ENVIRONMENT", "staging")
        .current_dir(site.path())
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(site.rss("rss.xml").title.unwrap().content, "Staging");
}

#[test]
fn feedsmith_yaml_wins_key_by_key() {
    let site = hugo_site(&[
        ("hugo.toml", HUGO_TOML),
        ("feedsmith.yaml", "title: From feedsmith.yaml\nlimit: 3\n"),
    ]);
    posts(&site, "posts", 5);
    site.build(&["-v"])
        .assert_code(0)
        .assert_stderr_has("title from feedsmith.yaml:1")
        .assert_stderr_has("base_url from hugo.toml:1");
    let feed = site.rss("rss.xml");
    assert_eq!(feed.title.unwrap().content, "From feedsmith.yaml");
    assert_eq!(feed.links[0].href, "https://blog.example.org/");
    assert_eq!(feed.entries.len(), 3);
}

#[test]
fn the_old_rss_limit_and_config_toml_are_read() {
    let site = hugo_site(&[(
        "config.toml",
        "baseURL = \"https://old.example/\"\ntitle = \"Old\"\nrssLimit = 1\n",
    )]);
    posts(&site, "posts", 3);
    site.build(&[]).assert_code(0);
    let feed = site.rss("rss.xml");
    assert_eq!(feed.links[0].href, "https://old.example/");
    assert_eq!(feed.entries.len(), 1);
}

#[test]
fn a_root_config_yml_is_read() {
    let site = hugo_site(&[(
        "config.yml",
        "baseURL: https://yml.example/\ntitle: From config.yml\n",
    )]);
    posts(&site, "posts", 1);
    site.build(&[]).assert_code(0);
    let feed = site.rss("rss.xml");
    assert_eq!(feed.title.unwrap().content, "From config.yml");
    assert_eq!(feed.links[0].href, "https://yml.example/");
}

#[test]
fn a_broken_hugo_config_is_an_error_at_its_line() {
    let site = hugo_site(&[("hugo.toml", "title = \"ok\"\nbaseURL = \n")]);
    posts(&site, "posts", 1);
    site.build(&[])
        .assert_code(2)
        .assert_stderr_has("hugo.toml:2: Hugo's config does not parse");
    assert!(!site.exists("rss.xml"));

    let site = hugo_site(&[(
        "hugo.yaml",
        "baseURL: https://a.example/\ntimeZone: Mars/Olympus\n",
    )]);
    posts(&site, "posts", 1);
    site.build(&[])
        .assert_code(2)
        .assert_stderr_has("hugo.yaml:2: unknown time zone `Mars/Olympus`");
}

#[test]
fn a_hugo_config_named_by_config_is_read_from_its_folder() {
    let site = hugo_site(&[("site/hugo.toml", HUGO_TOML)]);
    let content = site.path().join("site/content/posts");
    std::fs::create_dir_all(&content).unwrap();
    std::fs::write(
        content.join("a.md"),
        "---\ntitle: A\ndate: 2024-01-01\n---\nBody.\n",
    )
    .unwrap();
    run_in(site.path(), &["build", "--config", "site/hugo.toml"]).assert_code(0);
    let out = site.path().join("site/feeds/rss.xml");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains("<link>https://blog.example.org/posts/a/</link>"),
        "{text}"
    );
    // The cache folder is the site's, beside its config.
    assert!(Path::new(&site.path().join("site/.feedsmith-cache")).is_dir());
}

/// Hugo's `[frontmatter]` with `:fileModTime`: a post's `lastmod` is its
/// file's modification time (in the site's time zone), and a build after
/// only that time changed (nothing in the file did) shows the new one,
/// though the item cache remembers the post's bytes.
#[test]
fn file_mod_time_dates_follow_the_file() {
    let config = format!("{HUGO_TOML}[frontmatter]\nlastmod = [\":fileModTime\", \":default\"]\n");
    let site = hugo_site(&[("hugo.toml", &config)]);
    posts(&site, "posts", 2);
    let touch = |rfc3339: &str| {
        let time = chrono::DateTime::parse_from_rfc3339(rfc3339).unwrap();
        let file = std::fs::File::options()
            .write(true)
            .open(site.path().join("content/posts/p1.md"))
            .unwrap();
        file.set_modified(time.into()).unwrap();
    };
    let modified = |site: &Site| {
        let feed = site.json("feed.json");
        let items = feed["items"].as_array().unwrap().clone();
        let item = items.iter().find(|i| i["title"] == "Post 1").unwrap();
        item["date_modified"].as_str().unwrap().to_owned()
    };
    touch("2024-05-06T07:08:09Z");
    site.build(&[]).assert_code(0);
    assert_eq!(modified(&site), "2024-05-06T15:08:09+08:00");
    touch("2024-06-01T00:00:00Z");
    site.build(&[]).assert_code(0);
    assert_eq!(modified(&site), "2024-06-01T08:00:00+08:00");
}

/// Hugo's `:git` with `enableGitInfo`: a post's `lastmod` is its last
/// commit's author date (in the site's time zone); without
/// `enableGitInfo`, `:git` gives way to the next key, as in Hugo.
#[test]
fn git_dates_are_last_commits_with_enable_git_info() {
    let run_git = |dir: &Path, args: &[&str], date: &str| {
        Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
            .args(args)
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    for (git_info, expected) in [
        (true, "2024-05-06T15:08:09+08:00"),
        (false, "2024-02-02T00:00:00+08:00"),
    ] {
        let config = format!(
            "enableGitInfo = {git_info}\n{HUGO_TOML}[frontmatter]\nlastmod = [\":git\", \"lastmod\"]\n"
        );
        let site = hugo_site(&[("hugo.toml", &config)]);
        site.post(
            "posts/a.md",
            "title: A\ndate: 2024-01-01\nlastmod: 2024-02-02",
            "Body.",
        );
        if !run_git(site.path(), &["init", "-q"], "2024-05-06T07:08:09Z") {
            eprintln!("no git here: skipped");
            return;
        }
        assert!(run_git(site.path(), &["add", "."], "2024-05-06T07:08:09Z"));
        assert!(run_git(
            site.path(),
            &["commit", "-qm", "a"],
            "2024-05-06T07:08:09Z"
        ));
        site.build(&[]).assert_code(0);
        let feed = site.json("feed.json");
        assert_eq!(
            feed["items"][0]["date_modified"], expected,
            "enableGitInfo = {git_info}"
        );
    }
}
