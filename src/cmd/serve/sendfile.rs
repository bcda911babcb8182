//! Large served files go to the socket with `sendfile`, as nginx sends
//! them, rather than being copied into the socket's buffers on every
//! response. A kept file's bytes stay in memory (its validators, its
//! compressed forms and a plain write need them), and so does the open
//! file they were read from: [`Conn`], the connection hyper writes to,
//! recognises a response body that is such a file's bytes and hands the
//! kernel the file instead, which it sends from its page cache.
//!
//! The open file is the version that was read: watch replaces files by
//! rename, never in place, so a response is one version of the file,
//! whole, even if watch replaces it meanwhile. (A file rewritten in place
//! by hand is sent as it then is, as nginx would; the output folder's
//! watcher drops it from memory at once.) Each kept file holds a
//! descriptor: only files of [`MIN_SENT`] bytes or more keep theirs, and
//! no more than the budget serve gives ([`set_budget`]); other files are
//! plain bytes, written as before. Elsewhere than on Linux, bodies are
//! always written as bytes.

use std::collections::BTreeMap;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::RwLock;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Smaller files are copied as usual: sending them is cheap, and they are
/// not worth a descriptor each.
pub const MIN_SENT: usize = 64 * 1024;

/// How many files may keep their descriptors at once (see [`set_budget`]).
static BUDGET: AtomicUsize = AtomicUsize::new(0);
/// How many do.
static COUNT: AtomicUsize = AtomicUsize::new(0);
/// The bytes of every file kept with its descriptor, by their first
/// byte's address: their length and the descriptor.
static BACKED: RwLock<BTreeMap<usize, (usize, i32)>> = RwLock::new(BTreeMap::new());

/// Sets how many files may keep their descriptors (see the module docs).
pub fn set_budget(files: usize) {
    BUDGET.store(files, Ordering::Relaxed);
}

/// `data`, read from `file` (open, at its start), as bytes to serve: sent
/// from `file` when it is large enough and the budget allows, else as they
/// are.
pub fn bytes_of(data: Vec<u8>, file: std::fs::File) -> Bytes {
    if data.len() < MIN_SENT {
        return Bytes::from(data);
    }
    match Backed::of(data, file) {
        Ok(backed) => Bytes::from_owner(backed),
        Err(data) => Bytes::from(data),
    }
}

/// The file and the offset in it of `slice`, if `slice` lies in the bytes
/// of a file kept with its descriptor.
fn find(slice: &[u8]) -> Option<(i32, i64)> {
    find_at(slice.as_ptr() as usize, slice.len())
}

/// Shorter writes are not looked up: a response head, a 304, a small
/// file, or the small rest of a body the socket took most of. Written as
/// bytes, they are the same on the wire, and every request is spared
/// taking the registry's lock (shared by the server's threads).
const MIN_LOOKUP: usize = 16 * 1024;

/// [`find`] for the `len` bytes at `address`.
fn find_at(address: usize, len: usize) -> Option<(i32, i64)> {
    if len < MIN_LOOKUP || COUNT.load(Ordering::Relaxed) == 0 {
        return None;
    }
    let backed = BACKED.read().unwrap_or_else(|e| e.into_inner());
    let (&start, &(backed_len, fd)) = backed.range(..=address).next_back()?;
    let offset = address - start;
    (offset + len <= backed_len).then_some((fd, offset as i64))
}

/// A file's bytes and the open file they were read from, known to
/// [`find`] while they live.
struct Backed {
    data: Vec<u8>,
    /// Held open while a response may send from it; closed on drop,
    /// after the bytes left the registry.
    _file: std::fs::File,
}

impl Backed {
    #[cfg(target_os = "linux")]
    fn of(data: Vec<u8>, file: std::fs::File) -> Result<Backed, Vec<u8>> {
        use std::os::fd::AsRawFd;
        if COUNT.fetch_add(1, Ordering::Relaxed) >= BUDGET.load(Ordering::Relaxed) {
            COUNT.fetch_sub(1, Ordering::Relaxed);
            return Err(data);
        }
        let mut backed = BACKED.write().unwrap_or_else(|e| e.into_inner());
        backed.insert(data.as_ptr() as usize, (data.len(), file.as_raw_fd()));
        drop(backed);
        Ok(Backed { data, _file: file })
    }

    #[cfg(not(target_os = "linux"))]
    fn of(data: Vec<u8>, _: std::fs::File) -> Result<Backed, Vec<u8>> {
        Err(data)
    }
}

impl AsRef<[u8]> for Backed {
    fn as_ref(&self) -> &[u8] {
        &self.data
    }
}

