//! Watch-mode latency on a generated blog: the time from saving one post to
//! the updated feed being on disk, and what one edit costs next to a full
//! build. Run with `cargo bench --bench watch` (options after `--`:
//! `--posts N`, `--edits N`, `--debounce MS`, `--seed N`, and `--bin PATH`
//! to time another feedsmith binary, an older build say).
//!
//! Two kinds of edit are timed: a body edit (what happens while writing),
//! and a front matter edit that moves the post to another tag (which makes
//! feedsmith collect the whole site again).

#[path = "support/corpus.rs"]
mod corpus;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Options {
    posts: usize,
    edits: usize,
    debounce: u64,
    seed: u64,
    bin: String,
}

fn options() -> Options {
    let mut o = Options {
        posts: 10_000,
        edits: 30,
        debounce: 50,
        seed: 42,
        bin: env!("CARGO_BIN_EXE_feedsmith").to_owned(),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = || args.get(i + 1).and_then(|v| v.parse::<u64>().ok());
        match args[i].as_str() {
            "--posts" => o.posts = value().expect("--posts N") as usize,
            "--edits" => o.edits = value().expect("--edits N") as usize,
            "--debounce" => o.debounce = value().expect("--debounce MS"),
            "--seed" => o.seed = value().expect("--seed N"),
            "--bin" => o.bin = args.get(i + 1).cloned().expect("--bin PATH"),
            // `cargo bench` passes `--bench`; ignore what is not ours.
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    o
}

/// The value at fraction `p` (0.5 = median) of the sorted values.
fn percentile(v: &[f64], p: f64) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// Rewrites the benchmark's own post (the newest, so it is in the site-wide
/// feed). A front matter edit also moves it between two tags.
fn edit_post(dir: &Path, i: usize, front_matter: bool) {
    let tag = if front_matter {
        format!("bench-tag-{}", i % 2)
    } else {
        "開源".to_owned()
    };
    let text = format!(
        "---\ntitle: \"Bench edit\"\ndate: 2026-01-01T00:00:00+08:00\ntags: [\"Rust\", \"{tag}\"]\ncategories: [\"Engineering\"]\n---\n\nEdited body, marker edit-{i:05}-end.\n"
    );
    std::fs::write(dir.join("content/posts/bench-edit.md"), text).expect("write");
}

/// Edits and times until each marker is in the site-wide feed on disk.
fn timed_edits(
    dir: &Path,
    range: std::ops::RangeInclusive<usize>,
    front: bool,
    debounce: u64,
) -> Vec<f64> {
    let site_feed = dir.join("feeds/rss.xml");
    let mut latency = Vec::new();
    for i in range {
        std::thread::sleep(Duration::from_millis(debounce * 3));
        let marker = format!("edit-{i:05}-end");
        let t = Instant::now();
        edit_post(dir, i, front);
        while !std::fs::read_to_string(&site_feed).is_ok_and(|f| f.contains(&marker)) {
            assert!(
                t.elapsed() < Duration::from_secs(30),
                "edit {i} never reached the feed"
            );
            std::thread::sleep(Duration::from_micros(250));
        }
        latency.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    latency
}

fn main() {
    let o = options();
    let bin = o.bin.as_str();
    let dir = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let bytes = corpus::generate(dir.path(), o.seed, o.posts, 20, None).expect("generate");
    edit_post(dir.path(), 0, false);
    println!(
        "corpus: {} posts, {:.1} MB of Markdown, seed {} (generated in {:.1} s)",
        o.posts,
        bytes as f64 / 1e6,
        o.seed,
        started.elapsed().as_secs_f64()
    );

    // Full one-shot builds (warm cache, output up to date), whole processes.
    // Each renders every post its feeds show: the item cache of the run
    // before, which would spare that, is deleted first (with the record).
    let scratch = dir.path().join("scratch");
    let cache_dir = dir.path().join(feedsmith::base::config::CACHE_DIR);
    let mut full = Vec::new();
    for run in 0..6 {
        let _ = std::fs::remove_dir_all(&cache_dir);
        let t = Instant::now();
        let status = Command::new(bin)
            .args(["build", "-q", "--out"])
            .arg(&scratch)
            .current_dir(dir.path())
            .stderr(Stdio::null())
            .status()
            .expect("run build");
        assert!(status.success());
        if run > 0 {
            full.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    let full_ms = percentile(&full, 0.5);
    println!("full build (whole process, median of 5): {full_ms:.1} ms");

    let log_path = dir.path().join("watch.log");
    let mut child = Command::new(bin)
        .args(["watch", "-v", "--debounce", &o.debounce.to_string()])
        .current_dir(dir.path())
        .stderr(std::fs::File::create(&log_path).expect("log"))
        .spawn()
        .expect("start watch");
    let log = || std::fs::read_to_string(&log_path).unwrap_or_default();
    let wait_start = Instant::now();
    while !log().contains("full build") {
        assert!(
            wait_start.elapsed() < Duration::from_secs(120),
            "watch did not start: {}",
            log()
        );
        std::thread::sleep(Duration::from_millis(10));
    }

    let body = timed_edits(dir.path(), 1..=o.edits, false, o.debounce);
    let front = timed_edits(dir.path(), o.edits + 1..=o.edits * 2, true, o.debounce);
    std::thread::sleep(Duration::from_millis(200));
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let _ = child.wait();

    // The watcher's own time per rebuild, from its report lines, in order.
    let text = log();
    let own: Vec<f64> = text
        .lines()
        .filter(|l| l.contains("posts/bench-edit.md changed"))
        .filter_map(|l| l.split(" in ").nth(1)?.split(" ms").next()?.parse().ok())
        .collect();
    assert_eq!(
        own.len(),
        o.edits * 2,
        "one rebuild per edit expected:\n{text}"
    );
    let (own_body, own_front) = own.split_at(o.edits);
    let rendered_one = text
        .lines()
        .filter(|l| l.trim().starts_with("1 post(s) rendered"))
        .count();

    println!("debounce: {} ms", o.debounce);
    let budget = 50.0 + o.debounce as f64;
    let mut met = true;
    for (what, latency, own) in [
        ("body edit", &body, own_body),
        ("front matter edit", &front, own_front),
    ] {
        let median = percentile(latency, 0.5);
        let own_median = percentile(own, 0.5);
        met &= median < budget && own_median <= full_ms * 0.05;
        println!(
            "{what} (n={}): save → feed on disk median {median:.1} ms, p90 {:.1} ms, max {:.1} ms; rebuild {own_median:.2} ms = {:.2}% of a full build",
            latency.len(),
            percentile(latency, 0.9),
            percentile(latency, 1.0),
            own_median / full_ms * 100.0
        );
    }
    println!(
        "edits that rendered exactly one post: {rendered_one} of {}",
        o.edits * 2
    );
    println!(
        "targets (median < {budget:.0} ms = 50 ms + debounce; rebuild ≤ 5% of a full build): {}",
        if met { "met" } else { "MISSED" }
    );
}
