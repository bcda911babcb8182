//! Micro-benchmarks of the hot stages, so a regression in one of them shows:
//! finding the articles, front matter parsing, Markdown rendering, feed
//! serialisation, collecting, and a watch-mode edit of one post.
//! Run with `cargo bench --bench stages`.

#[path = "support/corpus.rs"]
mod corpus;

use std::sync::Arc;

use feedsmith::base::config::Config;
use feedsmith::collect::{self, Options};
use feedsmith::disk::content;
use feedsmith::feed::{self, Entry, Feed, Scope};
use feedsmith::parse::article::{self, Article, ParseContext};
use feedsmith::render::markdown;

fn main() {
    divan::main();
}

fn config() -> Config {
    Config::parse(
        "title: Bench\nbase_url: https://bench.example.com/\nlanguage: zh-TW\nauthor:\n  name: 林\n  email: a@b.c\n",
        std::path::Path::new(""),
        None,
    )
    .expect("config")
}

/// `n` generated posts (seed 7), as file texts.
fn posts(n: usize) -> Vec<String> {
    let tags = corpus::tag_pool();
    let mut rng = corpus::Rng::new(7);
    (0..n)
        .map(|i| corpus::post(&mut rng, i, n, &tags, None))
        .collect()
}

fn parsed(n: usize) -> Vec<Arc<Article>> {
    let config = config();
    let ctx = ParseContext::plain(&config.base_url, config.timezone);
    posts(n)
        .iter()
        .enumerate()
        .filter_map(|(i, text)| {
            let path = format!("posts/p{i}.md");
            article::parse(&path, &path, text.as_bytes(), &ctx)
                .article
                .ok()
        })
        .map(Arc::new)
        .collect()
}

/// Finding 10,000 articles in one folder, with the paths messages show:
/// the walk runs on one core before anything else can start.
#[divan::bench(sample_count = 20)]
fn find_10k(bencher: divan::Bencher) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let posts = dir.path().join("content/posts");
    std::fs::create_dir_all(&posts).expect("folder");
    for i in 0..10_000 {
        std::fs::write(posts.join(format!("post-{i:06}.md")), "").expect("file");
    }
    let content = dir.path().join("content");
    bencher.bench(|| divan::black_box(content::find_articles(&content).0.len()));
}

/// Parsing one article: decoding, front matter (YAML), dates, permalink.
#[divan::bench]
fn parse_article(bencher: divan::Bencher) {
    let config = config();
    let texts = posts(64);
    bencher.bench(|| {
        let ctx = ParseContext::plain(&config.base_url, config.timezone);
        for (i, text) in texts.iter().enumerate() {
            let path = format!("posts/p{i}.md");
            divan::black_box(article::parse(&path, &path, text.as_bytes(), &ctx));
        }
    });
}

/// Rendering one body: shortcodes, Markdown, absolute links, summary.
#[divan::bench]
fn render_body(bencher: divan::Bencher) {
    let articles = parsed(64);
    let config = config();
    let no_refs = |_: &str| None;
    bencher.bench(|| {
        for a in &articles {
            divan::black_box(markdown::render(
                &a.body,
                a.body_line,
                &a.permalink,
                &config.base_url,
                &no_refs,
                true,
                false,
            ));
        }
    });
}

/// 20 parsed and rendered posts with full content.
fn rendered_posts(config: &Config) -> (Vec<Arc<Article>>, Vec<markdown::Rendered>) {
    let articles = parsed(20);
    let no_refs = |_: &str| None;
    let rendered = articles
        .iter()
        .map(|a| {
            markdown::render(
                &a.body,
                a.body_line,
                &a.permalink,
                &config.base_url,
                &no_refs,
                true,
                false,
            )
        })
        .collect();
    (articles, rendered)
}

