//! A post's picture and attachments, from its front matter: where Hugo sites
//! keep them, resolved to absolute URLs (feed readers fetch them far from
//! the site).
//!
//! A path is resolved as Hugo resolves it: `https://…` stays; `/img/a.png`
//! is under the site (Hugo's `absURL`, a file of `static/`); `a.png` beside
//! a page bundle's `index.md` is the bundle's resource, published under the
//! page's own URL; any other relative path is under the site too. Only the
//! bundle's resources can be checked here: the site's `static/` folder is
//! not feedsmith's to read.

use url::Url;

use super::Fields;
use crate::base::diagnostic::Diagnostic;
use crate::parse::files;
use crate::parse::frontmatter::Value;

/// A file a post points to.
#[derive(Debug, Clone, PartialEq)]
pub struct Media {
    /// Absolute.
    pub url: Url,
    /// The file under the content folder, when it is a page bundle's
    /// resource (`posts/trip/cover.jpg`): it should exist.
    pub local: Option<String>,
    /// The front matter line that names it.
    pub line: usize,
}

/// A file offered with a post (a podcast's episode, a download): JSON Feed's
/// `attachments`, RSS's `<enclosure>`, Atom's `rel="enclosure"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub file: Media,
    /// Given, else guessed from the file's extension.
    pub mime_type: String,
    pub title: Option<String>,
    /// Given, else measured when the file is in the page bundle.
    pub size_in_bytes: Option<u64>,
    pub duration_in_seconds: Option<f64>,
}

/// The front matter keys that name a post's picture, in the order they are
/// looked at: Hugo's own Open Graph templates read `images`; themes use the
/// others.
const IMAGE_KEYS: [&str; 8] = [
    "images",
    "image",
    "cover",
    "featured_image",
    "featuredimage",
    "feature",
    "featureimage",
    "thumbnail",
];

impl Fields<'_> {
    /// The post's picture: the first of [`IMAGE_KEYS`] that names one.
    pub(super) fn image(&self, ctx: &Resolve<'_>, warnings: &mut Vec<Diagnostic>) -> Option<Media> {
        IMAGE_KEYS.iter().find_map(|&key| {
            let value = self.get(key)?;
            let text = match value {
                Value::Str(text) => Some(text.as_str()),
                Value::List(items) => items.iter().find_map(|v| match v {
                    Value::Str(text) if !text.trim().is_empty() => Some(text.as_str()),
                    Value::Map(_) => map_text(v, &["src", "url", "image"]),
                    _ => None,
                }),
                // `cover: {image: a.jpg, alt: …}` (PaperMod and others).
                Value::Map(_) => map_text(value, &["image", "src", "url"]),
                _ => None,
            }?;
            let line = self.line_of(key).unwrap_or(self.split.first_line);
            self.media(key, text, line, ctx, warnings)
        })
    }

    /// The post's `attachments`: a list of maps with JSON Feed's field names.
    pub(super) fn attachments(
        &self,
        ctx: &Resolve<'_>,
        warnings: &mut Vec<Diagnostic>,
    ) -> Vec<Attachment> {
        const KEY: &str = "attachments";
        let Some(value) = self.get(KEY) else {
            return Vec::new();
        };
        let line = self.line_of(KEY).unwrap_or(self.split.first_line);
        let items: Vec<&Value> = match value {
            Value::Null => Vec::new(),
            Value::List(items) => items.iter().collect(),
            single => vec![single],
        };
        let mut out = Vec::new();
        for item in items {
            let url = match item {
                Value::Str(_) => item.as_text(),
                Value::Map(_) => map_text(item, &["url"]).map(str::to_owned),
                _ => None,
            };
            let Some(url) = url.filter(|u| !u.trim().is_empty()) else {
                warnings.push(
                    Diagnostic::warning(
                        self.shown,
                        Some(line),
                        "an attachment has no `url`; it was left out",
                    )
                    .with_help(
                        "write each attachment as a map, e.g. `- url: episode-1.mp3` with \
                         `mime_type`, `title`, `size_in_bytes`, `duration_in_seconds`",
                    ),
                );
                continue;
            };
            let Some(file) = self.media(KEY, &url, line, ctx, warnings) else {
                continue;
            };
            let field = |name: &str| match item {
                Value::Map(pairs) => pairs
                    .iter()
                    .rev()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v),
                _ => None,
            };
            let number = |name: &str| match field(name) {
                Some(Value::Int(n)) => Some(*n as f64),
                Some(Value::Float(f)) => Some(*f),
                Some(Value::Str(s)) => s.trim().parse().ok(),
                _ => None,
            };
            let mime_type = field("mime_type")
                .and_then(Value::as_text)
                .filter(|m| m.contains('/'))
                .unwrap_or_else(|| mime_of(file.url.path()).to_owned());
            out.push(Attachment {
                mime_type,
                title: field("title")
                    .and_then(Value::as_text)
                    .filter(|t| !t.trim().is_empty()),
                size_in_bytes: number("size_in_bytes")
                    .filter(|n| *n >= 0.0)
                    .map(|n| n as u64),
                duration_in_seconds: number("duration_in_seconds").filter(|n| *n >= 0.0),
                file,
            });
        }
        out
    }

    /// `text`, named by `key` on `line`, resolved; a warning when it cannot be.
    fn media(
        &self,
        key: &str,
        text: &str,
        line: usize,
        ctx: &Resolve<'_>,
        warnings: &mut Vec<Diagnostic>,
    ) -> Option<Media> {
        let text = text.trim();
        match resolve(text, ctx) {
            Some((url, local)) => Some(Media { url, local, line }),
            None => {
                warnings.push(
                    Diagnostic::warning(
                        self.shown,
                        Some(line),
                        format!("`{key}`: `{text}` is not a web address or a path; it was ignored"),
                    )
                    .with_help(
                        "give an https:// URL, a path under the site (`/images/a.png`) or a \
                         file of the page bundle (`cover.jpg`)",
                    ),
                );
                None
            }
        }
    }
}

