//! Requests per second of `feedsmith serve` on loopback, measured with `wrk`
//! (Debian's package), beside nginx (Debian's package, when installed)
//! serving the same folder: full 200 responses of the site feed, 304s for a
//! reader that polls an unchanged feed with `If-None-Match`, and 200s for
//! clients that accept gzip (and brotli, which Debian's nginx cannot send).
//! Run with `cargo bench --bench serve` (options after `--`: `--posts N`,
//! default 10000; `--seconds N` per run, default 3; `--rounds N`, default
//! 9; `--connections N`, default 32). On a shared machine one round of the
//! same server may give half or twice another's rate: many short rounds
//! give a steadier median than a few long ones.
//!
//! nginx is set up as one would to serve feeds fast: `sendfile`,
//! `open_file_cache`, `etag on`, `gzip on` at its default level for the feed
//! types, one worker per core, access log off. Both servers are up, and wrk
//! drives one at a time, in turns (feedsmith, nginx, feedsmith, …) for each
//! kind of request: on a shared machine whose speed drifts, each round
//! compares the two at nearly the same moment. The table gives the median
//! of the rounds, and the median of the rounds' ratios.

#[path = "support/corpus.rs"]
mod corpus;

use std::path::Path;
use std::process::{Child, Command, Stdio};
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
fn wrk(url: &str, seconds: u64, connections: u64, headers: &[&str]) -> f64 {
    let mut command = Command::new("wrk");
    command.args([
        "-t2",
        &format!("-c{connections}"),
        &format!("-d{seconds}s"),
        "--latency",
    ]);
    for h in headers {
        command.args(["-H", h]);
    }
    let output = command.arg(url).output().expect("run wrk");
    let text = String::from_utf8_lossy(&output.stdout);
    if !text.contains("Non-2xx or 3xx") {
        text.lines()
            .find_map(|l| l.strip_prefix("Requests/sec:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no Requests/sec in wrk's output:\n{text}"))
    } else {
        panic!("errors in wrk's output:\n{text}")
    }
}

/// A response's headers, lowercased names, as curl shows them.
fn head(url: &str, headers: &[&str]) -> Vec<(String, String)> {
    let mut command = Command::new("curl");
    command.args(["-s", "-o", "/dev/null", "-D", "-", url]);
    for h in headers {
        command.args(["-H", h]);
    }
    let out = command.output().expect("curl");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_owned()))
        .collect()
}

