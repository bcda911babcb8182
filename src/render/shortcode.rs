//! Hugo shortcodes (`{{< name args >}}`, `{{% name args %}}`).
//!
//! Feed readers cannot run Hugo templates, so each shortcode Hugo ships that
//! matters in a feed becomes plain HTML every reader shows (a video becomes a
//! linked thumbnail, not an iframe that most readers strip). Anything else is
//! removed with a warning: a raw `{{<` must never reach a subscriber.

use pulldown_cmark_escape::escape_html;

/// The shortcodes feedsmith turns into HTML, listed in warnings.
pub const KNOWN: &[&str] = &[
    "youtube",
    "vimeo",
    "figure",
    "x",
    "twitter",
    "tweet",
    "gist",
    "instagram",
    "highlight",
    "ref",
    "relref",
];

/// A note about a shortcode, at a byte offset of the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub offset: usize,
    pub message: String,
    pub help: String,
}

/// The body with every shortcode expanded or removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Expanded {
    pub text: String,
    pub notes: Vec<Note>,
}

/// Finds the permalink of another article for `ref`/`relref`.
pub trait RefResolver {
    fn resolve(&self, target: &str) -> Option<String>;
}

impl<F: Fn(&str) -> Option<String>> RefResolver for F {
    fn resolve(&self, target: &str) -> Option<String> {
        self(target)
    }
}

/// Expands every shortcode in `body`.
pub fn expand(body: &str, refs: &dyn RefResolver) -> Expanded {
    let mut out = Expanded {
        text: String::with_capacity(body.len()),
        notes: Vec::new(),
    };
    let mut open_unknown: Vec<String> = Vec::new();
    let mut pos = 0;
    while let Some(found) = find_open(&body[pos..]) {
        let start = pos + found;
        out.text.push_str(&body[pos..start]);
        let close = if body[start..].starts_with("{{<") {
            ">}}"
        } else {
            "%}}"
        };
        let inner_start = start + 3;
        let Some(len) = memchr::memmem::find(&body.as_bytes()[inner_start..], close.as_bytes())
        else {
            // No closing delimiter: drop the rest of the line so `{{<` never leaks.
            let end = body[start..].find('\n').map_or(body.len(), |i| start + i);
            out.notes.push(Note {
                offset: start,
                message: "shortcode is never closed; the rest of the line was removed".into(),
                help: format!("end the shortcode with `{close}`"),
            });
            pos = end;
            continue;
        };
        let inner = &body[inner_start..inner_start + len];
        pos = inner_start + len + close.len();

        let trimmed = inner.trim();
        if let Some(comment) = trimmed
            .strip_prefix("/*")
            .and_then(|t| t.strip_suffix("*/"))
        {
            // `{{</* x */>}}` is Hugo's way to show a shortcode literally.
            out.text.push_str(&body[start..start + 3]);
            out.text.push_str(comment);
            out.text.push_str(close);
            continue;
        }
        let call = Call::parse(trimmed);
        if call.closing {
            if let Some(i) = open_unknown.iter().rposition(|n| *n == call.name) {
                open_unknown.remove(i);
            } else {
                out.notes.push(Note {
                    offset: start,
                    message: format!(
                        "closing shortcode `{{{{< /{} >}}}}` without an opening one was removed",
                        call.name
                    ),
                    help: "remove it, or add the opening shortcode".into(),
                });
            }
            continue;
        }
        if call.name == "highlight" && !call.self_closing {
            let end_tag = find_closing(&body[pos..], "highlight");
            let (code, after) = match end_tag {
                Some((code_len, tag_len)) => (&body[pos..pos + code_len], pos + code_len + tag_len),
                None => {
                    out.notes.push(Note {
                        offset: start,
                        message: "`highlight` shortcode has no `{{< /highlight >}}`".into(),
                        help: "close it with `{{< /highlight >}}`".into(),
                    });
                    (&body[pos..], body.len())
                }
            };
            out.text.push_str(&highlight(call.positional(0), code));
            pos = after;
            continue;
        }
        match render(&call, refs) {
            Ok(html) => out.text.push_str(&html),
            Err(Unrendered::Unknown) => {
                if !call.self_closing && find_closing(&body[pos..], &call.name).is_some() {
                    open_unknown.push(call.name.clone());
                }
                out.notes.push(Note {
                    offset: start,
                    message: format!("unknown shortcode `{}` was removed", call.name),
                    help: format!(
                        "feedsmith renders these Hugo shortcodes: {}; use one of them, or plain Markdown/HTML",
                        KNOWN.join(", ")
                    ),
                });
            }
            Err(Unrendered::Invalid(message, help)) => {
                out.notes.push(Note {
                    offset: start,
                    message,
                    help,
                });
            }
        }
    }
    out.text.push_str(&body[pos..]);
    out
}

