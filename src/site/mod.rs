//! The site in memory and its incremental rebuild.
//!
//! A one-shot build fills a [`Site`] once and renders everything. Watch mode
//! keeps it for hours and, after a change, re-parses only the files that
//! changed, re-renders only posts whose source changed, and re-emits only the
//! feeds whose items changed. Both go through the same code, so an incremental
//! rebuild gives the bytes a fresh build would. No I/O happens here: files
//! are read through a [`Load`] and written through a [`Sink`].
//!
//! The rooms, in the order a rebuild goes through them:
//! - `state`: the [`Site`] and what it keeps between rebuilds;
//! - `sources`: the article files as last seen, and their edits;
//! - `changes`: the last collection, kept, patched or made again;
//! - `render`: the posts' items, rendered or taken from the
//!   [`item_cache`];
//! - `emit`: the feed files, their fingerprints, the directory pages;
//! - `rebuild`: the rebuild that runs them in turn;
//! - [`build`]: the one-shot build, a site filled once and rebuilt once;
//! - `sink`: what the site asks of the edges.

pub mod build;
mod changes;
mod emit;
pub mod item_cache;
mod rebuild;
mod render;
mod sink;
mod sources;
mod state;

pub use crate::collect::Flags;
pub use rebuild::{Rebuild, Stats};
pub use sink::{
    load_from_memory, manifest, Content, Load, OnDisk, Sink, Writer, FRONT_BYTES, MANIFEST, WHOLE,
};
pub use state::Site;

#[cfg(test)]
mod tests;
