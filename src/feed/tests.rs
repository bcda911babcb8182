//! Tests of what a feed holds, and property tests of every format read
//! back by independent parsers.

use super::*;
use proptest::prelude::*;

proptest! {
    /// A piece's hash given beforehand is its hash: a feed fingerprints
    /// the same whether its items' hashes were kept or made anew, and
    /// whether their bytes were kept. And a change of any byte, or of
    /// where a piece ends, shows.
    #[test]
    fn a_fingerprint_is_of_the_bytes_as_cut(
        parts in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 1..8),
        given in proptest::collection::vec(0u8..3, 8),
        at in any::<prop::sample::Index>(),
    ) {
        let cut = |parts: &[Vec<u8>]| {
            let mut pieces = Pieces::default();
            for part in parts {
                pieces.push(part.clone());
            }
            pieces.fingerprint()
        };
        let plain = cut(&parts);
        // Items written with their bytes kept (1) or not (2).
        let items: Vec<Written> = parts
            .iter()
            .zip(&given)
            .map(|(part, given)| Written::of(part, *given == 1))
            .collect();
        let hashed = {
            let mut pieces = Pieces::default();
            for ((part, given), item) in parts.iter().zip(&given).zip(&items) {
                if *given == 0 {
                    pieces.push(part.as_slice());
                } else {
                    pieces.push_item(item);
                }
            }
            pieces
        };
        prop_assert_eq!(plain, hashed.fingerprint());
        let all_kept = given.iter().take(parts.len()).all(|g| *g != 2);
        prop_assert_eq!(hashed.concat(), all_kept.then(|| parts.concat()));
        for (piece, part) in hashed.parts().iter().zip(&parts) {
            prop_assert_eq!(piece.size(), part.len());
        }
        let whole = parts.concat();
        if !whole.is_empty() {
            let i = at.index(whole.len());
            let mut changed = parts.clone();
            let (mut k, mut j) = (0, i);
            while j >= changed[k].len() {
                j -= changed[k].len();
                k += 1;
            }
            changed[k][j] ^= 1;
            prop_assert_ne!(cut(&changed), plain);
            // The same bytes, one piece ending a byte later.
            if parts.len() > 1 && !parts[1].is_empty() {
                let mut moved = parts.clone();
                let byte = moved[1].remove(0);
                moved[0].push(byte);
                prop_assert_ne!(cut(&moved), plain);
            }
        }
    }
}

/// Text with what could throw the splicing off: markup the item's own
/// text might hold (`<item>`, `</channel>` at the feed's indent, `]]>`
/// that ends CDATA), the JSON member the HTML goes into, escapes, line
/// breaks, CJK.
fn text() -> impl Strategy<Value = String> {
    proptest::string::string_regex(
        r#"([a-z 中文<>&"'\n\\]|\]\]>|</channel>|\n  </channel>|\n    <item>|<item>|</item>|\[\]\n\}|"content_html": ""){0,10}"#,
    )
    .expect("regex")
}

fn article() -> impl Strategy<Value = Article> {
    (
        (text(), 0i64..100_000, any::<bool>(), 0usize..1000),
        proptest::collection::vec(text(), 0..3),
        proptest::collection::vec(text(), 0..3),
        proptest::collection::vec(text(), 0..2),
        proptest::option::of((text(), proptest::option::of(text()))),
        (any::<bool>(), proptest::option::of(text())),
    )
        .prop_map(
            |(
                (title, minutes, modified, n),
                tags,
                categories,
                authors,
                source,
                (image, attachment),
            )| {
                let base = url::Url::parse("https://blog.example.com/").expect("url");
                let ctx =
                    crate::parse::article::ParseContext::plain(&base, chrono_tz::Asia::Taipei);
                let text = "---\ntitle: t\ndate: 2024-03-01T08:00:00+08:00\n---\nbody\n";
                let mut a =
                    crate::parse::article::parse("p.md", "content/p.md", text.as_bytes(), &ctx)
                        .article
                        .expect("parses");
                a.title = title;
                a.publish_date += chrono::Duration::minutes(minutes);
                a.lastmod = modified.then_some(a.publish_date + chrono::Duration::days(1));
                a.permalink = base.join(&format!("posts/{n}/")).expect("url");
                a.taxonomies = vec![categories, tags];
                a.authors = authors;
                (a.source_url, a.source_name) = match source {
                    Some((url, name)) => (Some(url), name),
                    None => (None, None),
                };
                let media = |path: &str| crate::parse::article::Media {
                    url: base.join(path).expect("url"),
                    local: None,
                    line: 2,
                };
                a.image = image.then(|| media(&format!("img/{n} <&>.png")));
                a.attachments = attachment
                    .map(|title| crate::parse::article::Attachment {
                        file: media(&format!("ep/{n}.mp3")),
                        mime_type: "audio/mpeg".into(),
                        title: Some(title),
                        size_in_bytes: Some(n as u64),
                        duration_in_seconds: Some(1.5),
                    })
                    .into_iter()
                    .collect();
                a
            },
        )
}

fn config(author: u8) -> Config {
    let author = match author {
        0 => "",
        1 => "author:\n  name: 林 <&>\n",
        _ => "author:\n  name: 林\n  email: a@b.c\n  url: https://b.c/\n",
    };
    let text = format!(
        "title: Blog <&>\nbase_url: https://blog.example.com/\nlanguage: zh-TW\n{author}\
         formats: [rss, json, atom]\nwebsub_hubs: [\"https://hub.example.com/\"]\n\
         image: /logo.png\nfavicon: https://blog.example.com/favicon.ico\n"
    );
    Config::parse(&text, std::path::Path::new(""), None).expect("config")
}

