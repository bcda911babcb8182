//! The commands: each reads its arguments, loads the config, drives the site
//! through the [`crate::disk`] edges, prints what happened and returns the
//! process's exit code. `main.rs` only parses the command line.

pub mod build;
pub mod ping;
pub mod serve;
pub mod settings;
pub mod watch;
