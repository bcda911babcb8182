//! The `feedsmith build` command: loads the config, reads the content folder,
//! runs the pure build, reports, and writes (or checks) the output folder.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use crate::build;
use crate::collect::{Exclusion, Options};
use crate::config::{self, Config};
use crate::diagnostic::Diagnostic;
use crate::item_cache::{self, ItemCache};
use crate::site::Flags;
use crate::{output, record, source};

/// How many articles the walk finds before it hands them on to be parsed:
/// enough that handing them on costs nothing, few enough that the other
/// cores start at once.
const FOUND_BATCH: usize = 128;

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
    /// Print the time each stage took.
    pub verbose: bool,
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

/// The content folder must exist before anything is built or watched.
pub fn check_content_dir(config: &Config) -> Result<(), Diagnostic> {
    if config.content_dir.is_dir() {
        return Ok(());
    }
    Err(Diagnostic::error(
        config.content_dir.display().to_string(),
        None,
        "the content folder does not exist",
    )
    .with_help("create it, or point to it with --content DIR or `content_dir` in feedsmith.yaml"))
}

/// Runs `feedsmith build` and returns the process exit code.
pub fn run_build(args: &BuildArgs) -> ExitCode {
    let started = Instant::now();
    // Not locked for the whole run: a worker thread that ever wrote to
    // stderr during the build would wait forever for this thread's lock.
    let mut stderr = std::io::stderr();
    let config = match load_config(args) {
        Ok(config) => config,
        Err(d) => {
            let _ = writeln!(stderr, "{d}");
            return ExitCode::from(exit::USAGE);
        }
    };
    if let Err(d) = check_content_dir(&config) {
        let _ = writeln!(stderr, "{d}");
        return ExitCode::from(exit::USAGE);
    }

    let options = Options {
        drafts: args.drafts,
        future: args.future,
        expired: args.expired,
        now: chrono::Utc::now(),
    };
    let out_dir = config.output_dir.clone();
    let out_shown = config.output_dir.display().to_string();
    // Under --strict, any problem stops the build before a file is written.
    let mut sink = output::DiskSink::new(&out_dir, args.check, |problems: &[Diagnostic]| {
        !args.strict || problems.is_empty()
    })
    .with_record(&config.cache_dir());
    let content_dir = config.content_dir.clone();
    let content_shown = source::shown(&content_dir);
    // The articles are handed on in batches as the walk finds them, so that
    // reading and parsing them starts at once.
    let found = |give: &mut dyn FnMut(Vec<(String, String)>)| {
        let mut batch = Vec::with_capacity(FOUND_BATCH);
        let problems = source::walk_candidates(&content_dir, "", |rel| {
            let shown = source::shown_in(&content_shown, &rel);
            batch.push((rel, shown));
            if batch.len() == FOUND_BATCH {
                give(std::mem::replace(
                    &mut batch,
                    Vec::with_capacity(FOUND_BATCH),
                ));
            }
        });
        give(batch);
        problems
    };
    let load = |rel: &str, limit: usize| source::read_file(&content_dir.join(rel), limit);
    // Read on a thread of its own while the posts are parsed.
    let item_cache = {
        let (config, args) = (config.clone(), args.clone());
        std::thread::Builder::new()
            .name("item cache".into())
            .spawn(move || load_item_cache(&config, &args))
    };
    let item_cache = || item_cache.ok()?.join().ok()?;
    let built = build::build_into(&config, found, load, &options, item_cache, &mut sink);
    let diagnostics = &built.diagnostics;
    for d in diagnostics {
        let _ = writeln!(stderr, "{d}");
    }
    if built.stopped {
        let _ = writeln!(
            stderr,
            "error: --strict: {} problem(s) above; nothing was written",
            diagnostics.len()
        );
        return ExitCode::from(exit::FAILURE);
    }
    let write_started = Instant::now();
    if let Err(e) = sink.finish(&[], true, built.manifest.as_deref()) {
        let _ = writeln!(
            stderr,
            "{}",
            Diagnostic::error(e.path.clone(), None, format!("cannot write the feeds: {}", e.source))
                .with_help("check that the output folder is writable and the disk is not full; files not yet replaced keep their previous version")
        );
        return ExitCode::from(exit::FAILURE);
    }
    if let (Some(cache), false) = (&built.remember, args.check) {
        // Without it the next build only renders more.
        let _ = cache.save(&config.cache_dir());
    }
    let summary = summary(&built.stats, built.feeds, &config, started);
    if args.check {
        let mut changes = sink.changes.clone();
        changes.sort();
        for (rel, change) in &changes {
            let _ = writeln!(
                stderr,
                "would {} {}",
                change.verb(),
                Path::new(&out_shown).join(rel).display()
            );
        }
        let verdict = if changes.is_empty() {
            format!("{out_shown} is up to date")
        } else {
            format!(
                "{out_shown} is out of date: {} file(s) would change; run `feedsmith build`",
                changes.len()
            )
        };
        let _ = writeln!(stderr, "feedsmith: {verdict} ({summary})");
        return ExitCode::from(if changes.is_empty() {
            exit::OK
        } else {
            exit::FAILURE
        });
    }
    if args.verbose {
        let stages: Vec<String> = built
            .timings
            .iter()
            .copied()
            .chain(std::iter::once(("finish", write_started.elapsed())))
            .map(|(stage, t)| format!("{stage} {:.1} ms", t.as_secs_f64() * 1000.0))
            .collect();
        let _ = writeln!(
            stderr,
            "feedsmith: stages: {} (emit includes writing)",
            stages.join(", ")
        );
        let _ = writeln!(
            stderr,
            "feedsmith: {} file(s) known from {}, not read back",
            sink.vouched(),
            config.cache_dir().join(record::FILE).display()
        );
        let _ = writeln!(
            stderr,
            "feedsmith: {} post(s) rendered, {} taken from {}",
            built.rendered,
            built.remembered,
            config.cache_dir().join(item_cache::FILE).display()
        );
    }
    if !args.quiet {
        let _ = writeln!(
            stderr,
            "feedsmith: {} written, {} unchanged, {} removed in {out_shown}/ ({summary})",
            sink.written(),
            sink.unchanged,
            sink.removed(),
        );
    }
    ExitCode::from(exit::OK)
}

/// What earlier builds of this site, by this feedsmith binary with these
/// settings, made of the posts they showed (see [`crate::item_cache`]);
/// `None` when the binary cannot read itself, as it then cannot tell
/// whether the cache is its own.
///
/// The binary is known by the hash of its bytes: a feedsmith built from
/// other code is another, while the same release binary, downloaded again
/// by each CI job, is the same (its file's identity is not).
fn load_item_cache(config: &Config, args: &BuildArgs) -> Option<ItemCache> {
    let exe = std::fs::File::open(std::env::current_exe().ok()?).ok()?;
    let binary = format!("{:032x}", item_cache::hash_of_reader(exe).ok()?);
    let flags = Flags {
        drafts: args.drafts,
        future: args.future,
        expired: args.expired,
    };
    let context = item_cache::context(config, &flags, &binary);
    Some(ItemCache::load(&config.cache_dir(), context))
}

/// The second half of the summary line: feeds, posts used and skipped, time.
fn summary(stats: &build::Stats, feeds: usize, config: &Config, started: Instant) -> String {
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
