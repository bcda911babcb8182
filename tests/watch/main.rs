//! Integration tests for `feedsmith watch`: each test starts the real binary on
//! a temporary site, edits files the way people and editors do, and waits (by
//! polling, with a timeout) until the output folder is byte-identical to what a
//! one-shot `feedsmith build` of the same files produces.

#[path = "../common/mod.rs"]
mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{run_in, tree, Running, Site, PATIENCE};

/// Starts `feedsmith watch` and waits for its first build.
fn start_watch(site: &Site, args: &[&str]) -> Running {
    let watch = Running::spawn(site.path(), &[&["watch"], args].concat());
    watch.wait_for_log("full build", 1);
    watch
}

/// Rebuild report lines so far.
fn rebuilds(watch: &Running) -> usize {
    watch.log().lines().filter(|l| l.starts_with('[')).count()
}

/// What a one-shot build of the site's current files produces.
fn fresh_build(site: &Site) -> std::collections::BTreeMap<String, Vec<u8>> {
    let out = tempfile::tempdir().unwrap();
    run_in(
        site.path(),
        &["build", "-q", "--out", out.path().to_str().unwrap()],
    );
    tree(out.path())
}

/// Waits until the watched output equals a fresh one-shot build.
#[track_caller]
fn assert_in_sync(site: &Site, watch: &Running) {
    let start = Instant::now();
    loop {
        let expected = fresh_build(site);
        let actual = tree(&site.out());
        if expected == actual {
            return;
        }
        if start.elapsed() > PATIENCE {
            let differ: Vec<&String> = expected
                .keys()
                .chain(actual.keys())
                .filter(|k| expected.get(*k) != actual.get(*k))
                .collect();
            panic!("the watched feeds never matched a fresh build; differing files: {differ:?}\nlog:\n{}", watch.log());
        }
        std::thread::sleep(Duration::from_millis(30));
    }
}

fn post(title: &str, date: &str, tags: &str) -> String {
    format!("---\ntitle: \"{title}\"\ndate: {date}\ntags: [{tags}]\n---\nBody of {title}.\n")
}

fn content(site: &Site, rel: &str) -> PathBuf {
    site.path().join("content").join(rel)
}

fn small_site() -> Site {
    let site = Site::new();
    site.write("posts/a.md", post("A", "2024-01-03", "rust, cli"))
        .write("posts/b.md", post("B", "2024-01-02", "rust"))
        .write("posts/c.md", post("C", "2024-01-01", "go"));
    site
}

#[test]
fn plain_writes_creates_and_deletes_are_followed() {
    let site = small_site();
    let watch = start_watch(&site, &[]);
    assert_in_sync(&site, &watch);

    site.write("posts/d.md", post("D", "2024-01-04", "new-tag"));
    assert_in_sync(&site, &watch);
    assert!(site.exists("tags/new-tag/rss.xml"));

    site.write("posts/a.md", post("A edited", "2024-01-03", "rust"));
    assert_in_sync(&site, &watch);
    assert!(
        !site.exists("tags/cli/rss.xml"),
        "a tag with no post left keeps its feed"
    );

    site.remove("posts/c.md");
    assert_in_sync(&site, &watch);
    assert!(!site.exists("tags/go/rss.xml"));
    assert_eq!(site.titles("rss.xml"), ["D", "A edited", "B"]);
}

#[test]
fn an_editor_save_burst_gives_one_rebuild() {
    let site = small_site();
    let watch = start_watch(&site, &[]);
    let before = rebuilds(&watch);
    // What vim and many editors do: write a temporary file, rename it over
    // the article, then restore its permissions.
    let target = content(&site, "posts/a.md");
    let temp = content(&site, "posts/.a.md.swp");
    std::fs::write(&temp, post("A saved", "2024-01-03", "rust")).unwrap();
    std::fs::rename(&temp, &target).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_in_sync(&site, &watch);
    assert_eq!(site.titles("rss.xml")[0], "A saved");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(rebuilds(&watch), before + 1, "log:\n{}", watch.log());
}

