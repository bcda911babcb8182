//! Reading the content folder (I/O edge): the walk that finds candidate
//! articles and the reads of their bytes. Which paths are articles is
//! decided by [`crate::parse::files`].

use std::io::Read;
use std::path::Path;

use walkdir::WalkDir;

use crate::base::diagnostic::Diagnostic;
use crate::parse::files::{drop_bundle_resources, is_ignored_name, is_site_file, list_page_folder};
use crate::site::Content;

/// The content folder on disk, as the site reads it: files, and the files
/// of a page bundle.
#[derive(Debug, Clone, Copy)]
pub struct Folder<'a> {
    pub dir: &'a Path,
    /// Its files' last commits' dates, for a site whose dates use them
    /// (`:git`; see [`super::git`]).
    pub git: Option<&'a super::git::GitDates>,
}

impl Content for Folder<'_> {
    fn read(&self, path: &str, limit: usize) -> Result<Vec<u8>, String> {
        read_file(&self.dir.join(path), limit)
    }

    /// Every file below `folder` but hidden ones and editor leftovers (a
    /// bundle's pictures, downloads, and its Markdown resources too), with
    /// its size. Read only for page bundles, which are small.
    fn files_in(&self, folder: &str) -> Option<Vec<(String, u64)>> {
        let root = self.dir.join(folder);
        let mut files: Vec<(String, u64)> = WalkDir::new(&root)
            .min_depth(1)
            .into_iter()
            .filter_entry(|e| !e.file_name().to_str().is_some_and(is_ignored_name))
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .filter_map(|e| {
                let rel = rel_string(e.path().strip_prefix(&root).ok()?)?;
                Some((rel, e.metadata().ok()?.len()))
            })
            .collect();
        files.sort();
        Some(files)
    }

    fn modified(&self, path: &str) -> Option<chrono::DateTime<chrono::Utc>> {
        let time = std::fs::metadata(self.dir.join(path))
            .ok()?
            .modified()
            .ok()?;
        Some(time.into())
    }

    fn git_date(&self, path: &str) -> Option<chrono::DateTime<chrono::Utc>> {
        self.git?.get(path).copied()
    }
}

/// The largest article feedsmith reads; anything bigger is not an article.
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;
/// Finds every article under `dir` without reading it: its path under
/// `dir`, sorted.
pub fn find_articles(dir: &Path) -> (Vec<String>, Vec<Diagnostic>) {
    let (mut found, diagnostics) = find_candidates(dir, "");
    found.retain(|rel| list_page_folder(rel).is_none());
    (drop_bundle_resources(found, String::as_str), diagnostics)
}

/// Finds every file the site must know under `dir.join(under)` (candidate
/// articles and section pages: see [`is_site_file`]) without reading it:
/// its path under `dir`, sorted.
pub fn find_candidates(dir: &Path, under: &str) -> (Vec<String>, Vec<Diagnostic>) {
    let mut found: Vec<String> = Vec::new();
    let diagnostics = walk_candidates(dir, under, |rel| found.push(rel));
    // Sorted once at the end, by the path as a string: sorting each folder's
    // entries by file name as they are walked took more time than the walk.
    found.sort_unstable();
    (found, diagnostics)
}

/// Walks `dir.join(under)` and hands every candidate article and section
/// page (see [`is_site_file`]) below it to
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
        if is_site_file(&rel) {
            found(rel);
        }
    }
    diagnostics.sort_by(|a, b| a.path.cmp(&b.path));
    diagnostics
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
    use crate::parse::files::shown_in;

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
}
