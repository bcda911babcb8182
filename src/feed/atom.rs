//! Atom 1.0 (RFC 4287), written by hand: the format is small, and no crate
//! writes an entry apart from its feed, which is how every format here
//! shares a post's bytes among the feeds that show it.
//!
//! A post's `<entry>` is written once ([`item`]) and copied into every feed
//! that shows it ([`write()`]). Its HTML goes into a CDATA section, as the
//! RSS `content:encoded` does: nothing in it needs escaping but a `]]>`.
//! A post's picture is a `media:thumbnail` (what readers show beside an
//! entry) and a `rel="related"` link.

use std::fmt::Write as _;

use chrono::{DateTime, FixedOffset, SecondsFormat};

use super::{Feed, Pieces, Written};
use crate::base::config::Config;
use crate::parse::article::{mime_of, Article};

/// The Media RSS namespace: Atom has no element of its own for an entry's
/// picture, and readers (Feedly, Inoreader, feedparser) read
/// `media:thumbnail` in Atom as in RSS.
pub const MEDIA_NAMESPACE: &str = "http://search.yahoo.com/mrss/";

/// RFC 3339 with seconds, `Z` for UTC: what Atom's date constructs take.
fn date(d: DateTime<FixedOffset>) -> String {
    d.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// When an entry last changed: its `lastmod`, unless that is before it was
/// published. Never the clock.
fn updated(a: &Article) -> DateTime<FixedOffset> {
    a.lastmod
        .filter(|m| *m > a.publish_date)
        .unwrap_or(a.publish_date)
}

/// Escapes text for XML character data and attribute values.
fn escape(text: &str, out: &mut String) {
    let mut rest = text;
    while let Some(at) = rest.find(['&', '<', '>', '"']) {
        out.push_str(&rest[..at]);
        out.push_str(match rest.as_bytes()[at] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            _ => "&quot;",
        });
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
}

fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    escape(text, &mut out);
    out
}

/// `text` as one or more CDATA sections: a `]]>` inside is split between
/// two.
fn cdata(text: &str, out: &mut String) {
    out.push_str("<![CDATA[");
    let mut rest = text;
    while let Some(at) = memchr::memmem::find(rest.as_bytes(), b"]]>") {
        out.push_str(&rest[..at]);
        out.push_str("]]]]><![CDATA[>");
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    out.push_str("]]>");
}

/// Writes a post's `<entry>` once, for every feed that shows it (its bytes
/// kept if `keep`, else only their length and hash), indented as in a feed.
pub fn item(
    a: &Article,
    html: Option<&str>,
    summary: &str,
    _config: &Config,
    keep: bool,
) -> Result<Written, String> {
    ENTRY.with_borrow_mut(|out| {
        out.clear();
        write_entry(a, html, summary, out);
        let written = Written::of(out.as_bytes(), keep);
        if out.capacity() > 1 << 20 {
            *out = String::new();
        }
        Ok(written)
    })
}

thread_local! {
    /// Where a thread writes a post's entry, before it is copied out into a
    /// buffer of its own size: warm from the post before.
    static ENTRY: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Writes a post's `<entry>` into `out`.
fn write_entry(a: &Article, html: Option<&str>, summary: &str, out: &mut String) {
    let permalink = esc(a.permalink.as_str());
    let _ = write!(
        out,
        "  <entry>\n    <id>{permalink}</id>\n    <title type=\"text\">{}</title>\n    \
         <link rel=\"alternate\" type=\"text/html\" href=\"{permalink}\"/>\n",
        esc(&a.title)
    );
    if let Some(source) = &a.source_url {
        let _ = write!(out, "    <link rel=\"via\" href=\"{}\"", esc(source));
        if let Some(name) = &a.source_name {
            let _ = write!(out, " title=\"{}\"", esc(name));
        }
        out.push_str("/>\n");
    }
    if let Some(image) = &a.image {
        // The picture as a link too, for readers that read only links;
        // `related`, not `enclosure`, which readers offer as a download.
        let _ = writeln!(
            out,
            "    <link rel=\"related\" type=\"{}\" href=\"{}\"/>",
            mime_of(image.url.path()),
            esc(image.url.as_str())
        );
    }
    for attachment in &a.attachments {
        let _ = write!(
            out,
            "    <link rel=\"enclosure\" type=\"{}\" href=\"{}\"",
            esc(&attachment.mime_type),
            esc(attachment.file.url.as_str())
        );
        if let Some(size) = attachment.size_in_bytes {
            let _ = write!(out, " length=\"{size}\"");
        }
        if let Some(title) = &attachment.title {
            let _ = write!(out, " title=\"{}\"", esc(title));
        }
        out.push_str("/>\n");
    }
    let _ = write!(
        out,
        "    <published>{}</published>\n    <updated>{}</updated>\n",
        date(a.publish_date),
        date(updated(a))
    );
    for name in &a.authors {
        let _ = writeln!(
            out,
            "    <author>\n      <name>{}</name>\n    </author>",
            esc(name)
        );
    }
    for term in a.terms() {
        let _ = writeln!(out, "    <category term=\"{}\"/>", esc(term));
    }
    if let Some(image) = &a.image {
        let _ = writeln!(
            out,
            "    <media:thumbnail url=\"{}\"/>",
            esc(image.url.as_str())
        );
    }
    out.push_str("    <summary type=\"html\">");
    escape(summary, out);
    out.push_str("</summary>\n");
    if let Some(html) = html {
        out.push_str("    <content type=\"html\">");
        cdata(html, out);
        out.push_str("</content>\n");
    }
    out.push_str("  </entry>\n");
}

/// Writes a feed as Atom 1.0 (UTF-8, ending in a newline): its head, the
/// entries' bytes, borrowed, and its end.
pub fn write<'a>(feed: &Feed<'a>, config: &Config) -> Result<Pieces<'a>, String> {
    let mut pieces = Pieces::with_capacity(feed.entries.len() + 2);
    pieces.push(head(feed, config).into_bytes());
    for entry in &feed.entries {
        let item: &'a super::Item = entry.item;
        let atom = item
            .atom
            .as_ref()
            .ok_or("the feed's items were written without Atom")?;
        pieces.push_item(atom.as_ref().map_err(Clone::clone)?);
    }
    pieces.push(&b"</feed>\n"[..]);
    Ok(pieces)
}

