//! Reading the content folder (I/O edge).
//!
//! Finds the articles the way Hugo does: every Markdown file, recursively,
//! except section pages (`_index.md`), the resources of a page bundle (other
//! Markdown files beside an `index.md`), hidden files and editor leftovers.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::diagnostic::Diagnostic;

/// The largest article feedsmith reads; anything bigger is not an article.
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;

/// Whether a file name is an editor's temporary or backup file, or hidden.
pub fn is_ignored_name(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
}

/// Whether a file name is a Markdown article (by name only).
pub fn is_markdown_name(name: &str) -> bool {
    !is_ignored_name(name) && (name.ends_with(".md") || name.ends_with(".markdown"))
}

fn is_bundle_index(name: &str) -> bool {
    name == "index.md" || name == "index.markdown"
}

fn is_section_index(name: &str) -> bool {
    name == "_index.md" || name == "_index.markdown"
}

/// Finds every article under `dir` without reading it: (path under `dir`,
/// path on disk), sorted by path.
pub fn find_articles(dir: &Path) -> (Vec<(String, PathBuf)>, Vec<Diagnostic>) {
    let (found, diagnostics) = find_candidates(dir, "");
    let bundles = bundle_folders(found.iter().map(|(rel, _)| rel.as_str()));
    if bundles.is_empty() {
        return (found, diagnostics);
    }
    let keep: Vec<bool> = found
        .iter()
        .map(|(rel, _)| !in_bundle(rel, &bundles))
        .collect();
    drop(bundles);
    let found = found
        .into_iter()
        .zip(keep)
        .filter_map(|(entry, keep)| keep.then_some(entry))
        .collect();
    (found, diagnostics)
}

/// Whether a path under the content folder (`posts/a.md`) may be an article:
/// a Markdown file that is not a section page, in no hidden folder. Whether
/// it is one also depends on its neighbours (see [`articles_among`]).
pub fn is_candidate(rel: &str) -> bool {
    let mut parts = rel.split('/').rev();
    let name = parts.next().unwrap_or_default();
    is_markdown_name(name)
        && !is_section_index(name)
        && parts.all(|folder| !folder.is_empty() && !is_ignored_name(folder))
}

/// The candidates that are articles: all but the resources of page bundles.
pub fn articles_among(candidates: &BTreeSet<String>) -> BTreeSet<String> {
    let bundles = bundle_folders(candidates.iter().map(String::as_str));
    candidates
        .iter()
        .filter(|rel| !in_bundle(rel, &bundles))
        .cloned()
        .collect()
}

/// The folders of page bundles (those holding an `index.md`).
fn bundle_folders<'a>(candidates: impl Iterator<Item = &'a str>) -> BTreeSet<&'a str> {
    candidates
        .filter_map(|rel| {
            let (folder, name) = rel.rsplit_once('/').unwrap_or(("", rel));
            is_bundle_index(name).then_some(folder)
        })
        .collect()
}

/// Walks `dir.join(under)` and returns every candidate article below it, as
/// (path under `dir`, path on disk), sorted by path.
pub fn find_candidates(dir: &Path, under: &str) -> (Vec<(String, PathBuf)>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut found: Vec<(String, PathBuf)> = Vec::new();
    let root = if under.is_empty() {
        dir.to_path_buf()
    } else {
        dir.join(under)
    };
    // Sorted once at the end, by the path as a string: sorting each folder's
    // entries by file name as they are walked took more time than the walk.
    let walker = WalkDir::new(&root)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored_name(&e.file_name().to_string_lossy()));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let shown = e
                    .path()
                    .map_or_else(|| root.display().to_string(), |p| p.display().to_string());
                let message = match e.loop_ancestor() {
                    Some(ancestor) => format!(
                        "symbolic link loop back to {}; not followed",
                        ancestor.display()
                    ),
                    None => format!(
                        "cannot read: {}",
                        e.io_error()
                            .map_or_else(|| e.to_string(), ToString::to_string)
                    ),
                };
                diagnostics.push(Diagnostic::warning(shown, None, message).with_help(
                    "fix the link or the permissions, or move it out of the content folder",
                ));
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(dir) else {
            continue;
        };
        let Some(rel) = rel_string(rel) else {
            diagnostics.push(
                Diagnostic::warning(
                    entry.path().display().to_string(),
                    None,
                    "the file name is not valid UTF-8; skipped",
                )
                .with_help("rename the file"),
            );
            continue;
        };
        if is_candidate(&rel) {
            found.push((rel, entry.into_path()));
        }
    }
    found.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    diagnostics.sort_by(|a, b| a.path.cmp(&b.path));
    (found, diagnostics)
}

