//! Large served files go to the socket with `sendfile`, as nginx sends
//! them, rather than being copied into the socket's buffers on every
//! response: a kept file's bytes live in a sealed memory file (`memfd`),
//! mapped read-only into the process, and [`Conn`], the connection hyper
//! writes to, recognises a response body that lies in such a mapping and
//! hands the kernel the memory file instead of the bytes.
//!
//! Sealed, the memory file can never change, so a response sent in
//! several pieces is one version of the file, as with bytes in memory.
//! Each mapping holds a descriptor: only files of [`MIN_MAPPED`] bytes or
//! more are mapped, and no more than the budget serve gives
//! ([`set_budget`]); other files are plain bytes, written as before.
//! Elsewhere than on Linux nothing is mapped.

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
pub const MIN_MAPPED: usize = 64 * 1024;

/// How many files may be mapped at once (see [`set_budget`]).
static BUDGET: AtomicUsize = AtomicUsize::new(0);
/// How many are.
static COUNT: AtomicUsize = AtomicUsize::new(0);
/// Every mapping, by its first byte's address: its length and the memory
/// file's descriptor.
static MAPPED: RwLock<BTreeMap<usize, (usize, i32)>> = RwLock::new(BTreeMap::new());

/// Sets how many files may be mapped (each holds a descriptor).
pub fn set_budget(files: usize) {
    BUDGET.store(files, Ordering::Relaxed);
}

/// `data` as bytes to serve: in a sealed, mapped memory file when it is
/// large enough and the budget allows (see the module docs), else as it is.
pub fn bytes_of(data: Vec<u8>) -> Bytes {
    if data.len() < MIN_MAPPED {
        return Bytes::from(data);
    }
    match Mapping::of(&data) {
        Some(mapping) => Bytes::from_owner(mapping),
        None => Bytes::from(data),
    }
}

/// The memory file and the offset in it of `slice`, if `slice` lies in a
/// mapping.
fn find(slice: &[u8]) -> Option<(i32, i64)> {
    find_at(slice.as_ptr() as usize, slice.len())
}

/// [`find`] for the `len` bytes at `address`.
fn find_at(address: usize, len: usize) -> Option<(i32, i64)> {
    if COUNT.load(Ordering::Relaxed) == 0 || len == 0 {
        return None;
    }
    let mapped = MAPPED.read().unwrap_or_else(|e| e.into_inner());
    let (&start, &(mapped_len, fd)) = mapped.range(..=address).next_back()?;
    let offset = address - start;
    (offset + len <= mapped_len).then_some((fd, offset as i64))
}

/// A sealed memory file and its read-only mapping.
struct Mapping {
    fd: std::os::fd::OwnedFd,
    address: *mut libc::c_void,
    len: usize,
}

// SAFETY: the mapping is read-only and its file sealed against writes:
// nothing can change the bytes while any thread reads them.
unsafe impl Send for Mapping {}
unsafe impl Sync for Mapping {}

impl Mapping {
    #[cfg(target_os = "linux")]
    fn of(data: &[u8]) -> Option<Mapping> {
        use std::io::Write as _;
        use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
        if COUNT.fetch_add(1, Ordering::Relaxed) >= BUDGET.load(Ordering::Relaxed) {
            COUNT.fetch_sub(1, Ordering::Relaxed);
            return None;
        }
        let made = (|| {
            // SAFETY: a valid C string and flags; the descriptor returned
            // is owned here.
            let raw = unsafe {
                libc::memfd_create(
                    c"feedsmith-served".as_ptr(),
                    libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING,
                )
            };
            if raw < 0 {
                return None;
            }
            // SAFETY: `raw` is a new descriptor nothing else owns.
            let mut file = std::fs::File::from(unsafe { OwnedFd::from_raw_fd(raw) });
            file.write_all(data).ok()?;
            let fd = OwnedFd::from(file);
            let seals =
                libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE | libc::F_SEAL_SEAL;
            // SAFETY: fcntl and mmap on a descriptor owned here; the
            // mapping is checked before use and unmapped on drop.
            unsafe {
                if libc::fcntl(fd.as_raw_fd(), libc::F_ADD_SEALS, seals) != 0 {
                    return None;
                }
                let address = libc::mmap(
                    std::ptr::null_mut(),
                    data.len(),
                    libc::PROT_READ,
                    libc::MAP_SHARED,
                    fd.as_raw_fd(),
                    0,
                );
                if address == libc::MAP_FAILED {
                    return None;
                }
                Some(Mapping {
                    fd,
                    address,
                    len: data.len(),
                })
            }
        })();
        match made {
            Some(mapping) => {
                let mut mapped = MAPPED.write().unwrap_or_else(|e| e.into_inner());
                mapped.insert(
                    mapping.address as usize,
                    (mapping.len, mapping.fd.as_raw_fd()),
                );
                Some(mapping)
            }
            None => {
                COUNT.fetch_sub(1, Ordering::Relaxed);
                None
            }
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn of(_: &[u8]) -> Option<Mapping> {
        None
    }
}

impl AsRef<[u8]> for Mapping {
    fn as_ref(&self) -> &[u8] {
        // SAFETY: `len` readable bytes at `address` until drop.
        unsafe { std::slice::from_raw_parts(self.address as *const u8, self.len) }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // Out of the registry before its descriptor closes. No response
        // is being sent from it: a body holds its mapping.
        let mut mapped = MAPPED.write().unwrap_or_else(|e| e.into_inner());
        mapped.remove(&(self.address as usize));
        drop(mapped);
        // SAFETY: the mapping made in `of`, unmapped once.
        unsafe { libc::munmap(self.address, self.len) };
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

    /// Sends `len` bytes of the memory file `file` from `offset`.
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

    /// A large file is mapped (within the budget) and found by any slice
    /// of its bytes, at its offset; a small one, or one past the budget,
    /// is plain bytes; a dropped mapping is found no more.
    #[test]
    #[cfg(target_os = "linux")]
    fn large_files_are_mapped_and_found_by_their_slices() {
        set_budget(1);
        let data: Vec<u8> = (0..MIN_MAPPED * 2).map(|i| (i % 251) as u8).collect();
        let bytes = bytes_of(data.clone());
        assert_eq!(&bytes[..], &data[..]);
        let (_, offset) = find(&bytes[1000..2000]).expect("mapped");
        assert_eq!(offset, 1000);
        assert!(find(&data[..]).is_none(), "a copy is not the mapping");
        let over = bytes_of(data.clone());
        assert!(find(&over[..]).is_none(), "past the budget");
        let small = bytes_of(vec![1; 100]);
        assert!(find(&small[..]).is_none());
        let address = bytes.as_ptr() as usize;
        assert!(find_at(address, 10).is_some());
        drop(bytes);
        assert!(find_at(address, 10).is_none());
    }
}