#[test]
fn a_burst_of_100_edits_across_20_files_coalesces_and_misses_nothing() {
    let site = Site::new();
    for i in 0..20 {
        site.write(
            &format!("posts/p{i:02}.md"),
            post(&format!("P{i}"), "2024-01-01", "t"),
        );
    }
    let watch = start_watch(&site, &[]);
    let before = rebuilds(&watch);
    for round in 0..5 {
        for i in 0..20 {
            let tags = format!("t, round-{round}, file-{}", i % 4);
            site.write(
                &format!("posts/p{i:02}.md"),
                post(
                    &format!("P{i} r{round}"),
                    &format!("2024-01-{:02}", i + 1),
                    &tags,
                ),
            );
        }
    }
    assert_in_sync(&site, &watch);
    assert!(site.titles("rss.xml").iter().all(|t| t.ends_with(" r4")));
    assert!(site.exists("tags/round-4/rss.xml") && !site.exists("tags/round-0/rss.xml"));
    let rebuilds = rebuilds(&watch) - before;
    assert!(
        rebuilds < 20,
        "{rebuilds} rebuilds for one burst; log:\n{}",
        watch.log()
    );
}

#[test]
fn moves_bundles_and_folder_deletes_are_followed() {
    let site = small_site();
    let watch = start_watch(&site, &[]);

    // Renamed within the content folder: a new permalink.
    std::fs::rename(
        content(&site, "posts/b.md"),
        content(&site, "posts/b-renamed.md"),
    )
    .unwrap();
    assert_in_sync(&site, &watch);

    // Moved out of the content folder, then back in elsewhere.
    std::fs::rename(content(&site, "posts/c.md"), site.path().join("c.md")).unwrap();
    assert_in_sync(&site, &watch);
    std::fs::create_dir_all(content(&site, "notes")).unwrap();
    std::fs::rename(site.path().join("c.md"), content(&site, "notes/c.md")).unwrap();
    assert_in_sync(&site, &watch);

    // A page bundle: its other Markdown files are resources, not posts.
    std::fs::create_dir_all(content(&site, "posts/trip")).unwrap();
    std::fs::write(
        content(&site, "posts/trip/notes.md"),
        post("Notes", "2024-02-01", "x"),
    )
    .unwrap();
    assert_in_sync(&site, &watch);
    std::fs::write(
        content(&site, "posts/trip/index.md"),
        post("Trip", "2024-02-02", "travel"),
    )
    .unwrap();
    assert_in_sync(&site, &watch);
    assert!(!site.titles("rss.xml").contains(&"Notes".to_owned()));

    // A bundle moved in as a whole folder, then a whole folder deleted.
    let outside = site.path().join("staging/walk");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(
        outside.join("index.md"),
        post("Walk", "2024-02-03", "travel"),
    )
    .unwrap();
    std::fs::rename(&outside, content(&site, "posts/walk")).unwrap();
    assert_in_sync(&site, &watch);
    std::fs::remove_dir_all(content(&site, "posts")).unwrap();
    assert_in_sync(&site, &watch);
    assert_eq!(site.titles("rss.xml"), ["C"]);
}

#[test]
fn a_bundles_files_added_or_removed_while_watching_reach_the_feeds() {
    let site = small_site();
    std::fs::create_dir_all(content(&site, "posts/trip")).unwrap();
    std::fs::write(
        content(&site, "posts/trip/index.md"),
        "---\ntitle: Trip\ndate: 2024-02-02\nattachments:\n  - url: map.pdf\n---\nBody\n",
    )
    .unwrap();
    let watch = start_watch(&site, &["--debounce", "20"]);
    let item = |site: &Site| site.json("feed.json")["items"][0].clone();
    assert!(item(&site).get("image").is_none());
    // A picture the bundle's post does not name, found by its name.
    std::fs::write(content(&site, "posts/trip/cover.png"), b"png").unwrap();
    assert_in_sync(&site, &watch);
    assert_eq!(
        item(&site)["image"],
        "https://example.org/posts/trip/cover.png"
    );
    // The attachment appears, then grows: its size follows.
    std::fs::write(content(&site, "posts/trip/map.pdf"), vec![b'x'; 10]).unwrap();
    assert_in_sync(&site, &watch);
    assert_eq!(item(&site)["attachments"][0]["size_in_bytes"], 10);
    std::fs::write(content(&site, "posts/trip/map.pdf"), vec![b'x'; 99]).unwrap();
    assert_in_sync(&site, &watch);
    assert_eq!(item(&site)["attachments"][0]["size_in_bytes"], 99);
    // The picture goes: so does the feed's.
    std::fs::remove_file(content(&site, "posts/trip/cover.png")).unwrap();
    assert_in_sync(&site, &watch);
    assert!(item(&site).get("image").is_none());
}

