//! What the three commands share: their build options, finding and loading
//! the site's settings (`feedsmith.yaml` over Hugo's own config), the
//! content folder's check, and the exit codes.

use std::path::{Path, PathBuf};

use crate::base::config::{self, Config, Layout, Overrides};
use crate::base::diagnostic::Diagnostic;
use crate::base::hugo;

/// Exit codes, as documented in the README.
pub mod exit {
    /// Success, possibly with warnings.
    pub const OK: u8 = 0;
    /// Content errors under `--strict`, output failure, or `--check` found changes.
    pub const FAILURE: u8 = 1;
    /// Bad usage or bad config.
    pub const USAGE: u8 = 2;
}

/// The options of `feedsmith build`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildArgs {
    pub config: Option<PathBuf>,
    pub content: Option<PathBuf>,
    pub out: Option<PathBuf>,
    pub drafts: bool,
    pub future: bool,
    pub expired: bool,
    pub strict: bool,
    pub check: bool,
    pub quiet: bool,
    /// Print the time each stage took.
    pub verbose: bool,
    /// Hugo's environment: which `config/<environment>/` folder is read
    /// (default: `HUGO_ENVIRONMENT`, else `production`, as `hugo` does).
    pub environment: Option<String>,
    /// Where the feeds go (`--layout hugo`: at Hugo's own paths).
    pub layout: Option<Layout>,
    /// The site's address, over the config's (like Hugo's `-b`).
    pub base_url: Option<String>,
}

/// Where a site's settings are read from.
#[derive(Debug, Clone)]
pub struct ConfigPlaces {
    /// `feedsmith.yaml`, or the file `--config` names.
    pub yaml: PathBuf,
    /// Whether `--config` named `yaml` (then it must exist).
    explicit: bool,
    /// The Hugo config file `--config` names, if it names one.
    hugo_root: Option<PathBuf>,
    /// The site's folder: where Hugo's config is looked for.
    pub site_dir: PathBuf,
    /// Hugo's environment (`production` unless told otherwise).
    pub environment: String,
}

impl ConfigPlaces {
    /// The places `args` point to.
    pub fn of(args: &BuildArgs) -> ConfigPlaces {
        let environment = args
            .environment
            .clone()
            .or_else(|| std::env::var("HUGO_ENVIRONMENT").ok())
            .filter(|e| !e.trim().is_empty())
            .unwrap_or_else(|| "production".to_owned());
        let given = args.config.clone();
        let path = given
            .clone()
            .unwrap_or_else(|| PathBuf::from(config::DEFAULT_FILE));
        let site_dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let is_hugo = hugo::ROOT_NAMES.contains(&name);
        ConfigPlaces {
            yaml: if is_hugo {
                site_dir.join(config::DEFAULT_FILE)
            } else {
                path.clone()
            },
            explicit: given.is_some() && !is_hugo,
            hugo_root: is_hugo.then_some(path),
            site_dir,
            environment,
        }
    }

    /// Hugo's config folder.
    pub fn config_dir(&self) -> PathBuf {
        self.site_dir.join("config")
    }

    /// Whether a change to `path` (in the same form as these places: both
    /// absolute, or both relative) may change the settings.
    pub fn is_config(&self, path: &Path) -> bool {
        let in_site = path.parent() == Some(self.site_dir.as_path());
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        path == self.yaml
            || path == self.config_dir()
            || (in_site && hugo::ROOT_NAMES.contains(&name))
            || (path.starts_with(self.config_dir()) && hugo::is_config_name(name))
    }

    /// The site's Hugo config, merged as Hugo merges it (empty when the
    /// site has none).
    pub fn read_hugo(&self) -> Result<hugo::Config, Diagnostic> {
        hugo::Config::merge(self.hugo_files()?)
    }

    /// Reads Hugo's config files, in the order Hugo merges them.
    fn hugo_files(&self) -> Result<Vec<hugo::File>, Diagnostic> {
        let root = self.hugo_root.clone().or_else(|| {
            hugo::ROOT_NAMES
                .iter()
                .map(|name| self.site_dir.join(name))
                .find(|p| p.is_file())
        });
        let mut paths: Vec<PathBuf> = root.into_iter().collect();
        for folder in ["_default", self.environment.as_str()] {
            let Ok(entries) = std::fs::read_dir(self.config_dir().join(folder)) else {
                continue;
            };
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(hugo::is_config_name)
                })
                .collect();
            // The whole config (`hugo.toml`) first, then the files of one
            // key each, by name: the same order on every machine.
            found.sort_by_key(|p| {
                let stem = p
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or_default()
                    .to_lowercase();
                (stem != "hugo" && stem != "config", p.clone())
            });
            paths.extend(found);
        }
        paths
            .into_iter()
            .map(|path| {
                let shown = path.display().to_string();
                match std::fs::read_to_string(&path) {
                    Ok(text) => Ok(hugo::File { shown, text }),
                    Err(e) => Err(Diagnostic::error(
                        shown,
                        None,
                        format!("cannot read Hugo's config: {e}"),
                    )
                    .with_help("check the file's permissions")),
                }
            })
            .collect()
    }
}

