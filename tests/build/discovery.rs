//! The discovery files: `feeds.opml`, the top `index.html` and the page
//! beside each term's feed.

use std::collections::BTreeSet;

use crate::common::{tree, Site};

fn site() -> Site {
    let site = Site::with_config(
        "title: 筆記 <Notes>\ndescription: 測試\nbase_url: https://example.org/\nlanguage: zh-TW\n",
    );
    site.post("a.md", "title: \"A <b>&</b>\"\ndate: 2024-01-02\ntags: [Rust, \"<script>x</script>\"]\ncategories: [技術]\ndescription: Summary of A", "x")
        .post("b.md", "title: B\ndate: 2024-01-01\ntags: [rust]", "y");
    site.build(&["--strict"]).assert_code(0);
    site
}

/// Every `xmlUrl` in an OPML document, which must be well-formed XML.
fn opml_urls(bytes: &[u8]) -> BTreeSet<String> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut urls = BTreeSet::new();
    let mut buf = Vec::new();
    loop {
        match reader
            .read_event_into(&mut buf)
            .expect("OPML is well-formed XML")
        {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Empty(e) | quick_xml::events::Event::Start(e)
                if e.name().as_ref() == b"outline" =>
            {
                for a in e.attributes() {
                    let a = a.expect("attribute");
                    if a.key.as_ref() == b"xmlUrl" {
                        let value = a
                            .decoded_and_normalized_value(
                                quick_xml::XmlVersion::Implicit1_0,
                                reader.decoder(),
                            )
                            .expect("value");
                        urls.insert(value.into_owned());
                    }
                }
            }
            _ => {}
        }
        buf.clear();
    }
    urls
}

#[test]
fn the_opml_lists_every_feed() {
    let site = site();
    let urls = opml_urls(&site.read("feeds.opml"));
    let expected: BTreeSet<String> = tree(&site.out())
        .into_keys()
        .filter(|k| k.ends_with("rss.xml"))
        .map(|k| {
            let feed = site.rss(&k);
            feed.links
                .iter()
                .find(|l| l.rel.as_deref() == Some("self"))
                .map(|l| l.href.clone())
                .unwrap_or_else(|| panic!("{k} has no self link"))
        })
        .collect();
    // The site, one category and two tags.
    assert_eq!(expected.len(), 4);
    assert_eq!(urls, expected);
    let text = String::from_utf8(site.read("feeds.opml")).unwrap();
    assert!(text.contains("<opml version=\"2.0\">"));
    assert!(
        text.contains("<title>筆記 &lt;Notes&gt; · 訂閱來源</title>"),
        "{text}"
    );
}

#[test]
fn the_index_lists_every_feed_with_autodiscovery() {
    let site = site();
    let html = String::from_utf8(site.read("index.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<html lang=\"zh-Hant\">"));
    assert!(html.contains("<meta name=\"viewport\""));
    assert!(html.contains("<link rel=\"alternate\" type=\"application/rss+xml\" title=\"筆記 &lt;Notes&gt;\" href=\"https://example.org/feeds/rss.xml\">"), "{html}");
    assert!(html.contains("<link rel=\"alternate\" type=\"application/feed+json\""));
    for folder in ["categories/技術/", "tags/rust/"] {
        let encoded: String = folder
            .split('/')
            .map(|s| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>())
            .collect::<Vec<_>>()
            .join("/");
        assert!(
            html.contains(&format!("href=\"{encoded}\"")),
            "no link to {folder}: {html}"
        );
    }
    assert!(html.contains(">2 篇"), "the rust tag has 2 items: {html}");
    // A hostile tag name is text, never markup.
    assert!(!html.contains("<script>x"), "{html}");
    assert!(html.contains("&lt;script&gt;x&lt;/script&gt;"), "{html}");
}

#[test]
fn each_term_has_a_page_beside_its_feed() {
    let site = site();
    let html = String::from_utf8(site.read("tags/rust/index.html")).unwrap();
    assert!(
        html.contains("<h1>筆記 &lt;Notes&gt;｜標籤：rust</h1>")
            || html.contains("｜標籤：Rust</h1>"),
        "{html}"
    );
    assert!(
        html.contains("<code>https://example.org/feeds/tags/rust/rss.xml</code>"),
        "{html}"
    );
    assert!(
        html.contains("<code>https://example.org/feeds/tags/rust/feed.json</code>"),
        "{html}"
    );
    assert!(
        html.contains("data-copy=\"https://example.org/feeds/tags/rust/rss.xml\""),
        "{html}"
    );
    assert!(
        html.contains("<a href=\"https://example.org/a/\">A &lt;b&gt;&amp;&lt;/b&gt;</a>"),
        "{html}"
    );
    assert!(html.contains("Summary of A"), "{html}");
    assert!(html.contains("<a href=\"../../\">"), "{html}");
    assert!(site.exists("categories/技術/index.html"));
}

#[test]
fn pages_of_removed_terms_go_with_their_feeds() {
    let site = site();
    site.post("b.md", "title: B\ndate: 2024-01-01\ntags: [go]", "y");
    site.post("a.md", "title: A\ndate: 2024-01-02", "x");
    site.build(&[]).assert_code(0);
    assert!(!site.exists("tags/rust/index.html"));
    assert!(site.exists("tags/go/index.html"));
}