/// What resolving a path needs: the post's path and permalink, the site's
/// address.
pub(super) struct Resolve<'a> {
    pub(super) path: &'a str,
    pub(super) permalink: &'a Url,
    pub(super) base: &'a Url,
}

/// `text` as an absolute URL, and the bundle file it names, if any.
fn resolve(text: &str, ctx: &Resolve<'_>) -> Option<(Url, Option<String>)> {
    if text.is_empty() {
        return None;
    }
    if let Ok(url) = Url::parse(text) {
        return matches!(url.scheme(), "http" | "https").then_some((url, None));
    }
    if text.starts_with("//") {
        return Url::parse(&format!("{}:{text}", ctx.base.scheme()))
            .ok()
            .map(|u| (u, None));
    }
    if let Some(rooted) = text.strip_prefix('/') {
        return ctx.base.join(rooted).ok().map(|u| (u, None));
    }
    match files::bundle_folder(ctx.path) {
        Some(folder) => {
            let url = ctx.permalink.join(text).ok()?;
            let rel = text.trim_start_matches("./");
            let local = if folder.is_empty() {
                rel.to_owned()
            } else {
                format!("{folder}/{rel}")
            };
            Some((url, Some(local)))
        }
        None => ctx.base.join(text).ok().map(|u| (u, None)),
    }
}

