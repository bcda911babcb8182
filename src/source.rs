//! Reading the content folder (I/O edge).
//!
//! Finds the articles the way Hugo does: every Markdown file, recursively,
//! except section pages (`_index.md`), the resources of a page bundle (other
//! Markdown files beside an `index.md`), hidden files and editor leftovers.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

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

/// Finds every article under `dir` without reading it: its path under
/// `dir`, sorted.
pub fn find_articles(dir: &Path) -> (Vec<String>, Vec<Diagnostic>) {
    let (found, diagnostics) = find_candidates(dir, "");
    (drop_bundle_resources(found, String::as_str), diagnostics)
}

/// `items` (each with a path under the content folder) without the
/// resources of page bundles: what is left of a list of candidates (see
/// [`is_candidate`]) is the articles. The order is kept.
pub fn drop_bundle_resources<T>(items: Vec<T>, path: impl Fn(&T) -> &str) -> Vec<T> {
    let bundles = bundle_folders(items.iter().map(&path));
    if bundles.is_empty() {
        return items;
    }
    let keep: Vec<bool> = items
        .iter()
        .map(|item| !in_bundle(path(item), &bundles))
        .collect();
    drop(bundles);
    items
        .into_iter()
        .zip(keep)
        .filter_map(|(item, keep)| keep.then_some(item))
        .collect()
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
    let candidates: Vec<&String> = candidates.iter().collect();
    drop_bundle_resources(candidates, |rel| rel.as_str())
        .into_iter()
        .cloned()
        .collect()
}

/// The folders of page bundles (those holding an `index.md`).
fn bundle_folders<'a>(candidates: impl Iterator<Item = &'a str>) -> BTreeSet<&'a str> {
    candidates.filter_map(bundle_folder).collect()
}

/// The folder `rel` makes a page bundle of, if it is a bundle's `index.md`:
/// only then can a list of candidates hold resources to drop (see
/// [`drop_bundle_resources`]).
pub fn bundle_folder(rel: &str) -> Option<&str> {
    let (folder, name) = rel.rsplit_once('/').unwrap_or(("", rel));
    is_bundle_index(name).then_some(folder)
}

/// Walks `dir.join(under)` and returns every candidate article below it, as
/// its path under `dir`, sorted.
pub fn find_candidates(dir: &Path, under: &str) -> (Vec<String>, Vec<Diagnostic>) {
    let mut found: Vec<String> = Vec::new();
    let diagnostics = walk_candidates(dir, under, |rel| found.push(rel));
    // Sorted once at the end, by the path as a string: sorting each folder's
    // entries by file name as they are walked took more time than the walk.
    found.sort_unstable();
    (found, diagnostics)
}

/// Walks `dir.join(under)` and hands every candidate article below it to
/// `found` as soon as the walk meets it, as its path under `dir`, in the
/// order the folders list them: a build parses the first articles while the
/// walk goes on. Returns the problems met, sorted by path.
pub fn walk_candidates(dir: &Path, under: &str, mut found: impl FnMut(String)) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let root = if under.is_empty() {
        dir.to_path_buf()
    } else {
        dir.join(under)
    };
    let walker = WalkDir::new(&root)
        .follow_links(true)
        .into_iter()
        // Hidden and leftover folders are not entered. Files need no look
        // here: `is_candidate` below turns their names away.
        .filter_entry(|e| {
            e.depth() == 0
                || !e.file_type().is_dir()
                || !is_ignored_name(&e.file_name().to_string_lossy())
        });
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
        let Some(rel) = under_dir(entry.path(), dir) else {
            continue;
        };
        let Some(rel) = rel_string(rel) else {
            if is_ignored_name(&entry.file_name().to_string_lossy()) {
                continue;
            }
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
            found(rel);
        }
    }
    diagnostics.sort_by(|a, b| a.path.cmp(&b.path));
    diagnostics
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

/// `path` without its leading `dir`. The walk makes every path by joining
/// names onto `dir`, so its first bytes are `dir`'s: cutting them off costs
/// nothing, where `Path::strip_prefix` compares component by component.
#[cfg(unix)]
fn under_dir<'p>(path: &'p Path, dir: &Path) -> Option<&'p Path> {
    use std::os::unix::ffi::OsStrExt;
    let prefix = dir.as_os_str().as_bytes();
    let rest = path
        .as_os_str()
        .as_bytes()
        .strip_prefix(prefix)
        .and_then(|rest| {
            if prefix.ends_with(b"/") {
                Some(rest)
            } else {
                rest.strip_prefix(b"/")
            }
        });
    match rest {
        Some(rest) if !prefix.is_empty() => Some(Path::new(std::ffi::OsStr::from_bytes(rest))),
        _ => path.strip_prefix(dir).ok(),
    }
}