fn header(headers: &[(String, String)], name: &str) -> String {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// The request headers of each kind of request the bench makes of the
/// feed at `url`, after checking that the server answers as expected.
fn kinds(url: &str) -> [(&'static str, Vec<String>); 4] {
    let etag = header(&head(url, &[]), "etag");
    assert!(!etag.is_empty(), "no ETag from {url}");
    let gzip_headers = head(url, &["Accept-Encoding: gzip"]);
    assert_eq!(header(&gzip_headers, "content-encoding"), "gzip", "{url}");
    [
        ("GET, 200", vec![]),
        (
            "conditional GET, 304",
            vec![format!("If-None-Match: {etag}")],
        ),
        (
            "GET with gzip, 200",
            vec!["Accept-Encoding: gzip".to_owned()],
        ),
        (
            "GET with brotli, 200",
            vec!["Accept-Encoding: br".to_owned()],
        ),
    ]
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Starts nginx serving `root` on a free port; `None` if it is not
/// installed.
fn start_nginx(root: &Path, work: &Path) -> Option<(Child, String)> {
    Command::new("nginx").arg("-v").output().ok()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let conf = work.join("nginx.conf");
    std::fs::write(
        &conf,
        format!(
            "worker_processes auto;\ndaemon off;\npid {work}/nginx.pid;\nerror_log {work}/error.log;\n\
             events {{ worker_connections 4096; }}\n\
             http {{\n  access_log off;\n  sendfile on;\n  tcp_nopush on;\n  keepalive_requests 1000000;\n\
               open_file_cache max=10000 inactive=60s;\n  open_file_cache_valid 60s;\n  etag on;\n\
               gzip on;\n  gzip_types application/rss+xml application/feed+json application/atom+xml text/x-opml;\n\
               types {{ application/rss+xml xml; application/feed+json json; text/html html; }}\n\
               client_body_temp_path {work}/body; proxy_temp_path {work}/proxy; fastcgi_temp_path {work}/fastcgi;\n\
               uwsgi_temp_path {work}/uwsgi; scgi_temp_path {work}/scgi;\n\
               server {{ listen 127.0.0.1:{port}; root {root}; }}\n}}\n",
            work = work.display(),
            root = root.display(),
        ),
    )
    .ok()?;
    let child = Command::new("nginx")
        .args([
            "-p",
            &work.display().to_string(),
            "-c",
            &conf.display().to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let base = format!("http://127.0.0.1:{port}/");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "nginx did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some((child, base))
}

/// Starts `feedsmith serve` on the site; returns it and its address.
fn start_feedsmith(dir: &Path) -> (Child, String) {
    let log = dir.join("serve.log");
    let child = Command::new(env!("CARGO_BIN_EXE_feedsmith"))
        .args(["serve", "-q", "--port", "0"])
        .current_dir(dir)
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
    (child, base)
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

fn main() {
    if Command::new("wrk").arg("--version").output().is_err() {
        eprintln!("wrk is not installed: apt-get install wrk");
        return;
    }
    let posts = arg("--posts", 10_000) as usize;
    let seconds = arg("--seconds", 3);
    let rounds = arg("--rounds", 9).max(1) as usize;
    let connections = arg("--connections", 32);
    let dir = tempfile::tempdir().expect("temp dir");
    corpus::generate(dir.path(), 42, posts, 20, None).expect("generate");
    let (feedsmith, base) = start_feedsmith(dir.path());
    let size = std::fs::metadata(dir.path().join("feeds/rss.xml")).map_or(0, |m| m.len());
    let work = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("feeds");
    let nginx = start_nginx(&root, work.path());
    if nginx.is_none() {
        println!("(nginx is not installed: apt-get install nginx)");
    }
    println!(
        "{posts}-post site, site feed rss.xml {} KB, wrk -t2 -c{connections} -d{seconds}s on loopback, \
         {rounds} rounds, the servers in turns",
        size / 1024
    );
    println!("| request | nginx | feedsmith serve | feedsmith ÷ nginx |");
    println!("|---|---|---|---|");
    let ours_url = format!("{base}rss.xml");
    let theirs_url = nginx.as_ref().map(|(_, base)| format!("{base}rss.xml"));
    let theirs_kinds = theirs_url.as_deref().map(kinds);
    for (i, (what, headers)) in kinds(&ours_url).into_iter().enumerate() {
        let ours_headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        // nginx's own ETag, and no brotli: Debian's nginx has no module.
        let theirs = theirs_kinds
            .as_ref()
            .zip(theirs_url.as_deref())
            .filter(|_| !what.contains("brotli"));
        let (mut ours_rates, mut theirs_rates, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds {
            let ours = wrk(&ours_url, seconds, connections, &ours_headers);
            ours_rates.push(ours);
            if let Some((kinds, url)) = theirs {
                let headers: Vec<&str> = kinds[i].1.iter().map(String::as_str).collect();
                let rate = wrk(url, seconds, connections, &headers);
                theirs_rates.push(rate);
                ratios.push(ours / rate);
            }
        }
        let ours = median(ours_rates);
        let (n, ratio) = if theirs_rates.is_empty() {
            ("–".to_owned(), "–".to_owned())
        } else {
            let note = if what.contains("gzip") {
                " (compresses each time)"
            } else {
                ""
            };
            (
                format!("{:.0} req/s{note}", median(theirs_rates)),
                format!("{:.2}×", median(ratios)),
            )
        };
        println!("| {what} | {n} | {ours:.0} req/s | {ratio} |");
    }
    stop(feedsmith);
    if let Some((nginx, _)) = nginx {
        stop(nginx);
    }
}
