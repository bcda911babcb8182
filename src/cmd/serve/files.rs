//! The files `feedsmith serve` serves, kept in memory: each file's bytes,
//! its validators (a strong `ETag` per representation, `Last-Modified`),
//! and its gzip and brotli versions, made once per version of the file.
//!
//! Feed readers mostly poll with a conditional GET, so the 304 is the
//! request that matters most: it is answered from memory, without touching
//! the disk. A file is read again only after it changed: watch mode says
//! which files it wrote or removed ([`Files::forget`]), and a watcher on the
//! output folder reports a file edited by hand. Files are replaced by rename
//! and read whole, so a client gets the old version or the new one, never a
//! mix.
//!
//! `Last-Modified` changes whenever a file's bytes do, even when watch
//! rewrites it within the second it was last written in (HTTP dates have
//! whole seconds): a new version gets the second after the last version
//! served, once the clock is there. Until then the date cannot be sent
//! (RFC 9110, 8.8.2.1): the version is sent without one, and
//! `If-Modified-Since` gets no 304 from it; it is read again, once, when
//! its second has come. Readers that poll with `If-Modified-Since` alone, or
//! that drop a 200 whose date is not later than the one they sent (libcurl,
//! and so newsboat, does), would otherwise miss a rebuild for good.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

use super::request::Request;
use super::sendfile::Body;

/// Responses smaller than this are not compressed: it would not pay.
const MIN_COMPRESSED: usize = 512;

/// Brotli's quality (0–11) and window: 9 compresses a 150 KB feed in a few
/// milliseconds, once per version, to within a few percent of 11's size.
const BROTLI_QUALITY: u32 = 9;
const BROTLI_WINDOW: u32 = 22;

/// One file as served, with the head of every response made once.
#[derive(Debug)]
pub struct File {
    /// Its path under the output folder.
    path: String,
    /// Its `Last-Modified`, in seconds since the epoch.
    modified: u64,
    /// Its date was still to come when it was read: it is sent without
    /// `Last-Modified`, and `If-Modified-Since` cannot match it (an earlier
    /// version may have been sent with the second before), until it is
    /// read again once that date has come.
    provisional: bool,
    identity: Representation,
    gzip: Option<Representation>,
    brotli: Option<Representation>,
}

/// A file's bytes in one coding, their strong validator, and the heads of
/// the two responses that send them: a 200 and a 304. Each head is its
/// status line and header fields, all but `Date` and `Connection`, which
/// belong to the moment and the connection.
#[derive(Debug)]
struct Representation {
    body: Body,
    etag: Box<[u8]>,
    ok: Box<[u8]>,
    not_modified: Box<[u8]>,
}

/// What every representation of a file is sent with.
struct Common<'a> {
    content_type: &'static str,
    /// None while the version has no date to send (see [`File::provisional`]).
    last_modified: Option<&'a str>,
    /// `Link` header (WebSub discovery), for feeds when hubs are set.
    link: Option<&'a str>,
}

impl Representation {
    /// `body`, tagged with `tag` (the hash of the file) and the coding.
    fn new(body: Body, tag: &str, coding: Coding, common: &Common<'_>) -> Representation {
        let etag = match coding.name() {
            Some(name) => format!("\"{tag}-{name}\""),
            None => format!("\"{tag}\""),
        };
        // What caches must know, in both: a 304 carries the validator and
        // no metadata of the representation (RFC 9110, 15.4.5), so the
        // response readers get most is also the smallest.
        let shared = format!(
            "etag: {etag}\r\ncache-control: public, max-age=60, must-revalidate\r\nvary: Accept-Encoding\r\n"
        );
        let mut ok = format!(
            "HTTP/1.1 200 OK\r\n{shared}content-type: {}\r\nx-content-type-options: nosniff\r\n",
            common.content_type
        );
        if let Some(date) = common.last_modified {
            ok.push_str(&format!("last-modified: {date}\r\n"));
        }
        if let Some(link) = common.link {
            ok.push_str(&format!("link: {link}\r\n"));
        }
        if let Some(name) = coding.name() {
            ok.push_str(&format!("content-encoding: {name}\r\n"));
        }
        ok.push_str(&format!("content-length: {}\r\n", body.len()));
        Representation {
            etag: etag.into_bytes().into(),
            ok: ok.into_bytes().into(),
            not_modified: format!("HTTP/1.1 304 Not Modified\r\n{shared}")
                .into_bytes()
                .into(),
            body,
        }
    }
}

