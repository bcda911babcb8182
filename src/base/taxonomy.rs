//! Tags and categories: merging spellings, and giving each term a safe slug.
//!
//! Hugo merges terms case-insensitively and treats spaces and hyphens alike,
//! so `AI`/`ai` and `SERVICE MESH`/`service-mesh` are one term. Slugs keep CJK
//! and other letters (`黃仁勳` stays `黃仁勳`) but must be safe as a folder name on
//! every file system; when two distinct terms would share a slug (`C`/`C#`,
//! `CI/CD`/`CI-CD`), later ones get a numbered suffix and a warning, so two
//! terms never share a feed.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap as HashMap;

/// The identity of a term: terms with the same key are one term.
pub fn term_key(term: &str) -> String {
    let mut key = String::with_capacity(term.len());
    push_term_key(term, &mut key);
    key
}

/// Appends [`term_key`] of `term` to `out`, which may hold other keys before
/// it: an article's terms are compared without a string for each.
pub fn push_term_key(term: &str, out: &mut String) {
    let start = out.len();
    let mut pending_dash = false;
    for c in term.trim().chars() {
        if c.is_whitespace() || c == '-' {
            pending_dash = out.len() > start;
            continue;
        }
        if pending_dash {
            out.push('-');
            pending_dash = false;
        }
        push_lowercase(out, c);
    }
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

/// A folder-safe slug for a term key (before collision handling).
pub fn slugify(key: &str) -> String {
    let mut slug = String::with_capacity(key.len());
    for c in key.chars() {
        let unsafe_char = c.is_control()
            || c.is_whitespace()
            || matches!(
                c,
                '/' | '\\' | ':' | '?' | '#' | '*' | '"' | '<' | '>' | '|' | '%' | '\u{feff}'
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
        .trim_matches(|c| c == '-' || c == '.' || c == ' ')
        .to_owned();
    if slug.len() > MAX_SLUG_BYTES {
        let mut end = MAX_SLUG_BYTES;
        while !slug.is_char_boundary(end) {
            end -= 1;
        }
        slug.truncate(end);
        slug = slug.trim_end_matches(['-', '.']).to_owned();
    }
    if slug.is_empty() {
        slug.push_str("term");
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
        let spelling = spelling.trim();
        let key = term_key(spelling);
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
    for (_, name, slug) in &natural {
        if taken.insert(slug.clone()) {
            owner.insert(slug.clone(), name.clone());
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
        assert_eq!(
            term_key(" Ärger  Über-ALL  開源 Ⓐ "),
            "ärger-über-all-開源-ⓐ"
        );
    }

    #[test]
    fn keys_merge_case_spaces_and_hyphens() {
        assert_eq!(term_key("AI"), term_key("ai"));
        assert_eq!(term_key("SERVICE MESH"), term_key("service-mesh"));
        assert_eq!(term_key("  Service -  Mesh "), "service-mesh");
        assert_ne!(term_key("C"), term_key("C++"));
        assert_ne!(term_key("CI/CD"), term_key("CI-CD"));
    }

    #[test]
    fn slugs_keep_letters_and_drop_what_file_systems_hate() {
        assert_eq!(slugify(&term_key("黃仁勳")), "黃仁勳");
        assert_eq!(slugify(&term_key("開源AI")), "開源ai");
        assert_eq!(slugify("c++"), "c++");
        assert_eq!(slugify("ci/cd"), "ci-cd");
        assert_eq!(slugify("a:b?c#d*e\"f<g>h|i\\j%k"), "a-b-c-d-e-f-g-h-i-j-k");
        assert_eq!(slugify(".hidden"), "hidden");
        assert_eq!(slugify("..."), "term");
        assert_eq!(slugify("con"), "con_");
        assert_eq!(slugify("nul.txt"), "nul.txt_");
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
        let (terms, collisions) = merge(["CI/CD", "CI-CD", "C", "C#", "ci-cd-2"]);
        let slug_of = |name: &str| terms.iter().find(|t| t.name == name).unwrap().slug.clone();
        assert_eq!(slug_of("C"), "c");
        assert_eq!(slug_of("C#"), "c-2");
        assert_eq!(slug_of("CI-CD"), "ci-cd");
        assert_eq!(slug_of("ci-cd-2"), "ci-cd-2");
        assert_eq!(slug_of("CI/CD"), "ci-cd-3");
        assert_eq!(collisions.len(), 2);
        let (again, _) = merge(["ci-cd-2", "C#", "C", "CI-CD", "CI/CD"]);
        assert_eq!(terms, again);
    }
}
