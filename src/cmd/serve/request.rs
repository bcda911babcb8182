//! A request head as `feedsmith serve` reads it (HTTP/1.1 and 1.0, RFC
//! 9112): parsed in place by `httparse`, without copying, and the few
//! things the server asks of it — the method, the path (and which file
//! under the output folder it names), the headers that choose and
//! validate a representation, whether the connection stays open, and
//! whether a body follows (none is expected: only GET and HEAD are
//! served).

use std::borrow::Cow;

/// The most header fields a request may have; more get a 431.
pub const MAX_HEADERS: usize = 64;

/// A whole request head, borrowed from the bytes it was read from.
#[derive(Debug)]
pub struct Request<'b> {
    pub method: &'b str,
    /// The request target's path, without its query: `None` if the target
    /// is neither a path (`/x`) nor an absolute URL (`http://host/x`).
    pub path: Option<&'b str>,
    /// The minor version: 1 for HTTP/1.1, 0 for HTTP/1.0.
    pub version: u8,
    headers: &'b [httparse::Header<'b>],
}

/// What the bytes received so far hold.
#[derive(Debug)]
pub enum Parsed<'b> {
    /// A whole head, and how many bytes it took.
    Complete(Request<'b>, usize),
    /// Not a whole head yet.
    Partial,
    /// Not HTTP/1.x: the client gets a 400 and the connection closes.
    Malformed,
    /// More than [`MAX_HEADERS`] header fields: a 431, and a close.
    TooManyHeaders,
}

/// Parses the request head at the start of `bytes` (empty lines before it
/// are skipped, as RFC 9112 asks), into `headers`.
pub fn parse<'b>(bytes: &'b [u8], headers: &'b mut [httparse::Header<'b>]) -> Parsed<'b> {
    let mut request = httparse::Request::new(headers);
    match request.parse(bytes) {
        Ok(httparse::Status::Complete(used)) => {
            let (Some(method), Some(target), Some(version)) =
                (request.method, request.path, request.version)
            else {
                return Parsed::Malformed;
            };
            let request = Request::new(method, path_of(target), version, request.headers);
            Parsed::Complete(request, used)
        }
        Ok(httparse::Status::Partial) => Parsed::Partial,
        Err(httparse::Error::TooManyHeaders) => Parsed::TooManyHeaders,
        Err(_) => Parsed::Malformed,
    }
}

/// The path of a request target in origin form (`/x?q`) or absolute form
/// (`http://host/x?q`, which a server must accept too), without the query.
fn path_of(target: &str) -> Option<&str> {
    let path = if target.starts_with('/') {
        target
    } else {
        let (scheme, rest) = target.split_once("://")?;
        if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
            return None;
        }
        rest.find('/').map_or("/", |at| &rest[at..])
    };
    Some(path.split(['?', '#']).next().unwrap_or(path))
}

impl<'b> Request<'b> {
    /// A request with these parts (as [`parse`] makes them).
    pub fn new(
        method: &'b str,
        path: Option<&'b str>,
        version: u8,
        headers: &'b [httparse::Header<'b>],
    ) -> Request<'b> {
        Request {
            method,
            path,
            version,
            headers,
        }
    }

    /// The values of every field named `name` (any case), in order.
    pub fn all(&self, name: &'static str) -> impl Iterator<Item = &'b [u8]> + '_ {
        self.headers
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value)
    }

    /// The value of the first field named `name` (any case).
    pub fn first(&self, name: &'static str) -> Option<&'b [u8]> {
        self.all(name).next()
    }

    /// Whether the connection stays open after the response: HTTP/1.1
    /// unless the client says `close`, HTTP/1.0 only if it says
    /// `keep-alive` (RFC 9112, 9.3).
    pub fn keep_alive(&self) -> bool {
        let says = |token: &str| {
            self.all("connection")
                .flat_map(|v| v.split(|&b| b == b','))
                .any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
        };
        if self.version >= 1 {
            !says("close")
        } else {
            says("keep-alive")
        }
    }

    /// Whether a body follows the head: `Ok(false)` when none does, an
    /// error when its length is unclear (the client gets a 400). A body
    /// is never read: the connection closes after the response.
    pub fn has_body(&self) -> Result<bool, ()> {
        if self.first("transfer-encoding").is_some() {
            return Ok(true);
        }
        let mut length = None;
        for value in self.all("content-length") {
            let n: u64 = std::str::from_utf8(value)
                .ok()
                .map(str::trim)
                .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|v| v.parse().ok())
                .ok_or(())?;
            if length.is_some_and(|l| l != n) {
                return Err(());
            }
            length = Some(n);
        }
        Ok(length.unwrap_or(0) > 0)
    }
}