#[test]
fn a_section_page_added_or_removed_while_watching_makes_or_ends_a_section() {
    let site = small_site();
    site.write("posts/deep/d.md", post("D", "2024-01-04", "rust"));
    let watch = start_watch(&site, &["--debounce", "20"]);
    let section = |site: &Site, folder: &str| site.out().join(folder).join("rss.xml").is_file();
    assert!(section(&site, "sections/posts") && !section(&site, "sections/posts/deep"));
    // `posts/deep/_index.md` makes `posts/deep` a section: its post moves
    // to that section's feed.
    std::fs::write(
        content(&site, "posts/deep/_index.md"),
        "---\ntitle: Deep\n---\n",
    )
    .unwrap();
    assert_in_sync(&site, &watch);
    assert!(section(&site, "sections/posts/deep"));
    assert!(!site
        .titles("sections/posts/rss.xml")
        .contains(&"D".to_owned()));
    std::fs::remove_file(content(&site, "posts/deep/_index.md")).unwrap();
    assert_in_sync(&site, &watch);
    assert!(!section(&site, "sections/posts/deep"));
    assert!(site
        .titles("sections/posts/rss.xml")
        .contains(&"D".to_owned()));
}

/// A list page's `cascade` edited, added or removed while watching: the
/// pages below it are read again with what it now hands down.
#[test]
fn a_cascade_edited_while_watching_reaches_the_pages_below() {
    let site = small_site();
    site.write("notes/n.md", post("N", "2024-01-05", "go"));
    let watch = start_watch(&site, &["--debounce", "20"]);
    let site_titles = |site: &Site| site.titles("rss.xml");
    assert!(site_titles(&site).contains(&"A".to_owned()));
    // A new section page that makes every post of `posts/` a draft.
    std::fs::write(
        content(&site, "posts/_index.md"),
        "---\ntitle: Posts\ncascade:\n  draft: true\n---\n",
    )
    .unwrap();
    assert_in_sync(&site, &watch);
    assert_eq!(site_titles(&site), ["N"]);
    // Edited: only the pages its target names.
    std::fs::write(
        content(&site, "posts/_index.md"),
        "---\ntitle: Posts\ncascade:\n  _target:\n    path: /posts/b\n  draft: true\n---\n",
    )
    .unwrap();
    assert_in_sync(&site, &watch);
    assert_eq!(site_titles(&site), ["N", "A", "C"]);
    // The home page's, over every page; the section's still wins for `b`.
    std::fs::write(
        content(&site, "_index.md"),
        "---\ntitle: Home\ncascade:\n  tags: [all]\n---\n",
    )
    .unwrap();
    assert_in_sync(&site, &watch);
    // Each post has tags of its own: the cascaded ones are not given.
    assert!(!site.out().join("tags/all/rss.xml").exists());
    site.write(
        "notes/untagged.md",
        "---\ntitle: U\ndate: 2024-01-06\n---\nU.\n",
    );
    assert_in_sync(&site, &watch);
    assert_eq!(site.titles("tags/all/rss.xml"), ["U"]);
    // Removed: the posts are back as they are.
    std::fs::remove_file(content(&site, "posts/_index.md")).unwrap();
    std::fs::remove_file(content(&site, "_index.md")).unwrap();
    assert_in_sync(&site, &watch);
    assert_eq!(site_titles(&site), ["U", "N", "A", "B", "C"]);
    assert!(!site.out().join("tags/all/rss.xml").exists());
}

#[test]
fn publication_changes_move_posts_between_feeds() {
    let site = small_site();
    let watch = start_watch(&site, &[]);
    site.write(
        "posts/a.md",
        "---\ntitle: A\ndate: 2024-01-03\ndraft: true\ntags: [rust, cli]\n---\nx\n",
    );
    assert_in_sync(&site, &watch);
    assert!(!site.exists("tags/cli/rss.xml"));
    site.write("posts/b.md", post("B", "2999-01-01", "rust"));
    assert_in_sync(&site, &watch);
    assert!(!site.exists("tags/rust/rss.xml"));
    site.write(
        "posts/c.md",
        "---\ntitle: C\ndate: 2024-01-01\ncategories: [Fresh]\n---\nx\n",
    );
    assert_in_sync(&site, &watch);
    assert!(site.exists("categories/fresh/feed.json") && !site.exists("tags/go/rss.xml"));
}

