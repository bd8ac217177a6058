//! Node's names and messages for the operating system's error numbers.
//!
//! Node (through libuv) names each errno (`ENOENT`) and describes it in its own words
//! (`no such file or directory`), which differ from the C library's `strerror`
//! (`No such file or directory`). Both appear in Node's messages, so both are kept here,
//! as node v20 reports them (`util.getSystemErrorMap()` on Linux).

/// Every Linux errno that node v20's `util.getSystemErrorMap` knows: number, name,
/// message.
const TABLE: &[(i32, &str, &str)] = &[
    (1, "EPERM", "operation not permitted"),
    (2, "ENOENT", "no such file or directory"),
    (3, "ESRCH", "no such process"),
    (4, "EINTR", "interrupted system call"),
    (5, "EIO", "i/o error"),
    (6, "ENXIO", "no such device or address"),
    (7, "E2BIG", "argument list too long"),
    (9, "EBADF", "bad file descriptor"),
    (11, "EAGAIN", "resource temporarily unavailable"),
    (12, "ENOMEM", "not enough memory"),
    (13, "EACCES", "permission denied"),
    (14, "EFAULT", "bad address in system call argument"),
    (16, "EBUSY", "resource busy or locked"),
    (17, "EEXIST", "file already exists"),
    (18, "EXDEV", "cross-device link not permitted"),
    (19, "ENODEV", "no such device"),
    (20, "ENOTDIR", "not a directory"),
    (21, "EISDIR", "illegal operation on a directory"),
    (22, "EINVAL", "invalid argument"),
    (23, "ENFILE", "file table overflow"),
    (24, "EMFILE", "too many open files"),
    (25, "ENOTTY", "inappropriate ioctl for device"),
    (26, "ETXTBSY", "text file is busy"),
    (27, "EFBIG", "file too large"),
    (28, "ENOSPC", "no space left on device"),
    (29, "ESPIPE", "invalid seek"),
    (30, "EROFS", "read-only file system"),
    (31, "EMLINK", "too many links"),
    (32, "EPIPE", "broken pipe"),
    (34, "ERANGE", "result too large"),
    (36, "ENAMETOOLONG", "name too long"),
    (38, "ENOSYS", "function not implemented"),
    (39, "ENOTEMPTY", "directory not empty"),
    (40, "ELOOP", "too many symbolic links encountered"),
    (49, "EUNATCH", "protocol driver not attached"),
    (61, "ENODATA", "no data available"),
    (64, "ENONET", "machine is not on the network"),
    (71, "EPROTO", "protocol error"),
    (75, "EOVERFLOW", "value too large for defined data type"),
    (84, "EILSEQ", "illegal byte sequence"),
    (88, "ENOTSOCK", "socket operation on non-socket"),
    (89, "EDESTADDRREQ", "destination address required"),
    (90, "EMSGSIZE", "message too long"),
    (91, "EPROTOTYPE", "protocol wrong type for socket"),
    (92, "ENOPROTOOPT", "protocol not available"),
    (93, "EPROTONOSUPPORT", "protocol not supported"),
    (94, "ESOCKTNOSUPPORT", "socket type not supported"),
    (95, "ENOTSUP", "operation not supported on socket"),
    (97, "EAFNOSUPPORT", "address family not supported"),
    (98, "EADDRINUSE", "address already in use"),
    (99, "EADDRNOTAVAIL", "address not available"),
    (100, "ENETDOWN", "network is down"),
    (101, "ENETUNREACH", "network is unreachable"),
    (103, "ECONNABORTED", "software caused connection abort"),
    (104, "ECONNRESET", "connection reset by peer"),
    (105, "ENOBUFS", "no buffer space available"),
    (106, "EISCONN", "socket is already connected"),
    (107, "ENOTCONN", "socket is not connected"),
    (
        108,
        "ESHUTDOWN",
        "cannot send after transport endpoint shutdown",
    ),
    (110, "ETIMEDOUT", "connection timed out"),
    (111, "ECONNREFUSED", "connection refused"),
    (112, "EHOSTDOWN", "host is down"),
    (113, "EHOSTUNREACH", "host is unreachable"),
    (114, "EALREADY", "connection already in progress"),
    (121, "EREMOTEIO", "remote I/O error"),
    (125, "ECANCELED", "operation canceled"),
];

fn entry(errno: i32) -> Option<&'static (i32, &'static str, &'static str)> {
    TABLE.iter().find(|(n, _, _)| *n == errno)
}

/// The name Node gives `errno` (`"EPIPE"`); `"EUNKNOWN"` for a number Node does not
/// know (Node prints `Unknown system error -N`; the number stays available through
/// [`Error::raw_os_error`](super::Error::raw_os_error)).
pub(super) fn name(errno: i32) -> &'static str {
    entry(errno).map_or("EUNKNOWN", |e| e.1)
}

/// libuv's description of `errno` (`"broken pipe"`), as in Node's
/// `EPIPE: broken pipe, write`; libuv's `"unknown error"` for a number it does not know.
pub(super) fn message(errno: i32) -> &'static str {
    entry(errno).map_or("unknown error", |e| e.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_messages_are_nodes() {
        // `node -p "util.getSystemErrorMap().get(-2)"` and so on.
        assert_eq!(
            (name(2), message(2)),
            ("ENOENT", "no such file or directory")
        );
        assert_eq!(
            (name(98), message(98)),
            ("EADDRINUSE", "address already in use")
        );
        assert_eq!((name(5), message(5)), ("EIO", "i/o error"));
        assert_eq!((name(10), message(10)), ("EUNKNOWN", "unknown error"));
    }

    #[test]
    fn the_table_is_sorted_and_has_no_repeats() {
        assert!(TABLE.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
