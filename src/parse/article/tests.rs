//! Tests of article parsing: front matter fields, dates, permalinks and the
//! errors they give.

use super::*;

fn ctx_url() -> Url {
    Url::parse("https://example.com/").unwrap()
}

fn parse_str(text: &str) -> Parsed {
    let base = ctx_url();
    let ctx = ParseContext::plain(&base, chrono_tz::Asia::Taipei);
    parse("posts/a.md", "content/posts/a.md", text.as_bytes(), &ctx)
}

/// Front matter lines, ordinary and awkward, for the property below.
const LINES: [&str; 14] = [
    "title: \"開源 AI 中文標題\"",
    "title: '單引號'",
    "date: 2025-12-24T12:30:00+08:00",
    "date: 2024-01-02",
    "tags: [\"黃仁勳\", \"NVIDIA\", ai, AI]",
    "categories:\n  - 科技\n  - Tech",
    "description: \"a\\x01b\"",
    "draft: true",
    "slug: my-post",
    "title: \"---\"",
    "publishDate: 2030-01-01T00:00:00Z",
    "weird: [unclosed",
    "author: 某人",
    "date: yesterday",
];

proptest::proptest! {
    /// The byte test must agree with the character test it stands for.
    #[test]
    fn forbidden_bytes_are_forbidden_characters(
        chars in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::char::range('\u{0}', '\u{7f}'),
                proptest::sample::select(vec![
                    '中', '，', '\u{ffbf}', '\u{ffc0}', '\u{fffd}', '\u{fffe}', '\u{ffff}', '😀',
                ]),
                proptest::prelude::any::<char>(),
            ],
            0..300,
        ),
        no_controls in proptest::prelude::any::<bool>(),
    ) {
        // Without ASCII controls, U+FFFE and U+FFFF alone decide.
        let text: String = chars
            .into_iter()
            .filter(|&c| !(no_controls && c.is_ascii_control() && !"\t\n\r".contains(c)))
            .collect();
        proptest::prop_assert_eq!(
            has_forbidden_bytes(text.as_bytes()),
            text.contains(|c| !is_xml_char(c))
        );
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

    /// Whatever start of a file `parse_front` accepts, the article is the
    /// one `parse` reads from the whole file, without its body, with the
    /// same warnings: a one-shot build may read just the start of a file.
    #[test]
    fn the_start_of_a_file_gives_the_article_the_whole_file_gives(
        lines in proptest::collection::vec(0..LINES.len(), 0..7),
        fence in 0..3usize,
        bom in proptest::bool::weighted(0.1),
        crlf in proptest::bool::weighted(0.1),
        body in "[a-z 中\n]{0,40}",
        // Now and then something in the body that reading the whole
        // file has to clean up.
        odd in proptest::option::weighted(
            0.3,
            proptest::sample::select(vec!["\r", "\r\n", "\u{1}", "\u{FFFE}"]),
        ),
        odd_at in 0..40usize,
        cut in 0..400usize,
    ) {
        let front: Vec<&str> = lines.iter().map(|&i| LINES[i]).collect();
        let mut body = body;
        if let Some(odd) = odd {
            let at = body.char_indices().nth(odd_at).map_or(body.len(), |(i, _)| i);
            body.insert_str(at, odd);
        }
        let mut text = match fence {
            0 => format!("---\n{}\n---\n{body}", front.join("\n")),
            1 => format!("+++\ntitle = \"T\"\ndate = 2024-01-02\n+++\n{body}"),
            _ => format!("{{\"title\": \"T\", \"date\": \"2024-01-02\"}}\n{body}"),
        };
        if crlf {
            text = text.replace('\n', "\r\n");
        }
        if bom {
            text.insert(0, '\u{feff}');
        }
        let bytes = text.as_bytes();
        let start = &bytes[..cut.min(bytes.len())];
        let base = ctx_url();
        let ctx = ParseContext::plain(&base, chrono_tz::Asia::Taipei);
        if let Some((front, len)) = parse_front("posts/a.md", "content/posts/a.md", start, &ctx) {
            let whole = parse("posts/a.md", "content/posts/a.md", bytes, &ctx);
            let mut article = whole.article.expect("the whole file parses too");
            // The body read again after the front matter is the whole
            // file's, whenever it is clean enough to be taken as it is.
            if let Some(body) = clean_body(&bytes[len..]) {
                proptest::prop_assert_eq!(&body, &article.body);
            }
            article.body.clear();
            proptest::prop_assert_eq!(front.article, Ok(article));
            // Bar what the whole file's body is warned about.
            let of_front: Vec<Diagnostic> = whole
                .warnings
                .into_iter()
                .filter(|w| !w.message.starts_with("control characters"))
                .collect();
            proptest::prop_assert_eq!(front.warnings, of_front);
        }
    }
}

