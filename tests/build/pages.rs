//! Pages that are not posts, on a Hugo site: a page at the top of the
//! content folder, the pages of a section where none has a date, section
//! pages in any language. They are counted and listed with `-v`, never
//! reported; a file without a date among dated posts is a warning.

use crate::common::Site;

fn hugo_like_site() -> Site {
    let site = Site::new();
    site.post("posts/a.md", "title: A\ndate: 2024-01-02\ntags: [x]", "a");
    site.post("posts/b.md", "title: B\ndate: 2024-01-01", "b");
    site.post("about.md", "title: About me", "who");
    site.write("search.md", "---\ntitle: Search\nlayout: search\n---\n");
    site.post("page/links.md", "title: Links", "links");
    site.post("page/now.md", "title: Now", "now");
    site.post("posts/_index.zh-tw.md", "title: 文章", "");
    site.post("_index.en.md", "title: Home", "");
    site
}

#[test]
fn pages_are_counted_and_listed_never_reported() {
    let site = hugo_like_site();
    let run = site.build(&[]);
    run.assert_code(0)
        .assert_stderr_has("2 posts used, 0 skipped, 4 pages that are not posts");
    assert!(!run.stderr.contains("error:"), "{}", run.stderr);
    assert!(!run.stderr.contains("warning:"), "{}", run.stderr);
    assert_eq!(site.titles("rss.xml"), ["A", "B"]);
    site.build(&["-v"]).assert_code(0).assert_stderr_has(
        "pages without a date, not posts: content/about.md, content/page/links.md, content/page/now.md, content/search.md",
    );
    // So --strict can be used on such a site.
    site.build(&["--strict"]).assert_code(0);
}

#[test]
fn a_file_without_a_date_among_dated_posts_is_a_warning() {
    let site = hugo_like_site();
    site.post("posts/forgot.md", "title: Forgot\ntags: [x]", "no date");
    site.write("posts/empty.md", "");
    let run = site.build(&[]);
    run.assert_code(0)
        .assert_stderr_has("warning: content/posts/forgot.md:2: the article has no `date`, unlike the other pages of `posts/`; it is not in the feeds")
        .assert_stderr_has("warning: content/posts/empty.md:1: the file is empty, unlike the other pages of `posts/`")
        .assert_stderr_has("2 skipped: 2 undated, 4 pages that are not posts");
    assert!(!run.stderr.contains("error:"), "{}", run.stderr);
    assert_eq!(site.titles("rss.xml"), ["A", "B"]);
    site.build(&["--strict"]).assert_code(1);
}

#[test]
fn a_section_whose_first_post_gets_a_date_turns_its_pages_into_warnings() {
    let site = hugo_like_site();
    site.post(
        "page/dated.md",
        "title: Dated\ndate: 2024-02-01",
        "now a post",
    );
    site.build(&[])
        .assert_code(0)
        .assert_stderr_has("warning: content/page/links.md:2: the article has no `date`, unlike the other pages of `page/`")
        .assert_stderr_has("3 posts used, 2 skipped: 2 undated, 2 pages that are not posts");
}
