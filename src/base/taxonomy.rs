//! Taxonomies (tags, categories, and a site's own, such as `series`): which
//! spellings are one term, and the folder each term's feeds go to.
//!
//! A term is known by its URL, made as current Hugo (0.168) makes it: lower
//! case; letters, digits and marks of every script kept, with `.`, `/`,
//! `_`, `#`, `+`, `~`, `-`, `@` and `%XX` escapes; each white-space
//! character becomes a hyphen (so ` lead` is `-lead`, `a  b` is `a--b`); all
//! else (punctuation, quotes, emoji) is dropped; a `/` nests (`人文/史哲` is
//! `人文/史哲/`). Spellings with one URL are one term, as in Hugo 0.111:
//! current Hugo writes both to that URL, and whichever is written last wins.
//! Term folders must be safe on every file system; when two terms would
//! share one (`a\b` and `a-b`), later ones get a numbered suffix and a
//! warning, so two terms never share a feed.

use std::collections::{BTreeMap, BTreeSet};

use icu_properties::props::{GeneralCategory, GeneralCategoryGroup};
use icu_properties::CodePointMapData;
use rustc_hash::FxHashMap as HashMap;

/// A taxonomy: its front matter key and folder (plural, `tags`) and the
/// name of one of its terms (singular, `tag`), as Hugo's `taxonomies`
/// config names them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Taxonomy {
    pub singular: String,
    pub plural: String,
}

impl Taxonomy {
    pub fn new(singular: &str, plural: &str) -> Taxonomy {
        Taxonomy {
            singular: singular.to_owned(),
            plural: plural.to_owned(),
        }
    }

    /// Hugo's taxonomies when a site names none: categories and tags.
    pub fn defaults() -> Vec<Taxonomy> {
        vec![
            Taxonomy::new("category", "categories"),
            Taxonomy::new("tag", "tags"),
        ]
    }
}

/// The identity of a term: its URL path under the taxonomy, as Hugo makes
/// it (see the module docs). Empty when nothing of it is kept.
pub fn term_key(term: &str) -> String {
    let mut key = String::with_capacity(term.len());
    push_term_key(term, &mut key);
    key
}

/// Appends [`term_key`] of `term` to `out`, which may hold other keys before
/// it: an article's terms are compared without a string for each.
pub fn push_term_key(term: &str, out: &mut String) {
    let start = out.len();
    // Blank: no term at all, as a blank `tags` entry is none.
    if term.trim().is_empty() {
        return;
    }
    let categories = CodePointMapData::<GeneralCategory>::new();
    // Segment by segment: `.` and `..` segments and empty ones are left
    // out (Hugo cleans `a/../b` to `b`, and writes `../x` outside the
    // taxonomy, which feedsmith does not).
    for raw in term.split(['/', '\\']) {
        let segment_start = out.len();
        if out.len() > start {
            out.push('/');
        }
        let body_start = out.len();
        for (i, c) in raw.char_indices() {
            let kept = matches!(c, '.' | '_' | '#' | '+' | '~' | '-' | '@')
                || c.is_ascii_alphanumeric()
                || (c == '%' && is_escape(&raw[i + 1..]))
                || (!c.is_ascii() && is_wordy(categories.get(c)));
            if kept {
                push_lowercase(out, c);
            } else if c.is_whitespace() {
                out.push('-');
            }
        }
        match &out[body_start..] {
            "" | "." => out.truncate(segment_start),
            ".." => {
                out.truncate(segment_start);
                let parent = out[start..].rfind('/').map_or(start, |i| start + i);
                out.truncate(parent);
            }
            _ => {}
        }
    }
}

/// Whether `s` starts with two hex digits (the tail of a `%XX` escape).
fn is_escape(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && b[0].is_ascii_hexdigit() && b[1].is_ascii_hexdigit()
}

/// Whether characters of `category` are kept in a URL: letters, marks and
/// decimal digits (Go's `unicode.IsLetter`, `IsMark`, `IsDigit`).
pub fn is_wordy(category: GeneralCategory) -> bool {
    GeneralCategoryGroup::Letter.contains(category)
        || GeneralCategoryGroup::Mark.contains(category)
        || category == GeneralCategory::DecimalNumber
}

/// Appends the lowercase form of `c`: ASCII letters and characters of the
/// CJK blocks (which have none) without searching Unicode's case tables, as
/// every term and path of a site goes through here.
pub fn push_lowercase(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
    } else if is_caseless(c) {
        out.push(c);
    } else {
        out.extend(c.to_lowercase());
    }
}

/// Whether a character is in a CJK block, where no character has a
/// lowercase form (most terms here are Chinese).
fn is_caseless(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7A3}' | '\u{F900}'..='\u{FAFF}')
}

/// Longest slug in bytes: far below the 255-byte file name limit.
const MAX_SLUG_BYTES: usize = 120;

