//! What helps people find and subscribe to the feeds: `feeds.opml` (every
//! feed, for a reader's one-click import), `index.html` (every feed, with
//! autodiscovery links) and a page beside each term's feed, so that a person
//! who clicks a feed link reads a page, not raw XML. Static files only: they
//! work on any host. No XSL stylesheet: browsers are removing XSLT.

use std::fmt::Write as _;

use pulldown_cmark_escape::{escape_href, escape_html};

use super::{media_type_of, Feed};
use crate::base::config::{Config, Format};

/// What the directory pages need to know about one feed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Listed {
    /// `site`, `section`, or the taxonomy's plural name (`tags`).
    pub kind: String,
    /// The term as readers see it (empty for the site feed).
    pub name: String,
    pub title: String,
    pub home_url: String,
    /// The address of each format written, in the config's order.
    pub urls: Vec<(Format, String)>,
    /// The folder of its files under the output folder (`tags/x/`).
    pub folder: String,
    pub items: usize,
    /// RFC 3339, or empty.
    pub updated: String,
}

impl Listed {
    pub fn of(feed: &Feed<'_>, formats: &[Format], kind: &str, name: &str, folder: &str) -> Listed {
        let urls = formats
            .iter()
            .map(|&format| {
                let url = match format {
                    Format::Rss => &feed.rss_url,
                    Format::Json => &feed.json_url,
                    Format::Atom => &feed.atom_url,
                };
                (format, url.clone())
            })
            .collect();
        Listed {
            kind: kind.to_owned(),
            name: name.to_owned(),
            title: feed.title.clone(),
            home_url: feed.home_url.clone(),
            urls,
            folder: folder.to_owned(),
            items: feed.entries.len(),
            updated: feed
                .updated()
                .map(|d| d.format("%Y-%m-%d %H:%M %:z").to_string())
                .unwrap_or_default(),
        }
    }
}

/// Labels in the site's language: Traditional Chinese for `zh*`, else English.
struct Words {
    lang: &'static str,
    feeds: &'static str,
    sections: &'static str,
    categories: &'static str,
    tags: &'static str,
    items: &'static str,
    updated: &'static str,
    subscribe: &'static str,
    hint: &'static str,
    copy: &'static str,
    copied: &'static str,
    all_feeds: &'static str,
    latest: &'static str,
}

fn words(config: &Config) -> Words {
    let zh = config
        .language
        .as_deref()
        .is_some_and(|l| l.to_lowercase().starts_with("zh"));
    if zh {
        Words {
            lang: "zh-Hant",
            feeds: "訂閱來源",
            sections: "單元",
            categories: "分類",
            tags: "標籤",
            items: "篇",
            updated: "更新於",
            subscribe: "訂閱",
            hint:
                "把下面的網址貼到你的 RSS 閱讀器（例如 Feedly、Inoreader、NetNewsWire）即可訂閱。",
            copy: "複製",
            copied: "已複製",
            all_feeds: "所有訂閱來源",
            latest: "最新文章",
        }
    } else {
        Words {
            lang: "en",
            feeds: "Feeds",
            sections: "Sections",
            categories: "Categories",
            tags: "Tags",
            items: "items",
            updated: "updated",
            subscribe: "Subscribe",
            hint: "Paste an address below into your feed reader (Feedly, Inoreader, NetNewsWire, …) to subscribe.",
            copy: "Copy",
            copied: "Copied",
            all_feeds: "All feeds",
            latest: "Latest posts",
        }
    }
}

/// The groups of feeds after the site's, with their headings: sections,
/// then each taxonomy's terms, in the config's order.
fn groups<'c>(config: &'c Config, w: &Words) -> Vec<(&'c str, String)> {
    let mut groups = vec![("section", w.sections.to_owned())];
    for taxonomy in &config.taxonomies {
        let heading = match taxonomy.plural.as_str() {
            "categories" => w.categories.to_owned(),
            "tags" => w.tags.to_owned(),
            other => {
                let mut chars = other.chars();
                chars.next().map_or_else(String::new, |first| {
                    first.to_uppercase().chain(chars).collect()
                })
            }
        };
        groups.push((taxonomy.plural.as_str(), heading));
    }
    groups
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let _ = escape_html(&mut out, s);
    out
}

/// A URL for an HTML attribute: `escape_href` percent-encodes what URLs may
/// not hold and writes `&` and `'` as entities.
fn esc_url(s: &str) -> String {
    let mut href = String::with_capacity(s.len());
    let _ = escape_href(&mut href, s);
    href
}