fn find_open(text: &str) -> Option<usize> {
    let mut from = 0;
    // memchr's substring search is vectorised; every rendered body goes
    // through here.
    while let Some(i) = memchr::memmem::find(&text.as_bytes()[from..], b"{{") {
        let at = from + i;
        if matches!(text.as_bytes().get(at + 2), Some(b'<' | b'%')) {
            return Some(at);
        }
        from = at + 2;
    }
    None
}

/// Finds `{{< /name >}}` (or `{{% /name %}}`): returns the length of the text
/// before it and the tag's own length.
fn find_closing(text: &str, name: &str) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(i) = find_open(&text[from..]) {
        let at = from + i;
        let close = if text[at..].starts_with("{{<") {
            ">}}"
        } else {
            "%}}"
        };
        let len = memchr::memmem::find(&text.as_bytes()[at + 3..], close.as_bytes())?;
        let inner = text[at + 3..at + 3 + len].trim();
        if inner.strip_prefix('/').map(str::trim) == Some(name) {
            return Some((at, 3 + len + close.len()));
        }
        from = at + 3 + len + close.len();
    }
    None
}

/// One parsed shortcode call.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Call {
    name: String,
    closing: bool,
    self_closing: bool,
    positional: Vec<String>,
    named: Vec<(String, String)>,
}

impl Call {
    fn parse(inner: &str) -> Call {
        let mut inner = inner.trim();
        let mut call = Call::default();
        if let Some(rest) = inner.strip_prefix('/') {
            call.closing = true;
            inner = rest.trim_start();
        }
        if let Some(rest) = inner.strip_suffix('/') {
            call.self_closing = true;
            inner = rest.trim_end();
        }
        let mut tokens = tokenize(inner).into_iter();
        call.name = tokens.next().unwrap_or_default();
        for token in tokens {
            match token.split_once('=') {
                Some((key, value))
                    if !key.is_empty()
                        && key
                            .chars()
                            .all(|c| c.is_alphanumeric() || c == '_' || c == '-') =>
                {
                    call.named.push((key.to_owned(), unquote(value)));
                }
                _ => call.positional.push(unquote(&token)),
            }
        }
        call
    }

    fn positional(&self, i: usize) -> Option<&str> {
        self.positional.get(i).map(String::as_str)
    }