impl Drop for Backed {
    fn drop(&mut self) {
        // No response is being sent from it: a body holds its bytes.
        let mut backed = BACKED.write().unwrap_or_else(|e| e.into_inner());
        backed.remove(&(self.data.as_ptr() as usize));
        drop(backed);
        COUNT.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A client's connection as hyper writes to it: bytes that lie in a
/// mapping go with `sendfile`, the head before them with `MSG_MORE`, so
/// that head and body leave in full packets; everything else as usual.
pub struct Conn(pub TcpStream);

impl Conn {
    /// Makes `write` (a system call writing to the socket, given its
    /// descriptor; a negative result is an error) once the socket is
    /// writable, again each time it would block.
    #[cfg(target_os = "linux")]
    fn poll_write_with(
        &self,
        cx: &mut Context<'_>,
        mut write: impl FnMut(i32) -> isize,
    ) -> Poll<io::Result<usize>> {
        use std::os::fd::AsRawFd;
        let socket = self.0.as_raw_fd();
        loop {
            ready!(self.0.poll_write_ready(cx))?;
            let sent = self
                .0
                .try_io(tokio::io::Interest::WRITABLE, || match write(socket) {
                    n if n < 0 => Err(io::Error::last_os_error()),
                    n => Ok(n as usize),
                });
            match sent {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                done => return Poll::Ready(done),
            }
        }
    }

    /// Sends `len` bytes of the open file `file` from `offset`.
    #[cfg(target_os = "linux")]
    fn poll_sendfile(
        &self,
        cx: &mut Context<'_>,
        file: i32,
        offset: i64,
        len: usize,
    ) -> Poll<io::Result<usize>> {
        self.poll_write_with(cx, |socket| {
            let mut at = offset;
            // SAFETY: two open descriptors and a valid offset pointer.
            unsafe { libc::sendfile(socket, file, &mut at, len) }
        })
    }

    /// Sends `bufs` saying more follows (`MSG_MORE`): the head of a
    /// response whose body [`Conn::poll_sendfile`] sends next.
    #[cfg(target_os = "linux")]
    fn poll_send_more(
        &self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let mut iov: Vec<libc::iovec> = bufs
            .iter()
            .map(|b| libc::iovec {
                iov_base: b.as_ptr() as *mut libc::c_void,
                iov_len: b.len(),
            })
            .collect();
        self.poll_write_with(cx, |socket| {
            // SAFETY: a message over `iov`, which outlives the call.
            unsafe {
                let mut message: libc::msghdr = std::mem::zeroed();
                message.msg_iov = iov.as_mut_ptr();
                message.msg_iovlen = iov.len() as _;
                libc::sendmsg(socket, &message, libc::MSG_MORE | libc::MSG_NOSIGNAL)
            }
        })
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        #[cfg(target_os = "linux")]
        {
            let mapped = bufs
                .iter()
                .enumerate()
                .find_map(|(i, b)| Some((i, find(b)?)));
            match mapped {
                Some((0, (file, offset))) => {
                    return self.poll_sendfile(cx, file, offset, bufs[0].len())
                }
                Some((first, _)) => return self.poll_send_more(cx, &bufs[..first]),
                None => {}
            }
        }
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A large file keeps its descriptor (within the budget), and any
    /// slice of its bytes is found, at its offset; a small file, or one
    /// past the budget, is plain bytes; dropped bytes are found no more.
    #[test]
    #[cfg(target_os = "linux")]
    fn large_files_are_found_by_their_slices() {
        use std::io::{Seek, Write};
        set_budget(1);
        let data: Vec<u8> = (0..MIN_SENT * 2).map(|i| (i % 251) as u8).collect();
        let file = || {
            let mut file = tempfile::tempfile().unwrap();
            file.write_all(&data).unwrap();
            file.rewind().unwrap();
            file
        };
        let bytes = bytes_of(data.clone(), file());
        assert_eq!(&bytes[..], &data[..]);
        let (_, offset) = find(&bytes[1000..1000 + MIN_LOOKUP]).expect("kept with its file");
        assert_eq!(offset, 1000);
        assert!(find(&data[..]).is_none(), "a copy is not the kept bytes");
        let over = bytes_of(data.clone(), file());
        assert!(find(&over[..]).is_none(), "past the budget");
        let small = bytes_of(vec![1; 100], file());
        assert!(find(&small[..]).is_none());
        let address = bytes.as_ptr() as usize;
        assert!(find_at(address, MIN_LOOKUP).is_some());
        assert!(find_at(address, 100).is_none(), "too short to look up");
        drop(bytes);
        assert!(find_at(address, MIN_LOOKUP).is_none());
    }
}