#[test]
fn a_broken_edit_keeps_the_last_good_version_until_fixed() {
    let site = small_site();
    let watch = start_watch(&site, &[]);
    let before = site.read("rss.xml");
    site.write(
        "posts/a.md",
        "---\ntitle: \"A half typed\ndate: 2024-01-03\n---\nx\n",
    );
    watch.wait_for_log("content/posts/a.md:", 1);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        site.read("rss.xml"),
        before,
        "the feeds changed while the article was broken"
    );
    assert!(
        watch.log().contains("the feeds keep its last good version"),
        "{}",
        watch.log()
    );
    // Saving the same broken text again does not repeat the message.
    site.write(
        "posts/a.md",
        "---\ntitle: \"A half typed\ndate: 2024-01-03\n---\nx\n\n",
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        watch.log().matches("content/posts/a.md:").count(),
        1,
        "{}",
        watch.log()
    );

    site.write("posts/a.md", post("A fixed", "2024-01-03", "rust"));
    assert_in_sync(&site, &watch);
    assert_eq!(site.titles("rss.xml")[0], "A fixed");
}

#[test]
fn config_edits_rebuild_and_a_bad_config_keeps_the_last_good_one() {
    let site = small_site();
    let watch = start_watch(&site, &[]);
    let config = site.path().join("feedsmith.yaml");
    std::fs::write(
        &config,
        "title: Renamed site\nbase_url: https://example.org/blog/\nlimit: 2\n",
    )
    .unwrap();
    assert_in_sync(&site, &watch);
    assert_eq!(site.rss("rss.xml").title.unwrap().content, "Renamed site");

    let good = tree(&site.out());
    std::fs::write(
        &config,
        "title: Broken\nbase_url: https://example.org/\nlimti: 2\n",
    )
    .unwrap();
    watch.wait_for_log("still using the last good one", 1);
    assert!(watch.log().contains("feedsmith.yaml:3"), "{}", watch.log());
    assert_eq!(tree(&site.out()), good);

    // Still watching, with the last good config.
    site.write("posts/e.md", post("E", "2024-01-09", "rust"));
    watch.wait_for_log("posts/e.md changed", 1);
    assert_eq!(site.titles("rss.xml"), ["E", "A"]);

    std::fs::write(&config, "title: Fixed\nbase_url: https://example.org/\n").unwrap();
    assert_in_sync(&site, &watch);
}

#[test]
fn hugo_config_edits_rebuild_too() {
    let site = small_site();
    std::fs::remove_file(site.path().join("feedsmith.yaml")).unwrap();
    let root = site.path().join("hugo.toml");
    std::fs::write(
        &root,
        "baseURL = \"https://example.org/\"\ntitle = \"Hugo\"\n",
    )
    .unwrap();
    let watch = start_watch(&site, &[]);
    assert_eq!(site.rss("rss.xml").title.unwrap().content, "Hugo");

    std::fs::write(
        &root,
        "baseURL = \"https://example.org/\"\ntitle = \"Renamed\"\n",
    )
    .unwrap();
    assert_in_sync(&site, &watch);
    assert_eq!(site.rss("rss.xml").title.unwrap().content, "Renamed");

    // The config folder, created while watching, counts too, and so do
    // later edits to its files.
    let params = site.path().join("config/_default/params.toml");
    std::fs::create_dir_all(params.parent().unwrap()).unwrap();
    std::fs::write(&params, "description = \"From the config folder\"\n").unwrap();
    assert_in_sync(&site, &watch);
    assert_eq!(
        site.rss("rss.xml").description.unwrap().content,
        "From the config folder"
    );
    std::fs::write(&params, "description = \"Edited\"\n").unwrap();
    watch.wait_for_log("params.toml changed; full rebuild", 1);
    assert_in_sync(&site, &watch);
    assert_eq!(site.rss("rss.xml").description.unwrap().content, "Edited");
}

#[test]
fn a_config_folder_there_from_the_start_is_watched() {
    let site = small_site();
    std::fs::remove_file(site.path().join("feedsmith.yaml")).unwrap();
    let params = site.path().join("config/_default/hugo.toml");
    std::fs::create_dir_all(params.parent().unwrap()).unwrap();
    std::fs::write(
        &params,
        "baseURL = \"https://example.org/\"\ntitle = \"First\"\n",
    )
    .unwrap();
    let watch = start_watch(&site, &[]);
    assert_eq!(site.rss("rss.xml").title.unwrap().content, "First");
    for title in ["Second", "Third"] {
        std::fs::write(
            &params,
            format!("baseURL = \"https://example.org/\"\ntitle = \"{title}\"\n"),
        )
        .unwrap();
        assert_in_sync(&site, &watch);
        assert_eq!(site.rss("rss.xml").title.unwrap().content, title);
    }
}

