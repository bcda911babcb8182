//! One client's connection to `feedsmith serve`: HTTP/1.1 (RFC 9112) as a
//! server of files needs it. Requests are read into one buffer and parsed
//! in place ([`super::request`]); each is answered from the files kept in
//! memory, whose response heads are made once per version of a file
//! ([`super::files`]); requests a client pipelines are answered in one
//! write; a large file's body goes with `sendfile` ([`super::sendfile`]).
//!
//! Why not hyper, which served until this was written: with every file in
//! memory, a conditional GET spent a third of the server's CPU in user
//! space, most of it in general HTTP machinery (header maps, a timer
//! re-armed on every request, body streams) that a server answering GET
//! and HEAD from memory does not need. `cargo bench --bench serve`
//! measures the difference against nginx.
//!
//! Only GET and HEAD are served, and a request body is never read: a
//! request that has one is answered and its connection closed, after a
//! moment to let the client read the answer (as when a client asks to
//! close with more requests pipelined behind).
//!
//! One timer per connection: a client must send a whole request head
//! within the idle timeout of connecting or of its last response (the
//! header-read and keep-alive timeouts in one), and take each batch of
//! responses within it too. The timer is not re-armed on every request:
//! when it fires early, it is set again to the deadline, which requests
//! only move.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

use super::files::Files;
use super::request::{self, Parsed, Request, MAX_HEADERS};
use super::sendfile::{self, Body};

/// A connection's first buffer for request heads; it grows as a head
/// needs, up to [`MAX_HEAD`].
const FIRST_BUFFER: usize = 4 * 1024;

/// The longest request head read; a longer one gets a 431.
const MAX_HEAD: usize = 64 * 1024;

/// Bodies up to this size are copied after their head, so that a response
/// (or a batch of pipelined ones) is one write; larger ones are written
/// from where they are kept.
const COPIED_BODY: usize = 16 * 1024;

/// A batch of responses to pipelined requests is written once it holds
/// this much: tiny requests (a 64 KiB head buffer holds thousands) must
/// not make the server hold megabytes of answers.
const MAX_BATCH: usize = 64 * 1024;

/// How long a connection closed with a request's body unread waits for
/// the client to finish sending, so that its unread bytes do not reset
/// the connection before the client has read the answer.
const LINGER: Duration = Duration::from_secs(1);

/// Serves `stream` until the client closes it, breaks a rule, or is idle
/// for `idle`.
pub async fn serve(stream: TcpStream, served: &'static Files, idle: Duration) {
    let sleep = tokio::time::sleep(idle);
    tokio::pin!(sleep);
    let mut connection = Connection {
        stream,
        buf: vec![0; FIRST_BUFFER],
        start: 0,
        end: 0,
        out: Vec::with_capacity(1024),
        deadline: Instant::now() + idle,
        idle,
    };
    connection.run(served, sleep).await;
}

/// A connection's state between requests.
struct Connection {
    stream: TcpStream,
    /// Bytes received; `buf[start..end]` are not answered yet.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Response heads (and small bodies) not yet written.
    out: Vec<u8>,
    /// When the client must have sent a whole request head, or taken the
    /// responses being written.
    deadline: Instant,
    idle: Duration,
}

/// What answering the next buffered request came to.
enum Step {
    /// No whole request head is buffered.
    Partial,
    /// A request was answered: its head took `used` bytes; its response's
    /// head is in the output, and `body` goes after it.
    Answered {
        used: usize,
        body: Body,
        /// The connection closes after the response.
        close: bool,
        /// The client may still be sending what was not read (a body, or
        /// whatever a request that could not be parsed was).
        unread: bool,
    },
}