/// Whether `rel` is a resource of a page bundle rather than an article.
fn in_bundle(rel: &str, bundles: &BTreeSet<&str>) -> bool {
    let (own_folder, name) = rel.rsplit_once('/').unwrap_or(("", rel));
    let mut folder = own_folder;
    loop {
        let is_own_index = folder == own_folder && is_bundle_index(name);
        if !is_own_index && bundles.contains(folder) && !folder.is_empty() {
            return true;
        }
        match folder.rsplit_once('/') {
            Some((parent, _)) => folder = parent,
            None if !folder.is_empty() => folder = "",
            None => return false,
        }
    }
}

/// A path under the content folder as `a/b.md`, if it is UTF-8.
fn rel_string(rel: &Path) -> Option<String> {
    let text = rel.to_str()?;
    // What the walk makes on Unix is that already (no `.`, no `//`): taken as
    // it is, which saves splitting and joining 10,000 paths on one core.
    let plain = |text: &str| text.split('/').all(|part| !part.is_empty() && part != ".");
    if cfg!(unix) && plain(text) {
        return Some(text.to_owned());
    }
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    parts.map(|p| p.join("/"))
}

/// An article's path as messages show it (`content/posts/a.md`): what
/// `Path::display` shows, made without the formatting machinery, which
/// costs milliseconds over thousands of paths.
pub fn shown(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Reads an article, or its first `limit` bytes, refusing files too big to
/// be one.
pub fn read_file(path: &Path, limit: usize) -> Result<Vec<u8>, String> {
    // One open, one fstat, then reads into a buffer of the right size: each
    // system call costs microseconds, and a build makes them for every file.
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let len = file.metadata().map_err(|e| e.to_string())?.len();
    if len > MAX_FILE_BYTES {
        return Err(format!(
            "it is {} MiB, more than the {} MiB an article may have",
            len / (1024 * 1024),
            MAX_FILE_BYTES / (1024 * 1024)
        ));
    }
    read_up_to(file, (len as usize).min(limit)).map_err(|e| e.to_string())
}

/// Reads `len` bytes (fewer if the file ends sooner) into a buffer of that
/// size: one system call for a whole file, where reading to the end would
/// grow the buffer in steps and ask once more for the end. A file that grows
/// meanwhile is read as it was when its size was taken.
fn read_up_to(mut file: impl Read, len: usize) -> std::io::Result<Vec<u8>> {
    let mut bytes = vec![0; len];
    let mut filled = 0;
    while filled < len {
        match file.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    bytes.truncate(filled);
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_under_the_content_folder_are_written_with_slashes() {
        for (path, rel) in [
            ("a.md", "a.md"),
            ("posts/2024/中文.md", "posts/2024/中文.md"),
            ("posts/./a.md", "posts/a.md"),
            ("posts//a.md", "posts/a.md"),
        ] {
            assert_eq!(rel_string(Path::new(path)).as_deref(), Some(rel), "{path}");
        }
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let not_utf8 = std::ffi::OsStr::from_bytes(b"posts/\xff.md");
            assert_eq!(rel_string(Path::new(not_utf8)), None);
        }
    }

    #[test]
    fn editor_leftovers_are_ignored() {
        for name in [
            ".#a.md",
            "a.md~",
            ".a.md.swp",
            "#a.md#",
            ".hidden.md",
            "a.txt",
            "a.md.tmp",
        ] {
            assert!(!is_markdown_name(name), "{name}");
        }
        assert!(is_markdown_name("a.md"));
        assert!(is_markdown_name("開源.markdown"));
    }

    #[test]
    fn candidates_are_markdown_outside_hidden_folders() {
        assert!(is_candidate("posts/a.md"));
        assert!(is_candidate("a.md"));
        assert!(!is_candidate("posts/_index.md"));
        assert!(!is_candidate(".git/a.md"));
        assert!(!is_candidate("posts/.drafts/a.md"));
        assert!(!is_candidate("posts/a.txt"));
        let all: BTreeSet<String> = ["p/b/index.md", "p/b/notes.md", "p/c.md"]
            .map(String::from)
            .into();
        let articles: Vec<String> = articles_among(&all).into_iter().collect();
        assert_eq!(articles, ["p/b/index.md", "p/c.md"]);
    }

    #[test]
    fn bundle_resources_are_not_articles() {
        let bundles: BTreeSet<&str> = ["posts/foo"].into();
        assert!(!in_bundle("posts/foo/index.md", &bundles));
        assert!(in_bundle("posts/foo/notes.md", &bundles));
        assert!(in_bundle("posts/foo/deep/more.md", &bundles));
        assert!(!in_bundle("posts/bar.md", &bundles));
        assert!(!in_bundle("top.md", &bundles));
    }
}
