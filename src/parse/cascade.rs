//! Hugo's `cascade`: front matter that a list page (a section's
//! `_index.md`, or the home page's) hands down to every page below it that
//! does not set the key itself.
//!
//! Sites use it to keep a folder of drafts (`cascade: {draft: true}`), to
//! keep a section out of every list (`cascade: {build: {list: never}}`),
//! or to give a section's posts common terms. A nearer list page's value
//! wins over a farther one's, and a page's own value over both. An entry
//! may be limited to some pages with `_target` (or `target`, Hugo's newer
//! name): `path`, a glob on Hugo's path of the page (`/posts/**`); `kind`
//! (every page feedsmith reads is of kind `page`); `lang`; and
//! `environment`.
//!
//! The site's config may have a `cascade` too: it hands down below the
//! content's, as the farthest list page of all.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use globset::{GlobBuilder, GlobMatcher};

use super::files;
use super::frontmatter::{self, Value};

/// One entry of a list page's `cascade`: the values it hands down, and to
/// which pages.
#[derive(Debug, Clone)]
struct Entry {
    /// Keys in lower case, as Hugo reads front matter keys.
    values: Vec<(String, Value)>,
    target: Target,
}

/// Which pages an [`Entry`] is for: each glob given must match.
#[derive(Debug, Clone, Default)]
struct Target {
    path: Option<GlobMatcher>,
    kind: Option<GlobMatcher>,
    lang: Option<GlobMatcher>,
    environment: Option<GlobMatcher>,
}

/// What a page is, as a [`Target`] sees it.
#[derive(Debug, Clone, Copy)]
pub struct PageInfo<'a> {
    /// The page's path under its content folder (`posts/a.en.md`).
    pub rel: &'a str,
    /// The site's languages, which a file name may give (see
    /// [`files::language_of`]).
    pub languages: &'a [String],
    /// The language the page is read for.
    pub lang: &'a str,
    /// Hugo's environment of the build (`production`).
    pub environment: &'a str,
}

impl Target {
    fn matches(&self, page: &PageInfo<'_>) -> bool {
        let ok =
            |glob: &Option<GlobMatcher>, what: &str| glob.as_ref().is_none_or(|g| g.is_match(what));
        ok(&self.kind, "page")
            && ok(&self.lang, page.lang)
            && ok(&self.environment, page.environment)
            && (self.path.is_none() || ok(&self.path, &hugo_path(page.rel, page.languages)))
    }
}

/// Hugo's path of the page at `rel` (`/posts/my-post` for
/// `posts/My Post.md`, `/posts/a` for the bundle `posts/a/index.md`): what
/// a target's `path` glob is matched against.
fn hugo_path(rel: &str, languages: &[String]) -> String {
    let plain = files::without_language(rel, languages);
    let page = match files::bundle_folder(&plain) {
        Some(folder) => folder.to_owned(),
        None => plain
            .rsplit_once('.')
            .map_or(plain.as_ref(), |(stem, _)| stem)
            .to_owned(),
    };
    format!("/{}", page.to_lowercase().replace(' ', "-"))
}

/// The values cascaded onto one page, nearest list page first, each key
/// once; and their fingerprint (0 for none), which is part of the page's
/// version: a page read with other cascaded values is another page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied {
    pub values: Vec<(String, Value)>,
    pub fingerprint: u64,
}

/// Every list page's `cascade`, by the folder it covers (`""` for the home
/// page's).
#[derive(Debug, Clone, Default)]
pub struct Cascades {
    by_folder: BTreeMap<String, Vec<Entry>>,
    /// The site config's entries, after every list page's.
    site: Vec<Entry>,
    /// A hash of every entry as read, to tell whether a list page's edit
    /// changed any.
    fingerprint: u64,
}

impl PartialEq for Cascades {
    fn eq(&self, other: &Cascades) -> bool {
        self.fingerprint == other.fingerprint
    }
}

