//! Tags and categories: merging, slugs, collisions and CJK.

use crate::common::{Site, BASE};

fn feed_folders(site: &Site, kind: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(site.out().join(kind))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn spellings_merge_case_insensitively_with_spaces_and_hyphens_alike() {
    let site = Site::new();
    site.post(
        "a.md",
        "title: A\ndate: 2024-01-03\ntags: [AI, Open Source]\ncategories: [SERVICE MESH]",
        "x",
    )
    .post(
        "b.md",
        "title: B\ndate: 2024-01-02\ntags: [ai, open-source]\ncategories: service-mesh",
        "x",
    )
    .post(
        "c.md",
        "title: C\ndate: 2024-01-01\ntags: [ai, AI]\ncategories: [Service Mesh]",
        "x",
    );
    site.build(&[]).assert_code(0);
    assert_eq!(feed_folders(&site, "tags"), ["ai", "open-source"]);
    assert_eq!(feed_folders(&site, "categories"), ["service-mesh"]);
    assert_eq!(site.titles("tags/ai/rss.xml"), ["A", "B", "C"]);
    assert_eq!(
        site.titles("categories/service-mesh/rss.xml"),
        ["A", "B", "C"]
    );
    // The most used spelling names the feed.
    let feed = site.rss("tags/ai/rss.xml");
    assert_eq!(feed.title.unwrap().content, "Test site | Tag: ai");
    // A post that lists one term twice is listed once under it.
    let c = site.json("tags/ai/feed.json")["items"][2]["tags"].clone();
    assert_eq!(c, serde_json::json!(["Service Mesh", "ai"]));
}

#[test]
fn cjk_terms_keep_their_letters_and_are_percent_encoded_in_links() {
    let site =
        Site::with_config("title: 筆記\nbase_url: https://example.org/blog/\nlanguage: zh-TW\n");
    site.post(
        "a.md",
        "title: 甲\ndate: 2024-01-01\ntags: [黃仁勳]\ncategories: [科技巨頭觀察]",
        "x",
    );
    site.build(&[]).assert_code(0);
    assert!(site.exists("tags/黃仁勳/rss.xml"));
    assert!(site.exists("categories/科技巨頭觀察/feed.json"));
    let rss = String::from_utf8(site.read("tags/黃仁勳/rss.xml")).unwrap();
    assert!(
        rss.contains("<atom:link href=\"https://example.org/blog/feeds/tags/%E9%BB%83%E4%BB%81%E5%8B%B3/rss.xml\" rel=\"self\""),
        "{rss}"
    );
    assert!(rss.contains("<title>筆記｜標籤：黃仁勳</title>"), "{rss}");
    let json = site.json("categories/科技巨頭觀察/feed.json");
    assert_eq!(
        json["feed_url"],
        "https://example.org/blog/feeds/categories/%E7%A7%91%E6%8A%80%E5%B7%A8%E9%A0%AD%E8%A7%80%E5%AF%9F/feed.json"
    );
    assert_eq!(json["title"], "筆記｜分類：科技巨頭觀察");
}

#[test]
fn distinct_terms_never_share_a_feed() {
    // Hugo's addresses: `c`, `c++`, `c#`, `ci/cd` (nested), `ci-cd`,
    // `.net`, `net`, `con`. The folders of `.net` (no hidden folder) and
    // `con` (a device name on Windows) must differ from them.
    let site = Site::new();
    site.post(
        "a.md",
        "title: A\ndate: 2024-01-02\ntags: [C, C++, C#, CI/CD]",
        "x",
    )
    .post(
        "b.md",
        "title: B\ndate: 2024-01-01\ntags: [CI-CD, .NET, net, con]",
        "x",
    );
    let run = site.build(&[]);
    run.assert_code(0);
    let folders = ["c", "c++", "c#", "ci/cd", "ci-cd", "net-2", "net", "con_"];
    // `ci/cd` is in `ci/`.
    assert_eq!(
        feed_folders(&site, "tags").len(),
        8,
        "{:?}",
        feed_folders(&site, "tags")
    );
    run.assert_stderr_has("warning: tag `.NET`");
    // Each feed holds exactly one term's posts, and names that term.
    let mut titles: Vec<String> = folders
        .iter()
        .map(|f| {
            site.rss(&format!("tags/{f}/rss.xml"))
                .title
                .unwrap()
                .content
        })
        .collect();
    titles.sort();
    assert_eq!(
        titles,
        [
            "Test site | Tag: .NET",
            "Test site | Tag: C",
            "Test site | Tag: C#",
            "Test site | Tag: C++",
            "Test site | Tag: CI-CD",
            "Test site | Tag: CI/CD",
            "Test site | Tag: con",
            "Test site | Tag: net",
        ]
    );
    // Deterministic: a second build into another folder gives the same names.
    site.build(&["--out", "again"]).assert_code(0);
    let again = crate::common::tree(&site.path().join("again"));
    let first = crate::common::tree(&site.out());
    assert_eq!(again, first);
}

#[test]
fn terms_of_unpublished_posts_get_no_feed() {
    let site = Site::new();
    site.post("a.md", "title: A\ndate: 2024-01-01\ntags: [shared]", "x")
        .post(
            "d.md",
            "title: D\ndate: 2024-01-01\ndraft: true\ntags: [shared, secret]\ncategories: [hidden]",
            "x",
        );
    site.build(&[]).assert_code(0);
    assert_eq!(feed_folders(&site, "tags"), ["shared"]);
    assert!(!site.out().join("categories").exists());
    assert_eq!(site.titles("tags/shared/rss.xml"), ["A"]);
}

#[test]
fn term_feeds_link_to_the_hugo_term_page() {
    let site = Site::new();
    site.post(
        "a.md",
        "title: A\ndate: 2024-01-01\ncategories: [Deep Dive]",
        "x",
    );
    site.build(&[]).assert_code(0);
    let json = site.json("categories/deep-dive/feed.json");
    assert_eq!(
        json["home_page_url"],
        format!("{BASE}categories/deep-dive/")
    );
}

#[test]
fn percent_encoded_terms_from_wordpress_merge_with_plain_ones() {
    let site = Site::new();
    site.post(
        "a.md",
        "title: A\ndate: 2024-01-02\ntags: [\"%e4%bd%9c%e6%a5%ad\"]",
        "x",
    )
    .post("b.md", "title: B\ndate: 2024-01-01\ntags: [作業]", "x");
    site.build(&["--strict"]).assert_code(0);
    assert_eq!(feed_folders(&site, "tags"), ["作業"]);
    assert_eq!(site.titles("tags/作業/rss.xml"), ["A", "B"]);
    let json = site.json("tags/作業/feed.json");
    assert_eq!(
        json["home_page_url"],
        format!("{BASE}tags/%E4%BD%9C%E6%A5%AD/")
    );
}

/// Hugo publishes a feed for each section (first folder) with posts; so
/// does feedsmith, under `sections/`, its link the section's page.
#[test]
fn each_section_with_a_post_gets_its_feed() {
    let site = Site::new();
    site.post("posts/a.md", "title: A\ndate: 2024-01-03", "a")
        .post("posts/2024/b.md", "title: B\ndate: 2024-01-02", "b")
        .post("notes/c.md", "title: C\ndate: 2024-01-01", "c")
        .post(
            "drafts/d.md",
            "title: D\ndate: 2024-01-01\ndraft: true",
            "d",
        )
        .post("top.md", "title: Top\ndate: 2024-01-04", "t");
    site.build(&[]).assert_code(0);
    assert_eq!(site.titles("rss.xml"), ["Top", "A", "B", "C"]);
    assert_eq!(site.titles("sections/posts/rss.xml"), ["A", "B"]);
    assert_eq!(site.titles("sections/notes/rss.xml"), ["C"]);
    assert!(!site.exists("sections/drafts/rss.xml"));
    let feed = site.rss("sections/posts/rss.xml");
    assert_eq!(feed.links[0].href, "https://example.org/posts/");
    let index = String::from_utf8(site.read("index.html")).unwrap();
    assert!(index.contains("<h2>Sections</h2>"), "{index}");
}
