//! Hugo's own site config, read so that a Hugo site needs no
//! `feedsmith.yaml`: the settings feedsmith has in common with Hugo
//! (`baseURL`, `title`, `timeZone`, the RSS limit, …) are taken from it.
//!
//! Hugo reads its root file (`hugo.toml`, `config.yaml`, …), then the files
//! of `config/_default/`, then those of `config/<environment>/`, each merged
//! over the ones before it, maps key by key (checked against Hugo 0.168's
//! `hugo config`). A file of a config folder named after a key
//! (`params.toml`) holds that key; one with a language too
//! (`params.en.toml`) holds it for that language. Keys are case-insensitive.
//! Keys feedsmith does not use are ignored: only `feedsmith.yaml` is strict.
//!
//! No file is read here; [`crate::cmd::settings`] finds and reads them.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::base::diagnostic::Diagnostic;

/// One of a Hugo site's config files, read.
#[derive(Debug, Clone)]
pub struct File {
    /// The path shown in messages (`config/_default/params.toml`).
    pub shown: String,
    pub text: String,
}

/// What a file's name says of it: its format, and the key it holds (`None`
/// for a whole config, `hugo.toml` or `config.toml`), as a path of keys.
fn kind(shown: &str) -> Option<(Format, Vec<String>)> {
    let name = shown.rsplit(['/', '\\']).next().unwrap_or(shown);
    let (stem, ext) = name.rsplit_once('.')?;
    let format = match ext.to_ascii_lowercase().as_str() {
        "toml" => Format::Toml,
        "yaml" | "yml" => Format::Yaml,
        "json" => Format::Json,
        _ => return None,
    };
    let stem = stem.to_lowercase();
    let key = match stem.split_once('.') {
        _ if stem == "hugo" || stem == "config" => Vec::new(),
        // `languages.en.toml`: the language `en`'s settings.
        Some(("languages", language)) => vec!["languages".to_owned(), language.to_owned()],
        // `params.en.toml`: `params` of the language `en`.
        Some((key, language)) => vec!["languages".to_owned(), language.to_owned(), key.to_owned()],
        None => vec![stem],
    };
    Some((format, key))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Toml,
    Yaml,
    Json,
}

/// Whether Hugo reads a file of this name in a config folder.
pub fn is_config_name(name: &str) -> bool {
    kind(name).is_some()
}

/// The names Hugo looks for in a site's root, in its order of preference
/// (Hugo 0.168 reads `config.yml` too, checked with `hugo config`).
pub const ROOT_NAMES: [&str; 8] = [
    "hugo.toml",
    "hugo.yaml",
    "hugo.yml",
    "hugo.json",
    "config.toml",
    "config.yaml",
    "config.yml",
    "config.json",
];

/// Hugo's config, merged, with the file each value came from.
#[derive(Debug, Clone, Default)]
pub struct Config {
    tree: Map<String, Value>,
    /// For every key path set (`services.rss.limit`), the file that set it
    /// last, and the text of that file (to find the key's line).
    origins: BTreeMap<String, usize>,
    files: Vec<File>,
    /// The language whose own settings win (see [`Config::get`]); `None`:
    /// the default language.
    language: Option<String>,
}

/// One setting read from Hugo's config: its value and the file it is in.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting<'a> {
    pub value: &'a Value,
    /// The file it came from, as shown in messages.
    pub file: &'a str,
    /// The line of its key in that file, if it can be found.
    pub line: Option<usize>,
}

impl Config {
    /// Merges `files`, each over the ones before it (see the module docs).
    pub fn merge(files: Vec<File>) -> Result<Config, Diagnostic> {
        let mut config = Config::default();
        for (index, file) in files.iter().enumerate() {
            let Some((format, key)) = kind(&file.shown) else {
                continue;
            };
            let mut value = lower_keys(parse(file, format)?);
            for part in key.iter().rev() {
                let mut wrapper = Map::new();
                wrapper.insert(part.clone(), value);
                value = Value::Object(wrapper);
            }
            let Value::Object(map) = value else {
                return Err(Diagnostic::error(
                    &file.shown,
                    Some(1),
                    "this Hugo config file does not hold a map of settings",
                )
                .with_help("write settings as `key = value` (TOML) or `key: value` (YAML)"));
            };
            merge_into(&mut config.tree, map, "", index, &mut config.origins);
        }
        config.files = files;
        Ok(config)
    }

    /// The first file read (the root file, when there is one).
    pub fn first_file(&self) -> Option<&str> {
        self.files.first().map(|f| f.shown.as_str())
    }