/// A representation of a file: which coding, and its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    Identity,
    Gzip,
    Brotli,
}

impl Coding {
    fn name(self) -> Option<&'static str> {
        match self {
            Coding::Identity => None,
            Coding::Gzip => Some("gzip"),
            Coding::Brotli => Some("br"),
        }
    }
}

/// The files served, by path under the output folder.
#[derive(Debug)]
pub struct Files {
    /// The output folder, with symbolic links resolved.
    root: PathBuf,
    /// What a feed's `Link` header names: the hubs and where the feeds are
    /// published (see [`super::link_header`]).
    links: Option<(Vec<String>, url::Url)>,
    /// The name of RSS files (see [`crate::feed::file_of`]).
    rss_name: String,
    /// By the path a request named (`tags/x/index.html`, or `tags/x` for
    /// the same page).
    by_path: RwLock<HashMap<String, Arc<File>>>,
    /// How many times files were forgotten: a file read before a forget
    /// and kept after it would be served stale until its next change.
    forgets: AtomicU64,
    /// The version of each file last read, by its path: the hash of its
    /// bytes and its `Last-Modified` second (see the module docs).
    versions: Mutex<HashMap<String, (crate::feed::Hash, u64)>>,
}

/// The most request paths kept: spellings of a path beyond it are served
/// too, but read each time.
const MAX_KEPT: usize = 1 << 16;

impl Files {
    pub fn new(root: PathBuf, links: Option<(Vec<String>, url::Url)>, rss_name: String) -> Files {
        Files {
            root,
            links,
            rss_name,
            by_path: RwLock::new(HashMap::new()),
            forgets: AtomicU64::new(0),
            versions: Mutex::new(HashMap::new()),
        }
    }

    /// The output folder, as served.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Drops what is kept of `paths` (under the output folder, with `/`):
    /// they were written or removed, and are read again when next asked
    /// for.
    pub fn forget<S: AsRef<str>>(&self, paths: impl IntoIterator<Item = S>) {
        let gone: std::collections::HashSet<String> =
            paths.into_iter().map(|p| p.as_ref().to_owned()).collect();
        if gone.is_empty() {
            return;
        }
        let mut by_path = self.by_path.write().unwrap_or_else(|e| e.into_inner());
        by_path.retain(|_, file| !gone.contains(&file.path));
        self.forgets.fetch_add(1, Ordering::SeqCst);
    }

    /// Drops everything kept (the watcher lost track of the folder).
    pub fn forget_all(&self) {
        let mut by_path = self.by_path.write().unwrap_or_else(|e| e.into_inner());
        by_path.clear();
        self.forgets.fetch_add(1, Ordering::SeqCst);
    }

    /// Answers a GET of `relative`, if its file is kept (see
    /// [`File::respond`]), under the lock rather than with a counted
    /// reference to the file: every thread takes one, for every request.
    pub fn respond_kept(
        &self,
        relative: &str,
        request: &Request<'_>,
        out: &mut Vec<u8>,
    ) -> Option<Body> {
        let by_path = self.by_path.read().unwrap_or_else(|e| e.into_inner());
        let file = by_path.get(relative)?;
        if file.provisional && seconds(SystemTime::now()) >= file.modified {
            // Its date has come: read again, to be sent with it.
            return None;
        }
        Some(file.respond(request, out))
    }

    /// Reads the file a request for `relative` gets (a folder means its
    /// `index.html`) and keeps it, unless files were forgotten meanwhile
    /// (it may be the version they replaced); `None` if there is no such
    /// file inside the output folder. Blocking.
    pub fn load(&self, relative: &str) -> Option<Arc<File>> {
        let forgets = self.forgets.load(Ordering::SeqCst);
        let file = Arc::new(self.read(relative)?);
        self.keep(relative, &file, forgets);
        Some(file)
    }