/// Names Windows reserves for devices, whatever the extension.
const RESERVED: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// A folder for a term key (before collision handling), safe on every file
/// system: each segment (a `/` in the key nests) without what Windows
/// forbids or strips, not hidden (no leading `.`), not a device name, and
/// at most [`MAX_SLUG_BYTES`] long. Usually the key itself.
pub fn slugify(key: &str) -> String {
    let mut slug = String::with_capacity(key.len());
    for segment in key.split('/') {
        let segment = safe_segment(segment);
        if !segment.is_empty() {
            if !slug.is_empty() {
                slug.push('/');
            }
            slug.push_str(&segment);
        }
    }
    if slug.is_empty() {
        slug.push_str("term");
    }
    slug
}

/// One segment of [`slugify`].
fn safe_segment(segment: &str) -> String {
    let mut slug = String::with_capacity(segment.len());
    for c in segment.chars() {
        let unsafe_char = c.is_control()
            || c.is_whitespace()
            || matches!(
                c,
                '\\' | ':' | '?' | '*' | '"' | '<' | '>' | '|' | '\u{feff}'
            )
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if unsafe_char {
            if !slug.ends_with('-') {
                slug.push('-');
            }
        } else {
            slug.push(c);
        }
    }
    let mut slug = slug
        .trim_start_matches('.')
        .trim_end_matches(['.', ' '])
        .to_owned();
    if slug.len() > MAX_SLUG_BYTES {
        let mut end = MAX_SLUG_BYTES;
        while !slug.is_char_boundary(end) {
            end -= 1;
        }
        slug.truncate(end);
        slug = slug.trim_end_matches('.').to_owned();
    }
    let stem = slug.split('.').next().unwrap_or_default();
    if RESERVED.contains(&stem) {
        slug.push('_');
    }
    slug
}

/// One merged term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub key: String,
    /// The spelling shown to readers: the most used one, ties broken by
    /// code point order so that it never depends on file order.
    pub name: String,
    pub slug: String,
}

/// A slug two distinct terms wanted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collision {
    pub slug: String,
    pub kept_by: String,
    pub renamed: String,
    pub new_slug: String,
}

/// Merges spellings into terms and assigns unique slugs.
///
/// `spellings` holds every use of a term (one entry per article per term).
/// Terms are processed in key order, so the result is deterministic.
pub fn merge<'a>(spellings: impl IntoIterator<Item = &'a str>) -> (Vec<Term>, Vec<Collision>) {
    // Count each spelling first, so each distinct spelling's key is computed
    // once however many articles use it.
    let mut uses: HashMap<&'a str, usize> = HashMap::default();
    for spelling in spellings {
        *uses.entry(spelling).or_default() += 1;
    }
    merge_counted(uses)
}