    fn named(&self, key: &str) -> Option<&str> {
        self.named
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A named argument, else the positional one at `i`.
    fn arg(&self, key: &str, i: usize) -> Option<&str> {
        self.named(key)
            .or_else(|| self.positional(i))
            .filter(|v| !v.is_empty())
    }
}

/// Splits arguments on white space, keeping `"quoted strings"` and
/// `` `raw strings` `` (also as the value of `key="..."`) together.
fn tokenize(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => {
                quote = None;
                current.push(c);
            }
            Some('"') if c == '\\' => {
                current.push(c);
                if let Some(next) = chars.next() {
                    current.push(next);
                }
            }
            Some(_) => current.push(c),
            None if c == '"' || c == '`' => {
                quote = Some(c);
                current.push(c);
            }
            None if c.is_whitespace() => {
                if !current.is_empty() {
                    tokens.push(std::mem::take(&mut current));
                }
            }
            None => current.push(c),
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

fn unquote(token: &str) -> String {
    if let Some(s) = token.strip_prefix('`').and_then(|t| t.strip_suffix('`')) {
        return s.to_owned();
    }
    match token.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(s) => s.replace("\\\"", "\"").replace("\\\\", "\\"),
        None => token.to_owned(),
    }
}

enum Unrendered {
    Unknown,
    /// A known shortcode used wrongly: message and help.
    Invalid(String, String),
}

fn attr(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    // Writing to a String cannot fail.
    let _ = escape_html(&mut out, value);
    out
}

fn render(call: &Call, refs: &dyn RefResolver) -> Result<String, Unrendered> {
    let missing = |what: &str, example: &str| {
        Unrendered::Invalid(
            format!("`{}` shortcode without {what} was removed", call.name),
            format!("write it as `{example}`"),
        )
    };
    match call.name.as_str() {
        "youtube" => {
            let id = call
                .arg("id", 0)
                .ok_or_else(|| missing("a video id", "{{< youtube VIDEO_ID >}}"))?;
            if !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(Unrendered::Invalid(
                    format!("`{id}` is not a YouTube video id; the shortcode was removed"),
                    "give the id from the video's address (the part after `v=`)".into(),
                ));
            }
            let watch = format!("https://www.youtube.com/watch?v={id}");
            let thumb = format!("https://i.ytimg.com/vi/{id}/hqdefault.jpg");
            let title = call.named("title").unwrap_or("YouTube video");
            Ok(linked_figure(&watch, &thumb, title, &format!("▶ {title}")))
        }
        "vimeo" => {
            let id = call
                .arg("id", 0)
                .ok_or_else(|| missing("a video id", "{{< vimeo VIDEO_ID >}}"))?;
            let title = call.named("title").unwrap_or("Vimeo video");
            Ok(link_paragraph(
                &format!("https://vimeo.com/{}", attr(id)),
                &format!("▶ {title}"),
            ))
        }
        "figure" => {
            let src = call
                .named("src")
                .ok_or_else(|| missing("`src`", "{{< figure src=\"image.jpg\" alt=\"…\" >}}"))?;
            let alt = call.named("alt").or(call.named("caption")).unwrap_or("");
            let mut html = String::from("<figure>");
            let img = format!("<img src=\"{}\" alt=\"{}\">", attr(src), attr(alt));
            match call.named("link") {
                Some(link) => html.push_str(&format!("<a href=\"{}\">{img}</a>", attr(link))),
                None => html.push_str(&img),
            }
            let caption = [call.named("title"), call.named("caption")]
                .into_iter()
                .flatten()
                .map(attr)
                .collect::<Vec<_>>();
            if !caption.is_empty() {
                html.push_str(&format!("<figcaption>{}</figcaption>", caption.join(" — ")));
            }
            html.push_str("</figure>");
            Ok(html)
        }
        "x" | "twitter" | "tweet" => {
            let user = call
                .arg("user", 0)
                .ok_or_else(|| missing("`user`", "{{< x user=\"name\" id=\"123\" >}}"))?;
            let id = call
                .arg("id", 1)
                .ok_or_else(|| missing("`id`", "{{< x user=\"name\" id=\"123\" >}}"))?;
            Ok(link_paragraph(
                &format!("https://x.com/{}/status/{}", attr(user), attr(id)),
                &format!("Post by @{user} on X"),
            ))
        }
        "gist" => {
            let user = call
                .arg("user", 0)
                .ok_or_else(|| missing("a user", "{{< gist user ID >}}"))?;
            let id = call
                .arg("id", 1)
                .ok_or_else(|| missing("an id", "{{< gist user ID >}}"))?;
            Ok(link_paragraph(
                &format!("https://gist.github.com/{}/{}", attr(user), attr(id)),
                &format!("Gist {id} by {user}"),
            ))
        }
        "instagram" => {
            let id = call
                .arg("id", 0)
                .ok_or_else(|| missing("a post id", "{{< instagram ID >}}"))?;
            Ok(link_paragraph(
                &format!("https://www.instagram.com/p/{}/", attr(id)),
                "Instagram post",
            ))
        }
        "ref" | "relref" => {
            let target = call
                .arg("path", 0)
                .ok_or_else(|| missing("a path", "{{< ref \"posts/other.md\" >}}"))?;
            refs.resolve(target).ok_or_else(|| {
                Unrendered::Invalid(
                    format!(
                        "`{}` target `{target}` is not a published article; the link was removed",
                        call.name
                    ),
                    "give the target's path under the content folder, e.g. `posts/other.md`".into(),
                )
            })
        }
        _ => Err(Unrendered::Unknown),
    }
}

fn linked_figure(href: &str, img: &str, alt: &str, caption: &str) -> String {
    format!(
        "<figure><a href=\"{href}\"><img src=\"{img}\" alt=\"{}\"></a><figcaption><a href=\"{href}\">{}</a></figcaption></figure>",
        attr(alt),
        attr(caption)
    )
}

fn link_paragraph(href: &str, text: &str) -> String {
    format!("<p><a href=\"{href}\">{}</a></p>", attr(text))
}

