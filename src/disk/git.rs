//! The dates Hugo's `:git` reads (with `enableGitInfo`): each content
//! file's last commit's author date, from one `git log` over the content
//! folder. No git, or no repository: no dates, and `:git` gives way to the
//! next key, as Hugo's does without git information.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};

use chrono::{DateTime, Utc};

/// The author date of each file's last commit, by its path under the
/// content folder.
pub type GitDates = HashMap<String, DateTime<Utc>>;

/// The [`GitDates`] of the files under `content_dir`, newest commit first;
/// `None` if git cannot tell (not installed, not a repository).
pub fn author_dates(content_dir: &Path) -> Option<GitDates> {
    let output = Command::new("git")
        .arg("-C")
        .arg(content_dir)
        // Names as they are (not quoted octal escapes: CJK file names).
        .args([
            "-c",
            "core.quotepath=off",
            "log",
            "--no-renames",
            "--name-only",
        ])
        .args(["--format=%x00%aI", "--relative", "--", "."])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| parse_log(&String::from_utf8_lossy(&output.stdout)))
}

/// Reads `git log --name-only --format=%x00%aI`: each commit is a NUL, its
/// author date, and the files it touched. The first date seen for a file
/// is its last commit's.
fn parse_log(text: &str) -> GitDates {
    let mut dates = GitDates::new();
    for commit in text.split('\0').skip(1) {
        let mut lines = commit.lines();
        let Some(date) = lines
            .next()
            .and_then(|d| DateTime::parse_from_rfc3339(d.trim()).ok())
        else {
            continue;
        };
        for path in lines.map(str::trim).filter(|l| !l.is_empty()) {
            dates
                .entry(path.to_owned())
                .or_insert_with(|| date.with_timezone(&Utc));
        }
    }
    dates
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_s_date_is_its_last_commit_s() {
        let log = "\x002024-05-02T10:00:00+08:00\n\nposts/a.md\n文章/b.md\n\
                   \x00not a date\n\nposts/c.md\n\
                   \x002024-05-01T09:00:00Z\n\nposts/a.md\nposts/d.md\n";
        let dates = parse_log(log);
        let at = |p: &str| dates.get(p).map(|d| d.to_rfc3339());
        assert_eq!(
            at("posts/a.md").as_deref(),
            Some("2024-05-02T02:00:00+00:00")
        );
        assert_eq!(
            at("文章/b.md").as_deref(),
            Some("2024-05-02T02:00:00+00:00")
        );
        assert_eq!(
            at("posts/d.md").as_deref(),
            Some("2024-05-01T09:00:00+00:00")
        );
        assert_eq!(at("posts/c.md"), None);
    }

    /// Against a real repository, when git is installed.
    #[test]
    fn git_log_gives_each_file_its_last_commit() {
        let dir = tempfile::tempdir().unwrap();
        let git = |args: &[&str], date: &str| {
            Command::new("git")
                .arg("-C")
                .arg(dir.path())
                .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
                .args(args)
                .env("GIT_AUTHOR_DATE", date)
                .env("GIT_COMMITTER_DATE", date)
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false)
        };
        if !git(&["init", "-q"], "2024-01-01T00:00:00Z") {
            return; // no git here
        }
        std::fs::create_dir_all(dir.path().join("content/posts")).unwrap();
        std::fs::write(dir.path().join("content/posts/a.md"), "a").unwrap();
        std::fs::write(dir.path().join("content/posts/b.md"), "b").unwrap();
        assert!(git(&["add", "."], "2024-01-01T00:00:00Z"));
        assert!(git(&["commit", "-qm", "one"], "2024-01-01T00:00:00Z"));
        std::fs::write(dir.path().join("content/posts/b.md"), "b2").unwrap();
        assert!(git(&["commit", "-qam", "two"], "2024-02-02T00:00:00Z"));
        let dates = author_dates(&dir.path().join("content")).unwrap();
        let at = |p: &str| dates[p].to_rfc3339();
        assert_eq!(at("posts/a.md"), "2024-01-01T00:00:00+00:00");
        assert_eq!(at("posts/b.md"), "2024-02-02T00:00:00+00:00");
        assert!(author_dates(&dir.path().join("content/none")).is_none_or(|d| d.is_empty()));
    }
}
