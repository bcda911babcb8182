//! The pure core: source files in, feed files out. No I/O happens here, so the
//! same inputs always give the same bytes, and watch mode and tests can drive
//! it directly.

use std::collections::BTreeMap;

use crate::collect::{Exclusion, Options};
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::site::{Flags, Site};

/// One file found under the content folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path under the content folder, `/`-separated (`posts/foo.md`).
    pub path: String,
    /// Path shown in messages (`content/posts/foo.md`).
    pub shown: String,
    /// The bytes, or why they could not be read.
    pub bytes: Result<Vec<u8>, String>,
}

/// Counts for the summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub articles: usize,
    pub published: usize,
    pub broken: usize,
    pub excluded: BTreeMap<Exclusion, usize>,
}

/// The result of a build: every output file by path under the output folder,
/// the manifest included.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Output {
    pub files: BTreeMap<String, Vec<u8>>,
    pub diagnostics: Vec<Diagnostic>,
    pub stats: Stats,
}

/// Builds every feed of the site: the one-shot build. The files include the
/// manifest.
pub fn build(config: &Config, sources: &[SourceFile], options: &Options) -> Output {
    let flags = Flags {
        drafts: options.drafts,
        future: options.future,
        expired: options.expired,
    };
    let mut site = Site::new(config.clone(), flags, false);
    for source in sources {
        site.update(
            &source.path,
            &source.shown,
            source.bytes.as_deref().map_err(String::as_str),
        );
    }
    let rebuild = site.rebuild(options.now);
    Output {
        files: rebuild.changed,
        diagnostics: rebuild.diagnostics,
        stats: rebuild.stats,
    }
}