    /// Whether no file was read.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The setting at a key path (`services.rss.limit`; lower case), if set:
    /// the default language's own (`languages.en.title`) over the site's,
    /// as Hugo reads them for that language.
    pub fn get(&self, path: &str) -> Option<Setting<'_>> {
        let language = self
            .language
            .clone()
            .unwrap_or_else(|| self.default_language());
        if !path.starts_with("languages.") {
            if let Some(own) = self.get_raw(&format!("languages.{language}.{path}")) {
                return Some(own);
            }
        }
        self.get_raw(path)
    }

    /// The site's default language (`defaultContentLanguage`, lower case;
    /// Hugo's default: `en`).
    pub fn default_language(&self) -> String {
        self.get_raw("defaultcontentlanguage")
            .and_then(|s| s.value.as_str())
            .map(|l| l.trim().to_lowercase())
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| "en".to_owned())
    }

    /// The site's languages (`languages`, less those `disabled`), the
    /// default first, then by `weight` and code; empty when it names none.
    pub fn languages(&self) -> Vec<String> {
        let Some(map) = self.get_raw("languages").and_then(|s| s.value.as_object()) else {
            return Vec::new();
        };
        let default = self.default_language();
        let mut found: Vec<(bool, i64, String)> = map
            .iter()
            .filter(|(_, l)| l.get("disabled").and_then(Value::as_bool) != Some(true))
            .map(|(code, l)| {
                let weight = l.get("weight").and_then(Value::as_i64).unwrap_or(0);
                (*code != default, weight, code.clone())
            })
            .collect();
        found.sort();
        found.into_iter().map(|(_, _, code)| code).collect()
    }

    /// The config as the language `code` reads it: its own settings
    /// (`languages.<code>.title`) over the site's.
    pub fn for_language(&self, code: &str) -> Config {
        Config {
            language: Some(code.to_owned()),
            ..self.clone()
        }
    }

    /// [`Config::get`], at exactly `path`.
    fn get_raw(&self, path: &str) -> Option<Setting<'_>> {
        let mut value: Option<&Value> = None;
        for part in path.split('.') {
            let map = match value {
                None => &self.tree,
                Some(Value::Object(map)) => map,
                Some(_) => return None,
            };
            value = Some(map.get(part)?);
        }
        let value = value?;
        // Set itself, or (a map) through its keys, which sort after it.
        let below = format!("{path}.");
        let origin = self
            .origins
            .range(path.to_owned()..)
            .find(|(k, _)| k.as_str() == path || k.starts_with(&below))
            .map(|(_, &file)| file)?;
        let file = &self.files[origin];
        let last = path.rsplit('.').next().unwrap_or(path);
        Some(Setting {
            value,
            file: &file.shown,
            line: key_line(&file.text, last),
        })
    }

    /// The boolean at `path`; `false` when it is not set (or not a
    /// boolean), as for Hugo's switches (`uglyURLs`).
    pub fn flag(&self, path: &str) -> bool {
        self.get(path)
            .and_then(|s| s.value.as_bool())
            .unwrap_or(false)
    }

    /// The first of `paths` that is set to a string, trimmed and not empty.
    pub fn string(&self, paths: &[&str]) -> Option<(String, Setting<'_>)> {
        paths.iter().find_map(|path| {
            let setting = self.get(path)?;
            let text = setting.value.as_str()?.trim();
            (!text.is_empty()).then(|| (text.to_owned(), setting))
        })
    }
}

/// Parses one file into a value.
fn parse(file: &File, format: Format) -> Result<Value, Diagnostic> {
    let error = |line: Option<usize>, why: String| {
        Diagnostic::error(&file.shown, line, format!("Hugo's config does not parse: {why}"))
            .with_help("fix the file (`hugo config` shows what Hugo makes of it), or give feedsmith a feedsmith.yaml")
    };
    // A byte-order mark (Windows editors write one) is not part of the text.
    let text = file.text.strip_prefix('\u{feff}').unwrap_or(&file.text);
    if text.trim().is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    match format {
        Format::Toml => toml::from_str::<Value>(text).map_err(|e| {
            let line = e
                .span()
                .map(|span| text[..span.start].matches('\n').count() + 1);
            error(line, e.message().trim().replace('\n', "; "))
        }),
        Format::Yaml => serde_yaml::from_str::<Value>(text).map_err(|e| {
            let line = e.location().map(|l| l.line());
            error(line, e.to_string())
        }),
        Format::Json => {
            serde_json::from_str::<Value>(text).map_err(|e| error(Some(e.line()), e.to_string()))
        }
    }
}

/// `value` with every map key in lower case: Hugo's keys are
/// case-insensitive (`baseURL`, `baseurl`).
fn lower_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k.to_lowercase(), lower_keys(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(lower_keys).collect()),
        other => other,
    }
}

/// Merges `from` over `into`: maps key by key, anything else replaced.
/// Notes in `origins` which file set each key path.
fn merge_into(
    into: &mut Map<String, Value>,
    from: Map<String, Value>,
    prefix: &str,
    file: usize,
    origins: &mut BTreeMap<String, usize>,
) {
    for (key, value) in from {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match (into.get_mut(&key), value) {
            (Some(Value::Object(old)), Value::Object(new)) => {
                merge_into(old, new, &path, file, origins);
            }
            // A new map: merged into an empty one, so that each of its
            // keys notes where it came from.
            (_, Value::Object(new)) => {
                let mut fresh = Map::new();
                merge_into(&mut fresh, new, &path, file, origins);
                into.insert(key, Value::Object(fresh));
            }
            (_, value) => {
                origins.insert(path, file);
                into.insert(key, value);
            }
        }
    }
}