#[test]
fn the_start_of_a_file_is_enough_only_when_it_holds_the_front_matter() {
    let base = ctx_url();
    let ctx = ParseContext::plain(&base, chrono_tz::Asia::Taipei);
    let text = "---\ntitle: \"中文\"\ndate: 2024-01-02\n---\nBody \u{1} text\n";
    let front = |start: &[u8]| parse_front("a.md", "a.md", start, &ctx).map(|(p, _)| p);
    let closed = text.find("---\nBody").unwrap() + 4;
    assert!(front(&text.as_bytes()[..closed]).is_some());
    assert!(
        front(&text.as_bytes()[..closed - 1]).is_none(),
        "fence line cut"
    );
    let body = "---\ntitle: T\ndate: 2024-01-02\n---\n中文\n".as_bytes();
    let inside = body.len() - 5;
    assert!(std::str::from_utf8(&body[..inside]).is_err());
    assert!(front(&body[..inside]).is_some(), "a cut inside a character");
    // The body's control character is not its business (it is judged
    // when the body is read whole); the front matter's is.
    assert!(
        front(text.as_bytes()).is_some(),
        "a control character in the body"
    );
    let in_front = text.replace("中文", "中\u{1}文");
    assert!(
        front(in_front.as_bytes()).is_none(),
        "a control character in the front matter"
    );
    assert!(front(&text.replace('\n', "\r\n").into_bytes()).is_none());
    // Nor is a byte that is not UTF-8 in the body, or a carriage return.
    let odd_body = [&text.as_bytes()[..closed], b"\xff\r\n"].concat();
    assert!(front(&odd_body).is_some(), "odd bytes in the body");
    // A fence line with spaces after it closes the front matter, one with
    // more text does not; TOML's `+++` and a byte order mark work alike.
    let spaced = text.replacen("---\nBody", "---  \nBody", 1);
    assert!(front(spaced.as_bytes()).is_some(), "a fence with spaces");
    let not_fence = "---\ntitle: \"T\n---x\"\ndate: 2024-01-02\n---\nBody\n";
    let (front_title, whole_title) = (
        front(not_fence.as_bytes()).map(|p| p.article.map(|a| a.title)),
        parse("a.md", "a.md", not_fence.as_bytes(), &ctx)
            .article
            .map(|a| a.title),
    );
    assert_eq!(
        front_title,
        Some(whole_title),
        "a line that starts like a fence"
    );
    let toml = "\u{feff}+++\ntitle = \"T\"\ndate = 2024-01-02\n+++\n\u{1}\n";
    assert!(front(toml.as_bytes()).is_some(), "TOML after a BOM");
}

#[test]
fn reads_the_users_format() {
    let p = parse_str(
        "---\ntitle: \"開源 AI\"\ndate: 2025-12-24T12:30:00+08:00\ndescription: \"短\"\ntags: [\"黃仁勳\", \"NVIDIA\"]\ncategories: [\"科技\"]\nsource_url: \"https://www.youtube.com/watch?v=x\"\nsource_name: \"Show\"\ndraft: false\n---\n\nBody\n",
    );
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    let a = p.article.unwrap();
    assert_eq!(a.title, "開源 AI");
    assert_eq!(a.date.to_rfc3339(), "2025-12-24T12:30:00+08:00");
    assert_eq!(a.publish_date, a.date);
    assert_eq!(a.taxonomies[1], ["黃仁勳", "NVIDIA"]);
    assert_eq!(a.taxonomies[0], ["科技"]);
    assert_eq!(a.source_name.as_deref(), Some("Show"));
    assert_eq!(a.permalink.as_str(), "https://example.com/posts/a/");
    assert_eq!(a.body, "\nBody\n");
    assert_eq!(a.body_line, 11);
    assert!(!a.draft);
}

#[test]
fn bom_crlf_and_single_string_terms() {
    let p =
        parse_str("\u{feff}---\r\ntitle: A\r\ndate: 2024-03-05\r\ntags: solo\r\n---\r\nBody\r\n");
    let a = p.article.unwrap();
    assert_eq!(a.taxonomies[1], ["solo"]);
    assert_eq!(a.date.to_rfc3339(), "2024-03-05T00:00:00+08:00");
    assert_eq!(a.body, "Body\n");
}

