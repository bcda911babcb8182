//! The third stage: a post's Markdown body to the HTML its feed items carry,
//! Hugo shortcodes included.

pub mod markdown;
pub mod shortcode;
