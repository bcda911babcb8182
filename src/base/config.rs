//! The site's settings: `feedsmith.yaml`, over Hugo's own config.
//!
//! Each setting comes from `feedsmith.yaml` when it sets it, else from the
//! site's Hugo config when that has it (see [`crate::base::hugo`]), else
//! from feedsmith's default; [`Config::origins`] says which, for
//! `--verbose`. Unknown keys in `feedsmith.yaml` are errors, not silently
//! ignored: a typo such as `base_ulr` would otherwise produce feeds full of
//! wrong links without a word. Hugo's config is Hugo's: keys feedsmith does
//! not use are ignored.

use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use serde::Deserialize;
use url::Url;

use crate::base::diagnostic::Diagnostic;
use crate::base::hugo;
use crate::base::taxonomy::Taxonomy;
use crate::base::urls::UglyUrls;

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
    copyright: Option<String>,
    formats: Option<Vec<Format>>,
    image: Option<String>,
    favicon: Option<String>,
    websub_hubs: Option<Vec<String>>,
    permalinks: Option<std::collections::BTreeMap<String, String>>,
    taxonomies: Option<std::collections::BTreeMap<String, String>>,
    layout: Option<Layout>,
}

/// Settings given on the command line, which win over every file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--layout`.
    pub layout: Option<Layout>,
    /// `--base-url` (Hugo's `-b`).
    pub base_url: Option<String>,
}

/// Where the feeds' files go in the output folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// `rss.xml`, `feed.json`, `atom.xml` in a folder of their own per feed
    /// (`tags/x/`, `sections/posts/`), with a page for each.
    #[default]
    Feedsmith,
    /// RSS where Hugo writes it (`index.xml` in the page's own folder:
    /// `tags/x/index.xml`, `posts/index.xml`), the other formats beside it
    /// (`feed.json`, `atom.xml`), and no pages: meant for Hugo's `public/`.
    Hugo,
}

impl std::str::FromStr for Layout {
    type Err = String;

    /// `feedsmith` or `hugo`, as `--layout` takes it.
    fn from_str(s: &str) -> Result<Layout, String> {
        match s {
            "feedsmith" => Ok(Layout::Feedsmith),
            "hugo" => Ok(Layout::Hugo),
            other => Err(format!(
                "`{other}` is not a layout: use `feedsmith` or `hugo`"
            )),
        }
    }
}

/// Where a post's dates come from: for each, the front matter keys (lower
/// case) tried in turn, as Hugo's `[frontmatter]` lists them; `:filename`
/// is a date at the start of the file's name (`2024-03-05-x.md`), and
/// `:filemodtime` the time the file was last modified, and `:git` its
/// last commit's author date (only with Hugo's `enableGitInfo`: without
/// it, the token is dropped, as Hugo passes it over).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateKeys {
    pub date: Vec<String>,
    pub publish_date: Vec<String>,
    pub lastmod: Vec<String>,
    pub expiry_date: Vec<String>,
}

impl DateKeys {
    /// Whether any date is read from the file's name (`:filename`).
    pub fn use_file_name(&self) -> bool {
        self.uses(":filename")
    }

    /// Whether any date is the file's modification time
    /// (`:filemodtime`): then the file's time is an input like its bytes.
    pub fn use_mod_time(&self) -> bool {
        self.uses(":filemodtime")
    }

    /// Whether any date is the file's last commit's (`:git`).
    pub fn use_git(&self) -> bool {
        self.uses(":git")
    }

    /// Whether any date comes from outside the file's bytes.
    pub fn use_file_times(&self) -> bool {
        self.use_mod_time() || self.use_git()
    }

    fn uses(&self, token: &str) -> bool {
        [
            &self.date,
            &self.publish_date,
            &self.lastmod,
            &self.expiry_date,
        ]
        .iter()
        .any(|keys| keys.iter().any(|k| k == token))
    }
}

