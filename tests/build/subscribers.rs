//! What subscribers' readers see: Atom beside RSS and JSON Feed, each post's
//! picture and attachments, WebSub hubs, `lastmod`. Every element is read
//! back by independent parsers (feed-rs, and Python's feedparser when it is
//! installed), never compared as strings.

use crate::common::{Site, BASE};

const ALL_FORMATS: &str = "formats: [rss, json, atom]\n";

/// A site using every feature: a bundle with a cover, a post with a picture
/// under `static/` and an attachment, hubs, the site's image and favicon.
fn rich_site() -> Site {
    let site = Site::with_config(&format!(
        "title: Test site\ndescription: For tests\nbase_url: {BASE}\ntimezone: Asia/Taipei\n\
         {ALL_FORMATS}image: /logo.png\nfavicon: https://cdn.example.org/favicon.ico\n\
         websub_hubs: [\"https://hub.example.org/\", \"https://hub2.example.org/publish\"]\n\
         author:\n  name: 林\n"
    ));
    site.post(
        "posts/trip/index.md",
        "title: 旅行\ndate: 2024-05-01T10:00:00+08:00\ntags: [旅行]\ncover:\n  image: cover.jpg\n  alt: 封面",
        "body",
    );
    site.write("posts/trip/cover.jpg", b"not really a jpeg");
    site.post(
        "posts/episode.md",
        "title: Episode 1\ndate: 2024-04-01T10:00:00+08:00\ntags: [podcast]\n\
         image: /img/ep1.png\nattachments:\n  - url: https://media.example.org/ep1.mp3\n    \
         title: Listen\n    size_in_bytes: 1234\n    duration_in_seconds: 60\n  - url: ep1.pdf",
        "show notes",
    );
    site.post(
        "posts/plain.md",
        "title: Plain\ndate: 2024-03-01T10:00:00+08:00\nlastmod: 2024-06-01T10:00:00+08:00",
        "edited later",
    );
    site.build(&[]).assert_code(0);
    site
}

#[test]
fn atom_is_written_only_when_asked() {
    let site = Site::new();
    site.post("a.md", "title: A\ndate: 2024-01-01\ntags: [x]", "a");
    site.build(&[]).assert_code(0);
    assert!(site.exists("rss.xml") && site.exists("feed.json"));
    assert!(!site.exists("atom.xml") && !site.exists("tags/x/atom.xml"));

    let only_atom = Site::with_config(&format!("base_url: {BASE}\nformats: [atom]\n"));
    only_atom.post("a.md", "title: A\ndate: 2024-01-01\ntags: [x]", "a");
    only_atom.build(&[]).assert_code(0);
    for folder in ["", "tags/x/"] {
        assert!(only_atom.exists(&format!("{folder}atom.xml")), "{folder}");
        assert!(!only_atom.exists(&format!("{folder}rss.xml")), "{folder}");
        assert!(!only_atom.exists(&format!("{folder}feed.json")), "{folder}");
    }
    let feed = feed_rs::parser::parse(&only_atom.read("atom.xml")[..]).expect("parses");
    assert_eq!(feed.feed_type, feed_rs::model::FeedType::Atom);
    assert_eq!(feed.entries.len(), 1);
    // The pages offer only what was written.
    let index = String::from_utf8(only_atom.read("index.html")).unwrap();
    assert!(index.contains("type=\"application/atom+xml\""), "{index}");
    assert!(!index.contains("application/rss+xml"), "{index}");
    let opml = String::from_utf8(only_atom.read("feeds.opml")).unwrap();
    assert!(
        opml.contains("xmlUrl=\"https://example.org/feeds/atom.xml\""),
        "{opml}"
    );
}

#[test]
fn every_format_is_offered_by_the_pages() {
    let site = rich_site();
    for page in ["index.html", "tags/podcast/index.html"] {
        let html = String::from_utf8(site.read(page)).unwrap();
        for kind in [
            "application/rss+xml",
            "application/feed+json",
            "application/atom+xml",
        ] {
            assert!(
                html.contains(&format!("<link rel=\"alternate\" type=\"{kind}\"")),
                "{page} lacks {kind}"
            );
        }
    }
    // The term page shows the post's picture.
    let page = String::from_utf8(site.read("tags/旅行/index.html")).unwrap();
    assert!(
        page.contains("src=\"https://example.org/posts/trip/cover.jpg\""),
        "{page}"
    );
}