/// The line of the first line that sets `key` (case-insensitively) in a
/// TOML, YAML or JSON file, or opens it as a TOML table (`[params.author]`),
/// if any.
fn key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            let line = line.trim().to_lowercase();
            if let Some(table) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                let last = table.trim().rsplit('.').next().unwrap_or_default();
                return last.trim_matches('"') == key;
            }
            let line = line.trim_start_matches('"');
            line.strip_prefix(key).is_some_and(|rest| {
                let rest = rest.trim_start_matches('"').trim_start();
                rest.starts_with('=') || rest.starts_with(':')
            })
        })
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(shown: &str, text: &str) -> File {
        File {
            shown: shown.to_owned(),
            text: text.to_owned(),
        }
    }

    #[test]
    fn files_merge_over_each_other_key_by_key() {
        let config = Config::merge(vec![
            file(
                "hugo.toml",
                "title = \"root\"\nbaseURL = \"https://root.example/\"\n[params]\nauthor = \"A\"\ndescription = \"root\"\n",
            ),
            file("config/_default/hugo.toml", "title = \"default\"\ntimeZone = \"Asia/Taipei\"\n"),
            file("config/_default/params.yaml", "description: from params\n"),
            file("config/production/hugo.json", "{\"Title\": \"prod\"}"),
        ])
        .unwrap();
        let title = config.get("title").unwrap();
        assert_eq!(title.value, "prod");
        assert_eq!(title.file, "config/production/hugo.json");
        assert_eq!(config.get("baseurl").unwrap().file, "hugo.toml");
        assert_eq!(config.get("baseurl").unwrap().line, Some(2));
        assert_eq!(config.get("timezone").unwrap().value, "Asia/Taipei");
        let description = config.get("params.description").unwrap();
        assert_eq!(description.value, "from params");
        assert_eq!(description.file, "config/_default/params.yaml");
        // Maps merge: the root file's params.author survives.
        assert_eq!(config.get("params.author").unwrap().value, "A");
        assert_eq!(config.get("params.author").unwrap().line, Some(4));
        assert!(config.get("params.missing").is_none());
    }

    #[test]
    fn files_named_after_a_language_hold_that_language_s_key() {
        let config = Config::merge(vec![file(
            "config/_default/params.zh-tw.toml",
            "description = \"中文\"\n",
        )])
        .unwrap();
        assert_eq!(
            config
                .get("languages.zh-tw.params.description")
                .unwrap()
                .value,
            "中文"
        );
        assert!(config.get("params.description").is_none());
    }

    #[test]
    fn the_default_language_s_own_settings_win() {
        let config = Config::merge(vec![file(
            "hugo.yaml",
            "title: site\ndefaultContentLanguage: zh-cn\nlanguages:\n  zh-cn:\n    title: 中文\n    taxonomies:\n      series: series\n  en:\n    title: English\n",
        )])
        .unwrap();
        assert_eq!(config.get("title").unwrap().value, "中文");
        assert!(config.get("taxonomies.series").is_some());
        assert_eq!(config.get("languages.en.title").unwrap().value, "English");
    }

    #[test]
    fn languages_come_default_first_then_by_weight() {
        let config = Config::merge(vec![
            file(
                "hugo.toml",
                "defaultContentLanguage = \"zh-Hans\"\n[languages.fr]\nweight = 1\ndisabled = true\n[languages.de]\nweight = 3\n",
            ),
            file("config/_default/languages.en.toml", "weight = 2\ntitle = \"Home\"\n"),
            file("config/_default/languages.zh-Hans.toml", "weight = 9\ntitle = \"主页\"\n"),
        ])
        .unwrap();
        assert_eq!(config.languages(), ["zh-hans", "en", "de"]);
        assert_eq!(config.get("title").unwrap().value, "主页");
        assert_eq!(
            config.for_language("en").get("title").unwrap().value,
            "Home"
        );
        assert!(Config::default().languages().is_empty());
    }

    #[test]
    fn a_file_that_does_not_parse_is_an_error_with_its_line() {
        let error =
            Config::merge(vec![file("hugo.toml", "title = \"a\"\nbaseURL = \n")]).unwrap_err();
        assert_eq!(error.path, "hugo.toml");
        assert_eq!(error.line, Some(2));
        let error = Config::merge(vec![file("hugo.yaml", "title: a\n  baseURL: [\n")]).unwrap_err();
        assert_eq!(error.path, "hugo.yaml");
        assert!(error.line.is_some());
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_text() {
        for (name, text) in [
            ("hugo.yaml", "\u{feff}title: BOM\n"),
            ("hugo.toml", "\u{feff}title = \"BOM\"\n"),
            ("hugo.json", "\u{feff}{\"title\": \"BOM\"}"),
        ] {
            let config = Config::merge(vec![file(name, text)]).unwrap();
            assert_eq!(config.get("title").unwrap().value, "BOM", "{name}");
        }
    }

    #[test]
    fn only_config_file_names_are_read() {
        assert!(is_config_name("hugo.toml"));
        assert!(is_config_name("params.en.yml"));
        assert!(!is_config_name("README.md"));
        assert!(!is_config_name("hugo"));
    }
}
