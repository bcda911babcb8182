//! Article bodies: Markdown (with raw HTML and Hugo shortcodes) to the HTML and
//! plain-text summary that go into feeds.

use lol_html::{element, rewrite_str, RewriteStrSettings};
use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag, TagEnd};
use url::Url;

use crate::base::urls;
use crate::render::shortcode::{self, RefResolver};

/// Hugo's manual summary divider.
const MORE: &str = "<!--more-->";

/// How many characters an automatic summary keeps at most.
pub const SUMMARY_CHARS: usize = 200;

/// A rendered body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Full HTML with every link absolute.
    pub html: String,
    /// The text before `<!--more-->`, or the start of the text, as plain
    /// text; empty when it was not wanted.
    pub summary: String,
    /// Problems found while rendering: (line in the file, message, help).
    pub notes: Vec<(usize, String, String)>,
}

/// Renders a body. `body_line` is the file line the body starts on (for
/// notes); `permalink` and `base` resolve relative links. `want_summary`
/// says whether to make a summary: most articles give one in their front
/// matter, and making it from the text parses the Markdown a second time.
/// An HTML body (`html`: an `.html` content file) is kept as it is, but for
/// its shortcodes and links.
pub fn render(
    body: &str,
    body_line: usize,
    permalink: &Url,
    base: &Url,
    refs: &dyn RefResolver,
    want_summary: bool,
    html: bool,
) -> Rendered {
    if html {
        return render_html(body, body_line, permalink, base, refs, want_summary);
    }
    let (text, mut notes) = expand_shortcodes(body, body_line, refs);

    // Markdown links and images are made absolute as they stream by. Raw
    // HTML and footnote references (which pulldown-cmark writes as HTML) need
    // an HTML rewriter; most articles have neither and skip that pass.
    let mut needs_rewriter = false;
    let events = Parser::new_ext(&text, options()).map(|event| match event {
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: absolute(dest_url, permalink, base),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: absolute(dest_url, permalink, base),
            title,
            id,
        }),
        Event::Html(ref html) | Event::InlineHtml(ref html) => {
            needs_rewriter |= may_hold_relative_url(html);
            event
        }
        Event::FootnoteReference(_) => {
            needs_rewriter = true;
            event
        }
        other => other,
    });
    let mut html_out = String::with_capacity(text.len() * 3 / 2);
    html::push_html(&mut html_out, events);
    if needs_rewriter {
        html_out = match absolutize(&html_out, permalink, base) {
            Ok(html) => html,
            Err(e) => {
                notes.push((
                    body_line,
                    format!("could not rewrite links to absolute ones: {e}"),
                    "check the raw HTML in this article".into(),
                ));
                html_out
            }
        };
    }
    Rendered {
        html: html_out,
        summary: summary(&text, want_summary, plain_text),
        notes,
    }
}

/// A body's summary, when `wanted`: its text before `<!--more-->`, else the
/// start of its text, cut at [`SUMMARY_CHARS`]. `to_text` gives the plain
/// text of some of the body, of at most about that many characters (it may
/// give more): only the start of a long body is needed, not all of it.
fn summary(text: &str, wanted: bool, to_text: impl Fn(&str, usize) -> String) -> String {
    if !wanted {
        return String::new();
    }
    match text.find(MORE) {
        Some(at) => to_text(&text[..at], usize::MAX),
        None => truncate(&to_text(text, SUMMARY_CHARS + 2), SUMMARY_CHARS),
    }
}

/// The body with its shortcodes expanded, and the notes they gave, each at
/// its line in the file (the body starts on `body_line`).
fn expand_shortcodes(
    body: &str,
    body_line: usize,
    refs: &dyn RefResolver,
) -> (String, Vec<(usize, String, String)>) {
    let expanded = shortcode::expand(body, refs);
    let notes = expanded
        .notes
        .into_iter()
        .map(|n| {
            let line = body_line + body[..n.offset].matches('\n').count();
            (line, n.message, n.help)
        })
        .collect();
    (expanded.text, notes)
}

/// [`render`] for an HTML body.
fn render_html(
    body: &str,
    body_line: usize,
    permalink: &Url,
    base: &Url,
    refs: &dyn RefResolver,
    want_summary: bool,
) -> Rendered {
    let (text, mut notes) = expand_shortcodes(body, body_line, refs);
    let html = if may_hold_relative_url(&text) {
        absolutize(&text, permalink, base).unwrap_or_else(|e| {
            notes.push((
                body_line,
                format!("could not rewrite links to absolute ones: {e}"),
                "check the HTML of this article".into(),
            ));
            text.clone()
        })
    } else {
        text.clone()
    };
    Rendered {
        html,
        summary: summary(&text, want_summary, |part, _| html_text(part)),
        notes,
    }
}

