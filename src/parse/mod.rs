//! The first stage: a file's bytes to an [`article::Article`]. Which files
//! are articles ([`files`]), their front matter ([`frontmatter`]), and the
//! article with its dates and permalink ([`article`], with Hugo's
//! `permalinks` patterns in [`permalinks`]), and what list pages hand down
//! to it ([`cascade`]).

pub mod article;
pub mod cascade;
pub mod files;
pub mod frontmatter;
pub mod permalinks;