/// Completes a page bundle's post with what its folder holds (`files`:
/// paths under the bundle's folder, with sizes): a picture the front
/// matter names but the bundle lacks is left out, with a warning; without
/// a picture, the first image whose name holds `feature`, else `cover`,
/// else `thumbnail`, is the post's, as Hugo's templates pick it; an
/// attachment in the bundle gets its size, unless given; one the bundle
/// lacks is left out, with a warning. Returns the warnings.
pub fn complete_from_bundle(
    article: &mut super::Article,
    files: &[(String, u64)],
) -> Vec<Diagnostic> {
    let Some(folder) = files::bundle_folder(&article.path) else {
        return Vec::new();
    };
    let prefix = if folder.is_empty() {
        String::new()
    } else {
        format!("{folder}/")
    };
    let size_of = |local: &str| {
        let rel = local.strip_prefix(&prefix)?;
        files
            .binary_search_by(|(name, _)| name.as_str().cmp(rel))
            .ok()
            .map(|i| files[i].1)
    };
    let shown_folder = article
        .shown_path
        .rsplit_once('/')
        .map_or("", |(folder, _)| folder)
        .to_owned();
    let mut warnings = Vec::new();
    let mut missing = |what: &str, media: &Media| {
        let local = media.local.as_deref().unwrap_or_default();
        let name = local.strip_prefix(&prefix).unwrap_or(local);
        warnings.push(
            Diagnostic::warning(
                &article.shown_path,
                Some(media.line),
                format!("{what} `{name}` is not in the page bundle ({shown_folder}/); it was left out of the feeds"),
            )
            .with_help("put the file beside index.md, or correct its name"),
        );
    };
    if let Some(image) = &article.image {
        if image.local.as_deref().is_some_and(|l| size_of(l).is_none()) {
            missing("the picture", image);
            article.image = None;
        }
    }
    if article.image.is_none() {
        article.image = ["feature", "cover", "thumbnail"].iter().find_map(|word| {
            let (rel, _) = files.iter().find(|(rel, _)| {
                let name = rel.rsplit('/').next().unwrap_or(rel).to_lowercase();
                name.contains(word) && mime_of(&name).starts_with("image/")
            })?;
            Some(Media {
                url: article.permalink.join(rel).ok()?,
                local: Some(format!("{prefix}{rel}")),
                line: 0,
            })
        });
    }
    article.attachments.retain_mut(|attachment| {
        let Some(local) = attachment.file.local.as_deref() else {
            return true;
        };
        match size_of(local) {
            Some(size) => {
                attachment.size_in_bytes.get_or_insert(size);
                true
            }
            None => {
                missing("the attachment", &attachment.file);
                false
            }
        }
    });
    warnings
}

/// The first text among `names` in a map.
fn map_text<'v>(value: &'v Value, names: &[&str]) -> Option<&'v str> {
    let Value::Map(pairs) = value else {
        return None;
    };
    names.iter().find_map(|name| {
        pairs.iter().rev().find_map(|(k, v)| match v {
            Value::Str(text) if k.eq_ignore_ascii_case(name) && !text.trim().is_empty() => {
                Some(text.as_str())
            }
            _ => None,
        })
    })
}

