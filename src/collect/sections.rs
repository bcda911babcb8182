//! Hugo's sections, and which one each post belongs to.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::TermPosts;
use crate::base::taxonomy::Term;
use crate::parse::article::Article;
use crate::parse::files::section_of;

/// The sections of `posts` (newest first), as Hugo has them: each first
/// folder under the content folder (a bundle at the top is no section), and
/// each folder below one with a section page of its own (`nested`:
/// `posts/tech`, which has `posts/tech/_index.md`). A post is in the
/// deepest section it is under, and only there (Hugo's section feeds list a
/// section's own pages); each section that holds a post gets its posts,
/// newest first; sections are sorted by folder. With `lower`, a section's
/// folder is in lower case in its feed's path, as in its URL (Hugo's
/// `disablePathToLower` keeps the case).
///
/// Made anew on every collection: a pass over the posts costs less than
/// keeping it up to date edit by edit.
pub fn sections(posts: &[Arc<Article>], nested: &BTreeSet<&str>, lower: bool) -> Vec<TermPosts> {
    let mut by_folder: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, post) in posts.iter().enumerate() {
        let mut section = section_of(&post.path);
        if section.is_empty() {
            continue;
        }
        if !nested.is_empty() {
            let mut folder = post.path.as_str();
            while let Some((parent, _)) = folder.rsplit_once('/') {
                if nested.contains(parent) {
                    section = parent;
                    break;
                }
                folder = parent;
            }
        }
        by_folder.entry(section).or_default().push(i);
    }
    by_folder
        .into_iter()
        .map(|(folder, posts)| TermPosts {
            term: Term {
                key: if lower {
                    folder.to_lowercase()
                } else {
                    folder.to_owned()
                },
                name: folder.rsplit('/').next().unwrap_or(folder).to_owned(),
                slug: if lower {
                    folder.to_lowercase()
                } else {
                    folder.to_owned()
                },
            },
            posts,
        })
        .collect()
}
