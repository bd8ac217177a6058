//! Every raw call of the crate, and all of its `unsafe`.
//!
//! This module provides:
//! - [`sendmsg`] does one `sendmsg(2)` carrying bytes and an `SCM_RIGHTS` message, with
//!   `MSG_NOSIGNAL`; the control bytes are built on the stack, every byte written.
//! - [`recvmsg`] does one `recvmsg(2)` with `MSG_CMSG_CLOEXEC` into caller-provided buffers, and
//!   [`ControlMessages`], which walks every control message the kernel wrote and turns every
//!   descriptor in it into an [`OwnedFd`] (closing whatever the caller does not take).
//! - [`peer_credentials`] and [`peer_pidfd`] do `getsockopt(SO_PEERCRED)` and
//!   `getsockopt(SO_PEERPIDFD)`.
//! - The control-message layout (`cmsg_space` and friends) as the kernel writes it, in safe
//!   `const fn`s, so that nothing outside this module needs libc's `CMSG_*` functions.
//!
//! No raw descriptor number leaves this module: descriptors go in as [`BorrowedFd`] and come
//! out as [`OwnedFd`]. The crate root allows `unsafe_code` for this module alone.

use std::io;
use std::mem::{self, MaybeUninit};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::ptr;

/// `SCM_MAX_FD` in the kernel: the most descriptors one `SCM_RIGHTS` message may carry.
pub(crate) const SCM_MAX_FD: usize = 253;

/// `SCM_PIDFD` (Linux 6.5): a pidfd of the sender, sent when `SO_PASSPIDFD` is on.
const SCM_PIDFD: libc::c_int = 0x04;

/// `SO_PEERPIDFD` (Linux 6.5). Its number differs by architecture; where we do not know it,
/// [`peer_pidfd`] reports the option as unsupported.
const SO_PEERPIDFD: Option<libc::c_int> = if cfg!(any(
    target_arch = "x86",
    target_arch = "x86_64",
    target_arch = "arm",
    target_arch = "aarch64",
    target_arch = "riscv32",
    target_arch = "riscv64",
    target_arch = "loongarch64",
    target_arch = "s390x",
    target_arch = "powerpc",
    target_arch = "powerpc64",
    target_arch = "mips",
    target_arch = "mips64",
)) {
    Some(77)
} else {
    None
};

// The kernel's `struct cmsghdr` is `{ size_t cmsg_len; int cmsg_level; int cmsg_type; }`,
// aligned like `size_t`, whatever the C library calls its fields.
const HDR_LEN_SIZE: usize = mem::size_of::<usize>();
const HDR_SIZE: usize = HDR_LEN_SIZE + 2 * mem::size_of::<libc::c_int>();
const CMSG_ALIGN_TO: usize = mem::size_of::<usize>();
pub(crate) const FD_SIZE: usize = mem::size_of::<libc::c_int>();
const UCRED_SIZE: usize = mem::size_of::<libc::ucred>();

/// `CMSG_ALIGN`.
const fn cmsg_align(len: usize) -> usize {
    (len + CMSG_ALIGN_TO - 1) & !(CMSG_ALIGN_TO - 1)
}

/// `CMSG_LEN`: header plus `payload` bytes, the value of `cmsg_len`.
pub(crate) const fn cmsg_len(payload: usize) -> usize {
    cmsg_align(HDR_SIZE) + payload
}

/// `CMSG_SPACE`: the room one message with `payload` bytes takes in the buffer.
pub(crate) const fn cmsg_space(payload: usize) -> usize {
    cmsg_align(HDR_SIZE) + cmsg_align(payload)
}

/// Bytes of control buffer for `max_fds` descriptors plus the messages the kernel may put
/// before them (`SCM_CREDENTIALS` when `SO_PASSCRED` is on, `SCM_PIDFD` when `SO_PASSPIDFD`
/// is on), plus slack to align a buffer that starts anywhere.
pub(crate) const fn recv_space(max_fds: usize) -> usize {
    (CMSG_ALIGN_TO - 1)
        + cmsg_space(UCRED_SIZE)
        + cmsg_space(FD_SIZE)
        + cmsg_space(max_fds * FD_SIZE)
}