impl Default for DateKeys {
    /// What feedsmith reads without a `[frontmatter]`: Hugo's defaults,
    /// less the fallbacks to another date (a post's `lastmod` is its own).
    fn default() -> DateKeys {
        let keys = |keys: &[&str]| keys.iter().map(|k| (*k).to_owned()).collect();
        DateKeys {
            date: keys(&["date", "publishdate", "pubdate", "published"]),
            publish_date: keys(&["publishdate", "pubdate", "published", "date"]),
            lastmod: keys(&["lastmod", "modified"]),
            expiry_date: keys(&["expirydate", "unpublishdate"]),
        }
    }
}

/// Which of Hugo's kinds of page the site has, and so gets feeds for:
/// Hugo's `disableKinds` turns off `home`, `section` and `term` pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kinds {
    pub home: bool,
    pub sections: bool,
    pub terms: bool,
}

/// A feed format feedsmith writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// RSS 2.0, `rss.xml`.
    Rss,
    /// JSON Feed 1.1, `feed.json`.
    Json,
    /// Atom 1.0, `atom.xml`.
    Atom,
}

/// The formats written when the config names none.
pub const DEFAULT_FORMATS: [Format; 2] = [Format::Rss, Format::Json];

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
    /// RSS `<copyright>`, Atom `<rights>`.
    pub copyright: Option<String>,
    /// The formats written for every feed, in the order given, without
    /// repeats; never empty.
    pub formats: Vec<Format>,
    /// The site's picture (RSS `<image>`, JSON `icon`, Atom `<logo>`): an
    /// absolute URL.
    pub image: Option<Url>,
    /// The site's small icon (JSON `favicon`, Atom `<icon>`): an absolute URL.
    pub favicon: Option<Url>,
    /// WebSub hubs the feeds name (`rel="hub"`), and that `feedsmith ping`
    /// and `serve` tell about changed feeds.
    pub websub_hubs: Vec<Url>,
    /// Hugo's `permalinks` patterns for pages, by section (lower case),
    /// sorted: see [`crate::parse::permalinks`].
    pub permalinks: Vec<(String, String)>,
    /// The site's taxonomies, in order (Hugo's default: categories, tags).
    pub taxonomies: Vec<Taxonomy>,
    /// Hugo's `permalinks` patterns for terms, by taxonomy (plural):
    /// `permalinks.term`, or the old form's keys that name a taxonomy.
    pub term_permalinks: Vec<(String, String)>,
    /// Hugo's `uglyURLs`: a page's URL is `posts/a.html`, not `posts/a/`.
    pub ugly_urls: UglyUrls,
    /// Whether URL paths are lower case: not with Hugo's
    /// `disablePathToLower`.
    pub lower_paths: bool,
    /// Where posts' dates come from (Hugo's `[frontmatter]`).
    pub dates: DateKeys,
    /// Which of the site's feeds exist (Hugo's `disableKinds`).
    pub kinds: Kinds,
    pub layout: Layout,
    /// The RSS file's name in the Hugo layout: `index.xml`, or what the
    /// site's `outputFormats.rss.baseName` makes it.
    pub rss_name: String,
    /// The site's languages (Hugo's `languages`, lower case; the default
    /// first; just the default one when it names none).
    pub languages: Vec<String>,
    /// The language these settings are for (the default one, unless the
    /// command line's loader made them for another).
    pub language_code: String,
    /// Whether the language has a content folder of its own (Hugo's
    /// per-language `contentDir`): then its files need no language in
    /// their names.
    pub own_content: bool,
    /// Hugo's environment of the build (`production`, or `--environment`):
    /// a `cascade` may be for some environments only.
    pub environment: String,
    /// The `cascade` of Hugo's config, as written (a map or a list of
    /// them): what it hands down to every page, below what the content's
    /// list pages hand down (see [`crate::parse::cascade`]).
    pub cascade: Option<serde_json::Value>,
    /// What the language puts before every path of the site (`en/`), or
    /// `""`.
    pub url_prefix: String,
    /// The config file this came from (`feedsmith.yaml`, else Hugo's first
    /// file), or `None` for built-in defaults.
    pub file: Option<PathBuf>,
    /// The site's folder, which the config files are in.
    pub site_dir: PathBuf,
    /// Where each setting came from, by key, for `--verbose`.
    pub origins: Vec<(&'static str, Origin)>,
}

