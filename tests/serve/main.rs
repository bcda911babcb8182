//! Integration tests for `feedsmith serve`: a real HTTP client against the
//! running server on loopback.

#[path = "../common/mod.rs"]
mod common;
mod http;
mod readers;

use std::io::Read;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Running, Site};

/// A running `feedsmith serve` on a free port.
struct Server {
    run: Running,
    base: String,
}

impl Server {
    fn start(site: &Site) -> Server {
        let run = Running::spawn(site.path(), &["serve", "--port", "0", "--debounce", "20"]);
        run.wait_for_log(" at http://", 1);
        let text = run.log();
        let rest = &text[text.find(" at http://").unwrap() + 4..];
        let base = rest[..rest.find(' ').unwrap()]
            .trim_end_matches('/')
            .to_owned();
        Server { run, base }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Waits until the log reports `times` rebuilds for edits of `rel`
    /// (each edit waits for its rebuild, so that all of them happen
    /// however loaded the machine is: edits closer than the debounce
    /// would be coalesced).
    #[track_caller]
    fn wait_for_rebuild(&self, rel: &str, times: usize) {
        let needle = format!("{rel} changed");
        let started = Instant::now();
        while self.run.log().matches(&needle).count() < times {
            assert!(
                started.elapsed() < common::PATIENCE,
                "edit {times} of {rel} was never rebuilt"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// Status, headers and body of a request.
fn fetch(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
) -> (u16, ureq::http::HeaderMap, Vec<u8>) {
    let mut request = ureq::http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let mut response = agent().run(request.body(()).unwrap()).unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.body_mut().read_to_vec().unwrap_or_default();
    (status, headers, body)
}

fn get(url: &str) -> (u16, ureq::http::HeaderMap, Vec<u8>) {
    fetch("GET", url, &[])
}

fn header<'a>(h: &'a ureq::http::HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

fn site() -> Site {
    let site = Site::new();
    for i in 0..30 {
        site.post(
            &format!("posts/p{i:02}.md"),
            &format!(
                "title: Post {i}\ndate: 2024-01-{:02}\ntags: [rust, t{}]\ncategories: [技術]",
                i % 28 + 1,
                i % 3
            ),
            &"Body text. ".repeat(60),
        );
    }
    site
}

#[test]
fn feeds_and_pages_have_the_right_content_types() {
    let site = site();
    let server = Server::start(&site);
    for (path, kind) in [
        ("/rss.xml", "application/rss+xml; charset=utf-8"),
        ("/feed.json", "application/feed+json; charset=utf-8"),
        ("/feeds.opml", "text/x-opml; charset=utf-8"),
        ("/", "text/html; charset=utf-8"),
        ("/tags/rust/", "text/html; charset=utf-8"),
        ("/tags/rust", "text/html; charset=utf-8"),
        (
            "/categories/%E6%8A%80%E8%A1%93/rss.xml",
            "application/rss+xml; charset=utf-8",
        ),
    ] {
        let (status, headers, body) = get(&server.url(path));
        assert_eq!(status, 200, "{path}");
        assert_eq!(header(&headers, "content-type"), kind, "{path}");
        assert!(
            header(&headers, "etag").starts_with('"'),
            "{path}: strong ETag"
        );
        assert!(!header(&headers, "last-modified").is_empty(), "{path}");
        assert!(
            header(&headers, "cache-control").contains("max-age"),
            "{path}"
        );
        assert!(!body.is_empty());
        if path.ends_with("rss.xml") || path.ends_with("feed.json") {
            assert_eq!(
                body,
                site.read(
                    path.trim_start_matches('/')
                        .replace("%E6%8A%80%E8%A1%93", "技術")
                        .as_str()
                )
            );
            common::parse_feed(&body, path);
        }
    }
}

#[test]
fn conditional_requests_get_304_and_head_gets_no_body() {
    let site = site();
    let server = Server::start(&site);
    let (_, headers, _) = get(&server.url("/rss.xml"));
    let etag = header(&headers, "etag").to_owned();
    let modified = header(&headers, "last-modified").to_owned();

    let (status, h, body) = fetch("GET", &server.url("/rss.xml"), &[("If-None-Match", &etag)]);
    assert_eq!(status, 304);
    assert!(body.is_empty());
    assert_eq!(header(&h, "etag"), etag);
    let (status, _, _) = fetch(
        "GET",
        &server.url("/rss.xml"),
        &[("If-None-Match", "\"other\", W/".to_owned().as_str())],
    );
    assert_eq!(status, 200);
    let (status, _, body) = fetch(
        "GET",
        &server.url("/rss.xml"),
        &[("If-Modified-Since", &modified)],
    );
    assert_eq!((status, body.len()), (304, 0));
    let (status, _, _) = fetch(
        "GET",
        &server.url("/rss.xml"),
        &[("If-Modified-Since", "Thu, 01 Jan 1970 00:00:00 GMT")],
    );
    assert_eq!(status, 200);

    let (status, h, body) = fetch("HEAD", &server.url("/rss.xml"), &[]);
    assert_eq!(status, 200);
    assert!(body.is_empty());
    assert_eq!(header(&h, "etag"), etag);
    assert_eq!(
        header(&h, "content-length"),
        site.read("rss.xml").len().to_string()
    );

    let (status, _, _) = fetch("POST", &server.url("/rss.xml"), &[]);
    assert_eq!(status, 405);
}

#[test]
fn gzip_when_accepted_with_its_own_etag() {
    let site = site();
    let server = Server::start(&site);
    let (_, plain, _) = get(&server.url("/feed.json"));
    let (status, h, body) = fetch(
        "GET",
        &server.url("/feed.json"),
        &[("Accept-Encoding", "gzip, deflate")],
    );
    assert_eq!(status, 200);
    assert_eq!(header(&h, "content-encoding"), "gzip");
    assert_eq!(header(&h, "vary"), "Accept-Encoding");
    assert_ne!(header(&h, "etag"), header(&plain, "etag"));
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(body.as_slice())
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, site.read("feed.json"));
    let etag = header(&h, "etag").to_owned();
    let (status, _, _) = fetch(
        "GET",
        &server.url("/feed.json"),
        &[("Accept-Encoding", "gzip"), ("If-None-Match", &etag)],
    );
    assert_eq!(status, 304);
}

#[test]
fn brotli_when_accepted_before_gzip_with_its_own_etag() {
    let site = site();
    let server = Server::start(&site);
    let (_, plain, _) = get(&server.url("/rss.xml"));
    let (_, gzipped, _) = fetch(
        "GET",
        &server.url("/rss.xml"),
        &[("Accept-Encoding", "gzip")],
    );
    let (status, h, body) = fetch(
        "GET",
        &server.url("/rss.xml"),
        &[("Accept-Encoding", "gzip, deflate, br")],
    );
    assert_eq!(status, 200);
    assert_eq!(header(&h, "content-encoding"), "br");
    let etag = header(&h, "etag").to_owned();
    assert_ne!(etag, header(&plain, "etag"));
    assert_ne!(etag, header(&gzipped, "etag"));
    let mut decoded = Vec::new();
    brotli::BrotliDecompress(&mut body.as_slice(), &mut decoded).unwrap();
    assert_eq!(decoded, site.read("rss.xml"));
    assert!(
        body.len() < decoded.len() / 3,
        "brotli should shrink a feed"
    );
    let (status, _, _) = fetch(
        "GET",
        &server.url("/rss.xml"),
        &[("Accept-Encoding", "br"), ("If-None-Match", &etag)],
    );
    assert_eq!(status, 304);
}

/// Files are served from memory; one edited by hand in the output folder
/// (not by watch) must not be served stale for more than a moment.
#[test]
fn a_file_edited_by_hand_in_the_output_folder_is_served_fresh() {
    let site = site();
    let server = Server::start(&site);
    let (_, before, _) = get(&server.url("/feeds.opml"));
    let edited = b"<?xml version=\"1.0\"?>\n<opml version=\"2.0\"><head><title>by hand</title></head><body/></opml>\n";
    std::fs::write(site.out().join("feeds.opml"), edited).unwrap();
    let started = Instant::now();
    loop {
        let (status, h, body) = get(&server.url("/feeds.opml"));
        assert_eq!(status, 200);
        if body == edited {
            assert_ne!(header(&h, "etag"), header(&before, "etag"));
            break;
        }
        assert!(
            started.elapsed() < common::PATIENCE,
            "the hand edit never showed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Slow clients must not hold the server: 3,000 connections that send
/// half a request and wait neither stop a new client from being served
/// nor use up file descriptors, and are closed after the idle timeout.
#[test]
fn three_thousand_half_sent_requests_do_not_stop_a_new_client() {
    raise_own_open_files_limit(8192);
    let site = site();
    let run = Running::spawn(
        site.path(),
        &["serve", "--port", "0", "--idle-timeout", "2"],
    );
    run.wait_for_log(" at http://", 1);
    let text = run.log();
    let rest = &text[text.find(" at http://").unwrap() + 11..];
    let addr = rest[..rest.find('/').unwrap()].to_owned();
    let mut idle = Vec::new();
    for _ in 0..3000 {
        use std::io::Write;
        let mut stream = std::net::TcpStream::connect(&addr).unwrap();
        stream
            .write_all(b"GET /rss.xml HTTP/1.1\r\nHost: x\r\nUser-Agent: slow")
            .unwrap();
        idle.push(stream);
    }
    // A new client is served, whole.
    let (status, _, body) = get(&format!("http://{addr}/rss.xml"));
    assert_eq!(status, 200);
    assert_eq!(body, site.read("rss.xml"));
    let open_files = || {
        std::fs::read_dir(format!("/proc/{}/fd", run.pid()))
            .unwrap()
            .count()
    };
    assert!(open_files() < 3000 + 200, "{} descriptors", open_files());
    // Every half-sent request is answered by a close once the timeout
    // passes, and the server's descriptors go back down.
    for mut stream in idle {
        stream.set_read_timeout(Some(common::PATIENCE)).unwrap();
        let mut reply = Vec::new();
        let _ = stream.read_to_end(&mut reply);
        assert!(
            reply.is_empty() || reply.starts_with(b"HTTP/1.1 408"),
            "{}",
            String::from_utf8_lossy(&reply)
        );
    }
    let started = Instant::now();
    while open_files() > 200 {
        assert!(
            started.elapsed() < common::PATIENCE,
            "{} descriptors stay open",
            open_files()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (status, _, _) = get(&format!("http://{addr}/rss.xml"));
    assert_eq!(status, 200);
}

/// The test's own limit on open files, raised to at least `wanted` (as far
/// as the hard limit allows): it holds thousands of sockets.
fn raise_own_open_files_limit(wanted: u64) {
    // SAFETY: getrlimit/setrlimit with a valid pointer to the right struct.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < wanted {
            limit.rlim_cur = wanted.min(limit.rlim_max);
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

#[test]
fn nothing_outside_the_output_folder_is_reachable() {
    let site = site();
    std::fs::write(site.path().join("secret.txt"), "secret").unwrap();
    let server = Server::start(&site);
    std::os::unix::fs::symlink(site.path().join("secret.txt"), site.out().join("link.txt"))
        .unwrap();
    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/tags/..%2F..%2Fsecret.txt",
        "/..%5Csecret.txt",
        "/.feedsmith-manifest",
        "/link.txt",
        "/%00",
        "/nope.xml",
    ] {
        // A raw request line, so no client normalises the path first.
        let status = raw_status(&server.base, path);
        assert!(status == 400 || status == 404, "{path}: {status}");
    }
    // The server is still up.
    assert_eq!(get(&server.url("/rss.xml")).0, 200);
}

/// Sends `GET <path>` exactly as written and returns the status code.
fn raw_status(base: &str, path: &str) -> u16 {
    use std::io::Write;
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    let _ = stream.read_to_string(&mut reply);
    reply
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[test]
fn an_edited_feed_changes_etag_and_body() {
    let site = site();
    let server = Server::start(&site);
    let (_, before, _) = get(&server.url("/rss.xml"));
    site.post(
        "posts/p05.md",
        "title: Edited while served\ndate: 2024-02-01\ntags: [rust]",
        "new",
    );
    let started = Instant::now();
    loop {
        let (status, h, body) = get(&server.url("/rss.xml"));
        assert_eq!(status, 200);
        let feed = common::parse_feed(&body, "rss.xml");
        if feed.entries[0].title.as_ref().unwrap().content == "Edited while served" {
            assert_ne!(header(&h, "etag"), header(&before, "etag"));
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the edit never showed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn clients_polling_during_50_rebuilds_always_get_whole_feeds() {
    let site = site();
    let server = Server::start(&site);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|n| {
            let url = server.url(if n % 2 == 0 {
                "/rss.xml"
            } else {
                "/tags/rust/feed.json"
            });
            let stop = std::sync::Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut polls = 0;
                let mut etags = std::collections::BTreeSet::new();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let (status, h, body) = get(&url);
                    assert_eq!(status, 200);
                    common::parse_feed(&body, &url);
                    etags.insert(header(&h, "etag").to_owned());
                    polls += 1;
                }
                (polls, etags.len())
            })
        })
        .collect();
    for i in 0..50 {
        site.post(
            "posts/p07.md",
            &format!("title: Rebuild {i}\ndate: 2024-03-01\ntags: [rust]"),
            &"x ".repeat(i + 1),
        );
        server.wait_for_rebuild("posts/p07.md", i + 1);
    }
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for client in clients {
        let (polls, versions) = client.join().unwrap();
        assert!(polls > 20, "{polls} polls");
        assert!(versions > 5, "only {versions} versions seen");
    }
}

#[test]
fn sigterm_stops_the_server_and_the_watch_cleanly() {
    let site = site();
    let server = Server::start(&site);
    assert_eq!(get(&server.url("/rss.xml")).0, 200);
    let (code, log) = server.run.stop_with("-TERM");
    assert_eq!(code, 0);
    assert!(log.contains("stopped"));
}

/// Headless Chromium opens the index and a tag page served by feedsmith; the
/// rendered DOM must show the feed names and the item titles. Screenshots
/// are kept in `target/test-artifacts/`. Needs Debian's `chromium`, which
/// `.ci/run` installs; required on CI, skipped with a notice elsewhere.
#[test]
fn a_browser_renders_the_index_and_a_tag_page() {
    if !common::program_runs("chromium", &["--version"], "apt-get install chromium") {
        return;
    }
    let site = site();
    let server = Server::start(&site);
    let artifacts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let chromium = |args: &[String]| {
        let profile = tempfile::tempdir().unwrap();
        let output = Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--window-size=412,900",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    for (path, name, expected) in [
        (
            "/",
            "index",
            vec!["Test site", "Tags", "rust", "RSS", "JSON"],
        ),
        (
            "/tags/rust/",
            "tag-rust",
            vec!["Test site | Tag: rust", "Subscribe", "Post 27", "Post 26"],
        ),
    ] {
        let url = server.url(path);
        let dom = chromium(&["--dump-dom".to_owned(), url.clone()]);
        for text in expected {
            assert!(
                dom.contains(text),
                "{path}: {text:?} not in the rendered page:\n{dom}"
            );
        }
        let shot = artifacts.join(format!("serve-{name}.png"));
        chromium(&[format!("--screenshot={}", shot.display()), url]);
        assert!(
            std::fs::metadata(&shot)
                .map(|m| m.len() > 1000)
                .unwrap_or(false),
            "no screenshot {}",
            shot.display()
        );
    }
}

/// A multilingual Hugo site (`en` besides the default `zh-tw`): serve
/// builds and watches both, and serves the folder that holds them, so the
/// English feeds are at `/en/` and follow edits as the default ones do.
#[test]
fn every_language_is_served_and_follows_edits() {
    let site = Site::with_hugo_config(
        "baseURL = \"https://example.org/\"\ntitle = \"Site\"\n\
         defaultContentLanguage = \"zh-tw\"\n\
         [languages.zh-tw]\nweight = 1\n[languages.en]\nweight = 2\n",
    );
    site.post("posts/a.md", "title: 甲\ndate: 2024-01-01", "x")
        .post("posts/b.en.md", "title: B\ndate: 2024-01-02", "x");
    let server = Server::start(&site);
    let titles = |path: &str| {
        let (status, _, body) = get(&server.url(path));
        assert_eq!(status, 200, "{path}");
        let feed = common::parse_feed(&body, path);
        let titles: Vec<String> = feed
            .entries
            .iter()
            .filter_map(|e| e.title.as_ref().map(|t| t.content.clone()))
            .collect();
        titles
    };
    assert_eq!(titles("/rss.xml"), ["甲"]);
    assert_eq!(titles("/en/rss.xml"), ["B"]);
    site.post("posts/b.en.md", "title: B edited\ndate: 2024-01-02", "x");
    let started = Instant::now();
    while titles("/en/rss.xml") != ["B edited"] {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the edit never showed:\n{}",
            server.run.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(titles("/rss.xml"), ["甲"]);
}

/// With Hugo's `defaultContentLanguageInSubdir`, every language is under
/// `<code>/`, the default one too, and serve serves the folder above them.
#[test]
fn languages_all_in_subfolders_are_served() {
    let site = Site::with_hugo_config(
        "baseURL = \"https://example.org/\"\ntitle = \"Site\"\n\
         defaultContentLanguage = \"zh-tw\"\ndefaultContentLanguageInSubdir = true\n\
         [languages.zh-tw]\nweight = 1\n[languages.en]\nweight = 2\n",
    );
    site.post("posts/a.md", "title: 甲\ndate: 2024-01-01", "x")
        .post("posts/b.en.md", "title: B\ndate: 2024-01-02", "x");
    let server = Server::start(&site);
    for (path, title) in [("/zh-tw/rss.xml", "甲"), ("/en/rss.xml", "B")] {
        let (status, _, body) = get(&server.url(path));
        assert_eq!(status, 200, "{path}:\n{}", server.run.log());
        let feed = common::parse_feed(&body, path);
        assert_eq!(feed.entries[0].title.as_ref().unwrap().content, title);
    }
}

/// Feeds of 64 KiB and more are sent with `sendfile` from the open file
/// they were read from (src/cmd/serve/sendfile.rs): such a feed arrives
/// byte for byte as on disk, over a kept-alive connection again and
/// again, and clients polling it while it is rebuilt (renamed over) get
/// one whole version each time.
#[test]
fn large_feeds_are_sent_whole_while_they_are_rebuilt() {
    let site = Site::new();
    for i in 0..25 {
        site.post(
            &format!("posts/p{i:02}.md"),
            &format!("title: Long {i}\ndate: 2024-01-{:02}\ntags: [rust]", i + 1),
            &format!("Paragraph {i} of a long post.\n\n").repeat(300),
        );
    }
    let server = Server::start(&site);
    let on_disk = site.read("rss.xml");
    assert!(on_disk.len() > 128 * 1024, "{} bytes", on_disk.len());
    let agent = agent();
    for _ in 0..20 {
        let mut response = agent.get(&server.url("/rss.xml")).call().unwrap();
        let body = response.body_mut().read_to_vec().unwrap();
        assert!(body == on_disk, "{} bytes, not the file", body.len());
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clients: Vec<_> = (0..3)
        .map(|_| {
            let (url, stop) = (server.url("/rss.xml"), std::sync::Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut versions = std::collections::BTreeSet::new();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let (status, h, body) = get(&url);
                    assert_eq!(status, 200);
                    assert_eq!(header(&h, "content-length"), body.len().to_string());
                    common::parse_feed(&body, &url);
                    versions.insert(header(&h, "etag").to_owned());
                }
                versions.len()
            })
        })
        .collect();
    for i in 0..10 {
        site.post(
            "posts/p24.md",
            &format!("title: Rebuilt {i}\ndate: 2024-01-25\ntags: [rust]"),
            &format!("Version {i}.\n\n").repeat(2000 + i),
        );
        server.wait_for_rebuild("posts/p24.md", i + 1);
    }
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for client in clients {
        assert!(client.join().unwrap() > 2, "too few versions seen");
    }
    let (_, _, last) = get(&server.url("/rss.xml"));
    assert_eq!(last, site.read("rss.xml"));
}
