//! `feedsmith.yaml`: the site's settings.
//!
//! Unknown keys are errors, not silently ignored: a typo such as `base_ulr`
//! would otherwise produce feeds full of wrong links without a word.

use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use serde::Deserialize;
use url::Url;

use crate::base::diagnostic::Diagnostic;

/// The config file name looked up in the current directory.
pub const DEFAULT_FILE: &str = "feedsmith.yaml";

/// The folder, beside the config file, that holds what feedsmith keeps
/// between runs (see [`crate::disk::cache`]).
pub const CACHE_DIR: &str = ".feedsmith-cache";

/// The `base_url` used when there is no config file: Hugo's development server.
pub const DEFAULT_BASE_URL: &str = "http://localhost:1313/";

/// The site's author, as given in the config.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Author {
    pub name: String,
    pub email: Option<String>,
    pub url: Option<String>,
}

/// The config file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    title: Option<String>,
    description: Option<String>,
    base_url: Option<String>,
    feeds_url: Option<String>,
    content_dir: Option<PathBuf>,
    output_dir: Option<PathBuf>,
    language: Option<String>,
    author: Option<Author>,
    limit: Option<usize>,
    timezone: Option<String>,
    full_content: Option<bool>,
}

/// Validated settings, with every default applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub title: String,
    pub description: String,
    /// Absolute, ending in `/`.
    pub base_url: Url,
    /// Where the output folder is published; absolute, ending in `/`.
    pub feeds_url: Url,
    pub content_dir: PathBuf,
    pub output_dir: PathBuf,
    pub language: Option<String>,
    pub author: Option<Author>,
    /// Items per feed; `None` means all.
    pub limit: Option<usize>,
    pub timezone: Tz,
    pub full_content: bool,
    /// The config file this came from, or `None` for built-in defaults.
    pub file: Option<PathBuf>,
}

impl Config {
    /// The folder, beside the config file (else in the current one), where
    /// feedsmith keeps what it knows between runs (see [`CACHE_DIR`]).
    pub fn cache_dir(&self) -> PathBuf {
        let site = self.file.as_deref().and_then(Path::parent);
        site.unwrap_or(Path::new("")).join(CACHE_DIR)
    }

    /// The settings used when there is no config file. Paths are relative to
    /// the current directory.
    pub fn defaults() -> Config {
        // The input is a constant, so these cannot fail.
        let text = format!("base_url: \"{DEFAULT_BASE_URL}\"\n");
        Config::parse(&text, Path::new(""), None).unwrap_or_else(|_| unreachable!())
    }

    /// Parses config text. `dir` is the folder the config file is in (paths in
    /// it are relative to that folder); `file` names it in messages.
    pub fn parse(text: &str, dir: &Path, file: Option<&Path>) -> Result<Config, Diagnostic> {
        let shown = file.map_or_else(|| DEFAULT_FILE.to_owned(), |f| f.display().to_string());
        let raw: RawConfig = if text.trim().is_empty() {
            RawConfig::default()
        } else {
            serde_yaml::from_str(text).map_err(|e| yaml_error(&shown, &e))?
        };
        let fail = |key: &str, message: String, help: &str| {
            Diagnostic::error(&shown, key_line(text, key), message).with_help(help)
        };

        let base = raw.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        let base_url = absolute_dir_url(base).map_err(|why| {
            fail(
                "base_url",
                format!("`base_url` {why}"),
                "write the site's address with its scheme, e.g. `base_url: \"https://example.com/\"`",
            )
        })?;
        let feeds_url = match raw.feeds_url.as_deref() {
            Some(feeds) => absolute_dir_url(feeds).map_err(|why| {
                fail(
                    "feeds_url",
                    format!("`feeds_url` {why}"),
                    "write the published address of the output folder, e.g. `feeds_url: \"https://example.com/feeds/\"`",
                )
            })?,
            None => base_url.join("feeds/").map_err(|e| {
                fail("base_url", format!("`base_url` cannot hold a feeds/ folder: {e}"), "")
            })?,
        };
        let timezone = match raw.timezone.as_deref() {
            None => Tz::UTC,
            Some(name) => name.parse::<Tz>().map_err(|_| {
                fail(
                    "timezone",
                    format!("unknown time zone `{name}`"),
                    "use an IANA time zone name such as `Asia/Taipei`, `Europe/Berlin` or `UTC`",
                )
            })?,
        };
        if let Some(author) = &raw.author {
            if author.name.trim().is_empty() {
                return Err(fail(
                    "author",
                    "`author.name` is empty".into(),
                    "give the author's name",
                ));
            }
        }
        Ok(Config {
            title: raw.title.unwrap_or_else(|| "Untitled site".to_owned()),
            description: raw.description.unwrap_or_default(),
            base_url,
            feeds_url,
            content_dir: dir.join(raw.content_dir.unwrap_or_else(|| "content".into())),
            output_dir: dir.join(raw.output_dir.unwrap_or_else(|| "feeds".into())),
            language: raw.language.filter(|l| !l.trim().is_empty()),
            author: raw.author,
            limit: match raw.limit {
                None => Some(20),
                Some(0) => None,
                Some(n) => Some(n),
            },
            timezone,
            full_content: raw.full_content.unwrap_or(true),
            file: file.map(Path::to_path_buf),
        })
    }
}

/// Checks that a URL is absolute http(s) and makes it end in `/`, so that
/// joining paths onto it never drops its last segment.
fn absolute_dir_url(text: &str) -> Result<Url, String> {
    let mut url =
        Url::parse(text.trim()).map_err(|e| format!("`{text}` is not an absolute URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("`{text}` must start with http:// or https://"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("`{text}` must not have a query or fragment"));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

fn yaml_error(shown: &str, e: &serde_yaml::Error) -> Diagnostic {
    let message = e.to_string();
    let message = message
        .find(" at line ")
        .map_or(message.as_str(), |i| &message[..i]);
    let help = if message.starts_with("unknown field") {
        "remove or correct this key; feedsmith knows: title, description, base_url, feeds_url, content_dir, output_dir, language, author, limit, timezone, full_content"
    } else {
        "check the YAML syntax and the type of the value on this line"
    };
    Diagnostic::error(
        shown,
        e.location().map(|l| l.line()),
        format!("invalid config: {message}"),
    )
    .with_help(help)
}

/// The line on which a top-level key is written, for messages about its value.
fn key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            line.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
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
        let e =
            Config::parse("title: A\nbase_url: example.com\n", Path::new(""), None).unwrap_err();
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
}
