//! The edges that touch the file system, below the commands and above the
//! site: the site hands its files to a [`crate::site::Sink`], and
//! [`output::DiskSink`] is the one that writes them.

pub mod atomic;
pub mod cache;
pub mod content;
pub mod git;
pub mod output;
pub mod record;
