//! The first stage: a file's bytes to an [`article::Article`]. Which files
//! are articles ([`files`]), their front matter ([`frontmatter`]), and the
//! article with its dates and permalink ([`article`], with Hugo's
//! `permalinks` patterns in [`permalinks`]).

pub mod article;
pub mod files;
pub mod frontmatter;
pub mod permalinks;