proptest! {
    /// Each item is written once and copied into every feed that shows
    /// it; the feed must be byte for byte what the crates write when
    /// given the whole feed at once, as feedsmith used to.
    #[test]
    fn feeds_of_items_written_once_equal_feeds_written_whole(
        posts in proptest::collection::vec((article(), text(), text()), 0..5),
        author in 0u8..3,
        full in any::<bool>(),
        tag in any::<bool>(),
    ) {
        let config = config(author);
        let posts: Vec<Post<'_>> = posts
            .iter()
            .map(|(article, html, summary)| Post {
                article,
                html: full.then_some(html.as_str()),
                summary,
            })
            .collect();
        type Make = fn(&Article, Option<String>, &str, &Config) -> Item;
        let items_by = |make: Make| -> Vec<Item> {
            posts
                .iter()
                .map(|p| make(p.article, p.html.map(str::to_owned), p.summary, &config))
                .collect()
        };
        fn entries_of<'e>(posts: &[Post<'e>], items: &'e [Item]) -> Vec<Entry<'e>> {
            posts
                .iter()
                .zip(items)
                .map(|(p, item)| Entry { article: p.article, summary: p.summary, item })
                .collect()
        }
        let items = items_by(Item::new);
        let term = crate::base::taxonomy::Term { key: "台北".into(), name: "台北 <&>".into(), slug: "台北".into() };
        let tags = crate::base::taxonomy::Taxonomy::new("tag", "tags");
        let scope = if tag { Scope::Term(&tags, &term) } else { Scope::Site };
        let feed = Feed::new(&config, scope, entries_of(&posts, &items));
        // Items that kept only their hashes, and items made again from
        // what an item cache remembers of them, give the same
        // fingerprints and lengths (and so namespaces), but no bytes to
        // write.
        let hashed = items_by(Item::hashed);
        let remembered: Vec<Item> = items
            .iter()
            .map(|item| Item::of_hashes(item.hashes().expect("written")))
            .collect();
        for hashed in [&hashed, &remembered] {
            let hashed_feed = Feed::new(&config, scope, entries_of(&posts, hashed));
            for (kept, hashed) in [
                (rss::write(&feed, &config), rss::write(&hashed_feed, &config)),
                (json::write(&feed, &config), json::write(&hashed_feed, &config)),
                (atom::write(&feed, &config), atom::write(&hashed_feed, &config)),
            ] {
                let (kept, hashed) = (kept.expect("writes"), hashed.expect("writes"));
                prop_assert_eq!(kept.fingerprint(), hashed.fingerprint());
                let lengths = |p: &Pieces<'_>| p.parts().iter().map(Piece::size).collect::<Vec<_>>();
                prop_assert_eq!(lengths(&kept), lengths(&hashed));
                prop_assert_eq!(hashed.concat().is_none(), !posts.is_empty());
            }
        }
        let (rss, rss_whole) = (
            rss::write(&feed, &config).expect("writes").concat().expect("kept"),
            rss::whole(&feed, &posts, &config).expect("writes"),
        );
        prop_assert_eq!(String::from_utf8_lossy(&rss), String::from_utf8_lossy(&rss_whole));
        let (json, json_whole) = (
            json::write(&feed, &config).expect("writes").concat().expect("kept"),
            json::whole(&feed, &posts, &config),
        );
        prop_assert_eq!(String::from_utf8_lossy(&json), String::from_utf8_lossy(&json_whole));
        // Atom has no crate to compare with: an independent parser
        // reads back each entry, in order, with its text intact.
        let atom = atom::write(&feed, &config).expect("writes").concat().expect("kept");
        let parsed = feed_rs::parser::parse(&atom[..]).expect("feed-rs reads the Atom feed");
        prop_assert_eq!(parsed.feed_type, feed_rs::model::FeedType::Atom);
        prop_assert_eq!(parsed.entries.len(), posts.len());
        for (entry, post) in parsed.entries.iter().zip(&posts) {
            let a = post.article;
            prop_assert_eq!(&entry.id, &a.permalink.to_string());
            // feed-rs trims text: so do the comparisons.
            let title = entry.title.as_ref().map(|t| t.content.clone()).unwrap_or_default();
            prop_assert_eq!(title.trim(), a.title.trim());
            prop_assert_eq!(entry.published.map(|d| d.timestamp()), Some(a.publish_date.timestamp()));
            let content = entry.content.as_ref().and_then(|c| c.body.clone());
            prop_assert_eq!(content.as_deref().map(str::trim), post.html.map(str::trim));
            let thumbnail = entry.media.iter().flat_map(|m| &m.thumbnails).next().map(|t| t.image.uri.clone());
            prop_assert_eq!(thumbnail, a.image.as_ref().map(|i| i.url.to_string()));
            let enclosures: Vec<&str> = entry.links.iter().filter(|l| l.rel.as_deref() == Some("enclosure")).map(|l| l.href.as_str()).collect();
            let attachments: Vec<&str> = a.attachments.iter().map(|f| f.file.url.as_str()).collect();
            prop_assert_eq!(enclosures, attachments);
        }
    }
}