/// The feed's own elements, before its entries.
fn head(feed: &Feed<'_>, config: &Config) -> String {
    let mut out = String::with_capacity(2048);
    out.push_str(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"",
    );
    if feed.entries.iter().any(|e| e.article.image.is_some()) {
        let _ = write!(out, " xmlns:media=\"{MEDIA_NAMESPACE}\"");
    }
    if let Some(language) = feed.language {
        let _ = write!(out, " xml:lang=\"{}\"", esc(language));
    }
    out.push_str(">\n");
    let self_url = esc(&feed.atom_url);
    // Without a post, the feed changed last at the epoch, never "now": the
    // same input gives the same bytes.
    let updated = feed
        .updated()
        .map_or_else(|| "1970-01-01T00:00:00Z".to_owned(), date);
    let _ = write!(
        out,
        "  <id>{self_url}</id>\n  <title type=\"text\">{}</title>\n",
        esc(&feed.title)
    );
    if !feed.description.trim().is_empty() {
        let _ = writeln!(
            out,
            "  <subtitle type=\"text\">{}</subtitle>",
            esc(&feed.description)
        );
    }
    let _ = write!(
        out,
        "  <updated>{updated}</updated>\n  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n  \
         <link rel=\"self\" type=\"application/atom+xml\" href=\"{self_url}\"/>\n",
        esc(&feed.home_url)
    );
    for hub in &config.websub_hubs {
        let _ = writeln!(out, "  <link rel=\"hub\" href=\"{}\"/>", esc(hub.as_str()));
    }
    // Atom asks for an author on the feed unless every entry has one.
    out.push_str("  <author>\n");
    match &config.author {
        Some(author) => {
            let _ = writeln!(out, "    <name>{}</name>", esc(&author.name));
            if let Some(email) = &author.email {
                let _ = writeln!(out, "    <email>{}</email>", esc(email));
            }
            if let Some(url) = &author.url {
                let _ = writeln!(out, "    <uri>{}</uri>", esc(url));
            }
        }
        None => {
            let _ = writeln!(out, "    <name>{}</name>", esc(&config.title));
        }
    }
    out.push_str("  </author>\n");
    if let Some(rights) = &config.copyright {
        let _ = writeln!(out, "  <rights type=\"text\">{}</rights>", esc(rights));
    }
    if let Some(icon) = &config.favicon {
        let _ = writeln!(out, "  <icon>{}</icon>", esc(icon.as_str()));
    }
    if let Some(logo) = &config.image {
        let _ = writeln!(out, "  <logo>{}</logo>", esc(logo.as_str()));
    }
    let _ = writeln!(
        out,
        "  <generator version=\"{}\">feedsmith</generator>",
        env!("CARGO_PKG_VERSION")
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_cdata_are_escaped() {
        assert_eq!(esc(r#"a<b>&"c""#), "a&lt;b&gt;&amp;&quot;c&quot;");
        let mut out = String::new();
        cdata("x]]>y", &mut out);
        assert_eq!(out, "<![CDATA[x]]]]><![CDATA[>y]]>");
    }
}
