//! Requests per second of `feedsmith serve` on loopback, measured with `wrk`
//! (Debian's package): full 200 responses of the site feed, and 304s for a
//! reader that polls an unchanged feed with `If-None-Match`. Run with
//! `cargo bench --bench serve` (options after `--`: `--posts N`,
//! `--seconds N`, `--connections N`).

#[path = "support/corpus.rs"]
mod corpus;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs wrk and returns its "Requests/sec" figure.
fn wrk(url: &str, seconds: u64, connections: u64, header: Option<&str>) -> f64 {
    let mut command = Command::new("wrk");
    command.args([
        "-t2",
        &format!("-c{connections}"),
        &format!("-d{seconds}s"),
        "--latency",
    ]);
    if let Some(h) = header {
        command.args(["-H", h]);
    }
    let output = command.arg(url).output().expect("run wrk");
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no Requests/sec in wrk's output:\n{text}"))
}

fn main() {
    if Command::new("wrk").arg("--version").output().is_err() {
        eprintln!("wrk is not installed: apt-get install wrk");
        return;
    }
    let posts = arg("--posts", 1000) as usize;
    let seconds = arg("--seconds", 10);
    let connections = arg("--connections", 32);
    let dir = tempfile::tempdir().expect("temp dir");
    corpus::generate(dir.path(), 42, posts, 20, None).expect("generate");
    let log = dir.path().join("serve.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_feedsmith"))
        .args(["serve", "-q", "--port", "0"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log"))
        .spawn()
        .expect("start serve");
    let started = Instant::now();
    let base = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if let Some(at) = text.find(" at http://") {
            let rest = &text[at + 4..];
            break rest[..rest.find(' ').expect("address")].to_owned();
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "serve did not start: {text}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let url = format!("{base}rss.xml");
    let head = Command::new("curl")
        .args(["-sI", &url])
        .output()
        .expect("curl");
    let etag = String::from_utf8_lossy(&head.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("etag: ").map(|v| v.trim().to_owned()))
        .expect("an ETag");
    let size = std::fs::metadata(dir.path().join("feeds/rss.xml")).map_or(0, |m| m.len());
    println!(
        "feedsmith serve, {posts}-post site, site feed {} KB, wrk -t2 -c{connections} -d{seconds}s on loopback",
        size / 1024
    );
    let full = wrk(&url, seconds, connections, None);
    println!("200 (full feed):               {full:>10.0} requests/s");
    let not_modified = wrk(
        &url,
        seconds,
        connections,
        Some(&format!("If-None-Match: {etag}")),
    );
    println!("304 (If-None-Match matches):   {not_modified:>10.0} requests/s");
    let gzip = wrk(&url, seconds, connections, Some("Accept-Encoding: gzip"));
    println!("200 gzip (compressed per hit): {gzip:>10.0} requests/s");
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let _ = child.wait();
}