const STYLE: &str = "body{font:16px/1.6 system-ui,-apple-system,\"Noto Sans TC\",\"PingFang TC\",\"Microsoft JhengHei\",sans-serif;max-width:46rem;margin:0 auto;padding:1rem;color:#222;background:#fff}\
h1{font-size:1.5rem;line-height:1.3}h2{font-size:1.15rem;margin-top:2rem}a{color:#0b57d0}\
.box{border:1px solid #ccd;border-radius:.5rem;padding:.75rem 1rem;background:#f6f8fb}\
.url{display:flex;gap:.5rem;align-items:center;margin:.4rem 0}.url code{flex:1;overflow-wrap:anywhere;font-size:.9rem}\
button{font:inherit;padding:.2rem .7rem;border-radius:.3rem;border:1px solid #99a;background:#fff;cursor:pointer}\
ul{padding-left:1.2rem}li{margin:.3rem 0}.meta{color:#666;font-size:.9rem}\
@media (prefers-color-scheme:dark){body{background:#111;color:#ddd}.box{background:#1b1f27;border-color:#334}a{color:#8ab4f8}button{background:#222;color:#ddd}.meta{color:#999}}";

const SCRIPT: &str = "document.querySelectorAll('button[data-copy]').forEach(function(b){b.addEventListener('click',function(){var t=b.getAttribute('data-copy');var done=function(){var old=b.textContent;b.textContent=b.getAttribute('data-copied');setTimeout(function(){b.textContent=old},1500)};if(navigator.clipboard){navigator.clipboard.writeText(t).then(done)}else{done()}})});";

fn head(out: &mut String, w: &Words, title: &str, alternates: &[&Listed]) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n",
        w.lang,
        esc(title)
    );
    for feed in alternates {
        for (format, url) in &feed.urls {
            let _ = writeln!(
                out,
                "<link rel=\"alternate\" type=\"{}\" title=\"{}\" href=\"{}\">",
                media_type_of(*format),
                esc(&feed.title),
                esc_url(url),
            );
        }
    }
    let _ = write!(out, "<style>{STYLE}</style>\n</head>\n<body>\n");
}

fn subscribe_box(out: &mut String, w: &Words, feed: &Listed) {
    let _ = write!(
        out,
        "<section class=\"box\">\n<h2>{}</h2>\n<p>{}</p>\n",
        w.subscribe,
        esc(w.hint)
    );
    for (format, url) in &feed.urls {
        let label = match format {
            Format::Rss => "RSS",
            Format::Json => "JSON Feed",
            Format::Atom => "Atom",
        };
        let _ = writeln!(
            out,
            "<div class=\"url\"><strong>{label}</strong> <code>{}</code> <button type=\"button\" data-copy=\"{}\" data-copied=\"{}\">{}</button></div>",
            esc(url),
            esc_url(url),
            w.copied,
            w.copy
        );
    }
    out.push_str("</section>\n");
}

fn feed_line(out: &mut String, w: &Words, feed: &Listed, page: &str) {
    let label = if feed.name.is_empty() {
        &feed.title
    } else {
        &feed.name
    };
    let _ = write!(
        out,
        "<li><a href=\"{}\">{}</a> <span class=\"meta\">{} {} · {} {}</span>",
        esc_url(page),
        esc(label),
        feed.items,
        w.items,
        w.updated,
        esc(&feed.updated),
    );
    for (format, url) in &feed.urls {
        let short = match format {
            Format::Rss => "RSS",
            Format::Json => "JSON",
            Format::Atom => "Atom",
        };
        let _ = write!(out, " · <a href=\"{}\">{short}</a>", esc_url(url));
    }
    out.push_str("</li>\n");
}