#[test]
fn a_scheduled_post_appears_when_its_time_comes() {
    let site = small_site();
    let at = chrono::Utc::now() + chrono::Duration::seconds(3);
    site.write(
        "posts/soon.md",
        format!(
            "---\ntitle: Soon\ndate: {}\ntags: [later]\n---\nx\n",
            at.format("%Y-%m-%dT%H:%M:%S%.3fZ")
        ),
    );
    let watch = start_watch(&site, &[]);
    assert!(!site.exists("tags/later/rss.xml"));
    watch.wait_for_log("a scheduled post's time came", 1);
    assert!(chrono::Utc::now() >= at);
    assert_eq!(site.titles("tags/later/rss.xml"), ["Soon"]);
    assert_in_sync(&site, &watch);
}

#[test]
fn an_expiring_post_leaves_when_its_time_comes() {
    let site = small_site();
    let at = chrono::Utc::now() + chrono::Duration::seconds(2);
    site.write(
        "posts/short-lived.md",
        format!(
            "---\ntitle: Short\ndate: 2024-01-05\nexpiryDate: {}\ntags: [brief]\n---\nx\n",
            at.format("%Y-%m-%dT%H:%M:%S%.3fZ")
        ),
    );
    let watch = start_watch(&site, &[]);
    assert!(site.exists("tags/brief/rss.xml"));
    watch.wait_for_log("a scheduled post's time came", 1);
    assert!(!site.exists("tags/brief/rss.xml"));
    assert_in_sync(&site, &watch);
}