/// The text of some HTML, on one line: tags (and what `<script>` and
/// `<style>` hold) left out, the common entities decoded.
fn html_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        out.push(' ');
        let tag = &rest[open..];
        let close = tag.find('>').map_or(tag.len(), |i| i + 1);
        let name = tag[1..close.saturating_sub(1).max(1)]
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        rest = &tag[close..];
        if name == "script" || name == "style" {
            let end = format!("</{name}");
            let at = rest.to_ascii_lowercase().find(&end).unwrap_or(rest.len());
            rest = &rest[at..];
        }
    }
    out.push_str(rest);
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
}

/// Whether raw HTML may hold a URL that must be made absolute. Errs on the
/// side of yes: only when every `href`, `src` and `poster` in it is written
/// as `="http…` (as the shortcodes write them) and there is no `srcset`, can
/// the HTML rewriter be skipped. `<!--more-->` and plain tags skip it too.
fn may_hold_relative_url(html: &str) -> bool {
    let lower = html.to_ascii_lowercase();
    if lower.contains("srcset") {
        return true;
    }
    ["href", "src", "poster"].iter().any(|attr| {
        lower.match_indices(attr).any(|(at, _)| {
            let rest = &lower[at + attr.len()..];
            !(rest.starts_with("=\"https://") || rest.starts_with("=\"http://"))
        })
    })
}

/// A link target made absolute (kept as it is when it already is, or when it
/// cannot be resolved).
fn absolute<'a>(dest: CowStr<'a>, permalink: &Url, base: &Url) -> CowStr<'a> {
    match urls::resolve_link(&dest, permalink, base) {
        Some(url) => CowStr::from(url),
        None => dest,
    }
}

/// Makes every link and media source absolute, in Markdown output and raw HTML
/// alike, because most feed readers do not resolve relative URLs.
fn absolutize(
    html: &str,
    permalink: &Url,
    base: &Url,
) -> Result<String, lol_html::errors::RewritingError> {
    let fix = |value: &str| urls::resolve_link(value, permalink, base);
    let fix_attr = |el: &mut lol_html::html_content::Element, name: &str| {
        if let Some(new) = el.get_attribute(name).and_then(|v| fix(&v)) {
            el.set_attribute(name, &new)?;
        }
        Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    };
    let fix_srcset = |el: &mut lol_html::html_content::Element| {
        if let Some(srcset) = el.get_attribute("srcset") {
            let fixed: Vec<String> = srcset
                .split(',')
                .map(|candidate| {
                    let candidate = candidate.trim();
                    let (url, descriptor) = candidate
                        .split_once(char::is_whitespace)
                        .unwrap_or((candidate, ""));
                    let url = fix(url).unwrap_or_else(|| url.to_owned());
                    if descriptor.is_empty() {
                        url
                    } else {
                        format!("{url} {}", descriptor.trim())
                    }
                })
                .collect();
            el.set_attribute("srcset", &fixed.join(", "))?;
        }
        Ok(())
    };
    let rewritten = rewrite_str(
        html,
        RewriteStrSettings {
            element_content_handlers: vec![
                element!("[href]", |el| fix_attr(el, "href")),
                element!("[src]", |el| fix_attr(el, "src")),
                element!("[poster]", |el| fix_attr(el, "poster")),
                element!("[srcset]", fix_srcset),
            ],
            strict: false,
            ..RewriteStrSettings::new()
        },
    );
    rewritten
}

/// The readable text of some Markdown: no markup, no raw HTML, white space
/// folded to single spaces. Stops once it has at least `enough` characters
/// (the result is then a prefix of the whole text's).
pub fn plain_text(markdown: &str, enough: usize) -> String {
    let mut out = String::new();
    for event in Parser::new_ext(markdown, options()) {
        // Cheap test first: folding can only shrink the text.
        if out.len() > enough.saturating_mul(4)
            && out
                .split_whitespace()
                .map(|w| w.chars().count() + 1)
                .sum::<usize>()
                > enough
        {
            break;
        }
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak | Event::Rule => out.push(' '),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::TableCell
                | TagEnd::BlockQuote(_),
            ) => out.push(' '),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a line may break next to this character without a space: CJK
/// scripts do not separate words with spaces.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{1100}'..='\u{11FF}' | '\u{2E80}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7AF}'
        | '\u{F900}'..='\u{FAFF}' | '\u{FE30}'..='\u{FE4F}' | '\u{FF00}'..='\u{FFEF}'
        | '\u{20000}'..='\u{2FFFF}')
}

