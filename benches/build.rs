//! Whole-process timing of `feedsmith build` on generated blogs of several
//! sizes, and of Hugo on the same content when Debian's `hugo` is installed.
//! Run with `cargo bench --bench build` (options after `--`:
//! `--sizes 1000,10000,100000`, `--runs N`, `--seed N`, `--limit N`,
//! `--no-hugo`, `--body-kb N` for bodies of about N KB instead of 2–10 KB,
//! `--no-cache` to time builds without the cache folder).
//! After the table, one `--verbose` run per size shows where the time goes.
//!
//! Each size gets its own corpus (see `support/corpus.rs`); runs alternate
//! between feedsmith and Hugo after one warm-up run each, and report median
//! wall time, CPU time (user + system) and peak memory (max RSS).
//!
//! Every timed feedsmith run finds the feeds up to date on disk, as a build
//! after a build does. By default it also finds what a build after a build
//! finds in the cache folder (`.feedsmith-cache/`): the record of the output
//! folder (see `src/disk/record.rs`; the bench waits until the warm-up's files are
//! settled and builds once more to make it) and the item cache (see
//! `src/site/item_cache.rs`), so that posts are not rendered. With `--no-cache`
//! (or its old name `--no-record`), the folder is deleted before each run,
//! as in a fresh clone or a CI job that does not keep it: every feed is then
//! read back, and every shown post rendered.

#[path = "support/corpus.rs"]
mod corpus;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

struct Options {
    sizes: Vec<usize>,
    runs: usize,
    seed: u64,
    limit: usize,
    hugo: bool,
    body_kb: Option<usize>,
    cache: bool,
}

fn options() -> Options {
    let mut o = Options {
        sizes: vec![1_000, 10_000],
        runs: 5,
        seed: 42,
        limit: 20,
        hugo: true,
        body_kb: None,
        cache: true,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--sizes" => {
                o.sizes = value
                    .split(',')
                    .map(|s| s.trim().parse().expect("--sizes 1000,10000"))
                    .collect()
            }
            "--runs" => o.runs = value.parse().expect("--runs N"),
            "--seed" => o.seed = value.parse().expect("--seed N"),
            "--limit" => o.limit = value.parse().expect("--limit N"),
            "--body-kb" => o.body_kb = Some(value.parse().expect("--body-kb N")),
            "--no-hugo" => {
                o.hugo = false;
                i += 1;
                continue;
            }
            "--no-cache" | "--no-record" => {
                o.cache = false;
                i += 1;
                continue;
            }
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    o
}

/// One finished run: wall time, CPU time, peak memory.
#[derive(Clone, Copy)]
struct Measure {
    wall_ms: f64,
    cpu_ms: f64,
    max_rss_mib: f64,
}

/// Runs a command to completion and measures it with `wait4`, which reports
/// the child's own CPU time and peak memory.
fn measure(command: &mut Command) -> Measure {
    let started = Instant::now();
    let child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: plain FFI call with valid out-pointers; the child is ours and
    // has not been waited for, so wait4 reaps exactly this process.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(reaped, pid, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{command:?} failed"
    );
    std::mem::forget(child);
    let ms = |t: libc::timeval| t.tv_sec as f64 * 1000.0 + t.tv_usec as f64 / 1000.0;
    Measure {
        wall_ms,
        cpu_ms: ms(usage.ru_utime) + ms(usage.ru_stime),
        max_rss_mib: usage.ru_maxrss as f64 / 1024.0,
    }
}

fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn summary(runs: &[Measure]) -> Measure {
    Measure {
        wall_ms: median(runs.iter().map(|m| m.wall_ms)),
        cpu_ms: median(runs.iter().map(|m| m.cpu_ms)),
        max_rss_mib: median(runs.iter().map(|m| m.max_rss_mib)),
    }
}