impl Cascades {
    /// The cascades of `pages`: each list page's folder (`posts`, `""`)
    /// with its file's text; and of the site's config (`site`, its
    /// `cascade` as written). A page whose front matter does not parse, or
    /// a `cascade` that is not a map or a list of maps, hands nothing down
    /// (the posts are read as they are); a glob that does not compile
    /// limits its entry to no page.
    pub fn read<'a>(
        pages: impl IntoIterator<Item = (&'a str, &'a str)>,
        site: Option<&Value>,
    ) -> Cascades {
        let mut cascades = Cascades::default();
        let mut hasher = DefaultHasher::new();
        for (folder, text) in pages {
            let Some(cascade) = cascade_value(text) else {
                continue;
            };
            folder.hash(&mut hasher);
            format!("{cascade:?}").hash(&mut hasher);
            let entries = entries(&cascade);
            if !entries.is_empty() {
                cascades
                    .by_folder
                    .entry(folder.to_owned())
                    .or_default()
                    .extend(entries);
            }
        }
        if let Some(site) = site {
            format!("{site:?}").hash(&mut hasher);
            cascades.site = entries(site);
        }
        // No cascade at all (most sites): the same as none read yet.
        if !cascades.is_empty() {
            cascades.fingerprint = hasher.finish();
        }
        cascades
    }

    pub fn is_empty(&self) -> bool {
        self.by_folder.is_empty() && self.site.is_empty()
    }

    /// The values cascaded onto `page`: from the list pages of its folder
    /// and of each folder above, nearest first; a key another entry gave
    /// already is not given again.
    pub fn for_page(&self, page: &PageInfo<'_>) -> Applied {
        if self.is_empty() {
            return Applied::default();
        }
        let mut values: Vec<(String, Value)> = Vec::new();
        let mut give = |entries: &[Entry]| {
            for entry in entries.iter().filter(|e| e.target.matches(page)) {
                fill(&mut values, &entry.values);
            }
        };
        let mut folder = page.rel.rsplit_once('/').map_or("", |(f, _)| f);
        loop {
            give(self.by_folder.get(folder).map_or(&[], Vec::as_slice));
            if folder.is_empty() {
                break;
            }
            folder = folder.rsplit_once('/').map_or("", |(f, _)| f);
        }
        give(&self.site);
        let fingerprint = if values.is_empty() {
            0
        } else {
            let mut h = DefaultHasher::new();
            format!("{values:?}").hash(&mut h);
            h.finish() | 1
        };
        Applied {
            values,
            fingerprint,
        }
    }
}

/// Adds to a page's front matter `entries` each cascaded value whose key
/// the page does not set itself (and, in [`Cascades::for_page`], to the
/// values handed down so far each one a nearer entry did not give).
pub fn fill(entries: &mut Vec<(String, Value)>, cascaded: &[(String, Value)]) {
    for (key, value) in cascaded {
        if !entries.iter().any(|(k, _)| same_key(k, key)) {
            entries.push((key.clone(), value.clone()));
        }
    }
}

/// Whether two front matter keys are the same to Hugo: case does not
/// count, and `build` is `_build`.
fn same_key(a: &str, b: &str) -> bool {
    fn plain(k: &str) -> &str {
        if k.eq_ignore_ascii_case("_build") {
            "build"
        } else {
            k
        }
    }
    plain(a).eq_ignore_ascii_case(plain(b))
}

/// The `cascade` of a list page's text, if its front matter has one.
fn cascade_value(text: &str) -> Option<Value> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let split = frontmatter::split(text).ok()?;
    let (entries, _) = frontmatter::parse_entries(&split).ok()?;
    entries
        .into_iter()
        .rev()
        .find(|(k, _)| k.eq_ignore_ascii_case("cascade"))
        .map(|(_, v)| v)
}

