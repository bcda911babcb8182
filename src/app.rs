//! The `feedsmith build` command: loads the config, reads the content folder,
//! runs the pure build, reports, and writes (or checks) the output folder.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use crate::build::{self, Output};
use crate::collect::{Exclusion, Options};
use crate::config::{self, Config};
use crate::diagnostic::Diagnostic;
use crate::{output, source};

/// Exit codes, as documented in the README.
pub mod exit {
    /// Success, possibly with warnings.
    pub const OK: u8 = 0;
    /// Content errors under `--strict`, output failure, or `--check` found changes.
    pub const FAILURE: u8 = 1;
    /// Bad usage or bad config.
    pub const USAGE: u8 = 2;
}

/// The options of `feedsmith build`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildArgs {
    pub config: Option<PathBuf>,
    pub content: Option<PathBuf>,
    pub out: Option<PathBuf>,
    pub drafts: bool,
    pub future: bool,
    pub expired: bool,
    pub strict: bool,
    pub check: bool,
    pub quiet: bool,
}

/// Loads the config named by `--config`, else `feedsmith.yaml` if present,
/// else the defaults; then applies `--content` and `--out`.
pub fn load_config(args: &BuildArgs) -> Result<Config, Diagnostic> {
    let explicit = args.config.is_some();
    let path = args
        .config
        .clone()
        .unwrap_or_else(|| PathBuf::from(config::DEFAULT_FILE));
    let mut config = match std::fs::read_to_string(&path) {
        Ok(text) => {
            let dir = path.parent().unwrap_or(Path::new(""));
            Config::parse(&text, dir, Some(&path))?
        }
        Err(e) if !explicit && e.kind() == std::io::ErrorKind::NotFound => Config::defaults(),
        Err(e) => {
            return Err(Diagnostic::error(
                path.display().to_string(),
                None,
                format!("cannot read the config file: {e}"),
            )
            .with_help("check the path given to --config"))
        }
    };
    if let Some(content) = &args.content {
        config.content_dir = content.clone();
    }
    if let Some(out) = &args.out {
        config.output_dir = out.clone();
    }
    Ok(config)
}

/// Runs `feedsmith build` and returns the process exit code.
pub fn run_build(args: &BuildArgs) -> ExitCode {
    let started = Instant::now();
    let mut stderr = std::io::stderr().lock();
    let config = match load_config(args) {
        Ok(config) => config,
        Err(d) => {
            let _ = writeln!(stderr, "{d}");
            return ExitCode::from(exit::USAGE);
        }
    };
    if !config.content_dir.is_dir() {
        let _ = writeln!(
            stderr,
            "{}",
            Diagnostic::error(
                config.content_dir.display().to_string(),
                None,
                "the content folder does not exist"
            )
            .with_help(
                "create it, or point to it with --content DIR or `content_dir` in feedsmith.yaml"
            )
        );
        return ExitCode::from(exit::USAGE);
    }

    let (sources, mut diagnostics) = source::read_dir(&config.content_dir);
    let options = Options {
        drafts: args.drafts,
        future: args.future,
        expired: args.expired,
        now: chrono::Utc::now(),
    };
    let Output {
        files,
        diagnostics: build_diagnostics,
        stats,
    } = build::build(&config, &sources, &options);
    diagnostics.extend(build_diagnostics);
    for d in &diagnostics {
        let _ = writeln!(stderr, "{d}");
    }
    if args.strict && !diagnostics.is_empty() {
        let _ = writeln!(
            stderr,
            "error: --strict: {} problem(s) above; nothing was written",
            diagnostics.len()
        );
        return ExitCode::from(exit::FAILURE);
    }

    let plan = output::plan(&config.output_dir, &files);
    let out_shown = config.output_dir.display().to_string();
    if args.check {
        for (rel, change) in &plan.changes {
            let _ = writeln!(
                stderr,
                "would {} {}",
                change.verb(),
                Path::new(&out_shown).join(rel).display()
            );
        }
        let verdict = if plan.changes.is_empty() {
            format!("{out_shown} is up to date")
        } else {
            format!(
                "{out_shown} is out of date: {} file(s) would change; run `feedsmith build`",
                plan.changes.len()
            )
        };
        let _ = writeln!(
            stderr,
            "feedsmith: {verdict} ({})",
            summary(&stats, files.len(), &config, started)
        );
        return ExitCode::from(if plan.changes.is_empty() {
            exit::OK
        } else {
            exit::FAILURE
        });
    }
    if let Err(e) = output::apply(&config.output_dir, &files, &plan) {
        let _ = writeln!(
            stderr,
            "{}",
            Diagnostic::error(e.path.clone(), None, format!("cannot write the feeds: {}", e.source))
                .with_help("check that the output folder is writable and the disk is not full; files not yet replaced keep their previous version")
        );
        return ExitCode::from(exit::FAILURE);
    }
    if !args.quiet {
        let count = |c: output::Change| plan.changes.iter().filter(|(_, k)| *k == c).count();
        let _ = writeln!(
            stderr,
            "feedsmith: {} written, {} unchanged, {} removed in {out_shown}/ ({})",
            count(output::Change::Create) + count(output::Change::Update),
            plan.unchanged,
            count(output::Change::Remove),
            summary(&stats, files.len(), &config, started)
        );
    }
    ExitCode::from(exit::OK)
}

/// The second half of the summary line: feeds, posts used and skipped, time.
fn summary(stats: &build::Stats, files: usize, config: &Config, started: Instant) -> String {
    let feeds = files.saturating_sub(1) / 2;
    let mut skipped: BTreeMap<&str, usize> = BTreeMap::new();
    for (why, n) in &stats.excluded {
        let label = match why {
            Exclusion::Draft => "draft",
            Exclusion::Future => "future",
            Exclusion::Expired => "expired",
        };
        skipped.insert(label, *n);
    }
    if stats.broken > 0 {
        skipped.insert("broken", stats.broken);
    }
    let total: usize = skipped.values().sum();
    let detail = if skipped.is_empty() {
        String::new()
    } else {
        let parts: Vec<String> = skipped.iter().map(|(k, v)| format!("{v} {k}")).collect();
        format!(": {}", parts.join(", "))
    };
    let defaults = if config.file.is_none() {
        format!(
            "; no {} found, so built-in defaults were used",
            config::DEFAULT_FILE
        )
    } else {
        String::new()
    };
    format!(
        "{feeds} feeds, {} posts used, {total} skipped{detail}, {} ms{defaults}",
        stats.published,
        started.elapsed().as_millis()
    )
}
