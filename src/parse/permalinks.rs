//! Hugo's `permalinks` patterns (`posts = "/:year/:month/:slug/"`): a
//! section's pages get their address from a pattern of tokens instead of
//! their file's path, so that feedsmith's links (and GUIDs) are the ones the
//! Hugo site has.

use chrono::{DateTime, Datelike, FixedOffset};

use crate::base::urls::{encode_segment, path_segment_cased};
use crate::parse::files;

/// What a pattern's tokens are made of, for one page.
#[derive(Debug, Clone, Copy)]
pub struct Page<'a> {
    /// Whether URL paths are lower case (not with `disablePathToLower`).
    pub lower: bool,
    /// Path under the content folder (`posts/2024/foo.md`).
    pub path: &'a str,
    pub title: &'a str,
    pub slug: Option<&'a str>,
    /// The page's `date`, in its own offset.
    pub date: DateTime<FixedOffset>,
}

impl Page<'_> {
    /// The folders above the page (a bundle's own folder excluded).
    fn sections(&self) -> Vec<&str> {
        let mut folders: Vec<&str> = self.path.split('/').collect();
        folders.pop();
        if files::bundle_folder(self.path).is_some() {
            folders.pop();
        }
        folders
    }

    /// The file's name without its extension; a bundle's folder name.
    fn base_name(&self) -> &str {
        if let Some(folder) = files::bundle_folder(self.path) {
            return folder.rsplit('/').next().unwrap_or(folder);
        }
        let file = self.path.rsplit('/').next().unwrap_or_default();
        file.rsplit_once('.').map_or(file, |(stem, _)| stem)
    }
}

/// The pattern of `patterns` (section, pattern; sections in lower case)
/// for the page at `path`: its section's, if any.
pub fn pattern_for<'p>(patterns: &'p [(String, String)], path: &str) -> Option<&'p str> {
    let (section, _) = path.split_once('/')?;
    patterns
        .iter()
        .find(|(s, _)| s.eq_ignore_ascii_case(section))
        .map(|(_, p)| p.as_str())
}

/// The site path `pattern` gives `page` (`posts/2024/03/foo/`), each
/// segment made and encoded as Hugo makes it, in lower case; tokens Hugo
/// does not know are kept as they are written.
pub fn expand(pattern: &str, page: &Page<'_>) -> String {
    let mut out = String::new();
    for segment in pattern.split('/').filter(|s| !s.is_empty()) {
        let mut expanded = String::new();
        let mut rest = segment;
        while let Some(at) = rest.find(':') {
            expanded.push_str(&rest[..at]);
            let token_len = rest[at + 1..]
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(rest.len() - at - 1);
            let token = &rest[at + 1..at + 1 + token_len];
            match value(token, page) {
                Some(value) => expanded.push_str(&value),
                None => expanded.push_str(&rest[at..at + 1 + token_len]),
            }
            rest = &rest[at + 1 + token_len..];
        }
        expanded.push_str(rest);
        for part in expanded.split('/').filter(|p| !p.is_empty()) {
            out.push_str(&encode_segment(&part.to_lowercase()));
            out.push('/');
        }
    }
    out
}

/// The value of one token, as Hugo documents it.
fn value(token: &str, page: &Page<'_>) -> Option<String> {
    let date = page.date;
    let slug = || {
        page.slug
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| path_segment_cased(s, page.lower))
    };
    Some(match token {
        "year" => format!("{:04}", date.year()),
        "month" => format!("{:02}", date.month()),
        "monthname" => date.format("%B").to_string(),
        "day" => format!("{:02}", date.day()),
        "weekday" => date.weekday().num_days_from_sunday().to_string(),
        "weekdayname" => date.format("%A").to_string(),
        "yearday" => date.ordinal().to_string(),
        "section" => page
            .sections()
            .first()
            .copied()
            .unwrap_or_default()
            .to_owned(),
        "sections" => page.sections().join("/"),
        "title" => path_segment_cased(page.title, page.lower),
        "slug" => slug().unwrap_or_else(|| path_segment_cased(page.title, page.lower)),
        "filename" | "contentbasename" => path_segment_cased(page.base_name(), page.lower),
        "slugorfilename" | "slugorcontentbasename" => {
            slug().unwrap_or_else(|| path_segment_cased(page.base_name(), page.lower))
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page<'a>(path: &'a str, title: &'a str, slug: Option<&'a str>) -> Page<'a> {
        Page {
            lower: true,
            path,
            title,
            slug,
            date: DateTime::parse_from_rfc3339("2024-03-05T23:30:00+08:00").unwrap(),
        }
    }

    #[test]
    fn tokens_expand_as_hugo_documents_them() {
        let p = page("posts/tech/My File.md", "Hello, World 你好", None);
        assert_eq!(
            expand("/:year/:month/:day/:slug/", &p),
            "2024/03/05/hello-world-你好/".replace("你好", "%E4%BD%A0%E5%A5%BD")
        );
        assert_eq!(expand("/:section/:filename", &p), "posts/my-file/");
        assert_eq!(
            expand("/:sections/:title/", &p),
            "posts/tech/hello-world-%E4%BD%A0%E5%A5%BD/"
        );
        assert_eq!(
            expand("/:monthname/:weekday-:weekdayname/:yearday/", &p),
            "march/2-tuesday/65/"
        );
        let slugged = page("posts/trip/index.md", "Trip", Some("Road Trip"));
        assert_eq!(expand("/:slugorfilename/", &slugged), "road-trip/");
        assert_eq!(expand("/:contentbasename/", &slugged), "trip/");
        assert_eq!(expand("/x/:unknown/", &slugged), "x/:unknown/");
    }

    #[test]
    fn a_section_finds_its_pattern() {
        let patterns = vec![("posts".to_owned(), "/:year/:slug/".to_owned())];
        assert_eq!(pattern_for(&patterns, "Posts/a.md"), Some("/:year/:slug/"));
        assert_eq!(pattern_for(&patterns, "notes/a.md"), None);
        assert_eq!(pattern_for(&patterns, "a.md"), None);
    }
}