/// The path under the output folder that a URL path names, or `None` if it
/// tries to leave it. Each segment is percent-decoded on its own, so `%2F`
/// cannot make a new separator; `..`, `.`, backslashes, NUL and hidden names
/// (the manifest) are refused. A path ending in `/` means its `index.html`.
/// Most paths need none of this, and are the path as it is.
pub fn safe_path(url_path: &str) -> Option<Cow<'_, str>> {
    let trimmed = url_path.strip_prefix('/')?;
    let plain = |segment: &str| {
        !segment.is_empty()
            && !segment.starts_with('.')
            && !segment.contains(['%', '\\', '\0', ':'])
    };
    if trimmed.split('/').all(plain) {
        return Some(Cow::Borrowed(trimmed));
    }
    let mut path = String::with_capacity(trimmed.len() + crate::feed::PAGE_FILE.len());
    for raw in trimmed.split('/') {
        if raw.is_empty() {
            continue;
        }
        let segment = percent_encoding::percent_decode_str(raw)
            .decode_utf8()
            .ok()?;
        if segment.starts_with('.') || segment.contains(['/', '\\', '\0', ':']) {
            return None;
        }
        if !path.is_empty() {
            path.push('/');
        }
        path.push_str(&segment);
    }
    if trimmed.is_empty() || trimmed.ends_with('/') {
        if !path.is_empty() {
            path.push('/');
        }
        path.push_str(crate::feed::PAGE_FILE);
    }
    Some(Cow::Owned(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `text` and hands its request (or what it was) to `check`.
    fn parsed(text: &str, check: impl FnOnce(Parsed<'_>)) {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        check(parse(text.as_bytes(), &mut headers));
    }

    /// What `ask` says of the whole request head `text`.
    fn whole<T>(text: &str, ask: impl FnOnce(&Request<'_>) -> T) -> T {
        let mut result = None;
        parsed(text, |p| match p {
            Parsed::Complete(request, _) => result = Some(ask(&request)),
            other => panic!("not a whole head: {other:?}"),
        });
        result.expect("a whole head")
    }

    #[test]
    fn heads_are_parsed_whole_or_not_at_all() {
        let head = "GET /tags/x/rss.xml?utm=1 HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip\r\naccept-encoding: br\r\n\r\nGET /";
        parsed(head, |p| {
            let Parsed::Complete(r, used) = p else {
                panic!("{p:?}")
            };
            assert_eq!(used, head.len() - "GET /".len());
            assert_eq!(
                (r.method, r.path, r.version),
                ("GET", Some("/tags/x/rss.xml"), 1)
            );
            let codings: Vec<&[u8]> = r.all("Accept-Encoding").collect();
            assert_eq!(codings, [&b"gzip"[..], b"br"]);
            assert!(r.keep_alive());
            assert_eq!(r.has_body(), Ok(false));
        });
        parsed("\r\nGET / HTTP/1.1\r\nHost: a", |p| {
            assert!(matches!(p, Parsed::Partial), "{p:?}")
        });
        parsed("GET / HTTP/1.1\r\nBad Header\r\n\r\n", |p| {
            assert!(matches!(p, Parsed::Malformed), "{p:?}")
        });
        parsed("GET / HTTP/2.0\r\n\r\n", |p| {
            assert!(matches!(p, Parsed::Malformed), "{p:?}")
        });
        let many = format!(
            "GET / HTTP/1.1\r\n{}\r\n",
            "X: y\r\n".repeat(MAX_HEADERS + 1)
        );
        parsed(&many, |p| {
            assert!(matches!(p, Parsed::TooManyHeaders), "{p:?}")
        });
    }

    #[test]
    fn targets_in_absolute_form_name_their_path() {
        assert_eq!(path_of("/a/b?c#d"), Some("/a/b"));
        assert_eq!(path_of("http://example.org/rss.xml?x"), Some("/rss.xml"));
        assert_eq!(path_of("HTTPS://example.org"), Some("/"));
        assert_eq!(path_of("*"), None);
        assert_eq!(path_of("example.org:80"), None);
        assert_eq!(path_of("ftp://example.org/x"), None);
    }

    #[test]
    fn connections_stay_open_as_the_version_and_the_client_say() {
        let keep = |text: &str| whole(text, |r| r.keep_alive());
        assert!(keep("GET / HTTP/1.1\r\n\r\n"));
        assert!(!keep("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n"));
        assert!(!keep(
            "GET / HTTP/1.1\r\nConnection: upgrade, close\r\n\r\n"
        ));
        assert!(!keep("GET / HTTP/1.0\r\n\r\n"));
        assert!(keep("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    }

    #[test]
    fn bodies_are_known_by_their_length_or_coding() {
        let body = |text: &str| whole(text, |r| r.has_body());
        assert_eq!(
            body("GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
            Ok(false)
        );
        assert_eq!(
            body("GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\n"),
            Ok(true)
        );
        assert_eq!(
            body("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Ok(true)
        );
        assert_eq!(
            body("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"),
            Err(())
        );
        assert_eq!(
            body("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
            Err(())
        );
    }

    #[test]
    fn paths_cannot_leave_the_output_folder() {
        assert_eq!(safe_path("/").as_deref(), Some("index.html"));
        assert_eq!(safe_path("/rss.xml").as_deref(), Some("rss.xml"));
        assert!(matches!(
            safe_path("/tags/x/rss.xml"),
            Some(Cow::Borrowed(_))
        ));
        assert_eq!(safe_path("/tags/x/").as_deref(), Some("tags/x/index.html"));
        assert_eq!(safe_path("//tags//x").as_deref(), Some("tags/x"));
        assert_eq!(
            safe_path("/tags/%E5%8F%B0%E5%8C%97/").as_deref(),
            Some("tags/台北/index.html")
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
}
