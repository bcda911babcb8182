//! The `feedsmith build` command: loads the config, reads the content folder,
//! runs the pure build, reports, and writes (or checks) the output folder.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use crate::base::config::{self, Config};
use crate::base::diagnostic::Diagnostic;
use crate::cmd::settings::{check_content_dir, exit, load_configs, BuildArgs};
use crate::collect::{Exclusion, Options};
use crate::disk::cache as disk_cache;
use crate::disk::content;
use crate::disk::git;
use crate::disk::output;
use crate::disk::record;
use crate::parse::files;
use crate::site::build;
use crate::site::item_cache::{self, ItemCache};
use crate::site::{Flags, Stats};

/// How many articles the walk finds before it hands them on to be parsed:
/// enough that handing them on costs nothing, few enough that the other
/// cores start at once.
const FOUND_BATCH: usize = 128;

/// Runs `feedsmith build` and returns the process exit code. A site with
/// several languages is built language by language, all in memory first:
/// under `--strict`, a problem in any stops them all before a file is
/// written.
pub fn run_build(args: &BuildArgs) -> ExitCode {
    let started = Instant::now();
    // Not locked for the whole run: a worker thread that ever wrote to
    // stderr during the build would wait forever for this thread's lock.
    let mut stderr = std::io::stderr();
    let configs = load_configs(args).and_then(|configs| {
        for config in &configs {
            check_content_dir(config)?;
        }
        Ok(configs)
    });
    let configs = match configs {
        Ok(configs) => configs,
        Err(d) => {
            let _ = writeln!(stderr, "{d}");
            return ExitCode::from(exit::USAGE);
        }
    };
    // Under --strict, any problem stops the build before a file is written.
    let accept = |problems: &[Diagnostic]| !args.strict || problems.is_empty();
    let mut builds = Vec::with_capacity(configs.len());
    for config in &configs {
        let mut sink = output::DiskSink::new(&config.output_dir, args.check, accept)
            .with_record(&config.cache_dir());
        let built = build_from_disk(config, args, &mut sink);
        for d in &built.diagnostics {
            let _ = writeln!(stderr, "{d}");
        }
        builds.push((config, sink, built));
    }
    let problems: usize = builds
        .iter()
        .filter(|(_, _, built)| built.stopped)
        .map(|(_, _, built)| built.diagnostics.len())
        .sum();
    if builds.iter().any(|(_, _, built)| built.stopped) {
        let _ = writeln!(
            stderr,
            "error: --strict: {problems} problem(s) above; nothing was written"
        );
        return ExitCode::from(exit::FAILURE);
    }
    let mut code = exit::OK;
    for (config, mut sink, built) in builds {
        code = code.max(finish(config, args, &mut sink, &built, started));
    }
    ExitCode::from(code)
}