/// Loads the settings: the file `--config` names, else `feedsmith.yaml` if
/// present, over the site's Hugo config if it has one, over the defaults;
/// then applies `--content` and `--out`. One config for each of the site's
/// languages (Hugo's `languages`), the default one first: each has its own
/// settings (`[languages.en]` over the site's), content (its `contentDir`,
/// or the files whose names give its code), and place: a language other
/// than the default one, or every one with
/// `defaultContentLanguageInSubdir`, is under `<code>/` in the site's URLs
/// and in the output folder. One config for a site with one language or
/// none.
pub fn load_configs(args: &BuildArgs) -> Result<Vec<Config>, Diagnostic> {
    let places = ConfigPlaces::of(args);
    let yaml = match std::fs::read_to_string(&places.yaml) {
        Ok(text) => Some(text),
        Err(e) if !places.explicit && e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(Diagnostic::error(
                places.yaml.display().to_string(),
                None,
                format!("cannot read the config file: {e}"),
            )
            .with_help("check the path given to --config"))
        }
    };
    let yaml = yaml.as_deref();
    let hugo = places.read_hugo()?;
    let languages = hugo.languages();
    if languages.len() <= 1 {
        return Ok(vec![load_language(args, &places, yaml, &hugo)?]);
    }
    let in_subdir = hugo.flag("defaultcontentlanguageinsubdir");
    let mut configs = Vec::with_capacity(languages.len());
    for (i, code) in languages.iter().enumerate() {
        let own = hugo.for_language(code);
        let mut config = load_language(args, &places, yaml, &own)?;
        config.language_code.clone_from(code);
        if i > 0 || in_subdir {
            config.url_prefix = format!("{code}/");
            config.output_dir = config.output_dir.join(code);
            config.feeds_url = config
                .feeds_url
                .join(&format!("{code}/"))
                .unwrap_or_else(|_| config.feeds_url.clone());
        }
        let content = own
            .get(&format!("languages.{code}.contentdir"))
            .and_then(|s| s.value.as_str().map(str::to_owned));
        if let (Some(dir), None) = (content, &args.content) {
            config.content_dir = places.site_dir.join(dir);
            config.own_content = true;
        }
        configs.push(config);
    }
    Ok(configs)
}

/// The output folder of the whole site, which holds each language's
/// (see [`load_configs`]), and the URL it is published at: the first
/// language's own, or the one above it when that language too is under
/// `<code>/` (Hugo's `defaultContentLanguageInSubdir`).
pub fn site_output(configs: &[Config]) -> Option<(PathBuf, url::Url)> {
    let first = configs.first()?;
    if first.url_prefix.is_empty() {
        return Some((first.output_dir.clone(), first.feeds_url.clone()));
    }
    let dir = first
        .output_dir
        .parent()
        .unwrap_or(Path::new(""))
        .to_path_buf();
    let url = first
        .feeds_url
        .join("../")
        .unwrap_or_else(|_| first.feeds_url.clone());
    Some((dir, url))
}

/// The settings of one language: `feedsmith.yaml`'s text (`yaml`, if
/// there is one) over `hugo` as that language reads it.
fn load_language(
    args: &BuildArgs,
    places: &ConfigPlaces,
    yaml: Option<&str>,
    hugo: &hugo::Config,
) -> Result<Config, Diagnostic> {
    let file = yaml.is_some().then_some(places.yaml.as_path());
    let overrides = Overrides {
        layout: args.layout,
        base_url: args.base_url.clone(),
    };
    let mut config = Config::load(yaml, file, hugo, &places.site_dir, &overrides)?;
    if let Some(content) = &args.content {
        config.content_dir = content.clone();
    }
    if let Some(out) = &args.out {
        config.output_dir = out.clone();
    }
    config.environment.clone_from(&places.environment);
    Ok(config)
}

/// The content folder must exist before anything is built or watched.
pub fn check_content_dir(config: &Config) -> Result<(), Diagnostic> {
    if config.content_dir.is_dir() {
        return Ok(());
    }
    Err(Diagnostic::error(
        config.content_dir.display().to_string(),
        None,
        "the content folder does not exist",
    )
    .with_help("create it, or point to it with --content DIR or `content_dir` in feedsmith.yaml"))
}