/// Where a setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A config file, and the line of the key when it is known.
    File { path: String, line: Option<usize> },
    /// Hugo's default, which applies to a site with a Hugo config.
    HugoDefault(&'static str),
    /// feedsmith's own default.
    Default,
}

impl std::fmt::Display for Origin {
    /// `feedsmith.yaml:3`, `hugo.toml`, `Hugo's default (every item)`,
    /// `default`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::File {
                path,
                line: Some(line),
            } => write!(f, "{path}:{line}"),
            Origin::File { path, line: None } => f.write_str(path),
            Origin::HugoDefault(what) => write!(f, "Hugo's default ({what})"),
            Origin::Default => f.write_str("default"),
        }
    }
}

impl Config {
    /// The folder, in the site's folder, where feedsmith keeps what it knows
    /// between runs (see [`CACHE_DIR`]).
    pub fn cache_dir(&self) -> PathBuf {
        let dir = self.site_dir.join(CACHE_DIR);
        match self.url_prefix.trim_end_matches('/') {
            "" => dir,
            language => dir.join(language),
        }
    }

    /// The settings used when there is no config file. Paths are relative to
    /// the current directory.
    pub fn defaults() -> Config {
        // Nothing to read, so nothing can fail.
        Config::load(
            None,
            None,
            &hugo::Config::default(),
            Path::new(""),
            &Overrides::default(),
        )
        .unwrap_or_else(|_| unreachable!())
    }

    /// Parses config text. `dir` is the folder the config file is in (paths in
    /// it are relative to that folder); `file` names it in messages.
    pub fn parse(text: &str, dir: &Path, file: Option<&Path>) -> Result<Config, Diagnostic> {
        Config::load(
            Some(text),
            file,
            &hugo::Config::default(),
            dir,
            &Overrides::default(),
        )
    }

    /// The settings of `feedsmith.yaml` (its text and path, when there is
    /// one) over those of the site's Hugo config (`hugo`, read from `dir`),
    /// over the defaults, with the command line's `overrides` over all.
    /// Paths are relative to `dir`.
    pub fn load(
        yaml: Option<&str>,
        file: Option<&Path>,
        hugo: &hugo::Config,
        dir: &Path,
        overrides: &Overrides,
    ) -> Result<Config, Diagnostic> {
        let shown = file.map_or_else(|| DEFAULT_FILE.to_owned(), |f| f.display().to_string());
        // A byte-order mark (Windows editors write one) is not part of it.
        let yaml = yaml.map(|t| t.strip_prefix('\u{feff}').unwrap_or(t));
        let text = yaml.unwrap_or_default();
        let raw: RawConfig = if text.trim().is_empty() {
            RawConfig::default()
        } else {
            serde_yaml::from_str(text).map_err(|e| yaml_error(&shown, &e))?
        };
        let raw = RawConfig {
            layout: overrides.layout.or(raw.layout),
            base_url: overrides.base_url.clone().or(raw.base_url),
            ..raw
        };
        let mut layers = Layers {
            yaml: yaml.map(|text| (shown.as_str(), text)),
            hugo,
            origins: Vec::new(),
        };
        let settings = layers.gather(raw);
        layers.validate(settings, file, dir)
    }
}

/// The config's sources, from the strongest: `feedsmith.yaml` (its shown
/// path and text), then Hugo's config; and where each setting came from.
struct Layers<'a> {
    yaml: Option<(&'a str, &'a str)>,
    hugo: &'a hugo::Config,
    origins: Vec<(&'static str, Origin)>,
}

