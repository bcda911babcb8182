//! `feedsmith serve`: watch mode plus an HTTP server for the output folder
//! (I/O edge), for feed readers that poll, browsers and reverse proxies.
//!
//! Every response is a whole file read at request time: files are replaced by
//! rename, so a client polling during a rebuild gets the old feed or the new
//! one, never a mix, and the strong `ETag` (a hash of the bytes sent) changes
//! exactly when those bytes do. Conditional requests (`If-None-Match`,
//! `If-Modified-Since`) are answered with 304 and no body.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, Response, StatusCode};

use crate::cmd::settings::{self, exit};
use crate::cmd::watch::{self, WatchArgs};
use crate::feed::websub::is_feed_file;

/// The options of `feedsmith serve`.
#[derive(Debug, Clone)]
pub struct ServeArgs {
    pub watch: WatchArgs,
    pub bind: String,
    pub port: u16,
}

/// Responses smaller than this are not compressed: it would not pay.
const MIN_GZIP: usize = 512;

/// Runs `feedsmith serve` until Ctrl-C (SIGINT) or SIGTERM.
pub fn run_serve(args: &ServeArgs) -> ExitCode {
    let config = match settings::load_config(&args.watch.build) {
        Ok(config) => config,
        Err(d) => {
            eprintln!("{d}");
            return ExitCode::from(exit::USAGE);
        }
    };
    let out_dir = std::path::absolute(&config.output_dir).unwrap_or(config.output_dir.clone());
    // Bind first: a port in use is a usage error, before any work.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the HTTP server: {e}");
            return ExitCode::from(exit::FAILURE);
        }
    };
    let listener = match runtime.block_on(tokio::net::TcpListener::bind((
        args.bind.as_str(),
        args.port,
    ))) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!(
                "error: cannot listen on {}:{}: {e}\n  = help: choose another port with --port, or stop what uses this one",
                args.bind, args.port
            );
            return ExitCode::from(exit::USAGE);
        }
    };

    // The watch runs on its own thread; it owns Ctrl-C and SIGTERM, and when
    // it stops, the server shuts down gracefully.
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Option<ExitCode>>();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let watch_args = args.watch.clone();
    let links = links_of(&config);
    let pinger = (!config.websub_hubs.is_empty()).then(|| start_pinger(args.watch.build.verbose));
    let watcher = std::thread::spawn(move || {
        let after_write: watch::AfterWrite<'_> = Box::new(move |config, written| {
            if let Some(pinger) = &pinger {
                if written.iter().any(|path| is_feed_file(path)) {
                    let _ = pinger.send(config.clone());
                }
            }
        });
        let code = watch::run_watch_ready(
            &watch_args,
            config,
            |started| {
                let _ = ready_tx.send(started);
            },
            after_write,
        );
        let _ = stop_tx.send(());
        code
    });
    match ready_rx.recv() {
        Ok(None) => {}
        Ok(Some(code)) => return code,
        Err(_) => return ExitCode::from(exit::FAILURE),
    }

    let addr: Option<SocketAddr> = listener.local_addr().ok();
    if let Some(addr) = addr {
        eprintln!(
            "feedsmith: serving {} at http://{addr}/ (Ctrl-C to stop)",
            out_dir.display()
        );
        let _ = std::io::stderr().flush();
    }
    let state = Arc::new(Served {
        // Resolved once: requests compare their resolved paths against it. The
        // first build has run, so the folder exists.
        root: out_dir.canonicalize().unwrap_or(out_dir),
        gzipped: Mutex::new(HashMap::new()),
        links,
    });
    let app = axum::Router::new().fallback(handle).with_state(state);
    let served = runtime.block_on(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stop_rx.await;
            })
            .await
    });
    let code = watcher.join().unwrap_or(ExitCode::from(exit::FAILURE));
    if let Err(e) = served {
        eprintln!("error: the HTTP server failed: {e}");
        return ExitCode::from(exit::FAILURE);
    }
    code
}

/// What the handlers share: the folder, and the last gzip of each file (by
/// path, with the hash of the bytes it compresses), so that a popular feed is
/// compressed once per version rather than once per request.
struct Served {
    /// The output folder, with symbolic links resolved.
    root: PathBuf,
    gzipped: Mutex<HashMap<PathBuf, Gzipped>>,
    /// The WebSub hubs the feeds name and where the feeds are published,
    /// for the `Link` header of a feed (see [`link_header`]); `None`
    /// without hubs.
    links: Option<(Vec<String>, url::Url)>,
}

/// What a feed's `Link` header needs, when the config names hubs.
fn links_of(config: &crate::base::config::Config) -> Option<(Vec<String>, url::Url)> {
    (!config.websub_hubs.is_empty()).then(|| {
        let hubs = config.websub_hubs.iter().map(|h| h.to_string()).collect();
        (hubs, config.feeds_url.clone())
    })
}

