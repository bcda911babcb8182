//! Property tests over the whole path, article bytes → feeds: for arbitrary
//! input nothing panics, and every feed produced parses with an independent
//! parser (feed-rs). Run more cases with `PROPTEST_CASES=10000 cargo test
//! --test build properties`.

use feedsmith::base::config::Config;
use feedsmith::collect::Options;
use feedsmith::site::build::{self, SourceFile};
use proptest::prelude::*;

fn config() -> Config {
    Config::parse(
        "title: \"Prop <&> ]]>\"\nbase_url: https://example.org/\nlanguage: zh-TW\ntimezone: Asia/Taipei\nlimit: 3\n",
        std::path::Path::new(""),
        None,
    )
    .expect("config")
}

fn options() -> Options {
    Options {
        drafts: false,
        future: false,
        expired: false,
        now: "2026-01-01T00:00:00Z".parse().expect("date"),
    }
}

/// Builds the sources in memory and checks every feed.
fn build_and_check(sources: Vec<SourceFile>) -> Result<(), TestCaseError> {
    let output = build::build(&config(), &sources, &options());
    for (path, bytes) in &output.files {
        if path.ends_with("rss.xml") || path.ends_with("feed.json") {
            let parsed = feed_rs::parser::parse(bytes.as_slice());
            prop_assert!(parsed.is_ok(), "{path} does not parse: {:?}", parsed.err());
            prop_assert!(
                !bytes
                    .iter()
                    .any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')),
                "{path} holds a control character"
            );
        }
        if path.ends_with("feed.json") {
            prop_assert!(serde_json::from_slice::<serde_json::Value>(bytes).is_ok());
        }
    }
    Ok(())
}

fn source(path: &str, bytes: Vec<u8>) -> SourceFile {
    SourceFile {
        path: path.to_owned(),
        shown: format!("content/{path}"),
        bytes: Ok(bytes),
    }
}

/// YAML-ish text: quoted or bare, with the characters that break things.
fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ]{0,12}",
        "\\PC{0,16}",
        Just("]]>".to_owned()),
        Just("<b>&amp;</b>".to_owned()),
        Just("\u{202e}\u{200f}😀".to_owned()),
        Just("\"quoted\"".to_owned()),
        "[\\x00-\\x1f]{0,4}",
    ]
}

fn yaml_quoted(s: &str) -> String {
    serde_json::to_string(s).expect("json string")
}

prop_compose! {
    fn article()(
        title in scalar(),
        quote in any::<bool>(),
        day in 1..40u32,
        hour in 0..30u32,
        tags in proptest::collection::vec(scalar(), 0..4),
        draft in prop_oneof![Just("true"), Just("false"), Just("maybe"), Just("[1]")],
        extra in scalar(),
        body in "\\PC{0,200}",
        shortcode in prop_oneof![Just(""), Just("{{< youtube abc >}}"), Just("{{< nope x >}}"), Just("{{< youtube"), Just("{{% x %}}a{{% /x %}}")],
    ) -> String {
        let title = if quote { yaml_quoted(&title) } else { title };
        let tags: Vec<String> = tags.iter().map(|t| yaml_quoted(t)).collect();
        format!(
            "---\ntitle: {title}\ndate: 2024-01-{day:02}T{hour:02}:00:00+08:00\ndraft: {draft}\ntags: [{}]\ndescription: {}\n---\n{body}\n{shortcode}\n[link](../x/) ![i](y.png) <a href=\"z\">z</a>\n",
            tags.join(", "),
            yaml_quoted(&extra),
        )
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(128)
    ))]

    /// Arbitrary bytes as articles: never a panic, and the site still builds.
    #[test]
    fn arbitrary_bytes_never_break_the_build(files in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..400), 1..5)) {
        let sources = files
            .into_iter()
            .enumerate()
            .map(|(i, bytes)| {
                let mut text = b"---\ntitle: X\ndate: 2024-01-01\n".to_vec();
                text.extend(bytes);
                source(&format!("p{i}.md"), text)
            })
            .collect();
        build_and_check(sources)?;
    }

    /// Plausible articles with hostile values: every feed parses.
    #[test]
    fn hostile_articles_give_feeds_that_parse(articles in proptest::collection::vec(article(), 1..6)) {
        let sources = articles
            .into_iter()
            .enumerate()
            .map(|(i, text)| source(&format!("posts/p{i}.md"), text.into_bytes()))
            .collect();
        build_and_check(sources)?;
    }

    /// Arbitrary text as front matter, in each format.
    #[test]
    fn arbitrary_front_matter_never_panics(fence in prop_oneof![Just("---"), Just("+++")], text in "\\PC{0,300}") {
        let bytes = format!("{fence}\n{text}\n{fence}\nbody\n").into_bytes();
        build_and_check(vec![source("a.md", bytes)])?;
    }
}