/// The entries of a `cascade`: one map, or a list of them.
fn entries(cascade: &Value) -> Vec<Entry> {
    match cascade {
        Value::Map(map) => vec![entry(map)],
        Value::List(items) => items
            .iter()
            .filter_map(|item| match item {
                Value::Map(map) => Some(entry(map)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// One entry of a `cascade`, from its map.
fn entry(map: &[(String, Value)]) -> Entry {
    let mut values = Vec::new();
    let mut target = Target::default();
    for (key, value) in map {
        let key = key.to_lowercase();
        match (key.as_str(), value) {
            ("_target" | "target", Value::Map(globs)) => target = target_of(globs),
            // Not a map of globs: a target that says nothing, not a value.
            ("_target" | "target", _) => {}
            _ => values.push((key, value.clone())),
        }
    }
    Entry { values, target }
}

/// A `_target` map's globs. One that does not compile matches nothing.
fn target_of(globs: &[(String, Value)]) -> Target {
    let mut target = Target::default();
    for (key, value) in globs {
        let Some(pattern) = value.as_text() else {
            continue;
        };
        let glob = GlobBuilder::new(&pattern)
            .literal_separator(true)
            .build()
            .map(|g| g.compile_matcher())
            .unwrap_or_else(|_| never());
        match key.to_lowercase().as_str() {
            "path" => target.path = Some(glob),
            "kind" => target.kind = Some(glob),
            "lang" => target.lang = Some(glob),
            "environment" => target.environment = Some(glob),
            _ => {}
        }
    }
    target
}

/// A glob no page matches.
fn never() -> GlobMatcher {
    GlobBuilder::new("\u{0}never\u{0}")
        .build()
        .map(|g| g.compile_matcher())
        .expect("a literal glob compiles")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page<'a>(rel: &'a str, languages: &'a [String]) -> PageInfo<'a> {
        PageInfo {
            rel,
            languages,
            lang: "en",
            environment: "production",
        }
    }

    fn keys(applied: &Applied) -> Vec<String> {
        applied
            .values
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_text().unwrap_or_else(|| format!("{v:?}"))))
            .collect()
    }

    #[test]
    fn the_nearest_list_page_wins_and_reaches_every_page_below() {
        let cascades = Cascades::read(
            [
                ("", "---\ncascade:\n  draft: false\n  series: home\n---\n"),
                ("posts", "+++\n[cascade]\ndraft = true\n+++\n"),
                ("notes", "---\ntitle: Notes\n---\n"),
            ],
            None,
        );
        let none: [String; 0] = [];
        assert_eq!(
            keys(&cascades.for_page(&page("posts/2024/a.md", &none))),
            ["draft=true", "series=home"]
        );
        assert_eq!(
            keys(&cascades.for_page(&page("posts/b/index.md", &none))),
            ["draft=true", "series=home"]
        );
        assert_eq!(
            keys(&cascades.for_page(&page("notes/n.md", &none))),
            ["draft=false", "series=home"]
        );
        assert_eq!(
            keys(&cascades.for_page(&page("about.md", &none))),
            ["draft=false", "series=home"]
        );
        assert_eq!(
            Cascades::read([("x", "---\ntitle: X\n---\n")], None).for_page(&page("x/a.md", &none)),
            Applied::default()
        );
    }

    #[test]
    fn targets_limit_an_entry_to_some_pages() {
        let cascades = Cascades::read([(
            "",
            "---\ncascade:\n- _target:\n    path: /posts/**\n  draft: true\n- target:\n    lang: ja\n  draft: false\n  build:\n    list: never\n---\n",
        )], None);
        let languages = ["en".to_owned(), "ja".to_owned()];
        assert_eq!(
            keys(&cascades.for_page(&page("posts/A Post.en.md", &languages))),
            ["draft=true"]
        );
        assert!(cascades
            .for_page(&page("notes/a.md", &languages))
            .values
            .is_empty());
        let ja = PageInfo {
            lang: "ja",
            ..page("notes/a.md", &languages)
        };
        assert_eq!(keys(&cascades.for_page(&ja)).len(), 2);
    }

    #[test]
    fn a_page_s_own_keys_win_and_build_is_underscore_build() {
        let mut entries = vec![
            ("Draft".to_owned(), Value::Bool(false)),
            ("_build".to_owned(), Value::Map(Vec::new())),
        ];
        fill(
            &mut entries,
            &[
                ("draft".to_owned(), Value::Bool(true)),
                ("build".to_owned(), Value::Null),
                ("tags".to_owned(), Value::List(vec![Value::Str("x".into())])),
            ],
        );
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[0].1, Value::Bool(false));
        assert_eq!(entries[2].0, "tags");
    }

    #[test]
    fn the_config_s_cascade_comes_after_every_list_page_s() {
        let site = Value::Map(vec![
            ("draft".to_owned(), Value::Bool(true)),
            ("series".to_owned(), Value::Str("site".into())),
        ]);
        let cascades = Cascades::read(
            [("posts", "---\ncascade:\n  draft: false\n---\n")],
            Some(&site),
        );
        let none: [String; 0] = [];
        assert_eq!(
            keys(&cascades.for_page(&page("posts/a.md", &none))),
            ["draft=false", "series=site"]
        );
        assert_eq!(
            keys(&cascades.for_page(&page("about.md", &none))),
            ["draft=true", "series=site"]
        );
        let other = Cascades::read([("posts", "---\ncascade:\n  draft: false\n---\n")], None);
        assert_ne!(cascades, other);
    }

    #[test]
    fn a_malformed_cascade_hands_nothing_down() {
        let none: [String; 0] = [];
        for text in [
            "---\ncascade: draft\n---\n",
            "---\ncascade: [1, two, [3]]\n---\n",
            "---\ncascade:\n  draft: [unclosed\n---\n",
            "---\nno: end\n",
            "",
            "+++\ncascade = 3\n+++\n",
        ] {
            let cascades = Cascades::read([("posts", text)], None);
            assert!(cascades.is_empty(), "{text:?}");
            assert_eq!(
                cascades.for_page(&page("posts/a.md", &none)),
                Applied::default()
            );
        }
        // A target that is not a map limits nothing (and is no value); a
        // glob that does not compile matches no page.
        let odd = Cascades::read(
            [
                (
                    "posts",
                    "---\ncascade:\n  _target: /posts/**\n  draft: true\n---\n",
                ),
                (
                    "notes",
                    "---\ncascade:\n  _target:\n    path: \"[\"\n  draft: true\n---\n",
                ),
            ],
            None,
        );
        assert_eq!(
            keys(&odd.for_page(&page("posts/a.md", &none))),
            ["draft=true"]
        );
        assert!(odd.for_page(&page("notes/a.md", &none)).values.is_empty());
    }

    #[test]
    fn a_changed_cascade_is_another() {
        let a = Cascades::read([("posts", "---\ncascade:\n  draft: true\n---\n")], None);
        let b = Cascades::read(
            [("posts", "---\ncascade:\n  draft: true\n---\nbody\n")],
            None,
        );
        let c = Cascades::read([("posts", "---\ncascade:\n  draft: false\n---\n")], None);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