/// The `Link` header WebSub discovery reads first (before the feed's own
/// `rel="hub"` links): every hub, and the feed's own published URL, which is
/// the topic subscribers subscribe to.
fn link_header(links: &(Vec<String>, url::Url), relative: &Path) -> Option<String> {
    let (hubs, feeds_url) = links;
    let rel = relative.to_str()?;
    let encoded: Vec<String> = rel
        .split('/')
        .map(crate::base::urls::encode_segment)
        .collect();
    let topic = feeds_url.join(&encoded.join("/")).ok()?;
    let mut header: Vec<String> = hubs
        .iter()
        .map(|hub| format!("<{hub}>; rel=\"hub\""))
        .collect();
    header.push(format!("<{topic}>; rel=\"self\""));
    Some(header.join(", "))
}

/// Starts the thread that tells the WebSub hubs about changed feeds, one
/// round at a time, and returns where to send it the settings after each
/// rebuild that wrote a feed. A hub that fails gets a warning; what it did
/// not accept is told again after the next rebuild (see
/// [`crate::cmd::ping::tell_hubs`]).
fn start_pinger(verbose: bool) -> std::sync::mpsc::Sender<crate::base::config::Config> {
    let (sender, receiver) = std::sync::mpsc::channel::<crate::base::config::Config>();
    std::thread::spawn(move || {
        while let Ok(mut config) = receiver.recv() {
            // Rebuilds that came in meanwhile are told in one round.
            while let Ok(newer) = receiver.try_recv() {
                config = newer;
            }
            let told = crate::cmd::ping::tell_hubs(&config, &mut |line| {
                if verbose {
                    eprintln!("feedsmith: websub: {line}");
                }
            });
            match told {
                Ok(told) => {
                    for (hub, why) in told.failed {
                        eprintln!("warning: {hub}: the WebSub hub did not accept the changed feeds ({why})\n  = help: they are told again after the next rebuild, or with `feedsmith ping`");
                    }
                    if told.accepted > 0 {
                        eprintln!(
                            "feedsmith: told the WebSub hubs about {} changed feed(s)",
                            told.accepted
                        );
                    }
                }
                Err(d) => eprintln!("warning: {d}"),
            }
        }
    });
    sender
}

/// A file's gzip, and the hash of the bytes it compresses.
type Gzipped = (u64, Arc<Vec<u8>>);

/// Answers one request.
async fn handle(State(served): State<Arc<Served>>, request: Request<Body>) -> Response<Body> {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD\n");
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let Some(relative) = safe_path(request.uri().path()) else {
        return plain(StatusCode::BAD_REQUEST, "bad path\n");
    };
    let headers = request.headers().clone();
    let head = request.method() == Method::HEAD;
    // File reads are blocking; keep them off the async workers.
    tokio::task::spawn_blocking(move || respond(&served, &relative, &headers, head))
        .await
        .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error\n"))
}

/// The path under the output folder that a URL path names, or `None` if it
/// tries to leave it. Each segment is percent-decoded on its own, so `%2F`
/// cannot make a new separator; `..`, `.`, backslashes, NUL and hidden names
/// (the manifest) are refused. A path ending in `/` means its `index.html`.
pub fn safe_path(url_path: &str) -> Option<PathBuf> {
    let mut path = PathBuf::new();
    let trimmed = url_path.strip_prefix('/')?;
    for raw in trimmed.split('/') {
        if raw.is_empty() {
            continue;
        }
        let segment = percent_encoding::percent_decode_str(raw)
            .decode_utf8()
            .ok()?;
        if segment.starts_with('.') || segment.contains(['/', '\\', '\0']) || segment.contains(':')
        {
            return None;
        }
        path.push(segment.as_ref());
    }
    if trimmed.is_empty() || trimmed.ends_with('/') {
        path.push(crate::feed::PAGE_FILE);
    }
    Some(path)
}