#[test]
fn atom_feeds_have_what_the_spec_and_readers_ask_for() {
    let site = rich_site();
    let feed = feed_rs::parser::parse(&site.read("atom.xml")[..]).expect("parses");
    assert_eq!(feed.feed_type, feed_rs::model::FeedType::Atom);
    assert_eq!(feed.id, "https://example.org/feeds/atom.xml");
    let rels: Vec<(Option<&str>, &str)> = feed
        .links
        .iter()
        .map(|l| (l.rel.as_deref(), l.href.as_str()))
        .collect();
    for wanted in [
        (Some("self"), "https://example.org/feeds/atom.xml"),
        (Some("alternate"), "https://example.org/"),
        (Some("hub"), "https://hub.example.org/"),
        (Some("hub"), "https://hub2.example.org/publish"),
    ] {
        assert!(rels.contains(&wanted), "{wanted:?} not in {rels:?}");
    }
    // `updated` comes from the items: the newest lastmod, not the clock.
    assert_eq!(
        feed.updated.map(|d| d.to_rfc3339()),
        Some("2024-06-01T02:00:00+00:00".to_owned())
    );
    assert_eq!(
        feed.logo.map(|l| l.uri),
        Some("https://example.org/logo.png".into())
    );
    assert_eq!(
        feed.icon.map(|l| l.uri),
        Some("https://cdn.example.org/favicon.ico".into())
    );
    assert_eq!(feed.authors[0].name, "林");
    // Entries stay in date order: an edit does not move a post up.
    let titles: Vec<String> = feed
        .entries
        .iter()
        .map(|e| e.title.as_ref().unwrap().content.clone())
        .collect();
    assert_eq!(titles, ["旅行", "Episode 1", "Plain"]);
    let plain = &feed.entries[2];
    assert_eq!(
        plain.published.map(|d| d.to_rfc3339()),
        Some("2024-03-01T02:00:00+00:00".to_owned())
    );
    assert_eq!(
        plain.updated.map(|d| d.to_rfc3339()),
        Some("2024-06-01T02:00:00+00:00".to_owned())
    );
    let episode = &feed.entries[1];
    assert_eq!(
        episode
            .categories
            .iter()
            .map(|c| c.term.as_str())
            .collect::<Vec<_>>(),
        ["podcast"]
    );
    let content = episode.content.as_ref().expect("content");
    assert!(content.body.as_deref().unwrap().contains("show notes"));
    let enclosures: Vec<(&str, Option<String>, Option<u64>)> = episode
        .links
        .iter()
        .filter(|l| l.rel.as_deref() == Some("enclosure"))
        .map(|l| (l.href.as_str(), l.media_type.clone(), l.length))
        .collect();
    assert_eq!(
        enclosures,
        [
            (
                "https://media.example.org/ep1.mp3",
                Some("audio/mpeg".into()),
                Some(1234)
            ),
            (
                "https://example.org/ep1.pdf",
                Some("application/pdf".into()),
                None
            ),
        ]
    );
    let related: Vec<(&str, Option<String>)> = feed.entries[0]
        .links
        .iter()
        .filter(|l| l.rel.as_deref() == Some("related"))
        .map(|l| (l.href.as_str(), l.media_type.clone()))
        .collect();
    assert_eq!(
        related,
        [(
            "https://example.org/posts/trip/cover.jpg",
            Some("image/jpeg".into())
        )]
    );
    let thumbnails: Vec<String> = feed
        .entries
        .iter()
        .map(|e| {
            e.media
                .iter()
                .flat_map(|m| &m.thumbnails)
                .map(|t| t.image.uri.clone())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    assert_eq!(
        thumbnails,
        [
            "https://example.org/posts/trip/cover.jpg",
            "https://example.org/img/ep1.png",
            ""
        ]
    );
}

#[test]
fn rss_carries_pictures_the_first_attachment_and_hubs() {
    let site = rich_site();
    let feed = site.rss("rss.xml");
    let hubs: Vec<&str> = feed
        .links
        .iter()
        .filter(|l| l.rel.as_deref() == Some("hub"))
        .map(|l| l.href.as_str())
        .collect();
    assert_eq!(
        hubs,
        [
            "https://hub.example.org/",
            "https://hub2.example.org/publish"
        ]
    );
    assert_eq!(
        feed.logo.map(|l| l.uri),
        Some("https://example.org/logo.png".into())
    );
    let episode = &feed.entries[1];
    // RSS allows one enclosure: the first attachment.
    let media: Vec<(String, Option<String>)> = episode
        .media
        .iter()
        .flat_map(|m| &m.content)
        .map(|c| {
            (
                c.url.as_ref().map(|u| u.to_string()).unwrap_or_default(),
                c.content_type.as_ref().map(|t| t.to_string()),
            )
        })
        .collect();
    assert!(
        media.contains(&(
            "https://media.example.org/ep1.mp3".into(),
            Some("audio/mpeg".into())
        )),
        "{media:?}"
    );
    let thumbnails: Vec<String> = episode
        .media
        .iter()
        .flat_map(|m| &m.thumbnails)
        .map(|t| t.image.uri.clone())
        .collect();
    assert_eq!(thumbnails, ["https://example.org/img/ep1.png"]);
    let xml = String::from_utf8(site.read("rss.xml")).unwrap();
    assert_eq!(xml.matches("<enclosure ").count(), 1, "{xml}");
}

#[test]
fn json_feed_carries_images_attachments_hubs_and_modification_dates() {
    let site = rich_site();
    let json = site.json("feed.json");
    assert_eq!(json["icon"], "https://example.org/logo.png");
    assert_eq!(json["favicon"], "https://cdn.example.org/favicon.ico");
    assert_eq!(json["hubs"][0]["type"], "WebSub");
    assert_eq!(json["hubs"][1]["url"], "https://hub2.example.org/publish");
    let items = json["items"].as_array().unwrap();
    assert_eq!(
        items[0]["image"],
        "https://example.org/posts/trip/cover.jpg"
    );
    let attachments = items[1]["attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 2);
    assert_eq!(attachments[0]["url"], "https://media.example.org/ep1.mp3");
    assert_eq!(attachments[0]["mime_type"], "audio/mpeg");
    assert_eq!(attachments[0]["title"], "Listen");
    assert_eq!(attachments[0]["size_in_bytes"], 1234);
    assert_eq!(attachments[0]["duration_in_seconds"], 60.0);
    assert_eq!(attachments[1]["mime_type"], "application/pdf");
    assert_eq!(items[2]["date_published"], "2024-03-01T10:00:00+08:00");
    assert_eq!(items[2]["date_modified"], "2024-06-01T10:00:00+08:00");
    // feed-rs reads the same file as JSON Feed.
    let parsed = feed_rs::parser::parse(&site.read("feed.json")[..]).expect("parses");
    assert_eq!(parsed.entries.len(), 3);
}

#[test]
fn bad_feature_settings_are_errors_with_their_line() {
    for (config, line, what) in [
        ("formats: [rss, xml]\n", 2, "unknown variant `xml`"),
        ("formats: []\n", 2, "`formats` is empty"),
        ("websub_hubs: [\"not a url\"]\n", 2, "websub_hubs"),
        ("image: \"mailto:x@y\"\n", 2, "`image`"),
    ] {
        let site = Site::with_config(&format!("base_url: {BASE}\n{config}"));
        site.post("a.md", "title: A\ndate: 2024-01-01", "a");
        site.build(&[])
            .assert_code(2)
            .assert_stderr_has(&format!("feedsmith.yaml:{line}"))
            .assert_stderr_has(what);
    }
}

#[test]
fn a_picture_that_is_not_a_url_is_a_warning_and_the_post_stays() {
    let site = Site::new();
    site.post(
        "a.md",
        "title: A\ndate: 2024-01-01\nimage: \"javascript:alert(1)\"",
        "a",
    );
    site.build(&[])
        .assert_code(0)
        .assert_stderr_has("content/a.md:4:")
        .assert_stderr_has("`image`");
    assert_eq!(site.titles("rss.xml"), ["A"]);
    let json = site.json("feed.json");
    assert!(json["items"][0].get("image").is_none());
}

/// Python's feedparser is what many readers are built on: it must find the
/// pictures, enclosures and hubs too, in RSS and Atom.
#[test]
fn feedparser_finds_pictures_enclosures_and_hubs() {
    if !crate::common::python_has("feedparser", "pip install feedparser") {
        return;
    }
    let site = rich_site();
    let script = r#"
import json, sys, feedparser
out = {}
for path in sys.argv[1:]:
    d = feedparser.parse(path)
    out[path] = {
        "bozo": bool(d.bozo), "version": d.version,
        "hubs": [l.href for l in d.feed.get("links", []) if l.rel == "hub"],
        "image": d.feed.get("image", {}).get("href", "") or d.feed.get("logo", ""),
        "thumbnails": [[t["url"] for t in e.get("media_thumbnail", [])] for e in d.entries],
        "enclosures": [[x.href for x in e.enclosures] for e in d.entries],
    }
print(json.dumps(out))
"#;
    let paths: Vec<String> = ["rss.xml", "atom.xml"]
        .iter()
        .map(|f| site.out().join(f).to_string_lossy().into_owned())
        .collect();
    let result = crate::common::python_json(script, &paths);
    for (path, version, enclosures) in [
        (
            &paths[0],
            "rss20",
            serde_json::json!([[], ["https://media.example.org/ep1.mp3"], []]),
        ),
        (
            &paths[1],
            "atom10",
            serde_json::json!([
                [],
                [
                    "https://media.example.org/ep1.mp3",
                    "https://example.org/ep1.pdf"
                ],
                []
            ]),
        ),
    ] {
        let r = &result[path];
        assert_eq!(r["bozo"], false, "{path}");
        assert_eq!(r["version"], version, "{path}");
        assert_eq!(
            r["hubs"],
            serde_json::json!([
                "https://hub.example.org/",
                "https://hub2.example.org/publish"
            ]),
            "{path}"
        );
        assert_eq!(r["image"], "https://example.org/logo.png", "{path}");
        assert_eq!(
            r["thumbnails"],
            serde_json::json!([
                ["https://example.org/posts/trip/cover.jpg"],
                ["https://example.org/img/ep1.png"],
                []
            ]),
            "{path}"
        );
        assert_eq!(r["enclosures"], enclosures, "{path}");
    }
}

#[test]
fn a_bundle_gives_its_picture_and_its_files_sizes_and_says_what_it_lacks() {
    let site = Site::new();
    site.post(
        "posts/found/index.md",
        "title: Found\ndate: 2024-05-01\nattachments:\n  - url: talk.pdf",
        "body",
    );
    site.write("posts/found/thumbnail.png", b"png");
    site.write("posts/found/Feature Image.jpg", b"jpeg bytes");
    site.write("posts/found/talk.pdf", vec![b'%'; 4321]);
    site.post(
        "posts/lost/index.md",
        "title: Lost\ndate: 2024-04-01\nimages: [missing.png]\nattachments:\n  - url: gone.mp3",
        "body",
    );
    site.build(&[])
        .assert_code(0)
        .assert_stderr_has("content/posts/lost/index.md:4: the picture `missing.png` is not in the page bundle (content/posts/lost/)")
        .assert_stderr_has("content/posts/lost/index.md:5: the attachment `gone.mp3` is not in the page bundle");
    let json = site.json("feed.json");
    let items = json["items"].as_array().unwrap();
    assert_eq!(items[0]["title"], "Found");
    // `feature` wins over `thumbnail`, as in Hugo's templates.
    assert_eq!(
        items[0]["image"],
        "https://example.org/posts/found/Feature%20Image.jpg"
    );
    assert_eq!(items[0]["attachments"][0]["size_in_bytes"], 4321);
    assert_eq!(items[0]["attachments"][0]["mime_type"], "application/pdf");
    // The post that lacks its files is still published, without them.
    assert_eq!(items[1]["title"], "Lost");
    assert!(items[1].get("image").is_none());
    assert!(items[1].get("attachments").is_none());
    // And `--strict` refuses it.
    site.build(&["--strict"]).assert_code(1);
}

/// The item cache remembers posts by their bytes; a bundle's post also by
/// what its files gave it, so a picture added between two builds shows.
#[test]
fn a_picture_added_to_a_bundle_between_builds_shows_in_the_next() {
    let site = Site::new();
    site.post("trip/index.md", "title: Trip\ndate: 2024-05-01", "body");
    site.build(&[]).assert_code(0);
    assert!(site.json("feed.json")["items"][0].get("image").is_none());
    site.write("trip/feature.webp", b"webp");
    site.build(&[]).assert_code(0);
    assert_eq!(
        site.json("feed.json")["items"][0]["image"],
        "https://example.org/trip/feature.webp"
    );
    site.remove("trip/feature.webp");
    site.build(&[]).assert_code(0);
    assert!(site.json("feed.json")["items"][0].get("image").is_none());
}
