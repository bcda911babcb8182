//! The posts of each term of each taxonomy, counted from the rows in order
//! and kept up to date as posts move.

use super::{Row, Spellings, TermPosts};
use crate::base::diagnostic::Diagnostic;
use crate::base::taxonomy;

/// The terms over the posts: how often each spelling is used, and each term
/// key's posts (indexes, newest first).
#[derive(Debug, Clone)]
pub(super) struct Tally {
    uses: Vec<usize>,
    by_key: Vec<Vec<usize>>,
}

impl Tally {
    /// One pass over the posts, in order.
    pub(super) fn of<'t>(
        rows: &[Row],
        terms_of: impl Fn(&Row) -> &'t [u32],
        spellings: &Spellings,
    ) -> Tally {
        let mut tally = Tally {
            uses: Vec::new(),
            by_key: Vec::new(),
        };
        tally.grow(spellings);
        for (i, row) in rows.iter().enumerate() {
            for &id in terms_of(row) {
                tally.uses[id as usize] += 1;
                if let Some(k) = spellings.key[id as usize] {
                    let list = &mut tally.by_key[k as usize];
                    // An article listing `AI` and `ai` is in that feed once.
                    if list.last() != Some(&i) {
                        list.push(i);
                    }
                }
            }
        }
        tally
    }

    /// Makes room for spellings interned since.
    pub(super) fn grow(&mut self, spellings: &Spellings) {
        self.uses.resize(spellings.len(), 0);
        self.by_key.resize(spellings.key_ids.len(), Vec::new());
    }

    /// Takes out the post at index `i` (with term ids `ids`); later posts
    /// move up one.
    pub(super) fn remove(&mut self, i: usize, ids: &[u32]) {
        for &id in ids {
            self.uses[id as usize] -= 1;
        }
        for list in &mut self.by_key {
            if let Ok(at) = list.binary_search(&i) {
                list.remove(at);
            }
            for p in list.iter_mut().filter(|p| **p > i) {
                *p -= 1;
            }
        }
    }

    /// Puts in a post at index `j` (with term ids `ids`); posts from `j` on
    /// move down one.
    pub(super) fn insert(&mut self, j: usize, ids: &[u32], spellings: &Spellings) {
        for list in &mut self.by_key {
            for p in list.iter_mut().filter(|p| **p >= j) {
                *p += 1;
            }
        }
        for &id in ids {
            self.uses[id as usize] += 1;
            if let Some(k) = spellings.key[id as usize] {
                let list = &mut self.by_key[k as usize];
                if let Err(at) = list.binary_search(&j) {
                    list.insert(at, j);
                }
            }
        }
    }

    /// Each taxonomy's merged terms with their posts; folder collisions
    /// become warnings.
    pub(super) fn terms(
        &self,
        spellings: &Spellings,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Vec<Vec<TermPosts>> {
        let mut uses: Vec<Vec<(&str, usize)>> = Vec::new();
        for (id, &n) in self.uses.iter().enumerate().filter(|(_, &n)| n > 0) {
            let t = usize::from(spellings.taxonomy[id]);
            if uses.len() <= t {
                uses.resize_with(t + 1, Vec::new);
            }
            uses[t].push((spellings.text[id].as_str(), n));
        }
        uses.into_iter()
            .enumerate()
            .map(|(t, uses)| {
                let taxonomy = t as u16;
                let kind = spellings.name(taxonomy);
                let (terms, collisions) = taxonomy::merge_counted(uses);
                for c in collisions {
                    diagnostics.push(
                        Diagnostic::warning(
                            format!("{kind} `{}`", c.renamed),
                            None,
                            format!(
                                "its folder `{}` is taken by the {kind} `{}`, so its feed is at `{}`",
                                c.slug, c.kept_by, c.new_slug
                            ),
                        )
                        .with_help(format!("rename one of the two {kind} spellings if they are meant to be one, or to differ more")),
                    );
                }
                let mut terms: Vec<TermPosts> = terms
                    .into_iter()
                    .map(|term| {
                        let posts = spellings
                            .key_ids
                            .get(&(taxonomy, term.key.clone()))
                            .map(|&k| self.by_key[k as usize].clone())
                            .unwrap_or_default();
                        TermPosts { term, posts }
                    })
                    .collect();
                nest(&mut terms);
                terms
            })
            .collect()
    }
}

/// Gives each term the posts of the terms nested under it (`人文` those of
/// `人文/史哲`), as current Hugo's term feeds list them. `terms` are in key
/// order, so a term's descendants follow it, among the keys it begins.
fn nest(terms: &mut [TermPosts]) {
    for i in 0..terms.len() {
        let below = format!("{}/", terms[i].term.key);
        let mut extra: Vec<usize> = Vec::new();
        for other in terms[i + 1..]
            .iter()
            .take_while(|t| t.term.key.starts_with(&terms[i].term.key))
        {
            if other.term.key.starts_with(&below) {
                extra.extend_from_slice(&other.posts);
            }
        }
        if !extra.is_empty() {
            let posts = &mut terms[i].posts;
            posts.extend(extra);
            posts.sort_unstable();
            posts.dedup();
        }
    }
}