/// The send-side control buffer: room for one `SCM_RIGHTS` message of [`SCM_MAX_FD`] fds.
#[repr(C, align(8))]
struct SendControl([MaybeUninit<u8>; cmsg_space(SCM_MAX_FD * FD_SIZE)]);

// `align(8)` above must be at least the header's alignment.
const _: () = assert!(mem::align_of::<SendControl>() >= CMSG_ALIGN_TO);

/// One `sendmsg(2)` of `data` with `fds` in an `SCM_RIGHTS` message (none if `fds` is empty),
/// flags `MSG_NOSIGNAL`, retried on `EINTR` (nothing was sent then).
///
/// The caller has checked `fds.len() <= SCM_MAX_FD`.
pub(crate) fn sendmsg(
    socket: BorrowedFd<'_>,
    data: &[u8],
    fds: &[BorrowedFd<'_>],
) -> io::Result<usize> {
    assert!(fds.len() <= SCM_MAX_FD, "caller checks the fd count");
    let mut control = SendControl([MaybeUninit::uninit(); cmsg_space(SCM_MAX_FD * FD_SIZE)]);
    let control_len = if fds.is_empty() {
        0
    } else {
        let payload = fds.len() * FD_SIZE;
        let space = cmsg_space(payload);
        let bytes = &mut control.0[..space];
        // Write every byte that goes to the kernel, padding included, so none is
        // uninitialised (valgrind checks this).
        put(bytes, 0, &cmsg_len(payload).to_ne_bytes());
        put(bytes, HDR_LEN_SIZE, &libc::SOL_SOCKET.to_ne_bytes());
        put(bytes, HDR_LEN_SIZE + 4, &libc::SCM_RIGHTS.to_ne_bytes());
        for pad in &mut bytes[HDR_SIZE..cmsg_align(HDR_SIZE)] {
            pad.write(0);
        }
        let mut at = cmsg_align(HDR_SIZE);
        for fd in fds {
            put(bytes, at, &fd.as_raw_fd().to_ne_bytes());
            at += FD_SIZE;
        }
        for pad in &mut bytes[at..space] {
            pad.write(0);
        }
        space
    };

    let mut iov = libc::iovec {
        iov_base: data.as_ptr() as *mut libc::c_void,
        iov_len: data.len(),
    };
    // SAFETY: `msghdr` is plain old data (integers and pointers, padding on some C
    // libraries); all zeroes is a valid value of it.
    let mut msg: libc::msghdr = unsafe { mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    if control_len > 0 {
        msg.msg_control = control.0.as_mut_ptr().cast();
        msg.msg_controllen = control_len as _;
    }
    loop {
        // SAFETY: `msg` points at one iovec over `data` (read-only for sendmsg) and at
        // `control_len` initialised bytes of `control`, all alive for the call; the fds in
        // the control message are borrowed for the call, so they are open.
        let n = unsafe { libc::sendmsg(socket.as_raw_fd(), &msg, libc::MSG_NOSIGNAL) };
        if n >= 0 {
            return Ok(n as usize);
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

fn put(bytes: &mut [MaybeUninit<u8>], at: usize, src: &[u8]) {
    for (dst, &b) in bytes[at..at + src.len()].iter_mut().zip(src) {
        dst.write(b);
    }
}

/// What one `recvmsg(2)` returned.
pub(crate) struct Recv<'a> {
    /// Bytes placed in the data buffer.
    pub(crate) bytes: usize,
    /// `MSG_TRUNC`: a datagram was longer than the data buffer.
    pub(crate) data_truncated: bool,
    /// `MSG_CTRUNC`: control data (descriptors) did not all arrive.
    pub(crate) control_truncated: bool,
    /// Room that was left after the last control message the kernel wrote before an
    /// `SCM_RIGHTS` message, i.e. how many bytes an `SCM_RIGHTS` message could have used.
    pub(crate) control_capacity: usize,
    /// The control messages, to be walked; dropping closes every fd not taken.
    pub(crate) messages: ControlMessages<'a>,
}

/// One `recvmsg(2)` into `buf`, with control data into `control` and flags
/// `MSG_CMSG_CLOEXEC`, retried on `EINTR` (nothing was received then).
pub(crate) fn recvmsg<'a>(
    socket: BorrowedFd<'_>,
    buf: &mut [u8],
    control: &'a mut [MaybeUninit<u8>],
) -> io::Result<Recv<'a>> {
    let control = align_control(control);
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: as in `sendmsg`, all zeroes is a valid `msghdr`.
    let mut msg: libc::msghdr = unsafe { mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    if !control.is_empty() {
        msg.msg_control = control.as_mut_ptr().cast();
    } else {
        msg.msg_control = ptr::null_mut();
    }
    let n = loop {
        msg.msg_controllen = control.len() as _;
        msg.msg_flags = 0;
        // SAFETY: `msg` points at one iovec over `buf` and at `control`, both writable and
        // alive for the call, with their true lengths; the kernel writes at most that much.
        let n = unsafe { libc::recvmsg(socket.as_raw_fd(), &mut msg, libc::MSG_CMSG_CLOEXEC) };
        if n >= 0 {
            break n;
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    };
    let written = (msg.msg_controllen as usize).min(control.len());
    let capacity = control.len();
    // SAFETY: the kernel initialised the first `msg_controllen` bytes of the control buffer
    // (it reports what it wrote), and `written` is clamped to the buffer.
    let bytes: &'a mut [u8] =
        unsafe { std::slice::from_raw_parts_mut(control.as_mut_ptr().cast::<u8>(), written) };
    let messages = ControlMessages {
        bytes,
        pos: 0,
        fds: 0..0,
    };
    Ok(Recv {
        bytes: n as usize,
        data_truncated: msg.msg_flags & libc::MSG_TRUNC != 0,
        control_truncated: msg.msg_flags & libc::MSG_CTRUNC != 0,
        control_capacity: capacity - messages.offset_of_rights(),
        messages,
    })
}

/// Skips to the first byte aligned for a control message header.
fn align_control(control: &mut [MaybeUninit<u8>]) -> &mut [MaybeUninit<u8>] {
    let skip = control.as_ptr().align_offset(CMSG_ALIGN_TO);
    let len = control.len();
    &mut control[skip.min(len)..]
}

/// One item of a received control message.
#[derive(Debug)]
pub(crate) enum ControlItem {
    /// A descriptor from an `SCM_RIGHTS` message.
    Fd(OwnedFd),
    /// `SCM_CREDENTIALS`: pid, uid, gid of the sender.
    Credentials(libc::pid_t, libc::uid_t, libc::gid_t),
    /// A descriptor from an `SCM_PIDFD` message.
    Pidfd(OwnedFd),
}

/// Walks the control messages `recvmsg` wrote: every message, every descriptor in each.
///
/// Each descriptor becomes an [`OwnedFd`] as it is yielded; dropping the walker closes every
/// descriptor not yet yielded.
pub(crate) struct ControlMessages<'a> {
    /// The bytes the kernel wrote (its `msg_controllen`).
    bytes: &'a mut [u8],
    /// Offset of the next message header.
    pos: usize,
    /// Offsets of the descriptors not yet yielded in the current message.
    fds: std::ops::Range<usize>,
}

impl std::fmt::Debug for ControlMessages<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControlMessages")
            .field("len", &self.bytes.len())
            .field("pos", &self.pos)
            .finish()
    }
}

/// One message header: (level, type, payload range within the buffer).
struct Header {
    level: libc::c_int,
    kind: libc::c_int,
    payload: std::ops::Range<usize>,
}

impl ControlMessages<'_> {
    /// The header at `pos`, with its length clamped to the buffer, or `None` at the end.
    fn header_at(&self, pos: usize) -> Option<Header> {
        let rest = self.bytes.get(pos..)?;
        if rest.len() < HDR_SIZE {
            return None;
        }
        let len = usize::from_ne_bytes(rest[..HDR_LEN_SIZE].try_into().ok()?);
        if len < cmsg_len(0) {
            return None; // malformed; the kernel never writes this
        }
        let level =
            libc::c_int::from_ne_bytes(rest[HDR_LEN_SIZE..HDR_LEN_SIZE + 4].try_into().ok()?);
        let kind = libc::c_int::from_ne_bytes(rest[HDR_LEN_SIZE + 4..HDR_SIZE].try_into().ok()?);
        let end = pos + len.min(rest.len());
        Some(Header {
            level,
            kind,
            payload: pos + cmsg_align(HDR_SIZE)..end,
        })
    }

    /// Offset of the `SCM_RIGHTS` message, or of the end of the written bytes if none.
    fn offset_of_rights(&self) -> usize {
        let mut pos = 0;
        while let Some(h) = self.header_at(pos) {
            if h.level == libc::SOL_SOCKET && h.kind == libc::SCM_RIGHTS {
                return pos;
            }
            pos += cmsg_align(h.payload.end - pos);
        }
        self.bytes.len()
    }

    fn take_fd(&mut self, at: usize) -> OwnedFd {
        let raw = RawFd::from_ne_bytes(
            self.bytes[at..at + FD_SIZE]
                .try_into()
                .expect("range is FD_SIZE long"),
        );
        // Overwrite the number so that it cannot be taken twice.
        self.bytes[at..at + FD_SIZE].copy_from_slice(&(-1 as RawFd).to_ne_bytes());
        // SAFETY: the kernel installed this descriptor in our table for this `recvmsg` (it is
        // in an `SCM_RIGHTS`/`SCM_PIDFD` payload it wrote), nothing else owns it, and we
        // erase it from the buffer above so it is wrapped exactly once.
        unsafe { OwnedFd::from_raw_fd(raw) }
    }
}

