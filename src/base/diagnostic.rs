//! Messages about the user's files, printed the way a compiler prints them.
//!
//! Every problem feedsmith finds in an article or in the config is a
//! [`Diagnostic`]: *what* went wrong, *where* (`path:line`), and *what to do*.
//! The pure core never prints; it returns diagnostics and the edges decide how
//! to show them (and whether `--strict` turns them into a failure).

use std::fmt;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Something sloppy that feedsmith worked around; the output is still right.
    Warning,
    /// Something feedsmith could not work around: the article was skipped.
    Error,
}

/// One problem in one file, with an optional line and a hint.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The path as the user knows it (e.g. `content/posts/foo.md`).
    pub path: String,
    /// 1-based line, when the problem has one.
    pub line: Option<usize>,
    pub message: String,
    /// What the user can do about it.
    pub help: Option<String>,
    /// Whether the problem is that the file has no date (no front matter,
    /// or an empty file, included): a page that is not a post, or a post
    /// whose date was forgotten, which only its section tells apart (see
    /// [`crate::site`]'s rebuild).
    pub undated: bool,
}

impl Diagnostic {
    pub fn warning(
        path: impl Into<String>,
        line: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            path: path.into(),
            line,
            message: message.into(),
            help: None,
            undated: false,
        }
    }

    pub fn error(path: impl Into<String>, line: Option<usize>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            ..Diagnostic::warning(path, line, message)
        }
    }

    /// Marks the problem as a missing date (see [`Diagnostic::undated`]).
    pub fn as_undated(mut self) -> Self {
        self.undated = true;
        self
    }

    /// Adds a hint on what to do.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{label}: {}", self.path)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  = help: {help}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_reads_like_a_compiler_message() {
        let d = Diagnostic::error("content/a.md", Some(3), "invalid date `x`")
            .with_help("write dates as 2024-03-05T10:00:00+08:00");
        assert_eq!(
            d.to_string(),
            "error: content/a.md:3: invalid date `x`\n  = help: write dates as 2024-03-05T10:00:00+08:00"
        );
        let w = Diagnostic::warning("feedsmith.yaml", None, "odd");
        assert_eq!(w.to_string(), "warning: feedsmith.yaml: odd");
    }
}