/// The top `index.html`: the site feed's subscribe box and every feed.
pub fn index(config: &Config, feeds: &[&Listed]) -> Vec<u8> {
    let w = words(config);
    let mut out = String::new();
    let site: Vec<&Listed> = feeds.iter().copied().filter(|f| f.kind == "site").collect();
    head(
        &mut out,
        &w,
        &format!("{} · {}", config.title, w.feeds),
        &site,
    );
    let _ = writeln!(out, "<h1>{} · {}</h1>", esc(&config.title), w.feeds);
    if let Some(feed) = site.first() {
        if !config.description.is_empty() {
            let _ = writeln!(out, "<p>{}</p>", esc(&config.description));
        }
        subscribe_box(&mut out, &w, feed);
        out.push_str("<ul>\n");
        feed_line(&mut out, &w, feed, &feed.home_url);
        out.push_str("</ul>\n");
    }
    for (kind, heading) in groups(config, &w) {
        let list: Vec<&Listed> = feeds.iter().copied().filter(|f| f.kind == kind).collect();
        if list.is_empty() {
            continue;
        }
        let _ = write!(out, "<h2>{}</h2>\n<ul>\n", esc(&heading));
        for feed in list {
            feed_line(&mut out, &w, feed, &feed.folder);
        }
        out.push_str("</ul>\n");
    }
    let _ = write!(
        out,
        "<p class=\"meta\"><a href=\"feeds.opml\">OPML</a></p>\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    );
    out.into_bytes()
}

/// The page beside one term's feed: its title, a subscribe box, its items.
pub fn page(config: &Config, feed: &Feed<'_>, listed: &Listed) -> Vec<u8> {
    let w = words(config);
    // A term page is made for every feed on every build: its items are
    // written straight into it, without a string of their own each.
    let mut out = String::with_capacity(8 * 1024);
    head(&mut out, &w, &listed.title, &[listed]);
    let _ = writeln!(out, "<h1>{}</h1>", esc(&listed.title));
    let _ = writeln!(out, "<p>{}</p>", esc(&feed.description));
    subscribe_box(&mut out, &w, listed);
    let _ = write!(out, "<h2>{}</h2>\n<ul>\n", w.latest);
    for entry in &feed.entries {
        let a = entry.article;
        out.push_str("<li><a href=\"");
        let _ = escape_href(&mut out, a.permalink.as_str());
        out.push_str("\">");
        let _ = escape_html(&mut out, &a.title);
        out.push_str("</a> <span class=\"meta\">");
        day(&mut out, a.publish_date);
        out.push_str("</span><br>");
        if let Some(image) = &a.image {
            out.push_str("<img style=\"display:block;max-width:12rem;max-height:8rem;margin:.3rem 0\" src=\"");
            let _ = escape_href(&mut out, image.url.as_str());
            out.push_str("\" alt=\"\" loading=\"lazy\">");
        }
        let _ = escape_html(&mut out, entry.summary);
        out.push_str("</li>\n");
    }
    let _ = write!(
        out,
        "</ul>\n<p class=\"meta\"><a href=\"../../\">{}</a></p>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        w.all_feeds
    );
    out.into_bytes()
}

/// Writes the day of `date` as `2024-03-05`: what chrono's `%Y-%m-%d`
/// writes, without parsing that format for every item of every page.
fn day(out: &mut String, date: chrono::DateTime<chrono::FixedOffset>) {
    use chrono::Datelike;
    match date.year() {
        year @ 0..=9999 => {
            let _ = write!(out, "{year:04}-{:02}-{:02}", date.month(), date.day());
        }
        _ => {
            let _ = write!(out, "{}", date.format("%Y-%m-%d"));
        }
    }
}

/// `feeds.opml`: OPML 2.0 with every feed, grouped, for one import.
pub fn opml(config: &Config, feeds: &[&Listed]) -> Vec<u8> {
    let w = words(config);
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<opml version=\"2.0\">\n  <head>\n",
    );
    let _ = writeln!(
        out,
        "    <title>{} · {}</title>\n    <docs>http://opml.org/spec2.opml</docs>\n  </head>\n  <body>",
        esc(&config.title),
        w.feeds
    );
    // OPML names one address a feed: RSS, else Atom, else JSON Feed
    // (readers import all three under `type="rss"`).
    let outline = |out: &mut String, feed: &Listed, indent: &str| {
        let url = [Format::Rss, Format::Atom, Format::Json]
            .iter()
            .find_map(|f| feed.urls.iter().find(|(g, _)| g == f))
            .map_or("", |(_, url)| url.as_str());
        let _ = writeln!(
            out,
            "{indent}<outline type=\"rss\" text=\"{0}\" title=\"{0}\" xmlUrl=\"{1}\" htmlUrl=\"{2}\"/>",
            esc(&feed.title),
            esc(url),
            esc(&feed.home_url)
        );
    };
    for feed in feeds.iter().filter(|f| f.kind == "site") {
        outline(&mut out, feed, "    ");
    }
    for (kind, heading) in groups(config, &w) {
        let list: Vec<&Listed> = feeds.iter().copied().filter(|f| f.kind == kind).collect();
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "    <outline text=\"{}\">", esc(&heading));
        for feed in list {
            outline(&mut out, feed, "      ");
        }
        out.push_str("    </outline>\n");
    }
    out.push_str("  </body>\n</opml>\n");
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The day is written as chrono writes `%Y-%m-%d`, for any date
        /// chrono holds: years of four digits, and beyond.
        #[test]
        fn days_are_written_as_chrono_writes_them(
            seconds in -8_334_000_000_000i64..8_210_000_000_000,
            offset in -86_399i32..86_400,
        ) {
            let offset = chrono::FixedOffset::east_opt(offset).expect("offset");
            let date = chrono::DateTime::from_timestamp(seconds, 0).expect("date").with_timezone(&offset);
            let mut out = String::new();
            day(&mut out, date);
            proptest::prop_assert_eq!(out, date.format("%Y-%m-%d").to_string());
        }
    }

    #[test]
    fn days_at_the_edges_of_four_digit_years() {
        let utc = chrono::FixedOffset::east_opt(0).expect("offset");
        for (text, day_text) in [
            ("0000-01-01T00:00:00Z", "0000-01-01"),
            ("0999-12-31T23:59:59Z", "0999-12-31"),
            ("9999-12-31T23:59:59Z", "9999-12-31"),
        ] {
            let date = chrono::DateTime::parse_from_rfc3339(text)
                .expect("date")
                .with_timezone(&utc);
            let mut out = String::new();
            day(&mut out, date);
            assert_eq!(out, day_text);
            assert_eq!(out, date.format("%Y-%m-%d").to_string());
        }
    }
}