#[test]
fn hugo_key_aliases_and_case() {
    let p = parse_str("---\nTitle: A\nDate: 2024-03-05\npublishDate: 2024-04-01\nLastMod: 2024-05-01\nexpiryDate: 2030-01-01\n---\n");
    let a = p.article.unwrap();
    assert_eq!(a.publish_date.to_rfc3339(), "2024-04-01T00:00:00+08:00");
    assert_eq!(a.date.to_rfc3339(), "2024-03-05T00:00:00+08:00");
    assert!(a.lastmod.is_some() && a.expiry_date.is_some());
}

#[test]
fn duplicate_keys_warn_and_the_last_wins() {
    let p = parse_str("---\ntitle: First\ndate: 2024-03-05\ntitle: Second\n---\n");
    assert_eq!(p.article.unwrap().title, "Second");
    assert_eq!(p.warnings.len(), 1);
    assert_eq!(p.warnings[0].line, Some(4));
    assert!(p.warnings[0].message.contains("duplicate"));
}

#[test]
fn a_missing_date_is_an_error_with_a_line_and_a_missing_title_none() {
    // As in Hugo, a post may have no title.
    let a = parse_str("---\ndate: 2024-03-05\n---\n").article.unwrap();
    assert_eq!(a.title, "");
    let e = parse_str("---\ntitle: A\n---\n").article.unwrap_err();
    assert!(e.message.contains("no `date`"));
    let e = parse_str("---\ntitle: A\ndate: someday\n---\n")
        .article
        .unwrap_err();
    assert_eq!(e.line, Some(3));
    assert!(e.message.contains("someday"));
    let e = parse_str("---\ntitle: A\ndate: [1]\n---\n")
        .article
        .unwrap_err();
    assert!(e.message.contains("a list"));
}

#[test]
fn odd_drafts_are_held_back_with_a_warning() {
    let p = parse_str("---\ntitle: A\ndate: 2024-03-05\ndraft: maybe\n---\n");
    assert!(p.article.unwrap().draft);
    assert_eq!(p.warnings[0].line, Some(4));
    assert!(
        parse_str("---\ntitle: A\ndate: 2024-03-05\ndraft: \"true\"\n---\n")
            .article
            .unwrap()
            .draft
    );
}

#[test]
fn wrong_types_are_reported() {
    let p = parse_str("---\ntitle: A\ndate: 2024-03-05\ntags: 5\ncategories: {a: 1}\n---\n");
    let a = p.article.unwrap();
    assert_eq!(a.taxonomies[1], ["5"]);
    assert!(a.taxonomies[0].is_empty());
    assert_eq!(p.warnings.len(), 1);
    assert_eq!(p.warnings[0].line, Some(5));
}

#[test]
fn not_utf8_names_the_line() {
    let base = ctx_url();
    let ctx = ParseContext::plain(&base, Tz::UTC);
    let e = parse("a.md", "a.md", b"---\ntitle: \xff\n", &ctx)
        .article
        .unwrap_err();
    assert_eq!(e.line, Some(2));
    assert!(e.message.contains("UTF-8"));
}

#[test]
fn forbidden_xml_characters_are_removed() {
    let p = parse_str("---\ntitle: \"A\u{1}B\"\ndate: 2024-03-05\n---\nx\u{0}y\u{FFFF}\n");
    let a = p.article.unwrap();
    assert_eq!(a.title, "AB");
    assert_eq!(a.body, "xy\n");
    assert_eq!(p.warnings[0].line, Some(2));
}

#[test]
fn percent_encoded_terms_are_decoded() {
    let p = parse_str(
        "---\ntitle: A\ndate: 2024-03-05\ntags: [\"%e4%bd%9c%e6%a5%ad\", \"100%\", \"%ff\"]\n---\n",
    );
    assert_eq!(p.article.unwrap().taxonomies[1], ["作業", "100%", "%ff"]);
}

#[test]
fn a_term_spelled_twice_in_one_article_is_kept_once() {
    let p = parse_str(
        "---\ntitle: A\ndate: 2024-03-05\ntags: [Rust, ai, AI, \"c d\", \" \", C-D, rust, 7, 7]\ncategories: Go\n---\n",
    );
    let a = p.article.unwrap();
    assert_eq!(a.taxonomies[1], ["Rust", "ai", "c d", "7"]);
    assert_eq!(a.taxonomies[0], ["Go"]);
}