#[test]
fn sigint_and_sigterm_stop_cleanly() {
    for signal in ["-INT", "-TERM"] {
        let site = small_site();
        let watch = start_watch(&site, &[]);
        site.write("posts/a.md", post("A2", "2024-01-03", "rust"));
        assert_in_sync(&site, &watch);
        let (code, log) = watch.stop_with(signal);
        assert_eq!(code, 0, "{signal}: {log}");
        assert!(log.contains("stopped"), "{log}");
        let leftovers: Vec<String> = tree(&site.out())
            .into_keys()
            .filter(|k| k.contains(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}

#[test]
fn the_content_folder_deleted_and_recreated_is_picked_up_again() {
    let site = small_site();
    let watch = start_watch(&site, &[]);
    let content_dir = site.path().join("content");
    let saved = site.path().join("saved");
    std::fs::rename(&content_dir, &saved).unwrap();
    watch.wait_for_log("is gone", 1);
    std::fs::rename(&saved, &content_dir).unwrap();
    watch.wait_for_log("is back", 1);
    site.write("posts/z.md", post("Z", "2024-03-01", "after"));
    assert_in_sync(&site, &watch);
    assert_eq!(site.titles("tags/after/rss.xml"), ["Z"]);
}

#[test]
fn one_edit_renders_one_post() {
    let site = Site::with_config("title: T\nbase_url: https://example.org/\nlimit: 0\n");
    for i in 0..200 {
        site.write(
            &format!("posts/p{i:03}.md"),
            post(&format!("P{i}"), "2024-01-01", &format!("t{}", i % 10)),
        );
    }
    let watch = start_watch(&site, &["--verbose"]);
    assert!(
        watch.log().contains("200 post(s) rendered"),
        "{}",
        watch.log()
    );
    site.write("posts/p007.md", post("P7 edited", "2024-01-01", "t7"));
    assert_in_sync(&site, &watch);
    watch.wait_for_log("posts/p007.md changed", 1);
    let log = watch.log();
    let report = log.split("posts/p007.md changed").nth(1).unwrap();
    assert!(report.contains("  1 post(s) rendered;"), "{log}");
    // Only the site feed (RSS + JSON), the `posts` section's and the t7
    // feed (RSS + JSON + page each) are written.
    assert!(
        report.lines().next().unwrap().contains(": 8 written"),
        "{log}"
    );
}

#[test]
fn check_is_refused() {
    let site = small_site();
    let run = run_in(site.path(), &["watch", "--check"]);
    run.assert_code(2);
}

#[test]
fn a_rebuild_waits_while_another_run_writes_the_folder() {
    let site = small_site();
    let watch = start_watch(&site, &[]);
    // Hold the output folder's lock, as a running `feedsmith build` does.
    let folder = std::fs::File::open(site.out()).unwrap();
    folder.lock().unwrap();
    site.write("posts/a.md", post("A while locked", "2024-01-03", "rust"));
    watch.wait_for_log("waiting for another feedsmith run that is writing to", 1);
    assert_ne!(
        site.titles("rss.xml")[0],
        "A while locked",
        "wrote through the lock"
    );
    folder.unlock().unwrap();
    assert_in_sync(&site, &watch);
    assert_eq!(site.titles("rss.xml")[0], "A while locked");
}

/// A Hugo site with three languages: the default one (`zh-tw`) and `en`
/// share `content/` (`x.en.md` is English), `ja` has a content folder of
/// its own. Watch follows each: edits, new files and removals in either
/// folder reach that language's feeds (under `en/`, `ja/`), and the output
/// stays what a fresh build of every language makes.
#[test]
fn every_language_of_a_multilingual_site_is_watched() {
    let site = Site::with_hugo_config(
        "baseURL = \"https://example.org/\"\ntitle = \"Site\"\n\
         defaultContentLanguage = \"zh-tw\"\n\
         [languages.zh-tw]\nweight = 1\n\
         [languages.en]\nweight = 2\n\
         [languages.ja]\nweight = 3\ncontentDir = \"content-ja\"\n",
    );
    site.write("posts/a.md", post("甲", "2024-01-03", "rust"))
        .write("posts/b.en.md", post("B", "2024-01-02", "rust"));
    let ja = site.path().join("content-ja/posts");
    std::fs::create_dir_all(&ja).unwrap();
    std::fs::write(ja.join("c.md"), post("シー", "2024-01-01", "go")).unwrap();
    let watch = start_watch(&site, &[]);
    // One report line for each language's first build.
    watch.wait_for_log("full build", 3);
    assert!(!watch.log().contains("default language"), "{}", watch.log());
    assert_eq!(site.titles("rss.xml"), ["甲"]);
    assert_eq!(site.titles("en/rss.xml"), ["B"]);
    assert_eq!(site.titles("ja/rss.xml"), ["シー"]);

    site.write("posts/b.en.md", post("B edited", "2024-01-02", "rust"));
    site.write("posts/d.en.md", post("D", "2024-01-04", "new"));
    std::fs::write(ja.join("e.md"), post("イー", "2024-01-05", "go")).unwrap();
    assert_in_sync(&site, &watch);
    assert_eq!(site.titles("en/rss.xml"), ["D", "B edited"]);
    assert_eq!(site.titles("en/tags/new/rss.xml"), ["D"]);
    assert_eq!(site.titles("ja/rss.xml"), ["イー", "シー"]);
    assert_eq!(site.titles("rss.xml"), ["甲"]);

    std::fs::remove_file(ja.join("c.md")).unwrap();
    site.remove("posts/b.en.md");
    assert_in_sync(&site, &watch);
    assert_eq!(site.titles("ja/rss.xml"), ["イー"]);
    assert_eq!(site.titles("en/rss.xml"), ["D"]);
    assert!(!site.exists("en/tags/rust/rss.xml"));
    assert!(watch.log().contains("] en: "), "{}", watch.log());
}

/// With Hugo's `:fileModTime`, a file's time is part of it: touching a
/// post (its bytes unchanged) moves its `lastmod`, as a fresh build has it.
#[test]
fn touching_a_file_moves_a_file_mod_time_date() {
    let site = Site::with_hugo_config(
        "baseURL = \"https://example.org/\"\ntitle = \"Site\"\ntimeZone = \"Asia/Taipei\"\n\
         [frontmatter]\nlastmod = [\":fileModTime\"]\n",
    );
    site.write("posts/a.md", post("A", "2024-01-03", "rust"));
    let watch = start_watch(&site, &[]);
    let touched = chrono::DateTime::parse_from_rfc3339("2024-05-06T07:08:09Z").unwrap();
    std::fs::File::options()
        .write(true)
        .open(content(&site, "posts/a.md"))
        .unwrap()
        .set_modified(touched.into())
        .unwrap();
    watch.wait_for_log("posts/a.md changed", 1);
    assert_in_sync(&site, &watch);
    let feed = site.json("feed.json");
    assert_eq!(
        feed["items"][0]["date_modified"],
        "2024-05-06T15:08:09+08:00"
    );
}