impl Connection {
    async fn run(&mut self, served: &'static Files, mut sleep: Pin<&mut Sleep>) {
        loop {
            // Every whole request received is answered before the
            // responses are written: pipelined requests get one write.
            while self.start < self.end {
                let step = answer(served, &self.buf[self.start..self.end], &mut self.out).await;
                let Step::Answered {
                    used,
                    body,
                    close,
                    unread,
                } = step
                else {
                    break;
                };
                self.start += used;
                if body.len() > COPIED_BODY || body.is_sent_from_file() {
                    self.deadline = Instant::now() + self.idle;
                    let send = sendfile::send(&mut self.stream, &self.out, &body);
                    if !matches!(timed(&mut sleep, self.deadline, send).await, Some(Ok(()))) {
                        return;
                    }
                    self.out.clear();
                    self.deadline = Instant::now() + self.idle;
                } else {
                    self.out.extend_from_slice(body.bytes());
                }
                if close {
                    // Bytes left unread would make the close a reset, which
                    // may destroy the answer before the client reads it: a
                    // body, or more requests pipelined behind this one.
                    let more = unread || self.end > self.start;
                    if self.flush(&mut sleep).await && more {
                        self.linger().await;
                    }
                    return;
                }
                if self.out.len() >= MAX_BATCH && !self.flush(&mut sleep).await {
                    return;
                }
            }
            if !self.out.is_empty() && !self.flush(&mut sleep).await {
                return;
            }
            if !self.make_room() {
                // A head longer than the buffer may grow to.
                refused(
                    &mut self.out,
                    "431 Request Header Fields Too Large",
                    "request head too large\n",
                );
                if self.flush(&mut sleep).await {
                    self.linger().await;
                }
                return;
            }
            let read = self.stream.read(&mut self.buf[self.end..]);
            match timed(&mut sleep, self.deadline, read).await {
                Some(Ok(0)) | Some(Err(_)) => return,
                Some(Ok(n)) => self.end += n,
                None => {
                    // The timeout: a client that began a request is told.
                    if self.end > self.start {
                        let _ = self.stream.try_write(
                            b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n",
                        );
                    }
                    return;
                }
            }
        }
    }

    /// Writes the responses made; `false` if the client is gone or did not
    /// take them in time. The client's next request is due within the
    /// idle timeout of this. (One reading of the clock: a small write
    /// takes no time, unless the client stopped reading.)
    async fn flush(&mut self, sleep: &mut Pin<&mut Sleep>) -> bool {
        self.deadline = Instant::now() + self.idle;
        let written = timed(sleep, self.deadline, self.stream.write_all(&self.out)).await;
        self.out.clear();
        matches!(written, Some(Ok(())))
    }

    /// Moves the unanswered bytes to the buffer's start and makes room
    /// after them; `false` if the buffer is full at its largest.
    fn make_room(&mut self) -> bool {
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
        } else if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            (self.start, self.end) = (0, self.end - self.start);
        }
        if self.end == self.buf.len() {
            if self.buf.len() >= MAX_HEAD {
                return false;
            }
            self.buf.resize((self.buf.len() * 2).min(MAX_HEAD), 0);
        }
        true
    }

    /// Closes the sending side and reads what the client still sends, for
    /// a moment (see [`LINGER`]).
    async fn linger(&mut self) {
        let _ = self.stream.shutdown().await;
        let drain = async {
            let mut sink = [0; 4096];
            while matches!(self.stream.read(&mut sink).await, Ok(n) if n > 0) {}
        };
        let _ = tokio::time::timeout(LINGER, drain).await;
    }
}

/// Runs `work` until it ends, or until `deadline` passes (`None`). `sleep`
/// is the connection's one timer: when it fires before the deadline (which
/// moved since it was set), it is set again, to the deadline.
async fn timed<T>(
    sleep: &mut Pin<&mut Sleep>,
    deadline: Instant,
    work: impl Future<Output = T>,
) -> Option<T> {
    tokio::pin!(work);
    loop {
        tokio::select! {
            biased;
            done = &mut work => return Some(done),
            () = sleep.as_mut() => {
                if Instant::now() >= deadline {
                    return None;
                }
                sleep.as_mut().reset(deadline);
            }
        }
    }
}

