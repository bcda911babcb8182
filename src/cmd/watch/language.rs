//! One language of the watched site: its [`Site`], the content folder it
//! reads with the candidate files found there, and its output folder. A
//! site with several languages (Hugo's `languages`) is watched as one of
//! these per language, as `feedsmith build` builds it; languages whose
//! pages share a content folder (`about.en.md`) each take their own files
//! from every change in it.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use crate::base::config::Config;
use crate::disk::content;
use crate::disk::git::{self, GitDates};
use crate::parse::files;
use crate::site::{Flags, Site};

/// A language of the watched site (see the module docs).
pub(super) struct Language {
    pub(super) site: Site,
    /// Every candidate article under the content folder (bundle resources
    /// included), so bundle membership can be recomputed after a change.
    candidates: BTreeSet<String>,
    /// The content folder, absolute.
    pub(super) content_dir: PathBuf,
    /// The output folder, absolute.
    pub(super) output_dir: PathBuf,
    /// Diagnostics already shown, so each is reported once.
    pub(super) shown: HashSet<String>,
    /// The files' last commits' dates, when the dates use them (`:git`),
    /// as they were when the watch started or the config last changed:
    /// a commit made while watching is seen after the next config change
    /// or restart.
    git: Option<GitDates>,
}

impl Language {
    /// The language of `config`, with nothing read yet.
    pub(super) fn new(config: Config, flags: Flags) -> Language {
        let content_dir = absolute(&config.content_dir);
        let git = config
            .dates
            .use_git()
            .then(|| git::author_dates(&content_dir))
            .flatten();
        Language {
            git,
            content_dir,
            output_dir: absolute(&config.output_dir),
            site: Site::new(config, flags, true),
            candidates: BTreeSet::new(),
            shown: HashSet::new(),
        }
    }

    /// The language's code (Hugo's), as reports name it.
    pub(super) fn code(&self) -> &str {
        &self.site.config().language_code
    }

    /// Reads the whole content folder again.
    pub(super) fn rescan(&mut self) {
        let (found, diagnostics) = content::find_candidates(&self.content_dir, "");
        super::print_all(&diagnostics);
        self.candidates = found
            .into_iter()
            .filter(|rel| !self.is_output(rel))
            .collect();
        let all = self.candidates.clone();
        self.sync_site(&all, true);
    }

    /// Takes in the changed `paths` (absolute) that are under the content
    /// folder. Returns the articles that changed (added, edited or
    /// removed).
    pub(super) fn take_changes(&mut self, paths: &BTreeSet<PathBuf>) -> Vec<String> {
        let mut to_read = BTreeSet::new();
        let mut candidates_changed = false;
        for path in paths {
            let Ok(rel) = path.strip_prefix(&self.content_dir) else {
                continue;
            };
            let Some(rel) = rel.to_str().map(|r| r.replace('\\', "/")) else {
                continue;
            };
            if rel.is_empty() || self.is_output(&rel) {
                continue;
            }
            candidates_changed |= self.refresh(&rel, &mut to_read);
        }
        self.sync_site(&to_read, candidates_changed)
    }

    /// Brings the site in line with `candidates`, re-reading `to_read`.
    /// Returns the articles that changed (added, edited or removed).
    ///
    /// When the set of candidates did not change (the common case: a save),
    /// which files are articles did not either, and only `to_read` is read.
    fn sync_site(&mut self, to_read: &BTreeSet<String>, candidates_changed: bool) -> Vec<String> {
        if !candidates_changed {
            let known: Vec<&String> = to_read
                .iter()
                .filter(|rel| self.site.contains(rel))
                .collect();
            return self.read_into_site(known);
        }
        let articles = files::articles_among(&self.candidates);
        let gone: Vec<String> = self
            .site
            .paths()
            .chain(self.site.section_pages())
            .filter(|p| !articles.contains(*p))
            .map(str::to_owned)
            .collect();
        let mut changed = Vec::new();
        for path in gone {
            if self.site.remove(&path) {
                changed.push(path);
            }
        }
        let new_or_edited: Vec<&String> = articles
            .iter()
            .filter(|rel| to_read.contains(*rel) || !self.site.contains(rel))
            .collect();
        changed.extend(self.read_into_site(new_or_edited));
        changed
    }

    /// Reads articles into the site, on every core (the first build reads
    /// them all); returns those that changed. Another language's files
    /// are not read (the site keeps only its own).
    fn read_into_site(&mut self, rels: Vec<&String>) -> Vec<String> {
        let content_shown = content::shown(&self.site.config().content_dir);
        let files: Vec<(String, String)> = rels
            .iter()
            .map(|rel| ((*rel).clone(), files::shown_in(&content_shown, rel)))
            .collect();
        let content_dir = &self.content_dir;
        let changed = self.site.load_all(
            files,
            &content::Folder {
                dir: content_dir,
                git: self.git.as_ref(),
            },
        );
        changed.into_iter().map(|i| rels[i].clone()).collect()
    }

    /// Whether a path under the content folder is inside the output folder
    /// (an odd but possible layout): feedsmith's own writes are not changes.
    fn is_output(&self, rel: &str) -> bool {
        self.content_dir.join(rel).starts_with(&self.output_dir)
    }

    /// Updates `candidates` for one changed path (a file or a folder).
    /// Returns whether the set of candidates may have changed.
    fn refresh(&mut self, rel: &str, to_read: &mut BTreeSet<String>) -> bool {
        // A page bundle's files are part of its post (its picture, its
        // attachments' sizes): the post is read again.
        if let Some(index) = self.bundle_of(rel) {
            to_read.insert(index);
        }
        let prefix = format!("{rel}/");
        match std::fs::metadata(self.content_dir.join(rel)) {
            Ok(meta) if meta.is_dir() => {
                let (found, diagnostics) = content::find_candidates(&self.content_dir, rel);
                super::print_all(&diagnostics);
                self.candidates.retain(|c| !c.starts_with(&prefix));
                for path in found {
                    if !self.is_output(&path) {
                        to_read.insert(path.clone());
                        self.candidates.insert(path);
                    }
                }
                true
            }
            Ok(_) => {
                if files::is_site_file(rel) {
                    to_read.insert(rel.to_owned());
                    self.candidates.insert(rel.to_owned())
                } else {
                    false
                }
            }
            Err(_) => {
                let before = self.candidates.len();
                self.candidates
                    .retain(|c| c != rel && !c.starts_with(&prefix));
                before != self.candidates.len()
            }
        }
    }

    /// The `index.md` of the page bundle that `rel` (a path under the
    /// content folder) is in, if it is in one.
    fn bundle_of(&self, rel: &str) -> Option<String> {
        let mut folder = rel;
        while let Some((parent, _)) = folder.rsplit_once('/') {
            folder = parent;
            for name in ["index.md", "index.markdown"] {
                let index = format!("{folder}/{name}");
                if self.candidates.contains(&index) {
                    return Some(index);
                }
            }
        }
        None
    }
}

/// The path as the user gave it, made absolute (not canonical: symlinks in
/// it stay, so that event paths, which use it, compare equal); the empty
/// path (the folder of a config file given without one) is the current
/// folder.
pub(super) fn absolute(path: &Path) -> PathBuf {
    let path = if path.as_os_str().is_empty() {
        Path::new(".")
    } else {
        path
    };
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}