#[test]
fn permalinks_follow_hugo() {
    let base = Url::parse("https://example.com/blog/").unwrap();
    let p = |path: &str, slug: Option<&str>, url: Option<&str>| {
        permalink(path, slug, url, &base, true).unwrap().to_string()
    };
    assert_eq!(
        p("posts/foo.md", None, None),
        "https://example.com/blog/posts/foo/"
    );
    assert_eq!(
        p("posts/foo/index.md", None, None),
        "https://example.com/blog/posts/foo/"
    );
    assert_eq!(
        p("posts/My Post.md", None, None),
        "https://example.com/blog/posts/my-post/"
    );
    assert_eq!(
        p("posts/foo.md", Some("bar"), None),
        "https://example.com/blog/posts/bar/"
    );
    assert_eq!(
        p("posts/foo.md", None, Some("/custom/path")),
        "https://example.com/blog/custom/path/"
    );
    assert_eq!(
        p("posts/foo.md", None, Some("/feed.xml")),
        "https://example.com/blog/feed.xml"
    );
    assert_eq!(
        p("文章/開源.md", None, None),
        "https://example.com/blog/%E6%96%87%E7%AB%A0/%E9%96%8B%E6%BA%90/"
    );
    assert_eq!(
        // Hugo drops the `?` and keeps the `#`, which must then be escaped.
        p("a.md", Some("x?y#z"), None),
        "https://example.com/blog/xy%23z/"
    );
    assert!(permalink("a.md", None, Some("javascript:alert(1)"), &base, true).is_err());
}

#[test]
fn hugo_s_front_matter_config_chooses_the_dates() {
    let base = ctx_url();
    let keys = |k: &[&str]| k.iter().map(|k| (*k).to_owned()).collect();
    let dates = crate::base::config::DateKeys {
        date: keys(&[":filename", "date"]),
        publish_date: keys(&["date"]),
        lastmod: keys(&["updated", "date"]),
        expiry_date: keys(&[]),
    };
    let ctx = ParseContext {
        dates: &dates,
        ..ParseContext::plain(&base, chrono_tz::Asia::Taipei)
    };
    let text = "---\ntitle: Trip\nupdated: 2024-04-01\nexpirydate: 2000-01-01\n---\n";
    let a = parse("posts/2024-03-05-trip.md", "x", text.as_bytes(), &ctx)
        .article
        .unwrap();
    // The date and the slug come from the name; `lastmod` from `updated`;
    // `expirydate` is not among the keys, so the post does not expire.
    assert_eq!(a.date.to_rfc3339(), "2024-03-05T00:00:00+08:00");
    assert_eq!(a.permalink.as_str(), "https://example.com/posts/trip/");
    assert_eq!(a.lastmod.unwrap().to_rfc3339(), "2024-04-01T00:00:00+08:00");
    assert_eq!(a.expiry_date, None);
    // Without a date in its name, the next key.
    let text = "---\ntitle: B\ndate: 2024-05-06\n---\n";
    let b = parse("posts/b.md", "x", text.as_bytes(), &ctx)
        .article
        .unwrap();
    assert_eq!(b.date.to_rfc3339(), "2024-05-06T00:00:00+08:00");
    assert_eq!(b.permalink.as_str(), "https://example.com/posts/b/");
}

/// `:fileModTime` is the file's time, when its reader gave one; without
/// it, the next key.
#[test]
fn the_file_s_time_is_a_date_when_the_config_names_it() {
    let base = ctx_url();
    let keys = |k: &[&str]| k.iter().map(|k| (*k).to_owned()).collect();
    let dates = crate::base::config::DateKeys {
        lastmod: keys(&[":filemodtime", "lastmod"]),
        ..crate::base::config::DateKeys::default()
    };
    let touched = chrono::DateTime::parse_from_rfc3339("2024-07-08T09:10:11+08:00").unwrap();
    let ctx = ParseContext {
        dates: &dates,
        modified: Some(touched),
        ..ParseContext::plain(&base, chrono_tz::Asia::Taipei)
    };
    let text = "---\ntitle: A\ndate: 2024-01-01\nlastmod: 2024-02-02\n---\n";
    let a = parse("posts/a.md", "x", text.as_bytes(), &ctx)
        .article
        .unwrap();
    assert_eq!(a.lastmod, Some(touched));
    let unknown = ParseContext {
        modified: None,
        ..ctx
    };
    let a = parse("posts/a.md", "x", text.as_bytes(), &unknown)
        .article
        .unwrap();
    assert_eq!(a.lastmod.unwrap().to_rfc3339(), "2024-02-02T00:00:00+08:00");
}
