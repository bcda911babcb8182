//! Tests of the settings: defaults, paths, errors, and what is read from
//! Hugo's config.

use super::*;

#[test]
fn defaults_apply_without_a_file() {
    let c = Config::defaults();
    assert_eq!(c.base_url.as_str(), "http://localhost:1313/");
    assert_eq!(c.feeds_url.as_str(), "http://localhost:1313/feeds/");
    assert_eq!(c.content_dir, PathBuf::from("content"));
    assert_eq!(c.output_dir, PathBuf::from("feeds"));
    assert_eq!(c.limit, Some(20));
    assert_eq!(c.timezone, Tz::UTC);
    assert!(c.full_content);
    assert_eq!(c.file, None);
}

#[test]
fn paths_are_relative_to_the_config_file() {
    let c = Config::parse(
        "base_url: https://example.com/blog\ncontent_dir: posts\nlimit: 0\ntimezone: Asia/Taipei\n",
        Path::new("site"),
        Some(Path::new("site/feedsmith.yaml")),
    )
    .unwrap();
    assert_eq!(c.base_url.as_str(), "https://example.com/blog/");
    assert_eq!(c.feeds_url.as_str(), "https://example.com/blog/feeds/");
    assert_eq!(c.content_dir, PathBuf::from("site/posts"));
    assert_eq!(c.output_dir, PathBuf::from("site/feeds"));
    assert_eq!(c.limit, None);
    assert_eq!(c.timezone, chrono_tz::Asia::Taipei);
}

#[test]
fn unknown_keys_are_errors_with_their_line() {
    let e = Config::parse("title: A\nbase_ulr: https://x/\n", Path::new(""), None).unwrap_err();
    assert_eq!(e.line, Some(2));
    assert!(e.message.contains("unknown field `base_ulr`"), "{e}");
    assert!(e.help.unwrap().contains("base_url"));
}

#[test]
fn bad_values_name_their_key_and_line() {
    let e = Config::parse("title: A\nbase_url: example.com\n", Path::new(""), None).unwrap_err();
    assert_eq!(e.line, Some(2));
    assert!(e.message.contains("base_url"));
    let e = Config::parse("timezone: Mars/Olympus\n", Path::new(""), None).unwrap_err();
    assert_eq!(e.line, Some(1));
    assert!(e.message.contains("Mars/Olympus"));
    let e = Config::parse("base_url: ftp://x/\n", Path::new(""), None).unwrap_err();
    assert!(e.message.contains("http"));
    let e = Config::parse("limit: many\n", Path::new(""), None).unwrap_err();
    assert_eq!(e.line, Some(1));
}

fn from_hugo(text: &str) -> Config {
    let hugo = hugo::Config::merge(vec![hugo::File {
        shown: "hugo.toml".into(),
        text: text.into(),
    }])
    .unwrap();
    Config::load(None, None, &hugo, Path::new(""), &Overrides::default()).unwrap()
}

#[test]
fn hugo_s_taxonomies_kinds_dates_and_layout_are_read() {
    let c = from_hugo(
        "baseURL = \"https://e.com/\"\ndisableKinds = [\"section\", \"RSS\"]\n\
         [taxonomies]\ncategory = \"categories\"\nseries = \"series\"\n\
         [frontmatter]\ndate = [\":filename\", \":default\"]\nlastmod = [\"updated\"]\n\
         [outputFormats.rss]\nbaseName = \"feed\"\n",
    );
    let plural: Vec<&str> = c.taxonomies.iter().map(|t| t.plural.as_str()).collect();
    assert_eq!(plural, ["categories", "series"]);
    assert_eq!(
        (c.kinds.home, c.kinds.sections, c.kinds.terms),
        (true, false, true)
    );
    assert_eq!(c.dates.date[..3], [":filename", "date", "publishdate"]);
    assert_eq!(c.dates.lastmod, ["updated"]);
    assert_eq!(c.dates.publish_date, DateKeys::default().publish_date);
    assert_eq!(c.rss_name, "feed.xml");
    // --verbose says where each came from.
    let origin = |key: &str| {
        c.origins
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, o)| o.to_string())
    };
    assert_eq!(origin("disableKinds").as_deref(), Some("hugo.toml:2"));
    assert_eq!(origin("taxonomies").as_deref(), Some("hugo.toml:3"));
    assert_eq!(origin("uglyURLs").as_deref(), Some("default"));
    assert_eq!(c.layout, Layout::Feedsmith);
    let hugo = hugo::Config::merge(vec![hugo::File {
        shown: "hugo.toml".into(),
        text: "baseURL = \"https://e.com/\"\npublishDir = \"site\"\n[indexes]\ntag = \"tags\"\n"
            .into(),
    }])
    .unwrap();
    let overrides = Overrides {
        layout: Some(Layout::Hugo),
        base_url: Some("https://other.example/".into()),
    };
    let c = Config::load(None, None, &hugo, Path::new("s"), &overrides).unwrap();
    assert_eq!(c.taxonomies, [Taxonomy::new("tag", "tags")]);
    assert_eq!(c.output_dir, PathBuf::from("s/site"));
    assert_eq!(c.feeds_url.as_str(), "https://other.example/");
}

#[test]
fn a_site_without_languages_has_its_default_one() {
    let c = from_hugo("baseURL = \"https://e.com/\"\n");
    assert_eq!(c.languages, ["en"]);
    assert_eq!(c.language_code, "en");
    let c = from_hugo("baseURL = \"https://e.com/\"\ndefaultContentLanguage = \"zh-TW\"\n");
    assert_eq!(c.languages, ["zh-tw"]);
    assert!(c.url_prefix.is_empty());
}

/// Hugo's `uglyURLs`: a switch for the whole site, or a map by top-level
/// section (keys in any case); a page at the top has no section.
#[test]
fn ugly_urls_are_for_the_site_or_by_section() {
    use serde_json::json;
    let all = UglyUrls::of(Some(&json!(true)));
    assert!(all.for_page("posts/a.md") && all.for_page("about.md"));
    assert!(!UglyUrls::of(Some(&json!(false))).for_page("posts/a.md"));
    assert!(!UglyUrls::of(None).for_page("posts/a.md"));
    let some = UglyUrls::of(Some(&json!({"Books": true, "films": false})));
    assert!(some.for_page("books/a.md") && some.for_page("Books/x/index.md"));
    assert!(!some.for_page("films/a.md") && !some.for_page("posts/a.md"));
    assert!(!some.for_page("books.md"));
}