    /// Reads the file for `relative` (see [`Files::load`]).
    fn read(&self, relative: &str) -> Option<File> {
        let mut path = relative.to_owned();
        if self.root.join(&path).is_dir() {
            path = format!("{path}/{}", crate::feed::PAGE_FILE);
        }
        let real = self.root.join(&path).canonicalize().ok()?;
        // Symbolic links must not lead outside the output folder.
        if !real.starts_with(&self.root) {
            return None;
        }
        // Read whole through one open file, whose time is taken from it
        // too: renames replace the file whole, and a large file is sent
        // from this open file later (see `super::sendfile`).
        let mut handle = std::fs::File::open(&real).ok()?;
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut handle, &mut bytes).ok()?;
        let modified = handle
            .metadata()
            .and_then(|m| m.modified())
            .unwrap_or(SystemTime::UNIX_EPOCH);
        Some(self.file_of(path, bytes, modified, handle))
    }

    /// Keeps `file` for `relative`, if no file was forgotten since the
    /// count of forgets was `forgets`, before it was read.
    fn keep(&self, relative: &str, file: &Arc<File>, forgets: u64) {
        let mut by_path = self.by_path.write().unwrap_or_else(|e| e.into_inner());
        let fresh = self.forgets.load(Ordering::SeqCst) == forgets;
        if fresh && by_path.len() < MAX_KEPT {
            by_path.insert(relative.to_owned(), Arc::clone(file));
        }
    }

    /// The `Last-Modified` second of the version of `path` whose bytes hash
    /// to `hash`, written at second `written`, and whether it is
    /// provisional, still to come (see [`File::provisional`]): the second
    /// after the last version's, if that is not earlier than `written`; the
    /// last version's if the bytes are the same.
    fn last_modified(&self, path: &str, hash: crate::feed::Hash, written: u64) -> (u64, bool) {
        let mut versions = self.versions.lock().unwrap_or_else(|e| e.into_inner());
        let second = match versions.get(path) {
            Some(&(last, second)) if last == hash => second,
            Some(&(_, second)) if second >= written => second + 1,
            _ => written,
        };
        if versions.len() >= MAX_KEPT {
            versions.clear();
        }
        versions.insert(path.to_owned(), (hash, second));
        (second, second > seconds(SystemTime::now()))
    }

    /// A file's representations and headers, made once, from its bytes and
    /// the open file they were read from.
    fn file_of(
        &self,
        path: String,
        bytes: Vec<u8>,
        modified: SystemTime,
        handle: std::fs::File,
    ) -> File {
        let content_type = content_type(Path::new(&path), &self.rss_name);
        let compress = bytes.len() >= MIN_COMPRESSED && content_type != "application/octet-stream";
        let link = self
            .links
            .as_ref()
            .filter(|_| crate::feed::websub::is_feed_file(&path, &self.rss_name))
            .and_then(|links| super::link_header(links, Path::new(&path)));
        let hash = crate::feed::hash(&bytes);
        let (modified, provisional) = self.last_modified(&path, hash, seconds(modified));
        let last_modified =
            httpdate::fmt_http_date(SystemTime::UNIX_EPOCH + Duration::from_secs(modified));
        let common = Common {
            content_type,
            last_modified: (!provisional).then_some(last_modified.as_str()),
            link: link.as_deref(),
        };
        let tag = format!("{hash:032x}");
        let gzip = compress.then(|| gzip(&bytes)).flatten();
        let brotli = compress.then(|| brotli(&bytes)).flatten();
        let representation = |body: Vec<u8>, coding| {
            Representation::new(Body::from_bytes(body), &tag, coding, &common)
        };
        File {
            path,
            modified,
            provisional,
            gzip: gzip.map(|b| representation(b, Coding::Gzip)),
            brotli: brotli.map(|b| representation(b, Coding::Brotli)),
            identity: Representation::new(
                Body::of_file(bytes, handle),
                &tag,
                Coding::Identity,
                &common,
            ),
        }
    }
}

