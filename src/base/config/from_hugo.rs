//! The settings read from Hugo's own config, one by one: where Hugo keeps
//! each (the author as themes keep it, the RSS limit's two names, the old
//! and new forms of `permalinks`, …) and what Hugo does without it.

use super::{origin_of, taxonomies_of, Author, DateKeys, Kinds, Layers, Origin};
use crate::base::taxonomy::Taxonomy;

impl Layers<'_> {
    /// Notes, for `--verbose`, where the settings that only Hugo's config
    /// gives came from (feedsmith.yaml has no key for them).
    pub(super) fn note_hugo_origins(&mut self) {
        for (key, path) in [
            ("disableKinds", "disablekinds"),
            ("frontmatter", "frontmatter"),
            ("uglyURLs", "uglyurls"),
            ("disablePathToLower", "disablepathtolower"),
            ("languages", "languages"),
            ("publishDir", "publishdir"),
            ("outputFormats.rss.baseName", "outputformats.rss.basename"),
        ] {
            let origin = self
                .hugo
                .get(path)
                .map_or(Origin::Default, |s| origin_of(&s));
            self.origins.push((key, origin));
        }
    }

    /// The author as Hugo themes keep it: `params.author` (a name, or a map
    /// with `name` and `email`), else the old top-level `author`.
    pub(super) fn hugo_author(&mut self) -> Option<Author> {
        let found = ["params.author", "author"].iter().find_map(|path| {
            let setting = self.hugo.get(path)?;
            let field = |name: &str| {
                let text = setting.value.get(name)?.as_str()?.trim();
                (!text.is_empty()).then(|| text.to_owned())
            };
            let author = match setting.value.as_str() {
                Some(name) => Author {
                    name: name.trim().to_owned(),
                    email: None,
                    url: None,
                },
                None => Author {
                    name: field("name")?,
                    email: field("email"),
                    url: field("url"),
                },
            };
            (!author.name.is_empty()).then(|| (author, origin_of(&setting)))
        });
        let (author, origin) = match found {
            Some((author, origin)) => (Some(author), origin),
            None => (None, Origin::Default),
        };
        self.origins.push(("author", origin));
        author
    }

    /// Hugo's `permalinks` for pages: the old form's section keys
    /// (`posts = "/:year/:slug/"`), then the newer `permalinks.page`'s,
    /// which win.
    pub(super) fn hugo_permalinks(&mut self) -> Vec<(String, String)> {
        let mut found: std::collections::BTreeMap<String, String> = Default::default();
        let mut origin = Origin::Default;
        for path in ["permalinks", "permalinks.page"] {
            let Some(setting) = self.hugo.get(path) else {
                continue;
            };
            let Some(map) = setting.value.as_object() else {
                continue;
            };
            for (section, pattern) in map {
                if let Some(pattern) = pattern.as_str() {
                    found.insert(section.clone(), pattern.to_owned());
                }
            }
            origin = origin_of(&setting);
        }
        self.origins.push(("permalinks", origin));
        found.into_iter().collect()
    }

    /// Hugo's `taxonomies` (the old `indexes` too, which current Hugo
    /// reads): singular to plural. Without one, Hugo's default: categories
    /// and tags. An empty map: none.
    pub(super) fn hugo_taxonomies(&mut self) -> Vec<Taxonomy> {
        let found = ["taxonomies", "indexes"]
            .iter()
            .find_map(|path| self.hugo.get(path).filter(|s| s.value.is_object()));
        let Some(setting) = found else {
            self.origins.push(("taxonomies", Origin::Default));
            return Taxonomy::defaults();
        };
        let given = setting
            .value
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(singular, plural)| Some((singular.clone(), plural.as_str()?.to_owned())))
            .collect();
        self.origins.push(("taxonomies", origin_of(&setting)));
        taxonomies_of(given)
    }

    /// Hugo's `permalinks` for terms: `permalinks.term.<plural>`, or the
    /// old form's `permalinks.<plural>` when it names a taxonomy.
    pub(super) fn hugo_term_permalinks(&self, taxonomies: &[Taxonomy]) -> Vec<(String, String)> {
        let mut found = Vec::new();
        for taxonomy in taxonomies {
            let plural = taxonomy.plural.to_lowercase();
            let pattern = [
                format!("permalinks.term.{plural}"),
                format!("permalinks.{plural}"),
            ]
            .iter()
            .find_map(|path| self.hugo.get(path)?.value.as_str().map(str::to_owned));
            if let Some(pattern) = pattern {
                found.push((taxonomy.plural.clone(), pattern));
            }
        }
        found
    }

    /// Hugo's `[frontmatter]`: each date's keys, `:default` standing for
    /// Hugo's own list.
    pub(super) fn hugo_dates(&self) -> DateKeys {
        let mut dates = DateKeys::default();
        let hugo_default = |name: &str| -> &[&str] {
            match name {
                "date" => &[
                    "date",
                    "publishdate",
                    "pubdate",
                    "published",
                    "lastmod",
                    "modified",
                ],
                "publishdate" => &["publishdate", "pubdate", "published", "date"],
                "lastmod" => &[
                    "lastmod",
                    "modified",
                    "date",
                    "publishdate",
                    "pubdate",
                    "published",
                ],
                _ => &["expirydate", "unpublishdate"],
            }
        };
        for (name, keys) in [
            ("date", &mut dates.date),
            ("publishdate", &mut dates.publish_date),
            ("lastmod", &mut dates.lastmod),
            ("expirydate", &mut dates.expiry_date),
        ] {
            let Some(given) = self
                .hugo
                .get(&format!("frontmatter.{name}"))
                .and_then(|s| s.value.as_array().cloned())
            else {
                continue;
            };
            keys.clear();
            for key in given.iter().filter_map(|k| k.as_str()) {
                let key = key.trim().to_lowercase();
                if key == ":default" {
                    keys.extend(hugo_default(name).iter().map(|k| (*k).to_owned()));
                } else {
                    keys.push(key);
                }
            }
        }
        // Without git information, Hugo passes `:git` over.
        if !self.hugo.flag("enablegitinfo") {
            for keys in [
                &mut dates.date,
                &mut dates.publish_date,
                &mut dates.lastmod,
                &mut dates.expiry_date,
            ] {
                keys.retain(|k| k != ":git");
            }
        }
        dates
    }

    /// Which kinds of page Hugo's `disableKinds` leaves on (current Hugo's
    /// names: `home`, `section`, `term`).
    pub(super) fn hugo_kinds(&mut self) -> Kinds {
        let disabled: Vec<String> = self
            .hugo
            .get("disablekinds")
            .and_then(|s| s.value.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|k| k.as_str().map(str::to_lowercase))
            .collect();
        let on = |kind: &str| !disabled.iter().any(|k| k == kind);
        Kinds {
            home: on("home"),
            sections: on("section"),
            terms: on("term"),
        }
    }

    /// The RSS file's name in Hugo's layout: `index.xml`, unless the site's
    /// `outputFormats.rss.baseName` names another.
    pub(super) fn hugo_rss_name(&mut self) -> String {
        let base = self
            .hugo
            .string(&["outputformats.rss.basename"])
            .map_or_else(|| "index".to_owned(), |(name, _)| name);
        format!("{base}.xml")
    }

    /// Where Hugo writes the site: its `publishDir`, else `public`.
    pub(super) fn hugo_publish_dir(&self) -> String {
        self.hugo
            .string(&["publishdir"])
            .map_or_else(|| "public".to_owned(), |(dir, _)| dir)
    }

    /// Hugo's RSS limit (`services.rss.limit`, or the older `rssLimit`):
    /// Hugo lists every item unless it is 1 or more, and so does feedsmith
    /// with `limit: 0`. With a Hugo config but no limit in it, Hugo's
    /// default: every item.
    pub(super) fn hugo_limit(&mut self) -> Option<usize> {
        let setting = ["services.rss.limit", "rsslimit"]
            .iter()
            .find_map(|path| self.hugo.get(path).filter(|s| s.value.is_i64()));
        let (limit, origin) = match setting {
            Some(s) => {
                let n = s.value.as_i64().unwrap_or(-1);
                (Some(usize::try_from(n).unwrap_or(0)), origin_of(&s))
            }
            None if !self.hugo.is_empty() => (Some(0), Origin::HugoDefault("every item")),
            None => (None, Origin::Default),
        };
        self.origins.push(("limit", origin));
        limit
    }
}