impl Iterator for ControlMessages<'_> {
    type Item = ControlItem;

    fn next(&mut self) -> Option<ControlItem> {
        loop {
            if self.fds.len() >= FD_SIZE {
                let at = self.fds.start;
                self.fds.start += FD_SIZE;
                return Some(ControlItem::Fd(self.take_fd(at)));
            }
            let h = self.header_at(self.pos)?;
            self.pos += cmsg_align(h.payload.end - self.pos);
            if h.level != libc::SOL_SOCKET {
                continue;
            }
            match h.kind {
                libc::SCM_RIGHTS => {
                    // A truncated message holds whole descriptors only; round down.
                    let whole = h.payload.len() - h.payload.len() % FD_SIZE;
                    self.fds = h.payload.start..h.payload.start + whole;
                }
                libc::SCM_CREDENTIALS if h.payload.len() >= UCRED_SIZE => {
                    let p = &self.bytes[h.payload.start..];
                    let pid = libc::pid_t::from_ne_bytes(p[0..4].try_into().ok()?);
                    let uid = libc::uid_t::from_ne_bytes(p[4..8].try_into().ok()?);
                    let gid = libc::gid_t::from_ne_bytes(p[8..12].try_into().ok()?);
                    return Some(ControlItem::Credentials(pid, uid, gid));
                }
                SCM_PIDFD if h.payload.len() >= FD_SIZE => {
                    return Some(ControlItem::Pidfd(self.take_fd(h.payload.start)));
                }
                _ => {}
            }
        }
    }
}