/// Shortens text to at most `max` characters (plus an ellipsis), cutting on a
/// word boundary where the text has spaces and between characters in CJK text.
pub fn truncate(text: &str, max: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= max {
        return text.to_owned();
    }
    // A break is allowed before position i when the text has white space there
    // or a CJK character on either side. Prefer a break late in the text, but
    // not earlier than half way: a too-short summary is worse than a cut word.
    let allowed = |i: usize| {
        chars[i].is_whitespace()
            || chars[i - 1].is_whitespace()
            || is_cjk(chars[i])
            || is_cjk(chars[i - 1])
    };
    let cut = (max / 2..=max).rev().find(|&i| allowed(i)).unwrap_or(max);
    let kept: String = chars[..cut].iter().collect();
    let kept = kept
        .trim_end()
        .trim_end_matches([',', '，', '、', ';', '；', ':', '：']);
    format!("{kept}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn no_refs(_: &str) -> Option<String> {
        None
    }

    fn r(body: &str) -> Rendered {
        render(
            body,
            10,
            &url("https://e.com/posts/a/"),
            &url("https://e.com/"),
            &no_refs,
            true,
            false,
        )
    }

    #[test]
    fn html_without_relative_urls_skips_the_rewriter() {
        assert!(!may_hold_relative_url("<!--more-->"));
        assert!(!may_hold_relative_url(
            "<figure><a href=\"https://y.com/v\"><img src=\"https://i.com/a.jpg\"></a></figure>"
        ));
        assert!(may_hold_relative_url("<img src=\"a.png\">"));
        assert!(may_hold_relative_url("<A HREF='x'>"));
        assert!(may_hold_relative_url("<img srcset=\"https://a 1x\">"));
        assert!(may_hold_relative_url("<a href=/x>"));
        // A word that merely contains `src` errs on the safe side.
        assert!(may_hold_relative_url("<p>srcdoc</p>"));
        // Either way the output is right: relative URLs in raw HTML are fixed.
        let out = r("<p><a href=\"../b/\">b</a> <!--more--></p>").html;
        assert!(out.contains("href=\"https://e.com/posts/b/\""), "{out}");
    }

    #[test]
    fn markdown_extensions_are_on() {
        let out = r("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~gone~~ text[^1]\n\n[^1]: note\n").html;
        assert!(out.contains("<table>"));
        assert!(out.contains("<del>gone</del>"));
        assert!(out.contains("footnote-definition"));
        assert!(out.contains("href=\"https://e.com/posts/a/#1\""), "{out}");
    }

    #[test]
    fn links_and_images_become_absolute_in_markdown_and_raw_html() {
        let out = r("![c](cover.jpg) [x](/about/) <img src=\"b.png\" srcset=\"b.png 1x, /c.png 2x\"> [q](a?b=1&c=2) [m](mailto:a@b.c)").html;
        assert!(
            out.contains("src=\"https://e.com/posts/a/cover.jpg\""),
            "{out}"
        );
        assert!(out.contains("href=\"https://e.com/about/\""), "{out}");
        assert!(out.contains("src=\"https://e.com/posts/a/b.png\""), "{out}");
        assert!(
            out.contains("srcset=\"https://e.com/posts/a/b.png 1x, https://e.com/c.png 2x\""),
            "{out}"
        );
        assert!(
            out.contains("href=\"https://e.com/posts/a/a?b=1&amp;c=2\""),
            "{out}"
        );
        assert!(out.contains("href=\"mailto:a@b.c\""), "{out}");
    }

    #[test]
    fn shortcode_notes_carry_file_lines() {
        let out = r("one\n\n{{< unknown >}}\n");
        assert_eq!(out.notes.len(), 1);
        assert_eq!(out.notes[0].0, 12);
        assert!(!out.html.contains("{{"));
    }

    #[test]
    fn summary_uses_the_more_divider() {
        let out = r("Intro **bold**.\n\n<!--more-->\n\nRest of it.");
        assert_eq!(out.summary, "Intro bold.");
        assert!(out.html.contains("Rest of it."));
    }

    #[test]
    fn plain_text_skips_markup_and_html() {
        assert_eq!(
            plain_text(
                "# Title\n\nSome *text* and <b>html</b>.\n\n- a\n- b",
                usize::MAX
            ),
            "Title Some text and html. a b"
        );
    }

    #[test]
    fn truncation_respects_words_and_cjk() {
        let english = "word ".repeat(60);
        let t = truncate(&english, 200);
        assert!(t.ends_with("word…"), "{t}");
        assert!(t.chars().count() <= 201);
        let chinese = "開源不只是一種授權方式".repeat(30);
        let t = truncate(&chinese, 200);
        assert_eq!(t.chars().count(), 201);
        assert!(t.ends_with('…'));
        assert_eq!(truncate("short", 200), "short");
        let one_word = "x".repeat(300);
        assert_eq!(truncate(&one_word, 200).chars().count(), 201);
    }

    #[test]
    fn an_html_body_is_kept_with_its_links_made_absolute() {
        let permalink = Url::parse("https://e.com/posts/a/").unwrap();
        let base = Url::parse("https://e.com/").unwrap();
        let body = "<p>Hi <a href=\"b/\">b</a> &amp; more</p>\n<script>x()</script>\n    <pre>indented, no code block</pre>\n";
        let r = render(body, 5, &permalink, &base, &no_refs, true, true);
        assert!(
            r.html.contains("href=\"https://e.com/posts/a/b/\""),
            "{}",
            r.html
        );
        assert!(r.html.contains("    <pre>indented"), "{}", r.html);
        assert_eq!(r.summary, "Hi b & more indented, no code block");
    }
}
