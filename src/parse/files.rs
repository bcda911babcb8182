//! Which files under the content folder are articles: Hugo's rules, applied
//! to paths alone (no file is opened here).
//!
//! Every Markdown file (and HTML file, which Hugo reads as content too),
//! recursively, is one, except section pages
//! (`_index.md`), the resources of a page bundle (other Markdown files beside
//! an `index.md`), hidden files and editor leftovers. The walk that finds the
//! files is in [`crate::disk::content`]; the site uses these rules too, to
//! drop a bundle's resources from what the walk handed it.

use std::collections::BTreeSet;

/// Whether a file name is an editor's temporary or backup file, or hidden.
pub fn is_ignored_name(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
}

/// Whether a file name is a content file Hugo reads (by name only):
/// Markdown, or HTML with front matter.
pub fn is_markdown_name(name: &str) -> bool {
    !is_ignored_name(name)
        && CONTENT_EXTENSIONS
            .iter()
            .any(|ext| has_extension(name, ext))
}

/// The content files' extensions: Markdown's, then HTML's.
const CONTENT_EXTENSIONS: [&str; 4] = ["md", "markdown", "html", "htm"];

/// Whether `name` ends with `.` and `ext`.
fn has_extension(name: &str, ext: &str) -> bool {
    name.len() > ext.len()
        && name.ends_with(ext)
        && name.as_bytes()[name.len() - ext.len() - 1] == b'.'
}

/// Whether a content file's body is HTML (`.html`, `.htm`), not Markdown.
pub fn is_html_name(name: &str) -> bool {
    has_extension(name, "html") || has_extension(name, "htm")
}

/// Whether `name` is the content file `base` (`index`, `_index`), in any
/// content format, with at most one language between (`index.zh-tw.md`).
fn is_named(name: &str, base: &str) -> bool {
    let Some(rest) = name.strip_prefix(base).and_then(|r| r.strip_prefix('.')) else {
        return false;
    };
    CONTENT_EXTENSIONS
        .iter()
        .any(|ext| match rest.strip_suffix(ext) {
            Some("") => true,
            Some(language) => {
                language.ends_with('.') && !language[..language.len() - 1].contains('.')
            }
            None => false,
        })
}

/// `index.md`, and its translations (`index.zh-tw.md`): a page bundle's
/// own page.
fn is_bundle_index(name: &str) -> bool {
    is_named(name, "index")
}

/// The language a file's name gives it (`about.en.md`: `en`), if it names
/// one of the site's `languages` (lower case).
pub fn language_of<'l>(rel: &str, languages: &'l [String]) -> Option<&'l str> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let stem = name.rsplit_once('.')?.0;
    let (_, code) = stem.rsplit_once('.')?;
    languages
        .iter()
        .find(|l| l.eq_ignore_ascii_case(code))
        .map(String::as_str)
}

/// `rel` without the language in its file name (`posts/a.en.md` is
/// `posts/a.md`): the path its URL is made from.
pub fn without_language<'a>(rel: &'a str, languages: &[String]) -> std::borrow::Cow<'a, str> {
    match language_of(rel, languages) {
        None => std::borrow::Cow::Borrowed(rel),
        Some(code) => {
            let (stem, ext) = rel.rsplit_once('.').unwrap_or((rel, ""));
            let stem = &stem[..stem.len() - code.len() - 1];
            std::borrow::Cow::Owned(format!("{stem}.{ext}"))
        }
    }
}

/// `_index.md`, and its translations (`_index.zh-tw.md`): a section's own
/// page, never a post.
fn is_section_index(name: &str) -> bool {
    is_named(name, "_index")
}

/// The folder a section page (`posts/tech/_index.md`) makes a section of,
/// if `rel` is one (in no hidden folder). The top one (`_index.md`) is the
/// home page's, and makes none.
pub fn section_index_folder(rel: &str) -> Option<&str> {
    let (folder, name) = rel.rsplit_once('/')?;
    let visible = folder
        .split('/')
        .all(|f| !f.is_empty() && !is_ignored_name(f));
    (is_section_index(name) && visible).then_some(folder)
}

/// The folder a list page covers, if `rel` is one: a section page's (see
/// [`section_index_folder`]), or `""` for the home page's (`_index.md`).
/// Their front matter may hand values down to the pages below (see
/// [`crate::parse::cascade`]).
pub fn list_page_folder(rel: &str) -> Option<&str> {
    match rel.rsplit_once('/') {
        Some(_) => section_index_folder(rel),
        None => is_section_index(rel).then_some(""),
    }
}