/// A Hugo site on the same content that only writes RSS feeds (home,
/// sections, taxonomies, terms) with the same item limit.
fn hugo_config(dir: &Path, limit: usize) {
    std::fs::write(
        dir.join("hugo.toml"),
        format!(
            "baseURL = \"https://bench.example.com/\"\ntitle = \"Benchmark\"\ntimeZone = \"Asia/Taipei\"\ndisableKinds = [\"sitemap\", \"robotsTXT\", \"404\"]\n[outputs]\nhome = [\"RSS\"]\nsection = [\"RSS\"]\ntaxonomy = [\"RSS\"]\nterm = [\"RSS\"]\npage = []\n[services.rss]\nlimit = {}\n",
            if limit == 0 { -1 } else { limit as i64 }
        ),
    )
    .expect("hugo.toml");
    // The corpus's YouTube shortcode is built into Hugo; nothing else needed.
}

fn have_hugo() -> bool {
    Command::new("hugo")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn main() {
    let o = options();
    let bin = env!("CARGO_BIN_EXE_feedsmith");
    let hugo = o.hugo && have_hugo();
    println!(
        "feedsmith build ({}) vs {}; {} runs each after a warm-up, limit {}, seed {}",
        if o.cache {
            "feeds on disk, with the cache folder"
        } else {
            "feeds on disk, no cache folder"
        },
        if hugo {
            "hugo (feeds only)"
        } else if o.hugo {
            "nothing (hugo not installed)"
        } else {
            "nothing (--no-hugo)"
        },
        o.runs,
        o.limit,
        o.seed
    );
    println!("| posts | Markdown | feedsmith wall | CPU | peak RSS | hugo wall | CPU | peak RSS | hugo / feedsmith |");
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut stages = Vec::new();
    for &size in &o.sizes {
        let dir = tempfile::tempdir().expect("temp dir");
        let body = o.body_kb.map(|kb| kb * 1024);
        let bytes = corpus::generate(dir.path(), o.seed, size, o.limit, body).expect("generate");
        hugo_config(dir.path(), o.limit);
        let cache = o.cache;
        // Without the cache folder: as a fresh clone has none.
        let forget_cache = || {
            if !cache {
                let _ =
                    std::fs::remove_dir_all(dir.path().join(feedsmith::base::config::CACHE_DIR));
            }
        };
        let feedsmith = || {
            forget_cache();
            let mut c = Command::new(bin);
            c.args(["build", "-q"]).current_dir(dir.path());
            measure(&mut c)
        };
        let hugo_run = || {
            let mut c = Command::new("hugo");
            c.args(["--quiet", "-d", "public"]).current_dir(dir.path());
            measure(&mut c)
        };
        feedsmith();
        if hugo {
            hugo_run();
        }
        if cache {
            std::thread::sleep(feedsmith::disk::record::SETTLED);
            feedsmith();
        }
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        for _ in 0..o.runs {
            ours.push(feedsmith());
            if hugo {
                theirs.push(hugo_run());
            }
        }
        let f = summary(&ours);
        let cell = |m: Option<Measure>| match m {
            Some(m) => format!(
                "{:.0} ms | {:.0} ms | {:.0} MiB",
                m.wall_ms, m.cpu_ms, m.max_rss_mib
            ),
            None => "– | – | –".to_owned(),
        };
        let h = (!theirs.is_empty()).then(|| summary(&theirs));
        let ratio = h.map_or("–".to_owned(), |h| {
            format!("{:.1}×", h.wall_ms / f.wall_ms)
        });
        println!(
            "| {size} | {:.0} MB | {} | {} | {ratio} |",
            bytes as f64 / 1e6,
            cell(Some(f)),
            cell(h)
        );
        forget_cache();
        let verbose = Command::new(bin)
            .args(["build", "--verbose"])
            .current_dir(dir.path())
            .output()
            .expect("run feedsmith");
        let log = String::from_utf8_lossy(&verbose.stderr);
        if let Some(line) = log.lines().find(|l| l.contains("stages:")) {
            stages.push(format!(
                "{size} posts: {}",
                line.trim_start_matches("feedsmith: ")
            ));
        }
    }
    for line in stages {
        println!("{line}");
    }
}