/// The media type of a file, from its extension: the types podcasts,
/// downloads and pictures use. Anything else is `application/octet-stream`.
pub fn mime_of(path: &str) -> &'static str {
    let ext = path
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "mp3" => "audio/mpeg",
        "m4a" => "audio/mp4",
        "aac" => "audio/aac",
        "ogg" | "oga" => "audio/ogg",
        "opus" => "audio/opus",
        "flac" => "audio/flac",
        "wav" => "audio/wav",
        "mp4" | "m4v" => "video/mp4",
        "webm" => "video/webm",
        "mov" => "video/quicktime",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "svg" => "image/svg+xml",
        "pdf" => "application/pdf",
        "epub" => "application/epub+zip",
        "zip" => "application/zip",
        "txt" => "text/plain",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx<'a>(path: &'a str, permalink: &'a Url, base: &'a Url) -> Resolve<'a> {
        Resolve {
            path,
            permalink,
            base,
        }
    }

    #[test]
    fn paths_resolve_as_hugo_resolves_them() {
        let base = Url::parse("https://example.com/blog/").unwrap();
        let page = Url::parse("https://example.com/blog/posts/trip/").unwrap();
        let bundle = ctx("posts/trip/index.md", &page, &base);
        let single = ctx("posts/trip.md", &page, &base);
        let shown = |r: Option<(Url, Option<String>)>| r.map(|(u, l)| (u.to_string(), l));
        assert_eq!(
            shown(resolve("cover.jpg", &bundle)),
            Some((
                "https://example.com/blog/posts/trip/cover.jpg".into(),
                Some("posts/trip/cover.jpg".into())
            ))
        );
        assert_eq!(
            shown(resolve("/img/a b.png", &bundle)),
            Some(("https://example.com/blog/img/a%20b.png".into(), None))
        );
        assert_eq!(
            shown(resolve("img/a.png", &single)),
            Some(("https://example.com/blog/img/a.png".into(), None))
        );
        assert_eq!(
            shown(resolve("https://cdn.example.net/a.png", &single)),
            Some(("https://cdn.example.net/a.png".into(), None))
        );
        assert_eq!(
            shown(resolve("//cdn.example.net/a.png", &single)),
            Some(("https://cdn.example.net/a.png".into(), None))
        );
        assert_eq!(resolve("data:image/png;base64,AAAA", &single), None);
        assert_eq!(resolve("", &single), None);
    }

    fn bundle_post(front: &str) -> crate::parse::article::Article {
        let base = Url::parse("https://example.com/").unwrap();
        let ctx = crate::parse::article::ParseContext::plain(&base, chrono_tz::UTC);
        let text = format!("---\ntitle: t\ndate: 2024-01-01\n{front}---\nbody\n");
        crate::parse::article::parse(
            "posts/trip/index.md",
            "content/posts/trip/index.md",
            text.as_bytes(),
            &ctx,
        )
        .article
        .expect("parses")
    }

    fn listing(names: &[(&str, u64)]) -> Vec<(String, u64)> {
        let mut files: Vec<(String, u64)> =
            names.iter().map(|(n, s)| ((*n).to_owned(), *s)).collect();
        files.sort();
        files
    }

    #[test]
    fn a_bundle_gives_its_picture_and_sizes_and_says_what_it_lacks() {
        let files = listing(&[
            ("index.md", 1),
            ("a-cover.JPG", 2),
            ("my feature.png", 3),
            ("ep.mp3", 4000),
        ]);
        // Without a picture: `feature` before `cover`, as Hugo's templates.
        let mut post = bundle_post("");
        assert!(complete_from_bundle(&mut post, &files).is_empty());
        let image = post.image.expect("found");
        assert_eq!(
            image.url.as_str(),
            "https://example.com/posts/trip/my%20feature.png"
        );
        assert_eq!(image.local.as_deref(), Some("posts/trip/my feature.png"));
        // A named picture the bundle lacks: a warning at its line, and the
        // bundle's own picture instead.
        let mut post =
            bundle_post("image: gone.png\nattachments:\n  - url: ep.mp3\n  - url: lost.pdf\n");
        let warnings = complete_from_bundle(&mut post, &files);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert_eq!(warnings[0].line, Some(4));
        assert!(warnings[0]
            .message
            .contains("`gone.png` is not in the page bundle (content/posts/trip/)"));
        assert!(warnings[1].message.contains("`lost.pdf`"));
        assert_eq!(
            post.image.unwrap().local.as_deref(),
            Some("posts/trip/my feature.png")
        );
        assert_eq!(post.attachments.len(), 1);
        assert_eq!(post.attachments[0].size_in_bytes, Some(4000));
        // A picture elsewhere is not checked; a given size stays.
        let mut post = bundle_post(
            "image: /static.png\nattachments:\n  - url: ep.mp3\n    size_in_bytes: 7\n",
        );
        assert!(complete_from_bundle(&mut post, &files).is_empty());
        assert_eq!(
            post.image.unwrap().url.as_str(),
            "https://example.com/static.png"
        );
        assert_eq!(post.attachments[0].size_in_bytes, Some(7));
    }

    #[test]
    fn types_come_from_extensions() {
        assert_eq!(mime_of("/ep/1.MP3"), "audio/mpeg");
        assert_eq!(mime_of("a.pdf"), "application/pdf");
        assert_eq!(mime_of("noext"), "application/octet-stream");
    }
}