/// Writing 20 posts' feed items (RSS and JSON), once per post (plus a copy
/// of each post's HTML, which a build moves in instead).
#[divan::bench]
fn write_items(bencher: divan::Bencher) {
    let config = config();
    let (articles, rendered) = rendered_posts(&config);
    bencher.bench(|| {
        for (a, r) in articles.iter().zip(&rendered) {
            divan::black_box(feed::Item::new(
                a,
                Some(r.html.clone()),
                &r.summary,
                &config,
            ));
        }
    });
}

/// Serialising a 20-item feed with full content, as RSS and as JSON Feed,
/// from items already written, into one buffer (as for a feed that must be
/// written; one found on disk already is compared in pieces instead).
#[divan::bench(args = ["rss", "json"])]
fn serialise_feed(bencher: divan::Bencher, format: &str) {
    let config = config();
    let (articles, rendered) = rendered_posts(&config);
    let items: Vec<feed::Item> = articles
        .iter()
        .zip(&rendered)
        .map(|(a, r)| feed::Item::new(a, Some(r.html.clone()), &r.summary, &config))
        .collect();
    let entries: Vec<Entry<'_>> = articles
        .iter()
        .zip(&rendered)
        .zip(&items)
        .map(|((a, r), item)| Entry {
            article: a,
            summary: &r.summary,
            item,
        })
        .collect();
    let feed = Feed::new(&config, Scope::Site, entries);
    bencher.bench(|| match format {
        "rss" => divan::black_box(
            feed::rss::write(&feed, &config)
                .map(|pieces| pieces.concat().map_or(0, |b| b.len()))
                .unwrap_or(0),
        ),
        _ => divan::black_box(
            feed::json::write(&feed, &config)
                .map(|pieces| pieces.concat().map_or(0, |b| b.len()))
                .unwrap_or(0),
        ),
    });
}

/// Sorting and grouping 10,000 articles by date and term.
#[divan::bench(sample_count = 20)]
fn collect_10k(bencher: divan::Bencher) {
    let articles = parsed(10_000);
    let options = Options {
        drafts: false,
        future: false,
        expired: false,
        now: "2026-01-01T00:00:00Z".parse().expect("date"),
    };
    bencher.bench(|| divan::black_box(collect::collect(articles.clone(), &options).posts.len()));
}

/// A sink that keeps nothing: the rebuild's own work, without writing.
struct Discard;

impl feedsmith::site::Sink for Discard {
    fn file(&mut self, _: &str, _: Vec<u8>, _: feed::Hash) {}
}

/// Watch mode's common case: the body of the newest post of a 10,000-post
/// site edited, and the site rebuilt (in memory, files discarded). The
/// edited post is in the site, tag and category feeds, so each edit renders
/// one post and serialises those feeds again.
#[divan::bench(sample_count = 30)]
fn watch_body_edit_10k(bencher: divan::Bencher) {
    let texts = posts(10_000);
    let mut site = feedsmith::site::Site::new(config(), feedsmith::site::Flags::default(), true);
    let files: Vec<(String, String)> = (0..texts.len())
        .map(|i| (format!("posts/p{i}.md"), format!("content/posts/p{i}.md")))
        .collect();
    let load = |path: &str, _| {
        let i: usize = path[7..path.len() - 3].parse().expect("index");
        Ok(texts[i].clone().into_bytes())
    };
    site.load_all(files, &load);
    let edited = |n: usize| {
        format!(
            "---\ntitle: \"Bench edit\"\ndate: 2025-12-31T00:00:00+08:00\ntags: [\"Rust\", \"開源\"]\ncategories: [\"Engineering\"]\n---\n\nEdited body, marker edit-{n:05}-end.\n"
        )
    };
    let path = "posts/bench-edit.md";
    site.update(path, path, Ok(edited(0).as_bytes()));
    let now = "2026-01-01T00:00:00Z".parse().expect("date");
    site.rebuild_into(now, &mut Discard);
    let mut n = 0;
    bencher.bench_local(|| {
        n += 1;
        site.update(path, path, Ok(edited(n).as_bytes()));
        let rebuild = site.rebuild_into(now, &mut Discard);
        assert_eq!(rebuild.rendered, 1, "the edited post is shown");
        divan::black_box(rebuild.files)
    });
}