impl File {
    /// Answers a GET with `request`'s headers: writes the response's head,
    /// but for `Date`, `Connection` and the empty line that ends it, to
    /// `out`, and returns its body. (A HEAD gets the same head; the
    /// connection leaves the body out.)
    pub fn respond(&self, request: &Request<'_>, out: &mut Vec<u8>) -> Body {
        let coding = choose(request, self.gzip.is_some(), self.brotli.is_some());
        let representation = match coding {
            Coding::Identity => &self.identity,
            Coding::Gzip => self.gzip.as_ref().unwrap_or(&self.identity),
            Coding::Brotli => self.brotli.as_ref().unwrap_or(&self.identity),
        };
        let modified = (!self.provisional).then_some(self.modified);
        if not_modified(request, &representation.etag, modified) {
            out.extend_from_slice(&representation.not_modified);
            return Body::default();
        }
        out.extend_from_slice(&representation.ok);
        representation.body.clone()
    }
}

fn gzip(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 4),
        flate2::Compression::default(),
    );
    encoder.write_all(bytes).ok()?;
    encoder.finish().ok()
}

fn brotli(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len() / 4);
    {
        let mut writer =
            brotli::CompressorWriter::new(&mut out, 4096, BROTLI_QUALITY, BROTLI_WINDOW);
        writer.write_all(bytes).ok()?;
        writer.flush().ok()?;
    }
    Some(out)
}

/// The representation to send: brotli when the client takes it, else gzip,
/// else the bytes as they are (RFC 9110's `Accept-Encoding`; `q=0`
/// refuses a coding, `*` stands for any other).
fn choose(request: &Request<'_>, has_gzip: bool, has_brotli: bool) -> Coding {
    if !has_gzip && !has_brotli {
        return Coding::Identity;
    }
    let accepted = |coding: &str| {
        let mut star = None;
        for item in request
            .all("accept-encoding")
            .filter_map(|v| std::str::from_utf8(v).ok())
            .flat_map(|v| v.split(','))
        {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if name.eq_ignore_ascii_case(coding) {
                return q > 0.0;
            }
            if name == "*" {
                star = Some(q > 0.0);
            }
        }
        star.unwrap_or(false)
    };
    if has_brotli && accepted("br") {
        Coding::Brotli
    } else if has_gzip && accepted("gzip") {
        Coding::Gzip
    } else {
        Coding::Identity
    }
}