/// Writes (or, with `--check`, compares) one language's build, and reports
/// it; returns its exit code.
fn finish(
    config: &Config,
    args: &BuildArgs,
    sink: &mut output::DiskSink<'_>,
    built: &build::Built,
    started: Instant,
) -> u8 {
    let mut stderr = std::io::stderr();
    let out_shown = config.output_dir.display().to_string();
    let write_started = Instant::now();
    if let Err(e) = sink.finish(&[], true, built.manifest.as_deref()) {
        let _ = writeln!(
            stderr,
            "{}",
            Diagnostic::error(e.path.clone(), None, format!("cannot write the feeds: {}", e.source))
                .with_help("check that the output folder is writable and the disk is not full; files not yet replaced keep their previous version")
        );
        return exit::FAILURE;
    }
    if let (Some(cache), false) = (&built.remember, args.check) {
        // Without it the next build only renders more.
        let _ = disk_cache::save_items(cache, &config.cache_dir());
    }
    let summary = summary(&built.stats, built.feeds, config, started);
    if args.check {
        return report_check(sink, &out_shown, &summary);
    }
    if args.verbose {
        report_stages(built, sink, config, write_started);
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
    exit::OK
}

/// Builds the site whose content folder `config` names into `sink`: the
/// walk hands the articles on in batches as it finds them, so that reading
/// and parsing them starts at once, and the item cache is read meanwhile.
fn build_from_disk(
    config: &Config,
    args: &BuildArgs,
    sink: &mut output::DiskSink<'_>,
) -> build::Built {
    let options = Options {
        drafts: args.drafts,
        future: args.future,
        expired: args.expired,
        now: chrono::Utc::now(),
    };
    let content_dir = &config.content_dir;
    let content_shown = content::shown(content_dir);
    let found = |give: &mut dyn FnMut(Vec<(String, String)>)| {
        let mut batch = Vec::with_capacity(FOUND_BATCH);
        let problems = content::walk_candidates(content_dir, "", |rel| {
            let shown = files::shown_in(&content_shown, &rel);
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
    // Hugo's `:git` dates, from one `git log`, when the config uses them.
    let git = config
        .dates
        .use_git()
        .then(|| git::author_dates(content_dir))
        .flatten();
    let load = content::Folder {
        dir: content_dir,
        git: git.as_ref(),
    };
    // Read on a thread of its own while the posts are parsed.
    let item_cache = {
        let (config, args) = (config.clone(), args.clone());
        std::thread::Builder::new()
            .name("item cache".into())
            .spawn(move || load_item_cache(&config, &args))
    };
    let item_cache = || item_cache.ok()?.join().ok()?;
    build::build_into(config, found, load, &options, item_cache, sink)
}

/// `--check`: lists what would change, and says whether the output folder
/// is up to date (exit 0) or not (exit 1).
fn report_check(sink: &output::DiskSink<'_>, out_shown: &str, summary: &str) -> u8 {
    let mut stderr = std::io::stderr();
    let mut changes = sink.changes.clone();
    changes.sort();
    for (rel, change) in &changes {
        let _ = writeln!(
            stderr,
            "would {} {}",
            change.verb(),
            Path::new(out_shown).join(rel).display()
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
    if changes.is_empty() {
        exit::OK
    } else {
        exit::FAILURE
    }
}

/// `--verbose`: where each setting came from, the time each stage took, and
/// what the cache folder spared.
fn report_stages(
    built: &build::Built,
    sink: &output::DiskSink<'_>,
    config: &Config,
    write_started: Instant,
) {
    let mut stderr = std::io::stderr();
    let origins: Vec<String> = config
        .origins
        .iter()
        .map(|(key, origin)| format!("{key} from {origin}"))
        .collect();
    let _ = writeln!(stderr, "feedsmith: settings: {}", origins.join(", "));
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
    if !built.stats.pages.is_empty() {
        let _ = writeln!(
            stderr,
            "feedsmith: pages without a date, not posts: {}",
            built.stats.pages.join(", ")
        );
    }
}

/// What earlier builds of this site, by this feedsmith binary with these
/// settings, made of the posts they showed (see [`crate::site::item_cache`]);
/// `None` when the binary cannot read itself, as it then cannot tell
/// whether the cache is its own.
///
/// The binary is known by the hash of its bytes: a feedsmith built from
/// other code is another, while the same release binary, downloaded again
/// by each CI job, is the same (its file's identity is not).
fn load_item_cache(config: &Config, args: &BuildArgs) -> Option<ItemCache> {
    let exe = std::fs::File::open(std::env::current_exe().ok()?).ok()?;
    let binary = format!("{:032x}", disk_cache::hash_of_reader(exe).ok()?);
    let flags = Flags {
        drafts: args.drafts,
        future: args.future,
        expired: args.expired,
    };
    let context = item_cache::context(config, &flags, &binary);
    Some(disk_cache::load_items(&config.cache_dir(), context))
}

/// The second half of the summary line: feeds, posts used and skipped, time.
fn summary(stats: &Stats, feeds: usize, config: &Config, started: Instant) -> String {
    let mut skipped: BTreeMap<&str, usize> = BTreeMap::new();
    for (why, n) in &stats.excluded {
        let label = match why {
            Exclusion::Draft => "draft",
            Exclusion::Future => "future",
            Exclusion::Expired => "expired",
            Exclusion::Unlisted => "unlisted",
        };
        skipped.insert(label, *n);
    }
    if stats.broken > 0 {
        skipped.insert("broken", stats.broken);
    }
    if stats.undated > 0 {
        skipped.insert("undated", stats.undated);
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
    let pages = match stats.pages.len() {
        0 => String::new(),
        1 => ", 1 page that is not a post".to_owned(),
        n => format!(", {n} pages that are not posts"),
    };
    format!(
        "{feeds} feeds, {} posts used, {total} skipped{detail}{pages}, {} ms{defaults}",
        stats.published,
        started.elapsed().as_millis()
    )
}