/// [`merge`], given how many times each spelling is used.
pub fn merge_counted<'a>(
    uses: impl IntoIterator<Item = (&'a str, usize)>,
) -> (Vec<Term>, Vec<Collision>) {
    let mut by_key: BTreeMap<String, BTreeMap<&'a str, usize>> = BTreeMap::new();
    for (spelling, count) in uses {
        let key = term_key(spelling);
        let spelling = spelling.trim();
        if key.is_empty() {
            continue;
        }
        *by_key.entry(key).or_default().entry(spelling).or_default() += count;
    }
    let mut taken = BTreeSet::new();
    let mut owner: BTreeMap<String, String> = BTreeMap::new();
    let mut terms = Vec::with_capacity(by_key.len());
    let mut collisions = Vec::new();
    // Assign natural slugs first so a term never loses its own slug to another
    // term's numbered fallback.
    let natural: Vec<(String, String, String)> = by_key
        .iter()
        .map(|(key, counts)| {
            let name = counts
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
                .map(|(name, _)| (*name).to_owned())
                .unwrap_or_default();
            (key.clone(), name, slugify(key))
        })
        .collect();
    // Terms whose folder is their URL first: `.net` (folder `net`) never
    // takes `net`'s.
    for exact in [true, false] {
        for (key, name, slug) in &natural {
            if (key == slug) == exact && taken.insert(slug.clone()) {
                owner.insert(slug.clone(), name.clone());
            }
        }
    }
    for (key, name, slug) in natural {
        if owner.get(&slug) == Some(&name) {
            terms.push(Term { key, name, slug });
            continue;
        }
        let new_slug = (2..)
            .map(|n| format!("{slug}-{n}"))
            .find(|candidate| !taken.contains(candidate))
            .unwrap_or_default();
        taken.insert(new_slug.clone());
        collisions.push(Collision {
            slug: slug.clone(),
            kept_by: owner.get(&slug).cloned().unwrap_or_default(),
            renamed: name.clone(),
            new_slug: new_slug.clone(),
        });
        terms.push(Term {
            key,
            name,
            slug: new_slug,
        });
    }
    (terms, collisions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caseless_blocks_have_no_lowercase_forms() {
        let blocks = [
            '\u{3000}'..='\u{9FFF}',
            '\u{AC00}'..='\u{D7A3}',
            '\u{F900}'..='\u{FAFF}',
        ];
        for c in blocks.into_iter().flatten() {
            assert!(is_caseless(c));
            assert!(c.to_lowercase().eq([c]), "{c:?} has a lowercase form");
        }
        for c in ['A', 'Ä', 'Σ', 'Ⓐ', 'Ａ', '\u{2FFF}', '\u{A000}', '\u{D7A4}'] {
            assert!(!is_caseless(c), "{c:?}");
        }
    }

    /// Each term's URL as Hugo 0.168 wrote it (`tags/<this>/index.xml`),
    /// from a site made for the purpose; the last two differ on purpose.
    #[test]
    fn keys_are_hugo_s_term_urls() {
        for (term, url) in [
            ("perf,", "perf"),
            ("“envoy”", "envoy"),
            ("🍫 生活", "-生活"),
            ("let's encrypt", "lets-encrypt"),
            ("人文/史哲", "人文/史哲"),
            ("C#", "c#"),
            ("a  b", "a--b"),
            ("trail ", "trail-"),
            (" lead", "-lead"),
            ("Go Lang", "go-lang"),
            ("A -- B", "a----b"),
            ("a - b", "a---b"),
            ("C++", "c++"),
            ("x.y", "x.y"),
            ("50%", "50"),
            ("%E4%B8%AD", "%e4%b8%ad"),
            ("a_b", "a_b"),
            ("ÉCOLE", "école"),
            ("a/../b", "b"),
            ("@me", "@me"),
            ("~t", "~t"),
            ("tab\tx", "tab-x"),
            // Hugo writes `../up` outside the taxonomy (`/up/`), and `🍫`
            // into the taxonomy's own list: neither here.
            ("../up", "up"),
            ("🍫", ""),
        ] {
            assert_eq!(term_key(term), url, "{term:?}");
        }
        assert_eq!(term_key("  "), "");
    }

    #[test]
    fn keys_merge_what_hugo_writes_to_one_url() {
        assert_eq!(term_key("AI"), term_key("ai"));
        assert_eq!(term_key("SERVICE MESH"), term_key("service-mesh"));
        assert_eq!(term_key("perf,"), term_key("perf"));
        assert_ne!(term_key("C"), term_key("C++"));
        assert_ne!(term_key("CI/CD"), term_key("CI-CD"));
        assert_ne!(term_key("a b"), term_key("a  b"));
    }

    #[test]
    fn slugs_keep_the_url_and_drop_what_file_systems_hate() {
        assert_eq!(slugify(&term_key("黃仁勳")), "黃仁勳");
        assert_eq!(slugify(&term_key("開源AI")), "開源ai");
        assert_eq!(slugify("c++"), "c++");
        assert_eq!(slugify("c#"), "c#");
        assert_eq!(slugify("ci/cd"), "ci/cd");
        assert_eq!(slugify("a:b?c*d\"e<f>g|h\\i"), "a-b-c-d-e-f-g-h-i");
        assert_eq!(slugify(".net"), "net");
        assert_eq!(slugify("..."), "term");
        assert_eq!(slugify("con"), "con_");
        assert_eq!(slugify("x/nul.txt"), "x/nul.txt_");
        assert_eq!(slugify("a\u{0}b\u{202e}c"), "a-b-c");
        let long = "字".repeat(100);
        let slug = slugify(&long);
        assert!(slug.len() <= MAX_SLUG_BYTES && slug.chars().all(|c| c == '字'));
    }

    #[test]
    fn merging_picks_the_most_used_spelling() {
        let (terms, collisions) = merge(["AI", "ai", "AI", "Rust"]);
        assert!(collisions.is_empty());
        assert_eq!(terms.len(), 2);
        assert_eq!(terms[0].name, "AI");
        assert_eq!(terms[0].slug, "ai");
        assert_eq!(terms[1].name, "Rust");
    }

    #[test]
    fn collisions_get_numbered_slugs_deterministically() {
        let (terms, collisions) = merge([".NET", "net", "con", "con_", "Net"]);
        let slug_of = |key: &str| terms.iter().find(|t| t.key == key).unwrap().slug.clone();
        assert_eq!(slug_of("net"), "net");
        assert_eq!(slug_of(".net"), "net-2");
        assert_eq!(slug_of("con_"), "con_");
        assert_eq!(slug_of("con"), "con_-2");
        assert_eq!(collisions.len(), 2);
        let (again, _) = merge(["con_", "Net", "con", ".NET", "net"]);
        assert_eq!(terms, again);
    }
}