/// Whether the client's validators match: `If-None-Match` wins over
/// `If-Modified-Since` (RFC 9110), which is compared with `modified` (in
/// seconds), if the file has a date it can be.
fn not_modified(request: &Request<'_>, etag: &[u8], modified: Option<u64>) -> bool {
    if let Some(given) = request.first("if-none-match") {
        // Most often the one tag sent before.
        if given == etag {
            return true;
        }
        return given
            .split(|&b| b == b',')
            .map(|t| t.trim_ascii())
            .map(|t| t.strip_prefix(b"W/").unwrap_or(t))
            .any(|t| t == b"*" || t == etag);
    }
    if let Some(since) = request
        .first("if-modified-since")
        .and_then(|v| std::str::from_utf8(v).ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
    {
        return modified.is_some_and(|modified| modified <= seconds(since));
    }
    false
}

/// Whole seconds since the epoch (HTTP dates have no more).
fn seconds(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn content_type(path: &Path, rss_name: &str) -> &'static str {
    match path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
    {
        name if name == rss_name => "application/rss+xml; charset=utf-8",
        crate::feed::JSON_FILE => "application/feed+json; charset=utf-8",
        crate::feed::ATOM_FILE => "application/atom+xml; charset=utf-8",
        crate::feed::OPML_FILE => "text/x-opml; charset=utf-8",
        name if name.ends_with(".html") => "text/html; charset=utf-8",
        name if name.ends_with(".xml") => "application/xml; charset=utf-8",
        name if name.ends_with(".json") => "application/json; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers a GET of `relative` with these header fields: the status
    /// line, the head's fields and the body.
    fn get(file: &File, fields: &[(&str, &str)]) -> (String, Vec<(String, String)>, Vec<u8>) {
        let headers: Vec<httparse::Header<'_>> = fields
            .iter()
            .map(|(name, value)| httparse::Header {
                name,
                value: value.as_bytes(),
            })
            .collect();
        let request = Request::new("GET", Some("/"), 1, &headers);
        let mut out = Vec::new();
        let body = file.respond(&request, &mut out);
        let text = String::from_utf8(out).unwrap();
        let mut lines = text.lines();
        let status = lines.next().unwrap_or_default().to_owned();
        let fields = lines
            .filter_map(|l| l.split_once(": "))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        (status, fields, body.bytes().to_vec())
    }

    fn field(fields: &[(String, String)], name: &str) -> String {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// A file read before a forget (watch replaced it meanwhile) is
    /// served to the request that read it, but not kept: the next request
    /// reads the new version.
    #[test]
    fn a_file_read_before_a_forget_is_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        // Dated in the past, each in its own second: a version dated in
        // the second that is now is read again once the next comes (see
        // the test below), which this test is not about.
        let write = |text: &str, ago: u64| {
            let path = dir.path().join("rss.xml");
            std::fs::write(&path, text).unwrap();
            let file = std::fs::File::options().write(true).open(&path).unwrap();
            file.set_modified(SystemTime::now() - Duration::from_secs(ago))
                .unwrap();
        };
        write("<rss>old</rss>", 100);
        let files = Files::new(dir.path().canonicalize().unwrap(), None, "rss.xml".into());
        let kept = |files: &Files| {
            let request = Request::new("GET", Some("/rss.xml"), 1, &[]);
            files.respond_kept("rss.xml", &request, &mut Vec::new())
        };
        let forgets = files.forgets.load(Ordering::SeqCst);
        let old = Arc::new(files.read("rss.xml").unwrap());
        write("<rss>new</rss>", 50);
        files.forget(["rss.xml"]);
        files.keep("rss.xml", &old, forgets);
        assert!(kept(&files).is_none());
        files.load("rss.xml").unwrap();
        assert_eq!(&kept(&files).unwrap().bytes()[..], b"<rss>new</rss>");
    }

    #[test]
    fn codings_are_chosen_as_the_client_accepts_them() {
        let choose = |value: &str, gzip, brotli| {
            let headers = [httparse::Header {
                name: "Accept-Encoding",
                value: value.as_bytes(),
            }];
            choose(&Request::new("GET", None, 1, &headers), gzip, brotli)
        };
        assert_eq!(choose("gzip, deflate, br", true, true), Coding::Brotli);
        assert_eq!(choose("br;q=0, gzip;q=0.8", true, true), Coding::Gzip);
        assert_eq!(choose("gzip;q=0", true, true), Coding::Identity);
        assert_eq!(choose("*", true, true), Coding::Brotli);
        assert_eq!(choose("*;q=0, gzip", true, true), Coding::Gzip);
        assert_eq!(choose("br", true, false), Coding::Identity);
        assert_eq!(choose("", true, true), Coding::Identity);
    }

    #[test]
    fn each_representation_has_its_own_strong_validator() {
        let dir = tempfile::tempdir().unwrap();
        let feed = "<rss>".repeat(400);
        std::fs::write(dir.path().join("rss.xml"), &feed).unwrap();
        let files = Files::new(dir.path().canonicalize().unwrap(), None, "rss.xml".into());
        let file = files.load("rss.xml").unwrap();
        let etag = |fields: &[(&str, &str)]| {
            let (status, fields, _) = get(&file, fields);
            (status, field(&fields, "etag"))
        };
        let (plain, br, gz) = (
            etag(&[]).1,
            etag(&[("Accept-Encoding", "br")]).1,
            etag(&[("Accept-Encoding", "gzip")]).1,
        );
        assert!(plain != br && br != gz && plain != gz);
        let again = |tag: &str| etag(&[("Accept-Encoding", "br"), ("If-None-Match", tag)]).0;
        assert_eq!(again(&br), "HTTP/1.1 304 Not Modified");
        assert_eq!(
            again(&format!("\"x\", W/{br}")),
            "HTTP/1.1 304 Not Modified"
        );
        // The identity tag does not validate the brotli version.
        assert_eq!(again(&plain), "HTTP/1.1 200 OK");
        // What the brotli version holds is the file, and its length is said.
        let (_, fields, bytes) = get(&file, &[("Accept-Encoding", "br")]);
        assert_eq!(field(&fields, "content-encoding"), "br");
        assert_eq!(field(&fields, "content-length"), bytes.len().to_string());
        let mut decoded = Vec::new();
        brotli::BrotliDecompress(&mut &bytes[..], &mut decoded).unwrap();
        assert_eq!(decoded, feed.as_bytes());
    }

    /// A new version written within the second of the last one served
    /// gets the next second as its date, so that a client holding the old
    /// date gets the new bytes whole; the same bytes keep their date; a
    /// date still in the future is not sent, and matches no
    /// `If-Modified-Since`.
    #[test]
    fn each_version_of_a_file_has_a_later_date_than_the_last() {
        let dir = tempfile::tempdir().unwrap();
        let files = Files::new(dir.path().canonicalize().unwrap(), None, "rss.xml".into());
        let then = SystemTime::now() - Duration::from_secs(100);
        let version = |text: &str, written: SystemTime| {
            let path = dir.path().join("rss.xml");
            std::fs::write(&path, text).unwrap();
            let file = std::fs::File::options().write(true).open(&path).unwrap();
            file.set_modified(written).unwrap();
            files.forget(["rss.xml"]);
            files.load("rss.xml").unwrap()
        };
        let status = |file: &File, since: u64| {
            let date = httpdate::fmt_http_date(SystemTime::UNIX_EPOCH + Duration::from_secs(since));
            get(file, &[("If-Modified-Since", &date)]).0
        };
        let first = version("<rss>1</rss>", then);
        assert_eq!((first.modified, first.provisional), (seconds(then), false));
        assert_eq!(status(&first, first.modified), "HTTP/1.1 304 Not Modified");
        let second = version("<rss>2</rss>", then);
        assert_eq!(
            (second.modified, second.provisional),
            (seconds(then) + 1, false)
        );
        assert_eq!(status(&second, first.modified), "HTTP/1.1 200 OK");
        assert_eq!(
            status(&second, second.modified),
            "HTTP/1.1 304 Not Modified"
        );
        let (_, fields, _) = get(&second, &[]);
        let sent = httpdate::parse_http_date(&field(&fields, "last-modified")).unwrap();
        assert_eq!(seconds(sent), second.modified);
        // Written again with the same bytes: the same date.
        assert_eq!(version("<rss>2</rss>", then).modified, second.modified);
        // Two versions in the second that is now: the later one's date
        // is the next second, not sent before it comes.
        let now = version("<rss>3</rss>", SystemTime::now());
        let next = version("<rss>4</rss>", SystemTime::now());
        assert_eq!(next.modified, now.modified + 1);
        if next.provisional {
            assert_eq!(status(&next, now.modified), "HTTP/1.1 200 OK");
            assert_eq!(status(&next, next.modified), "HTTP/1.1 200 OK");
            let (_, fields, _) = get(&next, &[]);
            assert_eq!(field(&fields, "last-modified"), "", "no date yet");
            // Kept, and read again once its second has come.
            let request = Request::new("GET", Some("/rss.xml"), 1, &[]);
            let kept = || files.respond_kept("rss.xml", &request, &mut Vec::new());
            if seconds(SystemTime::now()) < next.modified {
                assert!(kept().is_some(), "kept while its date is to come");
            }
            std::thread::sleep(Duration::from_millis(1100));
            assert!(kept().is_none(), "read again when its date has come");
            let again = files.load("rss.xml").unwrap();
            assert_eq!((again.modified, again.provisional), (next.modified, false));
            assert_eq!(status(&again, next.modified), "HTTP/1.1 304 Not Modified");
        }
    }
}