/// Every setting as the layers give it, before its check; `None` is the
/// default.
struct Settings {
    title: Option<String>,
    description: Option<String>,
    base: Option<String>,
    language: Option<String>,
    timezone: Option<String>,
    copyright: Option<String>,
    content_dir: Option<String>,
    author: Option<Author>,
    limit: Option<usize>,
    output_dir: Option<PathBuf>,
    feeds_url: Option<String>,
    full_content: Option<bool>,
    formats: Option<Vec<Format>>,
    image: Option<String>,
    favicon: Option<String>,
    websub_hubs: Option<Vec<String>>,
    permalinks: Vec<(String, String)>,
    taxonomies: Vec<Taxonomy>,
    kinds: Kinds,
    layout: Option<Layout>,
    rss_name: String,
}

impl Layers<'_> {
    /// Each setting from the strongest layer that has it (`None`: the
    /// default), noting where it came from.
    fn gather(&mut self, raw: RawConfig) -> Settings {
        let title = self.text("title", raw.title, &["title"]);
        let description = self.text(
            "description",
            raw.description,
            &["params.description", "description"],
        );
        let base = self.text("base_url", raw.base_url, &["baseurl"]);
        let language = self.text("language", raw.language, &["locale", "languagecode"]);
        let timezone = self.text("timezone", raw.timezone, &["timezone"]);
        let copyright = self.text("copyright", raw.copyright, &["copyright"]);
        let content_dir = self.text(
            "content_dir",
            raw.content_dir.map(|d| d.display().to_string()),
            &["contentdir"],
        );
        let author = match raw.author {
            Some(author) => Some(self.set_in_yaml("author", author)),
            None => self.hugo_author(),
        };
        let limit = match raw.limit {
            Some(limit) => Some(self.set_in_yaml("limit", limit)),
            None => self.hugo_limit(),
        };
        let (output_dir, feeds_url) = (raw.output_dir, raw.feeds_url);
        let full_content = raw.full_content;
        let (formats, image, favicon, websub_hubs) =
            (raw.formats, raw.image, raw.favicon, raw.websub_hubs);
        let permalinks = match raw.permalinks {
            Some(given) => self.set_in_yaml("permalinks", given.into_iter().collect()),
            None => self.hugo_permalinks(),
        };
        let taxonomies = match raw.taxonomies {
            Some(given) => self.set_in_yaml("taxonomies", taxonomies_of(given)),
            None => self.hugo_taxonomies(),
        };
        let kinds = self.hugo_kinds();
        self.note_hugo_origins();
        let rss_name = self.hugo_rss_name();
        let layout = raw.layout;
        for (key, set) in [
            ("output_dir", output_dir.is_some()),
            ("feeds_url", feeds_url.is_some()),
            ("full_content", full_content.is_some()),
            ("formats", formats.is_some()),
            ("image", image.is_some()),
            ("favicon", favicon.is_some()),
            ("websub_hubs", websub_hubs.is_some()),
            ("layout", layout.is_some()),
        ] {
            let origin = if set {
                self.yaml_origin(key)
            } else {
                Origin::Default
            };
            self.origins.push((key, origin));
        }

        Settings {
            title,
            description,
            base,
            language,
            timezone,
            copyright,
            content_dir,
            author,
            limit,
            output_dir,
            feeds_url,
            full_content,
            formats,
            image,
            favicon,
            websub_hubs,
            permalinks,
            taxonomies,
            kinds,
            layout,
            rss_name,
        }
    }

    /// The settings checked, with every default applied.
    fn validate(
        self,
        settings: Settings,
        file: Option<&Path>,
        dir: &Path,
    ) -> Result<Config, Diagnostic> {
        let s = settings;
        let fail = |key: &str, message: String, help: &str| self.error(key, message, help);
        let base = s.base.as_deref().unwrap_or(DEFAULT_BASE_URL);
        let base_url = absolute_dir_url(base).map_err(|why| {
            fail(
                "base_url",
                format!("`base_url` {why}"),
                "write the site's address with its scheme, e.g. `base_url: \"https://example.com/\"` \
                 (feeds are read far from the site, so their links must be absolute; a Hugo site \
                 whose baseURL is given at deploy time, with `hugo -b`, can set `base_url` in \
                 feedsmith.yaml)",
            )
        })?;
        let feeds_url = match s.feeds_url.as_deref() {
            Some(feeds) => absolute_dir_url(feeds).map_err(|why| {
                fail(
                    "feeds_url",
                    format!("`feeds_url` {why}"),
                    "write the published address of the output folder, e.g. `feeds_url: \"https://example.com/feeds/\"`",
                )
            })?,
            // In Hugo's layout the feeds are at the site's own paths.
            None if s.layout == Some(Layout::Hugo) => base_url.clone(),
            None => base_url.join("feeds/").map_err(|e| {
                fail("base_url", format!("`base_url` cannot hold a feeds/ folder: {e}"), "")
            })?,
        };
        let timezone = match s.timezone.as_deref() {
            None => Tz::UTC,
            Some(name) => name.parse::<Tz>().map_err(|_| {
                fail(
                    "timezone",
                    format!("unknown time zone `{name}`"),
                    "use an IANA time zone name such as `Asia/Taipei`, `Europe/Berlin` or `UTC`",
                )
            })?,
        };
        if let Some(author) = &s.author {
            if author.name.trim().is_empty() {
                return Err(fail(
                    "author",
                    "`author.name` is empty".into(),
                    "give the author's name",
                ));
            }
        }
        let formats = match s.formats {
            None => DEFAULT_FORMATS.to_vec(),
            Some(given) => {
                let mut formats: Vec<Format> = Vec::with_capacity(given.len());
                for format in given {
                    if !formats.contains(&format) {
                        formats.push(format);
                    }
                }
                if formats.is_empty() {
                    return Err(fail(
                        "formats",
                        "`formats` is empty".into(),
                        "list at least one of `rss`, `json` and `atom`, e.g. `formats: [rss, json, atom]`",
                    ));
                }
                formats
            }
        };
        let site_url = |key: &str, text: Option<&str>| -> Result<Option<Url>, Diagnostic> {
            let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
                return Ok(None);
            };
            // A path is under the site: `/images/logo.png`, `logo.png`.
            let joined = Url::parse(text)
                .or_else(|_| base_url.join(text.trim_start_matches('/')))
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https"));
            joined.map(Some).ok_or_else(|| {
                fail(
                    key,
                    format!("`{key}` `{text}` is neither an http(s) URL nor a path under the site"),
                    "give an absolute URL (`https://example.com/logo.png`) or a path under the \
                     site (`/images/logo.png`)",
                )
            })
        };
        let image = site_url("image", s.image.as_deref())?;
        let favicon = site_url("favicon", s.favicon.as_deref())?;
        let mut websub_hubs = Vec::new();
        for hub in s.websub_hubs.unwrap_or_default() {
            let url = Url::parse(hub.trim())
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .ok_or_else(|| {
                    fail(
                        "websub_hubs",
                        format!("`websub_hubs` holds `{hub}`, which is not an http(s) URL"),
                        "give each hub's full address, e.g. `https://pubsubhubbub.appspot.com/`",
                    )
                })?;
            if !websub_hubs.contains(&url) {
                websub_hubs.push(url);
            }
        }
        let publish_dir = self.hugo_publish_dir();
        let dates = self.hugo_dates();
        let term_permalinks = self.hugo_term_permalinks(&s.taxonomies);
        let origins = self.origins;
        Ok(Config {
            title: s.title.unwrap_or_else(|| "Untitled site".to_owned()),
            description: s.description.unwrap_or_default(),
            base_url,
            feeds_url,
            content_dir: dir.join(s.content_dir.unwrap_or_else(|| "content".into())),
            output_dir: dir.join(s.output_dir.unwrap_or_else(|| match s.layout {
                Some(Layout::Hugo) => publish_dir.into(),
                _ => "feeds".into(),
            })),
            language: s.language.filter(|l| !l.trim().is_empty()),
            author: s.author,
            limit: match s.limit {
                None => Some(20),
                Some(0) => None,
                Some(n) => Some(n),
            },
            timezone,
            full_content: s.full_content.unwrap_or(true),
            copyright: s.copyright.filter(|c| !c.trim().is_empty()),
            formats,
            image,
            favicon,
            websub_hubs,
            permalinks: s
                .permalinks
                .into_iter()
                .map(|(section, pattern)| (section.trim_matches('/').to_lowercase(), pattern))
                .collect(),
            term_permalinks,
            ugly_urls: UglyUrls::of(self.hugo.get("uglyurls").map(|s| s.value)),
            lower_paths: !self.hugo.flag("disablepathtolower"),
            taxonomies: s.taxonomies,
            dates,
            // A site without `languages` has one: the default, which a
            // file name may give too (`about.en.md`).
            languages: match self.hugo.languages() {
                none if none.is_empty() => vec![self.hugo.default_language()],
                some => some,
            },
            language_code: self.hugo.default_language(),
            own_content: false,
            environment: "production".to_owned(),
            cascade: self.hugo.get("cascade").map(|s| s.value.clone()),
            url_prefix: String::new(),
            kinds: s.kinds,
            layout: s.layout.unwrap_or_default(),
            rss_name: s.rss_name,
            file: file
                .map(Path::to_path_buf)
                .or_else(|| self.hugo.first_file().map(PathBuf::from)),
            site_dir: dir.to_path_buf(),
            origins,
        })
    }

    /// Where a key of `feedsmith.yaml` is (`feedsmith.yaml:3`).
    fn yaml_origin(&self, key: &str) -> Origin {
        match self.yaml {
            Some((shown, text)) => Origin::File {
                path: shown.to_owned(),
                line: key_line(text, key),
            },
            None => Origin::File {
                path: DEFAULT_FILE.to_owned(),
                line: None,
            },
        }
    }

    /// A value `feedsmith.yaml` set, noted as coming from there.
    fn set_in_yaml<T>(&mut self, key: &'static str, value: T) -> T {
        let origin = self.yaml_origin(key);
        self.origins.push((key, origin));
        value
    }

    /// A text setting: `feedsmith.yaml`'s `value`, else the first of Hugo's
    /// `paths` that is set, else none (the default).
    fn text(&mut self, key: &'static str, value: Option<String>, paths: &[&str]) -> Option<String> {
        if let Some(value) = value {
            return Some(self.set_in_yaml(key, value));
        }
        match self.hugo.string(paths) {
            Some((text, setting)) => {
                self.origins.push((key, origin_of(&setting)));
                Some(text)
            }
            None => {
                self.origins.push((key, Origin::Default));
                None
            }
        }
    }

    /// An error about the value of `key`, at the line that set it (in
    /// `feedsmith.yaml` when it was a default).
    fn error(&self, key: &str, message: String, help: &str) -> Diagnostic {
        let origin = self.origins.iter().find(|(k, _)| *k == key).map(|(_, o)| o);
        let (file, line) = match origin {
            Some(Origin::File { path, line }) => (path.clone(), *line),
            _ => {
                let shown = self.yaml.map_or(DEFAULT_FILE, |(shown, _)| shown);
                (shown.to_owned(), None)
            }
        };
        Diagnostic::error(file, line, message).with_help(help)
    }
}

/// Where a setting read from Hugo's config is.
fn origin_of(setting: &hugo::Setting<'_>) -> Origin {
    Origin::File {
        path: setting.file.to_owned(),
        line: setting.line,
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
        "remove or correct this key; feedsmith knows: title, description, base_url, feeds_url, content_dir, output_dir, language, author, limit, timezone, full_content, copyright, formats, image, favicon, websub_hubs, permalinks, taxonomies, layout"
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

/// Taxonomies from a map of singular to plural names, in the map's order
/// (sorted), blank names left out.
fn taxonomies_of(given: std::collections::BTreeMap<String, String>) -> Vec<Taxonomy> {
    given
        .iter()
        .map(|(singular, plural)| (singular.trim(), plural.trim().trim_matches('/')))
        .filter(|(singular, plural)| !singular.is_empty() && !plural.is_empty())
        .map(|(singular, plural)| Taxonomy::new(singular, plural))
        .collect()
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

mod from_hugo;

#[cfg(test)]
mod tests;
