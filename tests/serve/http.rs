//! The HTTP/1.1 rules `feedsmith serve` follows on the wire, checked with
//! raw requests (so that no client smooths them over), and through nginx
//! as a reverse proxy in front of it, as a site would run it.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{common, fetch, header, site, Server};

/// Connects to the server at `base` (`http://host:port`).
fn connect(base: &str) -> TcpStream {
    let stream = TcpStream::connect(base.trim_start_matches("http://")).unwrap();
    stream.set_read_timeout(Some(common::PATIENCE)).unwrap();
    stream
}

/// One response read from `stream`: its status, its head's fields
/// (lowercase names) and its body (`Content-Length` bytes, none for a 304
/// or an answer to HEAD).
fn response(stream: &mut TcpStream, head_only: bool) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut head = Vec::new();
    let mut byte = [0];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(
            stream.read(&mut byte).unwrap(),
            1,
            "the response ended early"
        );
        head.push(byte[0]);
    }
    let text = String::from_utf8(head).unwrap();
    let mut lines = text.lines();
    let status = lines.next().unwrap()[9..12].parse().unwrap();
    let fields: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_lowercase(), v.trim().to_owned()))
        .collect();
    let length = field(&fields, "content-length").parse().unwrap_or(0);
    let mut body = vec![
        0;
        if head_only || status == 304 {
            0
        } else {
            length
        }
    ];
    stream.read_exact(&mut body).unwrap();
    (status, fields, body)
}

