//! The base every layer stands on: the config, diagnostics, dates, URLs and
//! term names. Nothing here knows about articles, feeds or files.

pub mod config;
pub mod date;
pub mod diagnostic;
pub mod hugo;
pub mod taxonomy;
pub mod urls;