#[cfg(not(unix))]
fn under_dir<'p>(path: &'p Path, dir: &Path) -> Option<&'p Path> {
    path.strip_prefix(dir).ok()
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
/// `Path::display` shows of `content_dir.join(rel)`, given `content_shown`,
/// the content folder's own shown path (see [`shown`]). Made by joining two
/// strings: converting 10,000 whole paths costs milliseconds on one core.
pub fn shown_in(content_shown: &str, rel: &str) -> String {
    let mut shown = String::with_capacity(content_shown.len() + 1 + rel.len());
    shown.push_str(content_shown);
    if !content_shown.is_empty() && !content_shown.ends_with('/') {
        shown.push('/');
    }
    shown.push_str(rel);
    shown
}

/// A path as messages show it: what `Path::display` shows, made without the
/// formatting machinery.
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

/// Reads `len` bytes (fewer if the file ends sooner) into a buffer made for
/// that many, which the reads fill without zeroing it first: one system call
/// for a file of up to 8 KiB (std reads larger ones in growing steps), and
/// none to find the end, which `len` marks. A file that grows meanwhile is
/// read as it was when its size was taken.
fn read_up_to(file: impl Read, len: usize) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(len);
    file.take(len as u64).read_to_end(&mut bytes)?;
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
    fn the_walk_finds_articles_and_shows_their_paths_as_joined() {
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path().join("content");
        let files = [
            "top.md",
            "posts/a.md",
            "posts/b.markdown",
            "posts/_index.md",
            "posts/.hidden.md",
            "posts/#a.md#",
            "posts/a.md~",
            "posts/notes.txt",
            "posts/.drafts/c.md",
            ".git/d.md",
            "bundle/index.md",
            "bundle/notes.md",
            "deep/er/e.md",
        ];
        for rel in files {
            let path = content.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        std::fs::create_dir(content.join("posts.md")).unwrap();
        let articles = [
            "bundle/index.md",
            "deep/er/e.md",
            "posts/a.md",
            "posts/b.markdown",
            "top.md",
        ];
        let (found, warnings) = find_articles(&content);
        assert_eq!(found, articles);
        assert!(warnings.is_empty(), "{warnings:?}");
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            // A name that is not UTF-8 is said once; a hidden one is not.
            let name = |b: &[u8]| content.join(std::ffi::OsStr::from_bytes(b));
            std::fs::write(name(b"posts/\xff.md"), "").unwrap();
            std::fs::write(name(b"posts/.\xff.md"), "").unwrap();
            std::os::unix::fs::symlink(content.join("deep"), content.join("linked")).unwrap();
            let (found, warnings) = find_articles(&content);
            let mut with_link: Vec<&str> = articles.to_vec();
            with_link.push("linked/er/e.md");
            with_link.sort_unstable();
            assert_eq!(found, with_link);
            assert_eq!(warnings.len(), 1, "{warnings:?}");
            assert!(warnings[0].message.contains("not valid UTF-8"));
        }
        // However the folder is written, the walk finds the same articles,
        // and their shown paths are what `display` shows of their paths.
        let (all, _) = find_articles(&content);
        let base = dir.path().display().to_string();
        for shape in [
            "content",
            "content/",
            "./content",
            "content//",
            ".//content/./",
        ] {
            let folder = std::path::PathBuf::from(format!("{base}/{shape}"));
            let (found, _) = find_articles(&folder);
            assert_eq!(found, all, "{shape}");
            for rel in &found {
                assert_eq!(
                    shown_in(&shown(&folder), rel),
                    shown(&folder.join(rel)),
                    "{shape}"
                );
            }
        }
    }

    #[test]
    fn files_are_read_up_to_a_limit() {
        let text: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
        for (len, expected) in [
            (0, 0),
            (10, 10),
            (8_192, 8_192),
            (20_000, 20_000),
            (30_000, 20_000),
        ] {
            let read = read_up_to(std::io::Cursor::new(&text), len).unwrap();
            assert_eq!(read, text[..expected], "{len}");
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        std::fs::write(&path, &text).unwrap();
        assert_eq!(read_file(&path, 4096).unwrap(), text[..4096]);
        assert_eq!(read_file(&path, usize::MAX).unwrap(), text);
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
