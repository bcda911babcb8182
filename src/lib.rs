//! feedsmith turns a folder of Hugo-style Markdown articles into RSS 2.0 and
//! JSON Feed 1.1 files: one for the whole site, one per category, one per tag.
//!
//! The modules are layers, and each imports only from the layers below it
//! (`docs/ARCHITECTURE.md` has the map):
//!
//! - [`cmd`]: the commands (`build`, `watch`, `serve`): arguments, exit codes,
//!   messages;
//! - [`disk`]: the edges that touch the file system: reading the content
//!   folder, writing the output folder, the cache folder;
//! - [`site`]: the site in memory and its incremental rebuild, which drives
//!   the stages and hands files to a [`site::Sink`];
//! - the stages, in the order a post goes through them: [`parse`] (files to
//!   articles), [`collect`] (the published posts, newest first, by term),
//!   [`render`] (Markdown to HTML), [`feed`] (RSS, JSON Feed, pages);
//! - [`base`]: config, diagnostics, dates, URLs and term names.
//!
//! Nothing below [`disk`] does I/O: the same input gives the same bytes.

pub mod base;
pub mod cmd;
pub mod collect;
pub mod disk;
pub mod feed;
pub mod parse;
pub mod render;
pub mod site;