fn field(fields: &[(String, String)], name: &str) -> String {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// Whether the server closed `stream` (what is left is read to its end).
fn closed(stream: &mut TcpStream) -> bool {
    let mut rest = Vec::new();
    matches!(stream.read_to_end(&mut rest), Ok(0))
}

/// Requests sent one after another without waiting (pipelined) are
/// answered in order, on one connection that stays open.
#[test]
fn pipelined_requests_are_answered_in_order() {
    let site = site();
    let server = Server::start(&site);
    let mut stream = connect(&server.base);
    let etag = {
        write!(stream, "GET /rss.xml HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let (status, fields, body) = response(&mut stream, false);
        assert_eq!((status, body), (200, site.read("rss.xml")));
        field(&fields, "etag")
    };
    write!(
        stream,
        "GET /feed.json HTTP/1.1\r\nHost: x\r\n\r\n\
         HEAD /rss.xml HTTP/1.1\r\nHost: x\r\n\r\n\
         GET /rss.xml?from=reader HTTP/1.1\r\nHost: x\r\nIf-None-Match: {etag}\r\n\r\n\
         GET http://example.org/tags/rust/rss.xml HTTP/1.1\r\nHost: example.org\r\n\r\n\
         GET /nope.xml HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    .unwrap();
    let (status, _, body) = response(&mut stream, false);
    assert_eq!((status, body), (200, site.read("feed.json")));
    let (status, fields, body) = response(&mut stream, true);
    assert_eq!((status, body.len()), (200, 0));
    assert_eq!(
        field(&fields, "content-length"),
        site.read("rss.xml").len().to_string()
    );
    let (status, fields, _) = response(&mut stream, false);
    assert_eq!((status, field(&fields, "etag")), (304, etag));
    assert!(
        !field(&fields, "date").is_empty(),
        "a Date on every response"
    );
    let (status, _, body) = response(&mut stream, false);
    assert_eq!((status, body), (200, site.read("tags/rust/rss.xml")));
    assert_eq!(response(&mut stream, false).0, 404);
    // Still open: two thousand more in one go (answered in batches), each
    // whole and in order.
    let pages = ["/feeds.opml", "/tags/rust/", "/feed.json"];
    let many: String = (0..2000)
        .map(|i| format!("GET {} HTTP/1.1\r\nHost: x\r\n\r\n", pages[i % 3]))
        .collect();
    let writer = {
        let mut stream = stream.try_clone().unwrap();
        std::thread::spawn(move || stream.write_all(many.as_bytes()).unwrap())
    };
    let expected = pages.map(|p| {
        let file = p
            .trim_start_matches('/')
            .replace("rust/", "rust/index.html");
        site.read(&file)
    });
    for i in 0..2000 {
        let (status, _, body) = response(&mut stream, false);
        assert_eq!((status, &body), (200, &expected[i % 3]), "request {i}");
    }
    writer.join().unwrap();
}

/// HTTP/1.0 closes after the response unless the client asks to keep the
/// connection; HTTP/1.1 keeps it unless the client says `close`.
#[test]
fn connections_close_as_the_version_and_the_client_ask() {
    let site = site();
    let server = Server::start(&site);
    for (request, stays_open) in [
        ("GET /rss.xml HTTP/1.0\r\n\r\n", false),
        (
            "GET /rss.xml HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
            true,
        ),
        (
            "GET /rss.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            false,
        ),
        ("GET /rss.xml HTTP/1.1\r\nHost: x\r\n\r\n", true),
    ] {
        let mut stream = connect(&server.base);
        stream.write_all(request.as_bytes()).unwrap();
        let (status, fields, body) = response(&mut stream, false);
        assert_eq!((status, body), (200, site.read("rss.xml")), "{request}");
        let said = field(&fields, "connection").to_lowercase();
        if stays_open {
            stream
                .set_read_timeout(Some(Duration::from_millis(300)))
                .unwrap();
            let mut byte = [0];
            let read = stream.read(&mut byte);
            assert!(read.is_err(), "{request}: closed ({read:?})");
            assert_ne!(said, "close", "{request}");
        } else {
            assert_eq!(said, "close", "{request}");
            assert!(closed(&mut stream), "{request}: still open");
        }
    }
}

/// A client that asks to close after a request it pipelined more behind
/// gets that one answer whole and a clean close, not a reset that could
/// eat the answer before it is read.
#[test]
fn a_close_with_more_pipelined_behind_it_ends_cleanly() {
    let site = site();
    let server = Server::start(&site);
    for _ in 0..5 {
        let mut stream = connect(&server.base);
        let more = "GET /feed.json HTTP/1.1\r\nHost: x\r\n\r\n".repeat(2000);
        let request =
            format!("GET /rss.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n{more}");
        let writer = {
            let mut stream = stream.try_clone().unwrap();
            std::thread::spawn(move || {
                let _ = stream.write_all(request.as_bytes());
            })
        };
        // Read only once the server has had time to close.
        std::thread::sleep(Duration::from_millis(200));
        let (status, _, body) = response(&mut stream, false);
        assert_eq!((status, body), (200, site.read("rss.xml")));
        assert!(closed(&mut stream), "not closed cleanly");
        writer.join().unwrap();
    }
}

/// Requests the server does not take get a clear status, and their
/// connection closes; the answer is read whole even when the client still
/// sends a body nobody reads.
#[test]
fn requests_that_are_not_served_get_a_status_and_a_close() {
    let site = site();
    let server = Server::start(&site);
    let body = "x".repeat(200_000);
    let cases = [
        (
            format!("POST /rss.xml HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}", body.len()),
            405,
        ),
        (
            "GET /rss.xml HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
                .to_owned(),
            200,
        ),
        ("GET /rss.xml HTTP/1.1\r\nContent-Length: x\r\n\r\n".to_owned(), 400),
        ("GET /rss.xml HTTP/9.9\r\n\r\n".to_owned(), 400),
        ("GET /rss.xml HTTP/1.1\r\nNo colon\r\n\r\n".to_owned(), 400),
        (
            format!("GET /rss.xml HTTP/1.1\r\n{}\r\n", "X-Many: 1\r\n".repeat(100)),
            431,
        ),
        (
            format!("GET /rss.xml HTTP/1.1\r\nX-Long: {}\r\n\r\n", "y".repeat(70_000)),
            431,
        ),
    ];
    // Without a body, a method not served or a target that is no path
    // leaves the connection open.
    let mut stream = connect(&server.base);
    stream
        .write_all(
            b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n\
              DELETE /rss.xml HTTP/1.1\r\nHost: x\r\n\r\n\
              GET * HTTP/1.1\r\nHost: x\r\n\r\n\
              GET /rss.xml HTTP/1.1\r\nHost: x\r\n\r\n",
        )
        .unwrap();
    for expected in [405, 405, 400, 200] {
        let (status, fields, _) = response(&mut stream, false);
        assert_eq!(status, expected);
        if status == 405 {
            assert_eq!(field(&fields, "allow"), "GET, HEAD");
        }
    }
    for (request, expected) in cases {
        let mut stream = connect(&server.base);
        stream.write_all(request.as_bytes()).unwrap();
        let shown = &request[..request.find("\r\n").unwrap()];
        let (status, fields, _) = response(&mut stream, false);
        assert_eq!(status, expected, "{shown}");
        if status == 405 {
            assert_eq!(field(&fields, "allow"), "GET, HEAD");
        }
        assert_eq!(field(&fields, "connection"), "close", "{shown}");
        assert!(closed(&mut stream), "{shown}: not closed cleanly");
    }
    // The server is still up.
    assert_eq!(fetch("GET", &server.url("/rss.xml"), &[]).0, 200);
}

/// nginx in front of `feedsmith serve`, as a reverse proxy (HTTP/1.0 to
/// the server, its default, and HTTP/1.1 with kept-alive connections):
/// feeds come through whole, conditional GETs still get 304, compressed
/// versions come through with their own validators. Skipped with a notice
/// when nginx is not installed, except on CI.
#[test]
fn nginx_as_a_reverse_proxy_passes_feeds_and_304s_through() {
    if !common::program_runs("nginx", &["-v"], "apt-get install nginx") {
        return;
    }
    let site = site();
    let server = Server::start(&site);
    let work = tempfile::tempdir().unwrap();
    let proxy = Nginx::start(work.path(), &server.base);
    for base in [&proxy.http10, &proxy.http11] {
        let url = |path: &str| format!("{base}{path}");
        for _ in 0..3 {
            let (status, headers, body) = fetch("GET", &url("/rss.xml"), &[]);
            assert_eq!((status, &body), (200, &site.read("rss.xml")), "{base}");
            let etag = header(&headers, "etag").to_owned();
            let (status, _, body) = fetch("GET", &url("/rss.xml"), &[("If-None-Match", &etag)]);
            assert_eq!((status, body.len()), (304, 0), "{base}");
            let (status, headers, body) = fetch(
                "GET",
                &url("/tags/rust/rss.xml"),
                &[("Accept-Encoding", "gzip")],
            );
            assert_eq!(status, 200);
            assert_eq!(header(&headers, "content-encoding"), "gzip", "{base}");
            assert_ne!(header(&headers, "etag"), etag);
            assert_eq!(gunzip(&body), site.read("tags/rust/rss.xml"));
        }
        assert_eq!(fetch("GET", &url("/nope.xml"), &[]).0, 404);
    }
}

fn gunzip(gzipped: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(gzipped)
        .read_to_end(&mut out)
        .expect("gzip");
    out
}

/// A running nginx proxying to a server, on two ports: one speaking
/// HTTP/1.0 to it (nginx's default), one HTTP/1.1 with kept-alive
/// connections.
struct Nginx {
    child: Child,
    http10: String,
    http11: String,
}

impl Nginx {
    fn start(work: &Path, upstream: &str) -> Nginx {
        let port = || {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        };
        let (p10, p11) = (port(), port());
        let upstream = upstream.trim_start_matches("http://");
        let w = work.display();
        std::fs::write(
            work.join("nginx.conf"),
            format!(
                "daemon off;\nworker_processes 1;\npid {w}/nginx.pid;\nerror_log {w}/error.log;\n\
                 events {{ worker_connections 64; }}\n\
                 http {{\n  access_log off;\n  proxy_max_temp_file_size 0;\n\
                   client_body_temp_path {w}/body; proxy_temp_path {w}/proxy; fastcgi_temp_path {w}/fastcgi;\n\
                   uwsgi_temp_path {w}/uwsgi; scgi_temp_path {w}/scgi;\n\
                   upstream feedsmith {{ server {upstream}; keepalive 4; }}\n\
                   server {{ listen 127.0.0.1:{p10}; location / {{ proxy_pass http://{upstream}; }} }}\n\
                   server {{ listen 127.0.0.1:{p11}; location / {{ proxy_pass http://feedsmith;\n\
                     proxy_http_version 1.1; proxy_set_header Connection \"\"; }} }}\n}}\n"
            ),
        )
        .unwrap();
        let child = Command::new("nginx")
            .args(["-p", &w.to_string(), "-c", "nginx.conf"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", p11)).is_err()
            || TcpStream::connect(("127.0.0.1", p10)).is_err()
        {
            assert!(started.elapsed() < common::PATIENCE, "nginx did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Nginx {
            child,
            http10: format!("http://127.0.0.1:{p10}"),
            http11: format!("http://127.0.0.1:{p11}"),
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
