//! Integration tests for `feedsmith build`: each test runs the real binary on a
//! fixture folder and reads the output back with independent parsers.

#[path = "../common/mod.rs"]
mod common;

mod cli;
mod content;
mod discovery;
mod dropin;
mod faults;
mod feeds;
mod hostile;
mod hugo;
mod hugo_config;
mod output;
mod pages;
mod properties;
mod sample;
mod snapshot;
mod subscribers;
mod terms;
