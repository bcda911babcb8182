//! Large served files go to the socket with `sendfile`, as nginx sends
//! them, rather than being copied into the socket's buffers on every
//! response. A kept file's bytes stay in memory (its validators, its
//! compressed forms and a plain write need them), and so does the open
//! file they were read from: a [`Body`] holds both, and [`send`] hands the
//! kernel the file, which it sends from its page cache.
//!
//! The open file is the version that was read: watch replaces files by
//! rename, never in place, so a response is one version of the file,
//! whole, even if watch replaces it meanwhile. (A file rewritten in place
//! by hand is sent as it then is, as nginx would; the output folder's
//! watcher drops it from memory at once.) Each kept file holds a
//! descriptor: only files of [`MIN_SENT`] bytes or more keep theirs, and
//! no more than the budget serve gives ([`set_budget`]); other files are
//! plain bytes, written as such. Elsewhere than on Linux, bodies are
//! always written as bytes.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;

/// Smaller files are copied as usual: sending them is cheap, and they are
/// not worth a descriptor each.
pub const MIN_SENT: usize = 64 * 1024;

/// How many files may keep their descriptors at once (see [`set_budget`]).
static BUDGET: AtomicUsize = AtomicUsize::new(0);
/// How many do.
static COUNT: AtomicUsize = AtomicUsize::new(0);

/// Sets how many files may keep their descriptors (see the module docs).
pub fn set_budget(files: usize) {
    BUDGET.store(files, Ordering::Relaxed);
}

/// A response body: bytes, and for a large file within the budget the open
/// file they were read from.
#[derive(Debug, Clone, Default)]
pub struct Body {
    bytes: Bytes,
    file: Option<Arc<Kept>>,
}

/// Takes a place in the budget for an open file, if one is left.
fn take_place() -> bool {
    if COUNT.fetch_add(1, Ordering::Relaxed) < BUDGET.load(Ordering::Relaxed) {
        return true;
    }
    COUNT.fetch_sub(1, Ordering::Relaxed);
    false
}

/// An open file counted against the budget while it lives.
#[derive(Debug)]
struct Kept(std::fs::File);

impl Drop for Kept {
    fn drop(&mut self) {
        COUNT.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Body {
    /// `bytes` alone, written as they are.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Body {
        Body {
            bytes: bytes.into(),
            file: None,
        }
    }

    /// `data`, read from `file` (open, at its start): sent from `file`
    /// when it is large enough and the budget allows, else as bytes.
    pub fn of_file(data: Vec<u8>, file: std::fs::File) -> Body {
        let kept = cfg!(target_os = "linux") && data.len() >= MIN_SENT && take_place();
        Body {
            bytes: Bytes::from(data),
            file: kept.then(|| Arc::new(Kept(file))),
        }
    }

    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether [`send`] hands the kernel the open file.
    pub fn is_sent_from_file(&self) -> bool {
        self.file.is_some()
    }
}

/// Writes `head` and then `body` to `stream`: from the open file with
/// `sendfile` if the body has one (the head sent with `MSG_MORE`, so that
/// head and body leave in full packets), else as bytes.
pub async fn send(stream: &mut TcpStream, head: &[u8], body: &Body) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    if let Some(file) = &body.file {
        send_more(stream, head).await?;
        return send_file(stream, &file.0, body.len()).await;
    }
    if body.bytes.is_empty() {
        return stream.write_all(head).await;
    }
    if head.is_empty() {
        return stream.write_all(&body.bytes).await;
    }
    // Head and body in one system call, as long as the socket takes both.
    let mut written = 0;
    let total = head.len() + body.len();
    while written < total {
        written += if written < head.len() {
            let parts = [
                io::IoSlice::new(&head[written..]),
                io::IoSlice::new(&body.bytes),
            ];
            stream.write_vectored(&parts).await?
        } else {
            stream.write(&body.bytes[written - head.len()..]).await?
        };
    }
    Ok(())
}

/// Makes `write` (a system call writing to the socket, given its
/// descriptor; a negative result is an error) once the socket is writable,
/// again each time it would block; returns how much it wrote.
#[cfg(target_os = "linux")]
async fn write_with(stream: &TcpStream, mut write: impl FnMut(i32) -> isize) -> io::Result<usize> {
    use std::os::fd::AsRawFd;
    let socket = stream.as_raw_fd();
    loop {
        stream.writable().await?;
        let sent = stream.try_io(tokio::io::Interest::WRITABLE, || match write(socket) {
            n if n < 0 => Err(io::Error::last_os_error()),
            n => Ok(n as usize),
        });
        match sent {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            done => return done,
        }
    }
}

/// Sends all of `head`, saying more follows (`MSG_MORE`).
#[cfg(target_os = "linux")]
async fn send_more(stream: &TcpStream, head: &[u8]) -> io::Result<()> {
    let mut at = 0;
    while at < head.len() {
        let rest = &head[at..];
        at += write_with(stream, |socket| {
            // SAFETY: a send of `rest`, which outlives the call.
            unsafe {
                libc::send(
                    socket,
                    rest.as_ptr().cast(),
                    rest.len(),
                    libc::MSG_MORE | libc::MSG_NOSIGNAL,
                )
            }
        })
        .await?;
    }
    Ok(())
}

/// Sends the first `len` bytes of the open file `file`.
#[cfg(target_os = "linux")]
async fn send_file(stream: &TcpStream, file: &std::fs::File, len: usize) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let file = file.as_raw_fd();
    let mut offset: i64 = 0;
    while (offset as usize) < len {
        let rest = len - offset as usize;
        write_with(stream, |socket| {
            // SAFETY: two open descriptors and a valid offset pointer,
            // which sendfile advances by what it sent.
            unsafe { libc::sendfile(socket, file, &mut offset, rest) }
        })
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A large file keeps its descriptor (within the budget); a small file,
    /// or one past the budget, is plain bytes; a dropped body gives its
    /// place in the budget back. What `send` writes is the head, then the
    /// body, byte for byte, from the open file or from memory. (One test:
    /// the budget is the process's.)
    #[test]
    #[cfg(target_os = "linux")]
    fn large_files_are_sent_from_their_descriptors_within_the_budget() {
        use std::io::{Read, Seek, Write};
        set_budget(1);
        let data: Vec<u8> = (0..MIN_SENT * 3).map(|i| (i % 251) as u8).collect();
        let file = || {
            let mut file = tempfile::tempfile().unwrap();
            file.write_all(&data).unwrap();
            file.rewind().unwrap();
            file
        };
        let body = Body::of_file(data.clone(), file());
        assert_eq!(&body.bytes()[..], &data[..]);
        assert!(body.is_sent_from_file());
        assert!(!Body::of_file(data.clone(), file()).is_sent_from_file());
        assert!(!Body::of_file(vec![1; 100], file()).is_sent_from_file());
        drop(body);
        let body = Body::of_file(data.clone(), file());
        assert!(body.is_sent_from_file());

        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        for body in [body, Body::from_bytes(data.clone())] {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let reader = std::thread::spawn(move || {
                let (mut socket, _) = listener.accept().unwrap();
                let mut got = Vec::new();
                socket.read_to_end(&mut got).unwrap();
                got
            });
            runtime.block_on(async {
                let mut stream = TcpStream::connect(addr).await.unwrap();
                send(&mut stream, b"HEAD\r\n", &body).await.unwrap();
            });
            let got = reader.join().unwrap();
            assert_eq!(&got[..6], b"HEAD\r\n");
            assert!(got[6..] == data[..], "the body, whole");
        }
    }
}
