//! Exact output of a small fixture, reviewed by hand: any change to the bytes
//! of a feed shows up as a snapshot diff (`cargo insta review`).

use crate::common::Site;

fn fixture() -> Site {
    let site = Site::with_config(
        "title: 小站 Little Site\ndescription: 測試用\nbase_url: https://example.org/\nlanguage: zh-TW\ntimezone: Asia/Taipei\nauthor:\n  name: 林\n  email: lin@example.org\n",
    );
    site.post(
        "posts/first.md",
        "title: \"第一篇 & <First>\"\ndate: 2024-03-05T10:00:00+08:00\nlastmod: 2024-03-06\ntags: [Rust, 開源]\ncategories: [技術]\nsource_url: https://origin.example/a\nsource_name: Origin",
        "Hello **world** with [a link](../second/) and ![pic](pic.png).\n\n<!--more-->\n\n{{< youtube abc123 >}}\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nNote[^1].\n\n[^1]: A footnote.",
    )
    .post("posts/second.md", "title: Second\ndate: 2024-03-01\ndescription: The second post.\ntags: [rust]", "Plain text.");
    site
}

#[test]
fn small_site_rss() {
    let site = fixture();
    site.build(&["--strict"]).assert_code(0);
    insta::assert_snapshot!("site_rss", String::from_utf8(site.read("rss.xml")).unwrap());
    insta::assert_snapshot!(
        "tag_rss",
        String::from_utf8(site.read("tags/rust/rss.xml")).unwrap()
    );
}

#[test]
fn small_site_json() {
    let site = fixture();
    site.build(&["--strict"]).assert_code(0);
    insta::assert_snapshot!(
        "site_json",
        String::from_utf8(site.read("feed.json")).unwrap()
    );
    insta::assert_snapshot!(
        "category_json",
        String::from_utf8(site.read("categories/技術/feed.json")).unwrap()
    );
}