/// Answers the request whose head begins `bytes`, if it is whole: its
/// response's head goes to `out`.
async fn answer(served: &'static Files, bytes: &[u8], out: &mut Vec<u8>) -> Step {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let (request, used) = match request::parse(bytes, &mut headers) {
        Parsed::Complete(request, used) => (request, used),
        Parsed::Partial => return Step::Partial,
        Parsed::Malformed => return refused(out, "400 Bad Request", "bad request\n"),
        Parsed::TooManyHeaders => {
            return refused(
                out,
                "431 Request Header Fields Too Large",
                "too many header fields\n",
            )
        }
    };
    let Ok(has_body) = request.has_body() else {
        return refused(out, "400 Bad Request", "unclear body length\n");
    };
    // A HEAD is answered as a GET, without the body.
    let head = request.method == "HEAD";
    let body = respond(served, &request, out).await;
    let close = has_body || !request.keep_alive();
    end_head(out, close, request.version);
    Step::Answered {
        used,
        body: if head { Body::default() } else { body },
        close,
        unread: has_body,
    }
}

/// The answer to a request that cannot be parsed, whole, to `out`: the
/// connection closes after it.
fn refused(out: &mut Vec<u8>, status: &str, text: &'static str) -> Step {
    let body = plain(out, status, "", text);
    end_head(out, true, 1);
    out.extend_from_slice(body.bytes());
    Step::Answered {
        used: 0,
        body: Body::default(),
        close: true,
        unread: true,
    }
}

/// Writes the head of the response to `request`, but for its end, to
/// `out`, and returns its body.
async fn respond(served: &'static Files, request: &Request<'_>, out: &mut Vec<u8>) -> Body {
    if request.method != "GET" && request.method != "HEAD" {
        return plain(
            out,
            "405 Method Not Allowed",
            "allow: GET, HEAD\r\n",
            "only GET and HEAD\n",
        );
    }
    let Some(relative) = request.path.and_then(request::safe_path) else {
        return plain(out, "400 Bad Request", "", "bad path\n");
    };
    if let Some(body) = served.respond_kept(&relative, request, out) {
        return body;
    }
    // Not kept: read (and compressed) off the connections' threads.
    let relative = relative.into_owned();
    match tokio::task::spawn_blocking(move || served.load(&relative)).await {
        Ok(Some(file)) => file.respond(request, out),
        Ok(None) => plain(out, "404 Not Found", "", "not found\n"),
        Err(_) => plain(out, "500 Internal Server Error", "", "internal error\n"),
    }
}

/// A short plain-text response: its head, but for its end, to `out`
/// (`fields`: more header lines, each ending in CRLF), and its body.
fn plain(out: &mut Vec<u8>, status: &str, fields: &str, text: &'static str) -> Body {
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(status.as_bytes());
    out.extend_from_slice(b"\r\ncontent-type: text/plain; charset=utf-8\r\n");
    out.extend_from_slice(fields.as_bytes());
    out.extend_from_slice(format!("content-length: {}\r\n", text.len()).as_bytes());
    Body::from_bytes(text.as_bytes())
}

/// Ends a response's head: its `Date`, what becomes of the connection,
/// and the empty line.
fn end_head(out: &mut Vec<u8>, close: bool, version: u8) {
    date(out);
    if close {
        out.extend_from_slice(b"connection: close\r\n");
    } else if version == 0 {
        out.extend_from_slice(b"connection: keep-alive\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

thread_local! {
    /// The `Date` line of this second, made once a second per thread.
    static DATE: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
}

/// Writes the `Date` header line.
fn date(out: &mut Vec<u8>) {
    let now = SystemTime::now();
    let second = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    DATE.with_borrow_mut(|(made, line)| {
        if *made != second {
            *line = format!("date: {}\r\n", httpdate::fmt_http_date(now));
            *made = second;
        }
        out.extend_from_slice(line.as_bytes());
    });
}
