//! Where the site meets the edges: the [`Sink`] its files go to, the
//! [`Load`] it reads content through, and the manifest that lists what it
//! produced. The edges implement these; the site never does I/O itself.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::base::diagnostic::Diagnostic;
use crate::feed;

/// How the site reads the content folder (the caller does the I/O).
pub trait Content: Sync {
    /// A file under the content folder: at most its first `limit` bytes
    /// ([`WHOLE`] for all of it).
    fn read(&self, path: &str, limit: usize) -> Result<Vec<u8>, String>;

    /// Every file below `folder` (a page bundle's), as paths relative to it
    /// with their sizes, sorted; `None` when the files are not known (a
    /// site built in memory), and then a bundle's files are neither looked
    /// for nor checked.
    fn files_in(&self, _folder: &str) -> Option<Vec<(String, u64)>> {
        None
    }

    /// When the file was last modified, for sites whose dates use it
    /// (Hugo's `:fileModTime`); `None` when it is not known.
    fn modified(&self, _path: &str) -> Option<chrono::DateTime<chrono::Utc>> {
        None
    }

    /// The author date of the file's last commit, for sites whose dates
    /// use it (Hugo's `:git`); `None` when it is not known.
    fn git_date(&self, _path: &str) -> Option<chrono::DateTime<chrono::Utc>> {
        None
    }
}

/// A function that reads files is a [`Content`] that knows no folders.
impl<F> Content for F
where
    F: Fn(&str, usize) -> Result<Vec<u8>, String> + Sync,
{
    fn read(&self, path: &str, limit: usize) -> Result<Vec<u8>, String> {
        self(path, limit)
    }
}

/// The content folder, as the site reads it.
pub type Load<'a> = &'a dyn Content;

/// What a [`Load`] gives for a file whose bytes (or read error) are in
/// memory already: its first `limit` bytes.
pub fn load_from_memory(bytes: Result<&[u8], &str>, limit: usize) -> Result<Vec<u8>, String> {
    bytes
        .map(|b| b[..b.len().min(limit)].to_vec())
        .map_err(str::to_owned)
}

/// The `limit` of a [`Load`] that reads the whole file.
pub const WHOLE: usize = usize::MAX;

/// How much of a file a one-shot build reads first, hoping it holds the
/// whole front matter (a few hundred bytes as Hugo writes it): one page.
pub const FRONT_BYTES: usize = 4096;

/// Where a rebuild's files go: the output folder (one-shot build, watch), or
/// memory (tests).
pub trait Sink {
    /// Called once every problem is known and before any file is produced;
    /// returning false stops the rebuild there (`--strict`), and nothing
    /// counts as produced.
    fn proceed(&mut self, _diagnostics: &[Diagnostic]) -> bool {
        true
    }

    /// A file that is new or whose bytes changed since the last rebuild,
    /// with their fingerprint ([`feed::Pieces::fingerprint`]).
    fn file(&mut self, path: &str, bytes: Vec<u8>, fingerprint: feed::Hash);

    /// A check, callable from several threads, of whether a file already
    /// holds these bytes where the sink puts it. Files it finds are passed
    /// to [`Sink::same`] instead of [`Sink::file`].
    fn on_disk(&self) -> Option<OnDisk> {
        None
    }

    /// A file produced with the bytes it already has.
    fn same(&mut self, _path: &str) {}

    /// For a full build into a folder no build wrote to before: a
    /// [`Writer`], which puts each file in place from the thread that made
    /// it, as soon as it is made, so that the bytes of a large site's files
    /// are neither copied into one buffer each nor held until a batch is
    /// written. The sink first does whatever must precede creating any of
    /// `paths` (every feed file the build may produce; its manifest lists
    /// them). Files the writer takes are not passed to [`Sink::file`] or
    /// [`Sink::same`]. `None`: hand every file to [`Sink::file`].
    fn writer(&mut self, _paths: &[String]) -> Option<Writer> {
        None
    }

    /// Whether the sink holds the files of an earlier build already. A
    /// one-shot build then keeps only the lengths and hashes of its items
    /// ([`feed::Item::hashed`]), as it will write few feeds, and makes again
    /// the items of the feeds it does write.
    fn built_before(&self) -> bool {
        false
    }
}

/// See [`Sink::on_disk`].
/// It is given the file's pieces, in order, and their fingerprint
/// ([`feed::Pieces::fingerprint`]).
pub type OnDisk = Arc<dyn Fn(&str, &[feed::Piece<'_>], feed::Hash) -> bool + Send + Sync>;

/// See [`Sink::writer`]. It is given the file's path, its pieces in order
/// and their fingerprint ([`feed::Pieces::fingerprint`]), and returns
/// whether it took the file: it cannot when a piece has only its hash
/// (then the file goes to [`Sink::file`], which will not get its bytes
/// either). A file it cannot write is the sink's error to report, as
/// [`Sink::file`]'s are.
pub type Writer = Arc<dyn Fn(&str, &[feed::Piece<'_>], feed::Hash) -> bool + Send + Sync>;

/// Collects the files in memory.
impl Sink for BTreeMap<String, Vec<u8>> {
    fn file(&mut self, path: &str, bytes: Vec<u8>, _: feed::Hash) {
        self.insert(path.to_owned(), bytes);
    }
}

/// The list of files feedsmith wrote, kept in the output folder.
pub const MANIFEST: &str = ".feedsmith-manifest";

/// The manifest's first line, which says what it is for.
const MANIFEST_HEADER: &str =
    "# Files written by feedsmith. It deletes only these, when they are no longer produced.\n";

/// The manifest listing `paths`.
pub fn manifest(paths: &[&str]) -> Vec<u8> {
    let mut manifest = String::from(MANIFEST_HEADER);
    for path in paths {
        manifest.push_str(path);
        manifest.push('\n');
    }
    manifest.into_bytes()
}
