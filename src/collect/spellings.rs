//! Term spellings, numbered: collecting compares small integers, not
//! strings. A first load numbers each worker's articles in a table of its
//! own ([`LocalSpellings`]), and the site's [`Spellings`] adopts the tables.

use rustc_hash::FxHashMap as HashMap;

use crate::base::taxonomy;
use crate::parse::article::Article;

/// Every tag and category spelling seen, numbered, so that collecting works
/// on small integers instead of strings behind pointers (it runs on every
/// rebuild in watch mode). Grows only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spellings {
    pub(super) ids: HashMap<String, u32>,
    /// Each spelling, trimmed.
    pub(super) text: Vec<String>,
    /// Each spelling's term key, or `None` when it has none (blank).
    pub(super) key: Vec<Option<u32>>,
    pub(super) key_ids: HashMap<String, u32>,
}

impl Spellings {
    /// The number of a spelling, giving it one if it is new.
    pub fn intern(&mut self, spelling: &str) -> u32 {
        let spelling = spelling.trim();
        if let Some(&id) = self.ids.get(spelling) {
            return id;
        }
        let id = self.text.len() as u32;
        let key = taxonomy::term_key(spelling);
        let key = (!key.is_empty()).then(|| {
            let next = self.key_ids.len() as u32;
            *self.key_ids.entry(key).or_insert(next)
        });
        self.ids.insert(spelling.to_owned(), id);
        self.text.push(spelling.to_owned());
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
        let locals: Vec<Vec<String>> = locals
            .into_iter()
            .map(LocalSpellings::into_spellings)
            .collect();
        let mut new: Vec<&str> = locals
            .iter()
            .flatten()
            .map(String::as_str)
            .filter(|spelling| !self.ids.contains_key(*spelling))
            .collect();
        new.sort_unstable();
        new.dedup();
        for spelling in new {
            self.intern(spelling);
        }
        locals
            .iter()
            .map(|local| local.iter().map(|spelling| self.intern(spelling)).collect())
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
    ids: HashMap<String, u32>,
}

impl LocalSpellings {
    /// Numbers the terms of `article` (tags, then categories, as
    /// [`super::Listing::number`] does) among this table's spellings: see
    /// [`super::Listing::number_locally`].
    pub fn number(&mut self, article: &Article) -> (Box<[u32]>, Box<[u32]>) {
        let tags = article.tags.iter().map(|t| self.id(t)).collect();
        let categories = article.categories.iter().map(|t| self.id(t)).collect();
        (tags, categories)
    }

    fn id(&mut self, spelling: &str) -> u32 {
        let spelling = spelling.trim();
        if let Some(&id) = self.ids.get(spelling) {
            return id;
        }
        let id = self.ids.len() as u32;
        self.ids.insert(spelling.to_owned(), id);
        id
    }

    /// The table's spellings, by their numbers.
    pub fn into_spellings(self) -> Vec<String> {
        let mut text = vec![String::new(); self.ids.len()];
        for (spelling, id) in self.ids {
            text[id as usize] = spelling;
        }
        text
    }
}
