//! Writing and removing files so that a reader never sees half of one: every
//! file is written to a temporary file in its own folder and renamed into
//! place. The output folder, the record and the item cache all write this
//! way.

use std::io::{IoSlice, Write};
use std::path::Path;

/// An I/O failure, with the path it happened on.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct OutputError {
    pub path: String,
    #[source]
    pub source: std::io::Error,
}

pub(super) fn err(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError {
        path: path.display().to_string(),
        source,
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a
/// rename, so `path` holds either its old bytes or the new ones, never a part.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    write_atomic_parts(path, &[bytes])
}

/// [`write_atomic`] for a file given as the concatenation of `parts`: a
/// feed is its head, its items' bytes (shared with other feeds) and its
/// tail, and they go to the file as they are, in as few system calls as
/// the system takes, rather than copied into one buffer first.
pub fn write_atomic_parts(path: &Path, parts: &[&[u8]]) -> Result<(), OutputError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(err(dir))?;
    if path.is_dir() {
        return Err(OutputError {
            path: path.display().to_string(),
            source: std::io::Error::other("a folder is in the way of this feed file"),
        });
    }
    let mut builder = tempfile::Builder::new();
    builder.prefix(".feedsmith-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Feeds are public files: readable by the web server like any other.
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut tmp = builder.tempfile_in(dir).map_err(err(dir))?;
    write_all_parts(tmp.as_file_mut(), parts).map_err(err(path))?;
    tmp.persist(path).map_err(|e| OutputError {
        path: path.display().to_string(),
        source: e.error,
    })?;
    Ok(())
}

/// Writes every byte of `parts`, in order, with vectored writes
/// (`Write::write_all_vectored` is not stable yet).
fn write_all_parts(file: &mut std::fs::File, parts: &[&[u8]]) -> std::io::Result<()> {
    let mut slices: Vec<IoSlice<'_>> = parts.iter().map(|p| IoSlice::new(p)).collect();
    let mut rest = &mut slices[..];
    // Skips empty parts first, as `advance_slices` does after each write.
    IoSlice::advance_slices(&mut rest, 0);
    while !rest.is_empty() {
        match file.write_vectored(rest) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => IoSlice::advance_slices(&mut rest, n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Removes a file, then each parent folder it leaves empty, up to `root`.
pub fn remove_with_empty_parents(root: &Path, path: &Path) -> Result<(), OutputError> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(err(path)(e)),
    }
    let mut folder = path.parent();
    while let Some(dir) = folder {
        if dir == root || !dir.starts_with(root) || std::fs::remove_dir(dir).is_err() {
            break;
        }
        folder = dir.parent();
    }
    Ok(())
}
