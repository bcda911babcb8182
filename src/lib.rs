//! feedsmith turns a folder of Hugo-style Markdown articles into RSS 2.0 and
//! JSON Feed 1.1 files: one for the whole site, one per category, one per tag.
//!
//! The library is a pure core — [`article`] parsing, [`collect`]ing, [`feed`]
//! rendering, tied together by [`build`] — with I/O at the edges: [`source`]
//! reads the content folder, [`output`] writes the feeds (with [`record`]
//! remembering which of them are on disk already), and [`app`] runs the
//! command line.

pub mod app;
pub mod article;
pub mod build;
pub mod collect;
pub mod config;
pub mod date;
pub mod diagnostic;
pub mod feed;
pub mod frontmatter;
pub mod item_cache;
pub mod markdown;
pub mod output;
pub mod record;
pub mod serve;
pub mod shortcode;
pub mod site;
pub mod source;
pub mod taxonomy;
pub mod urls;
pub mod watch;
