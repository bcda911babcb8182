//! Term spellings, numbered: collecting compares small integers, not
//! strings. A first load numbers each worker's articles in a table of its
//! own ([`LocalSpellings`]), and the site's [`Spellings`] adopts the tables.

use rustc_hash::FxHashMap as HashMap;

use crate::base::taxonomy;
use crate::parse::article::Article;

/// A spelling of a term of one taxonomy (by its index in the site's list).
pub type Spelling = (u16, String);

/// Every term spelling seen, of every taxonomy, numbered, so that collecting
/// works on small integers instead of strings behind pointers (it runs on
/// every rebuild in watch mode). Grows only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spellings {
    /// Each taxonomy's spellings (by its index), numbered.
    ids: Vec<HashMap<String, u32>>,
    /// Each spelling, as written.
    pub(super) text: Vec<String>,
    /// Each spelling's taxonomy.
    pub(super) taxonomy: Vec<u16>,
    /// Each spelling's term key, or `None` when it has none (blank).
    pub(super) key: Vec<Option<u32>>,
    /// Term keys (with their taxonomy), numbered.
    pub(super) key_ids: HashMap<(u16, String), u32>,
    /// What one term of each taxonomy is called (`tag`), for messages.
    names: Vec<String>,
}

impl Spellings {
    /// The spellings of a site whose taxonomies' terms are called `names`
    /// (`category`, `tag`), in the site's order.
    pub fn named(names: Vec<String>) -> Spellings {
        Spellings {
            names,
            ..Spellings::default()
        }
    }

    /// The number of a spelling, if it has one.
    #[cfg(test)]
    pub(super) fn id(&self, taxonomy: u16, spelling: &str) -> Option<u32> {
        self.ids.get(usize::from(taxonomy))?.get(spelling).copied()
    }

    /// What a term of the `taxonomy`th taxonomy is called in messages.
    pub(super) fn name(&self, taxonomy: u16) -> &str {
        self.names
            .get(usize::from(taxonomy))
            .map_or("term", String::as_str)
    }

    /// The number of a spelling of the `taxonomy`th taxonomy, giving it
    /// one if it is new.
    pub fn intern(&mut self, taxonomy: u16, spelling: &str) -> u32 {
        let t = usize::from(taxonomy);
        if self.ids.len() <= t {
            self.ids.resize_with(t + 1, HashMap::default);
        }
        if let Some(&id) = self.ids[t].get(spelling) {
            return id;
        }
        let id = self.text.len() as u32;
        let key = taxonomy::term_key(spelling);
        let key = (!key.is_empty()).then(|| {
            let next = self.key_ids.len() as u32;
            *self.key_ids.entry((taxonomy, key)).or_insert(next)
        });
        self.ids[t].insert(spelling.to_owned(), id);
        self.text.push(spelling.to_owned());
        self.taxonomy.push(taxonomy);
        self.key.push(key);
        id
    }

    /// Takes in the spellings that [`LocalSpellings`] numbered, and returns,
    /// for each of them, its local numbers' site numbers (for
    /// [`super::Listing::renumber`]). Spellings new to the site are numbered in the
    /// order of their text: the numbers do not depend on how the articles
    /// were shared out among the tables, nor in what order each numbered
    /// them.
    pub fn adopt(&mut self, locals: Vec<LocalSpellings>) -> Vec<Vec<u32>> {
        let locals: Vec<Vec<Spelling>> = locals
            .into_iter()
            .map(LocalSpellings::into_spellings)
            .collect();
        let mut new: Vec<&Spelling> = locals
            .iter()
            .flatten()
            .filter(|(t, spelling)| {
                self.ids
                    .get(usize::from(*t))
                    .is_none_or(|ids| !ids.contains_key(spelling))
            })
            .collect();
        new.sort_unstable();
        new.dedup();
        for (taxonomy, spelling) in new {
            self.intern(*taxonomy, spelling);
        }
        locals
            .iter()
            .map(|local| {
                local
                    .iter()
                    .map(|(taxonomy, spelling)| self.intern(*taxonomy, spelling))
                    .collect()
            })
            .collect()
    }

    pub(super) fn len(&self) -> usize {
        self.text.len()
    }
}

/// Spellings numbered among the articles one worker parsed, in order of
/// first use: a worker numbers the terms of each article it has just parsed,
/// while it is in its cache, and [`Spellings::adopt`] and
/// [`super::Listing::renumber`] then turn those numbers into the site's, on every
/// core. (Reading 40,000 terms again on one core, each a string behind two
/// pointers in memory another core wrote, took milliseconds.)
#[derive(Debug, Default)]
pub struct LocalSpellings {
    /// Each taxonomy's spellings (by its index), numbered.
    ids: Vec<HashMap<String, u32>>,
    count: u32,
}

impl LocalSpellings {
    /// Numbers the terms of `article` (taxonomy by taxonomy, as
    /// [`super::Listing::number`] does) among this table's spellings: see
    /// [`super::Listing::number_locally`].
    pub fn number(&mut self, article: &Article) -> Box<[u32]> {
        let mut ids = Vec::with_capacity(article.taxonomies.iter().map(Vec::len).sum());
        for (taxonomy, terms) in article.taxonomies.iter().enumerate() {
            for term in terms {
                ids.push(self.id(taxonomy as u16, term));
            }
        }
        ids.into_boxed_slice()
    }

    fn id(&mut self, taxonomy: u16, spelling: &str) -> u32 {
        let t = usize::from(taxonomy);
        if self.ids.len() <= t {
            self.ids.resize_with(t + 1, HashMap::default);
        }
        if let Some(&id) = self.ids[t].get(spelling) {
            return id;
        }
        let id = self.count;
        self.count += 1;
        self.ids[t].insert(spelling.to_owned(), id);
        id
    }

    /// The table's spellings, by their numbers.
    pub fn into_spellings(self) -> Vec<Spelling> {
        let mut text = vec![(0, String::new()); self.count as usize];
        for (taxonomy, ids) in self.ids.into_iter().enumerate() {
            for (spelling, id) in ids {
                text[id as usize] = (taxonomy as u16, spelling);
            }
        }
        text
    }
}