/// Whether the site must know of a file: a candidate article, or a list
/// page (see [`list_page_folder`]).
pub fn is_site_file(rel: &str) -> bool {
    is_candidate(rel) || list_page_folder(rel).is_some()
}

/// `items` (each with a path under the content folder) without the
/// resources of page bundles: what is left of a list of candidates (see
/// [`is_candidate`]) is the articles. The order is kept.
pub fn drop_bundle_resources<T>(items: Vec<T>, path: impl Fn(&T) -> &str) -> Vec<T> {
    let bundles = bundle_folders(items.iter().map(&path));
    if bundles.is_empty() {
        return items;
    }
    let keep: Vec<bool> = items
        .iter()
        .map(|item| !in_bundle(path(item), &bundles))
        .collect();
    drop(bundles);
    items
        .into_iter()
        .zip(keep)
        .filter_map(|(item, keep)| keep.then_some(item))
        .collect()
}

/// Whether a path under the content folder (`posts/a.md`) may be an article:
/// a Markdown file that is not a section page, in no hidden folder. Whether
/// it is one also depends on its neighbours (see [`articles_among`]).
pub fn is_candidate(rel: &str) -> bool {
    let mut parts = rel.split('/').rev();
    let name = parts.next().unwrap_or_default();
    is_markdown_name(name)
        && !is_section_index(name)
        && parts.all(|folder| !folder.is_empty() && !is_ignored_name(folder))
}

/// The candidates that are articles: all but the resources of page bundles.
pub fn articles_among(candidates: &BTreeSet<String>) -> BTreeSet<String> {
    let candidates: Vec<&String> = candidates.iter().collect();
    drop_bundle_resources(candidates, |rel| rel.as_str())
        .into_iter()
        .cloned()
        .collect()
}

/// The folders of page bundles (those holding an `index.md`).
fn bundle_folders<'a>(candidates: impl Iterator<Item = &'a str>) -> BTreeSet<&'a str> {
    candidates.filter_map(bundle_folder).collect()
}

/// The folder `rel` makes a page bundle of, if it is a bundle's `index.md`:
/// only then can a list of candidates hold resources to drop (see
/// [`drop_bundle_resources`]).
pub fn bundle_folder(rel: &str) -> Option<&str> {
    // An `index.md` at the top of the content folder makes no bundle: the
    // whole site would be its resources (see `in_bundle`).
    let (folder, name) = rel.rsplit_once('/')?;
    is_bundle_index(name).then_some(folder)
}

/// The section of the page at `rel` (a path under the content folder), as
/// Hugo has it: the first folder above the page, a bundle's own folder left
/// out (`posts` for `posts/2024/a.md` and for `posts/a/index.md`); empty for
/// a page at the top, a bundle there included (`about/index.md`: Hugo
/// publishes no `/about/` section feed for it).
pub fn section_of(rel: &str) -> &str {
    let page = bundle_folder(rel).unwrap_or(rel);
    page.rsplit_once('/')
        .map_or("", |(folder, _)| folder.split('/').next().unwrap_or(folder))
}

/// Walks `dir.join(under)` and returns every candidate article below it, as
/// Whether `rel` is a resource of a page bundle rather than an article.
fn in_bundle(rel: &str, bundles: &BTreeSet<&str>) -> bool {
    let (own_folder, name) = rel.rsplit_once('/').unwrap_or(("", rel));
    let mut folder = own_folder;
    loop {
        let is_own_index = folder == own_folder && is_bundle_index(name);
        if !is_own_index && bundles.contains(folder) && !folder.is_empty() {
            return true;
        }
        match folder.rsplit_once('/') {
            Some((parent, _)) => folder = parent,
            None if !folder.is_empty() => folder = "",
            None => return false,
        }
    }
}