fn respond(served: &Served, relative: &Path, headers: &HeaderMap, head: bool) -> Response<Body> {
    let root = served.root.as_path();
    let mut path = root.join(relative);
    // A folder without the trailing slash: its page.
    if path.is_dir() {
        path.push(crate::feed::PAGE_FILE);
    }
    // Symbolic links must not lead outside the output folder.
    let Ok(real) = path.canonicalize() else {
        return plain(StatusCode::NOT_FOUND, "not found\n");
    };
    if !real.starts_with(root) {
        return plain(StatusCode::NOT_FOUND, "not found\n");
    }
    // Read the whole file, then take its time: renames replace it whole.
    let (Ok(bytes), Ok(meta)) = (std::fs::read(&real), std::fs::metadata(&real)) else {
        return plain(StatusCode::NOT_FOUND, "not found\n");
    };
    let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
    let gzip = accepts_gzip(headers) && bytes.len() >= MIN_GZIP;
    let hash = {
        let mut h = DefaultHasher::new();
        bytes.hash(&mut h);
        h.finish()
    };
    // A strong validator names one representation: gzip is another.
    let etag = if gzip {
        format!("\"{hash:016x}-gzip\"")
    } else {
        format!("\"{hash:016x}\"")
    };
    let mut response = Response::builder()
        .header(header::CONTENT_TYPE, content_type(&real))
        .header(header::ETAG, &etag)
        .header(header::LAST_MODIFIED, httpdate::fmt_http_date(modified))
        .header(header::CACHE_CONTROL, "public, max-age=60, must-revalidate")
        .header(header::VARY, "Accept-Encoding")
        .header("x-content-type-options", "nosniff");
    if let Some(links) = &served.links {
        let is_feed = relative.to_str().is_some_and(is_feed_file);
        if let Some(link) = is_feed.then(|| link_header(links, relative)).flatten() {
            response = response.header(header::LINK, link);
        }
    }
    if not_modified(headers, &etag, modified) {
        return response
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .unwrap_or_default();
    }
    let body = if gzip {
        response = response.header(header::CONTENT_ENCODING, "gzip");
        match gzipped(served, &real, hash, &bytes) {
            Some(compressed) => compressed.as_ref().clone(),
            None => return plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error\n"),
        }
    } else {
        bytes
    };
    response = response.header(header::CONTENT_LENGTH, body.len());
    let body = if head {
        Body::empty()
    } else {
        Body::from(body)
    };
    response
        .status(StatusCode::OK)
        .body(body)
        .unwrap_or_default()
}

/// The gzip of a file's bytes, from the cache when it holds this version.
fn gzipped(served: &Served, path: &Path, hash: u64, bytes: &[u8]) -> Option<Arc<Vec<u8>>> {
    if let Ok(cache) = served.gzipped.lock() {
        if let Some((cached, zipped)) = cache.get(path) {
            if *cached == hash {
                return Some(Arc::clone(zipped));
            }
        }
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let zipped = Arc::new(
        encoder
            .write_all(bytes)
            .and_then(|()| encoder.finish())
            .ok()?,
    );
    if let Ok(mut cache) = served.gzipped.lock() {
        cache.insert(path.to_path_buf(), (hash, Arc::clone(&zipped)));
    }
    Some(zipped)
}

/// Whether the client's validators match: `If-None-Match` wins over
/// `If-Modified-Since` (RFC 9110).
fn not_modified(headers: &HeaderMap, etag: &str, modified: SystemTime) -> bool {
    if let Some(tags) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        return tags
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == "*" || t == etag);
    }
    if let Some(since) = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
    {
        // HTTP dates have whole seconds.
        let secs = |t: SystemTime| {
            t.duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        };
        return secs(modified) <= secs(since);
    }
    false
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

fn content_type(path: &Path) -> &'static str {
    match path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
    {
        crate::feed::RSS_FILE => "application/rss+xml; charset=utf-8",
        crate::feed::JSON_FILE => "application/feed+json; charset=utf-8",
        crate::feed::ATOM_FILE => "application/atom+xml; charset=utf-8",
        crate::feed::OPML_FILE => "text/x-opml; charset=utf-8",
        name if name.ends_with(".html") => "text/html; charset=utf-8",
        name if name.ends_with(".xml") => "application/xml; charset=utf-8",
        name if name.ends_with(".json") => "application/json; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Body::from(text))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_cannot_leave_the_output_folder() {
        assert_eq!(safe_path("/"), Some(PathBuf::from("index.html")));
        assert_eq!(safe_path("/rss.xml"), Some(PathBuf::from("rss.xml")));
        assert_eq!(
            safe_path("/tags/%E5%8F%B0%E5%8C%97/"),
            Some(PathBuf::from("tags/台北/index.html"))
        );
        for bad in [
            "/../etc/passwd",
            "/tags/../../x",
            "/%2e%2e/x",
            "/a%2F..%2F..%2Fetc",
            "/a%5C..%5Cb",
            "/.feedsmith-manifest",
            "/a/%00",
            "/C:%5Cwindows",
            "relative",
        ] {
            assert_eq!(safe_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn gzip_is_offered_only_when_accepted() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
            accepts_gzip(&h)
        };
        assert!(with("gzip, deflate, br"));
        assert!(with("br;q=1.0, gzip;q=0.8"));
        assert!(!with("gzip;q=0"));
        assert!(!with("br"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