impl Drop for ControlMessages<'_> {
    fn drop(&mut self) {
        // Close every descriptor nobody took.
        self.for_each(drop);
    }
}

/// `getsockopt(SO_PEERCRED)`: pid, uid and gid of the peer when it connected.
pub(crate) fn peer_credentials(
    socket: BorrowedFd<'_>,
) -> io::Result<(libc::pid_t, libc::uid_t, libc::gid_t)> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = UCRED_SIZE as libc::socklen_t;
    // SAFETY: `cred` and `len` are valid for writes of their sizes for the call, and `len`
    // holds the size of `cred`.
    let r = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((cred.pid, cred.uid, cred.gid))
}

/// `getsockopt(SO_PEERPIDFD)`: a pidfd of the peer, close-on-exec (the kernel makes it so).
///
/// `Ok(None)` if this build does not know the option's number for the target architecture.
pub(crate) fn peer_pidfd(socket: BorrowedFd<'_>) -> io::Result<Option<OwnedFd>> {
    let Some(opt) = SO_PEERPIDFD else {
        return Ok(None);
    };
    let mut raw: libc::c_int = -1;
    let mut len = mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `raw` and `len` are valid for writes of their sizes for the call, and `len`
    // holds the size of `raw`.
    let r = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            opt,
            (&mut raw as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    if raw < 0 || len as usize != mem::size_of::<libc::c_int>() {
        return Err(io::Error::other("SO_PEERPIDFD returned no descriptor"));
    }
    // SAFETY: a successful `SO_PEERPIDFD` installs a new descriptor in our table and hands
    // its number to us alone.
    Ok(Some(unsafe { OwnedFd::from_raw_fd(raw) }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_libc() {
        for n in [0u32, 1, 4, 12, 13, 1012] {
            // SAFETY: CMSG_LEN and CMSG_SPACE are pure arithmetic.
            let (len, space) = unsafe { (libc::CMSG_LEN(n), libc::CMSG_SPACE(n)) };
            assert_eq!(cmsg_len(n as usize), len as usize, "CMSG_LEN({n})");
            assert_eq!(cmsg_space(n as usize), space as usize, "CMSG_SPACE({n})");
        }
        assert_eq!(HDR_SIZE, mem::size_of::<libc::cmsghdr>());
    }

    #[test]
    fn walker_reads_every_message_and_skips_garbage() {
        // Credentials, then a foreign-level message, then an empty SCM_RIGHTS: the walker
        // reports the credentials, skips the rest, takes no descriptor.
        let mut buf = vec![0u8; cmsg_space(UCRED_SIZE) + cmsg_space(4) + cmsg_space(0)];
        let mut at = 0;
        let hdr = |buf: &mut [u8], at: &mut usize, level: i32, kind: i32, payload: &[u8]| {
            buf[*at..*at + 8].copy_from_slice(&cmsg_len(payload.len()).to_ne_bytes());
            buf[*at + 8..*at + 12].copy_from_slice(&level.to_ne_bytes());
            buf[*at + 12..*at + 16].copy_from_slice(&kind.to_ne_bytes());
            buf[*at + 16..*at + 16 + payload.len()].copy_from_slice(payload);
            *at += cmsg_space(payload.len());
        };
        let cred: Vec<u8> = [7i32, 8, 9].iter().flat_map(|v| v.to_ne_bytes()).collect();
        hdr(
            &mut buf,
            &mut at,
            libc::SOL_SOCKET,
            libc::SCM_CREDENTIALS,
            &cred,
        );
        hdr(
            &mut buf,
            &mut at,
            12345,
            libc::SCM_RIGHTS,
            &5i32.to_ne_bytes(),
        );
        hdr(&mut buf, &mut at, libc::SOL_SOCKET, libc::SCM_RIGHTS, &[]);
        let mut walker = ControlMessages {
            bytes: &mut buf,
            pos: 0,
            fds: 0..0,
        };
        assert!(matches!(
            walker.next(),
            Some(ControlItem::Credentials(7, 8, 9))
        ));
        assert!(walker.next().is_none());
        assert!(walker.next().is_none());
    }
}