/// An article's path as messages show it (`content/posts/a.md`): what
/// `Path::display` shows of `content_dir.join(rel)`, given `content_shown`,
/// the content folder's own shown path (see [`crate::disk::content::shown`]). Made by joining two
/// strings: converting 10,000 whole paths costs milliseconds on one core.
pub fn shown_in(content_shown: &str, rel: &str) -> String {
    let mut shown = String::with_capacity(content_shown.len() + 1 + rel.len());
    shown.push_str(content_shown);
    if !content_shown.is_empty() && !content_shown.ends_with('/') {
        shown.push('/');
    }
    shown.push_str(rel);
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_leftovers_are_ignored() {
        for name in [
            ".#a.md",
            "a.md~",
            ".a.md.swp",
            "#a.md#",
            ".hidden.md",
            "a.txt",
            "a.md.tmp",
        ] {
            assert!(!is_markdown_name(name), "{name}");
        }
        assert!(is_markdown_name("a.md"));
        assert!(is_markdown_name("開源.markdown"));
        assert!(is_markdown_name("page.html") && is_markdown_name("old.htm"));
        assert!(!is_markdown_name("html") && !is_markdown_name("a.xhtml"));
        assert!(is_html_name("page.html") && !is_html_name("a.md"));
        assert_eq!(bundle_folder("posts/x/index.html"), Some("posts/x"));
        assert_eq!(section_index_folder("posts/_index.html"), Some("posts"));
    }

    #[test]
    fn candidates_are_markdown_outside_hidden_folders() {
        assert!(is_candidate("posts/a.md"));
        assert!(is_candidate("a.md"));
        assert!(!is_candidate("posts/_index.md"));
        assert!(!is_candidate("posts/_index.zh-tw.md"));
        assert!(!is_candidate("_index.en.markdown"));
        assert!(is_candidate("posts/_index.a.b.md"));
        assert_eq!(
            section_index_folder("posts/tech/_index.md"),
            Some("posts/tech")
        );
        assert_eq!(section_index_folder("posts/_index.zh-tw.md"), Some("posts"));
        assert_eq!(section_index_folder("_index.md"), None);
        assert_eq!(section_index_folder(".hidden/_index.md"), None);
        assert_eq!(section_index_folder("posts/index.md"), None);
        assert!(is_site_file("posts/tech/_index.md") && is_site_file("posts/a.md"));
    }

    #[test]
    fn a_language_in_a_file_name_is_one_of_the_site_s() {
        let languages = ["en".to_owned(), "zh-hans".to_owned()];
        assert_eq!(language_of("posts/a.en.md", &languages), Some("en"));
        assert_eq!(
            language_of("posts/a.zh-Hans.md", &languages),
            Some("zh-hans")
        );
        assert_eq!(language_of("posts/a.fr.md", &languages), None);
        assert_eq!(language_of("posts/a.md", &languages), None);
        assert_eq!(
            without_language("posts/x/index.en.md", &languages),
            "posts/x/index.md"
        );
        assert_eq!(
            without_language("a.zh-Hans.markdown", &languages),
            "a.markdown"
        );
        assert_eq!(
            without_language("posts/v1.2.md", &languages),
            "posts/v1.2.md"
        );
        assert_eq!(bundle_folder("posts/x/index.en.md"), Some("posts/x"));
        assert!(!is_candidate(".git/a.md"));
        assert!(!is_candidate("posts/.drafts/a.md"));
        assert!(!is_candidate("posts/a.txt"));
        let all: BTreeSet<String> = ["p/b/index.md", "p/b/notes.md", "p/c.md"]
            .map(String::from)
            .into();
        let articles: Vec<String> = articles_among(&all).into_iter().collect();
        assert_eq!(articles, ["p/b/index.md", "p/c.md"]);
    }

    #[test]
    fn a_page_s_section_is_its_first_folder_but_its_own_bundle() {
        assert_eq!(section_of("posts/2024/a.md"), "posts");
        assert_eq!(section_of("posts/a/index.md"), "posts");
        assert_eq!(section_of("posts/a/index.zh-tw.md"), "posts");
        assert_eq!(section_of("about/index.md"), "");
        assert_eq!(section_of("about.md"), "");
        assert_eq!(section_of("index.md"), "");
    }

    #[test]
    fn bundle_resources_are_not_articles() {
        let bundles: BTreeSet<&str> = ["posts/foo"].into();
        assert!(!in_bundle("posts/foo/index.md", &bundles));
        assert!(in_bundle("posts/foo/notes.md", &bundles));
        assert!(in_bundle("posts/foo/deep/more.md", &bundles));
        assert!(!in_bundle("posts/bar.md", &bundles));
        assert!(!in_bundle("top.md", &bundles));
    }
}