fn highlight(lang: Option<&str>, code: &str) -> String {
    let code = code.strip_prefix('\n').unwrap_or(code);
    let class = lang
        .filter(|l| {
            l.chars()
                .all(|c| c.is_alphanumeric() || "+-_#.".contains(c))
        })
        .map(|l| format!(" class=\"language-{l}\""))
        .unwrap_or_default();
    // A blank line after the block ends the raw HTML block for Markdown.
    format!("<pre><code{class}>{}</code></pre>\n", attr(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_refs(_: &str) -> Option<String> {
        None
    }

    fn run(body: &str) -> Expanded {
        expand(body, &no_refs)
    }

    #[test]
    fn youtube_becomes_a_linked_thumbnail() {
        let e = run("Before\n\n{{< youtube jpZ0dPsnIWw >}}\n\nAfter");
        assert!(e.notes.is_empty());
        assert!(e
            .text
            .contains("<a href=\"https://www.youtube.com/watch?v=jpZ0dPsnIWw\">"));
        assert!(e
            .text
            .contains("https://i.ytimg.com/vi/jpZ0dPsnIWw/hqdefault.jpg"));
        assert!(e.text.starts_with("Before\n\n<figure>") && e.text.ends_with("</figure>\n\nAfter"));
        let named = run("{{< youtube id=\"abc\" title=\"A <talk>\" >}}");
        assert!(named.text.contains("v=abc"));
        assert!(named.text.contains("A &lt;talk&gt;"));
    }

    #[test]
    fn bad_youtube_ids_are_removed_with_a_note() {
        let e = run("{{< youtube \"x onload=alert(1)\" >}}");
        assert_eq!(e.text, "");
        assert_eq!(e.notes.len(), 1);
    }

    #[test]
    fn unknown_shortcodes_are_removed_and_reported() {
        let e = run("a {{< custom x=1 >}} b {{% other %}}");
        assert_eq!(e.text, "a  b ");
        assert_eq!(e.notes.len(), 2);
        assert_eq!(e.notes[0].offset, 2);
        assert!(e.notes[0].message.contains("`custom`"));
    }

    #[test]
    fn paired_unknown_shortcodes_keep_their_inner_text() {
        let e = run("{{< note >}}Keep **me**{{< /note >}}");
        assert_eq!(e.text, "Keep **me**");
        assert_eq!(e.notes.len(), 1);
    }

    #[test]
    fn never_leaks_shortcode_delimiters() {
        for body in [
            "{{< youtube",
            "x {{% broken\nnext",
            "{{< /stray >}}",
            "{{<>}}",
            "{{< figure >}}",
        ] {
            let e = run(body);
            assert!(
                !e.text.contains("{{<") && !e.text.contains("{{%"),
                "{body:?} → {:?}",
                e.text
            );
            assert!(!e.notes.is_empty(), "{body:?}");
        }
    }

    #[test]
    fn comments_show_shortcodes_literally() {
        assert_eq!(run("{{</* youtube x */>}}").text, "{{< youtube x >}}");
    }

    #[test]
    fn highlight_becomes_escaped_code() {
        let e = run("{{< highlight rust >}}\nlet a = 1 < 2;\n{{< /highlight >}}");
        assert_eq!(
            e.text,
            "<pre><code class=\"language-rust\">let a = 1 &lt; 2;\n</code></pre>\n"
        );
    }

    #[test]
    fn figure_and_links() {
        let e = run("{{< figure src=\"cat.jpg\" alt=\"A cat\" caption=\"Mine\" >}}");
        assert_eq!(
            e.text,
            "<figure><img src=\"cat.jpg\" alt=\"A cat\"><figcaption>Mine</figcaption></figure>"
        );
        let e = run("{{< x user=\"rustlang\" id=\"1\" >}}");
        assert!(e.text.contains("https://x.com/rustlang/status/1"));
    }

    #[test]
    fn refs_resolve_through_the_resolver() {
        let refs = |t: &str| (t == "posts/b.md").then(|| "https://e.com/posts/b/".to_owned());
        let e = expand("[b]({{< ref \"posts/b.md\" >}})", &refs);
        assert_eq!(e.text, "[b](https://e.com/posts/b/)");
        let e = expand("[c]({{< relref \"nope.md\" >}})", &refs);
        assert_eq!(e.text, "[c]()");
        assert_eq!(e.notes.len(), 1);
    }
}
