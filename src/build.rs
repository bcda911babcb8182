//! The pure core: source files in, feed files out. No I/O happens here, so the
//! same inputs always give the same bytes, and watch mode and tests can drive
//! it directly.

use std::collections::BTreeMap;

use crate::article::{self, Article, ParseContext};
use crate::collect::{self, Collection, Exclusion, Options};
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::feed::{self, Entry, Feed, Scope};
use crate::markdown::{self, Rendered};

/// One file found under the content folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path under the content folder, `/`-separated (`posts/foo.md`).
    pub path: String,
    /// Path shown in messages (`content/posts/foo.md`).
    pub shown: String,
    /// The bytes, or why they could not be read.
    pub bytes: Result<Vec<u8>, String>,
}

/// Counts for the summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub articles: usize,
    pub published: usize,
    pub broken: usize,
    pub excluded: BTreeMap<Exclusion, usize>,
}

/// The result of a build: every output file by path under the output folder.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Output {
    pub files: BTreeMap<String, Vec<u8>>,
    pub diagnostics: Vec<Diagnostic>,
    pub stats: Stats,
}

/// Parses every source file; broken ones become diagnostics.
pub fn parse_all(
    config: &Config,
    sources: &[SourceFile],
) -> (Vec<Article>, Vec<Diagnostic>, usize) {
    let ctx = ParseContext {
        base_url: &config.base_url,
        timezone: config.timezone,
    };
    let mut articles = Vec::with_capacity(sources.len());
    let mut diagnostics = Vec::new();
    let mut broken = 0;
    for source in sources {
        let parsed = match &source.bytes {
            Ok(bytes) => article::parse(&source.path, &source.shown, bytes, &ctx),
            Err(why) => article::Parsed {
                article: Err(Diagnostic::error(
                    &source.shown,
                    None,
                    format!("cannot read the file: {why}"),
                )
                .with_help("check the file's permissions")),
                warnings: Vec::new(),
            },
        };
        diagnostics.extend(parsed.warnings);
        match parsed.article {
            Ok(a) => articles.push(a),
            Err(mut d) => {
                broken += 1;
                d.help = Some(match d.help.take() {
                    Some(h) => format!("{h}; this article was skipped"),
                    None => "this article was skipped".to_owned(),
                });
                diagnostics.push(d);
            }
        }
    }
    (articles, diagnostics, broken)
}

/// Builds every feed of the site.
pub fn build(config: &Config, sources: &[SourceFile], options: &Options) -> Output {
    let (articles, mut diagnostics, broken) = parse_all(config, sources);
    let articles_count = articles.len() + broken;
    let collection = collect::collect(articles, options);
    diagnostics.extend(collection.diagnostics.iter().cloned());
    let files = render_feeds(config, &collection, &mut diagnostics);
    Output {
        files,
        diagnostics,
        stats: Stats {
            articles: articles_count,
            published: collection.posts.len(),
            broken,
            excluded: collection.excluded.clone(),
        },
    }
}

/// The posts a feed shows: its newest `limit` ones.
fn limited(posts: &[usize], limit: Option<usize>) -> &[usize] {
    &posts[..limit.map_or(posts.len(), |l| l.min(posts.len()))]
}

/// Renders the bodies of the posts that appear in at least one feed (each
/// once, however many feeds it is in), then emits every feed.
pub fn render_feeds(
    config: &Config,
    c: &Collection,
    diagnostics: &mut Vec<Diagnostic>,
) -> BTreeMap<String, Vec<u8>> {
    let all: Vec<usize> = (0..c.posts.len()).collect();
    let scopes: Vec<(Scope<'_>, &[usize])> =
        std::iter::once((Scope::Site, limited(&all, config.limit)))
            .chain(
                c.categories
                    .iter()
                    .map(|t| (Scope::Category(&t.term), limited(&t.posts, config.limit))),
            )
            .chain(
                c.tags
                    .iter()
                    .map(|t| (Scope::Tag(&t.term), limited(&t.posts, config.limit))),
            )
            .collect();

    let mut rendered: BTreeMap<usize, Rendered> = BTreeMap::new();
    let refs = ref_resolver(&c.posts);
    for &(_, posts) in &scopes {
        for &i in posts {
            rendered.entry(i).or_insert_with(|| {
                let a = &c.posts[i];
                let r =
                    markdown::render(&a.body, a.body_line, &a.permalink, &config.base_url, &refs);
                for (line, message, help) in &r.notes {
                    diagnostics.push(
                        Diagnostic::warning(&a.shown_path, Some(*line), message.clone())
                            .with_help(help.clone()),
                    );
                }
                r
            });
        }
    }

    let mut files = BTreeMap::new();
    for (scope, posts) in scopes {
        let entries = posts
            .iter()
            .map(|&i| {
                let a = &c.posts[i];
                let r = &rendered[&i];
                Entry {
                    article: a,
                    html: config.full_content.then_some(r.html.as_str()),
                    summary: a
                        .description
                        .as_deref()
                        .or(a.summary.as_deref())
                        .unwrap_or(&r.summary),
                }
            })
            .collect();
        let feed = Feed::new(config, scope, entries);
        let folder = scope.folder();
        match feed::rss::write(&feed, config) {
            Ok(bytes) => {
                files.insert(format!("{folder}{}", feed::RSS_FILE), bytes);
            }
            Err(e) => diagnostics.push(Diagnostic::error(
                format!("{folder}{}", feed::RSS_FILE),
                None,
                format!("could not write RSS: {e}"),
            )),
        }
        files.insert(
            format!("{folder}{}", feed::JSON_FILE),
            feed::json::write(&feed, config),
        );
    }
    files
}

/// Resolves Hugo `ref`/`relref` targets: a path under the content folder
/// (`posts/a.md`, `/posts/a.md`, `posts/a`), or a file name when only one
/// published article has it.
fn ref_resolver(posts: &[Article]) -> impl Fn(&str) -> Option<String> + '_ {
    move |target: &str| {
        let target = target.trim().trim_start_matches('/');
        let target = target.split('#').next().unwrap_or_default();
        let strip = |p: &str| {
            p.trim_end_matches(".md")
                .trim_end_matches("/index")
                .to_owned()
        };
        let wanted = strip(target);
        let exact = posts.iter().find(|a| strip(&a.path) == wanted);
        let found = exact.or_else(|| {
            let mut by_name = posts
                .iter()
                .filter(|a| strip(&a.path).rsplit('/').next() == Some(wanted.as_str()));
            match (by_name.next(), by_name.next()) {
                (Some(one), None) => Some(one),
                _ => None,
            }
        });
        found.map(|a| a.permalink.to_string())
    }
}
