//! The error type's own tests; the messages of real failed calls are checked in
//! `tests/errors.rs`.

use super::*;

#[test]
fn a_failed_connect_reads_as_nodes_for_v4_and_v6() {
    let refused = || io::Error::from_raw_os_error(111);
    let e = Error::connect_failed(refused(), "127.0.0.1:39503".parse().unwrap());
    assert_eq!(e.message(), "connect ECONNREFUSED 127.0.0.1:39503");
    assert_eq!(
        (e.syscall(), e.address(), e.port()),
        (Some("connect"), Some("127.0.0.1"), Some(39503))
    );
    assert_eq!((e.raw_os_error(), e.errno()), (Some(111), Some(-111)));
    // Node writes an IPv6 address without brackets: `connect ECONNREFUSED ::1:1`.
    let e = Error::connect_failed(refused(), "[::1]:1".parse().unwrap());
    assert_eq!(e.message(), "connect ECONNREFUSED ::1:1");
    assert_eq!(e.address(), Some("::1"));
    // Errors made otherwise carry none of these.
    let plain = Error::from_code(ErrorCode::WriteAfterEnd);
    assert_eq!(
        (
            plain.syscall(),
            plain.address(),
            plain.port(),
            plain.errno()
        ),
        (None, None, None, None)
    );
}

#[test]
fn os_errors_print_their_errno_name() {
    let err = Error::from(io::Error::from_raw_os_error(28));
    assert_eq!(err.code().as_str(), "ENOSPC");
    assert_eq!(err.raw_os_error(), Some(28));
}

#[test]
fn round_trip_through_io_error_keeps_the_code() {
    let err = Error::from_code(ErrorCode::WriteAfterEnd);
    let io: io::Error = err.into();
    assert_eq!(io.kind(), io::ErrorKind::BrokenPipe);
    let back = Error::from(io);
    assert_eq!(back.code(), &ErrorCode::WriteAfterEnd);
    assert_eq!(back.message(), "write after end");
}

#[test]
fn errno_names_are_nodes() {
    // `node -p "require('util').getSystemErrorName(-71)"` and so on.
    for (errno, name) in [
        (71, "EPROTO"),
        (100, "ENETDOWN"),
        (39, "ENOTEMPTY"),
        (11, "EAGAIN"),
    ] {
        let err = Error::from(io::Error::from_raw_os_error(errno));
        assert_eq!(err.code().as_str(), name);
    }
    // Node has no name for these (`Unknown system error -10`).
    for errno in [10, 122] {
        let err = Error::from(io::Error::from_raw_os_error(errno));
        assert_eq!(err.code().as_str(), "EUNKNOWN");
    }
}

#[test]
fn unknown_errno_is_eunknown_but_keeps_the_number() {
    let err = Error::from(io::Error::from_raw_os_error(4095));
    assert_eq!(err.code().as_str(), "EUNKNOWN");
    assert_eq!(err.raw_os_error(), Some(4095));
}

#[test]
fn error_is_send_sync_and_cheap_to_clone() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Error>();
    let a = Error::custom("EMY", "mine");
    let b = a.clone();
    assert!(Arc::ptr_eq(&a.inner, &b.inner));
}

#[test]
fn each_shape_reads_as_nodes() {
    let os = io::Error::from_raw_os_error;
    let e = Error::listen_failed(os(98), "listen", "127.0.0.1".into(), Some(32967));
    assert_eq!(
        e.message(),
        "listen EADDRINUSE: address already in use 127.0.0.1:32967"
    );
    assert_eq!(
        (e.syscall(), e.address(), e.port(), e.errno()),
        (Some("listen"), Some("127.0.0.1"), Some(32967), Some(-98))
    );
    // A Unix socket: the path stands for address and port.
    let e = Error::listen_failed(os(13), "listen", "/nonexistent/sock".into(), None);
    assert_eq!(
        e.message(),
        "listen EACCES: permission denied /nonexistent/sock"
    );
    let e = Error::host_port_failed(os(2), "connect", "/nonexistent/sock".into(), None);
    assert_eq!(e.message(), "connect ENOENT /nonexistent/sock");
    assert_eq!((e.address(), e.port()), (Some("/nonexistent/sock"), None));

    let file = std::path::Path::new("/nonexistent/dir/file");
    let e = Error::path_failed(os(2), "open", Some(file));
    assert_eq!(
        e.message(),
        "ENOENT: no such file or directory, open '/nonexistent/dir/file'"
    );
    assert_eq!((e.syscall(), e.path()), (Some("open"), Some(file)));
    let e = Error::path_failed(os(9), "write", None);
    assert_eq!(e.message(), "EBADF: bad file descriptor, write");
    assert_eq!(e.path(), None);

    let e = Error::spawn_failed(
        os(2),
        std::path::Path::new("no-such-program"),
        vec!["a".into()],
    );
    assert_eq!(e.message(), "spawn no-such-program ENOENT");
    assert_eq!(e.syscall(), Some("spawn no-such-program"));
    assert_eq!(e.path(), Some(std::path::Path::new("no-such-program")));
    assert_eq!(e.spawnargs(), Some(&["a".to_string()][..]));

    let e = Error::syscall_failed(os(32), "write");
    assert_eq!(e.message(), "write EPIPE");
    assert_eq!((e.syscall(), e.errno()), (Some("write"), Some(-32)));
    assert_eq!(e.kind(), io::ErrorKind::BrokenPipe);
}

#[test]
fn an_error_already_worded_is_not_worded_again() {
    let first = Error::syscall_failed(io::Error::from_raw_os_error(32), "write");
    let through_io: io::Error = first.into();
    let again = Error::path_failed(through_io, "open", None);
    assert_eq!(again.message(), "write EPIPE");
    assert_eq!(again.syscall(), Some("write"));
}

#[test]
fn a_worded_error_keeps_message_and_fields_through_io_error() {
    let e = Error::connect_failed(
        io::Error::from_raw_os_error(111),
        "127.0.0.1:39503".parse().unwrap(),
    );
    let io: io::Error = e.into();
    assert_eq!(io.kind(), io::ErrorKind::ConnectionRefused);
    assert_eq!(
        io.to_string(),
        "connect ECONNREFUSED 127.0.0.1:39503 [ECONNREFUSED]"
    );
    let back = Error::from_io(io);
    assert_eq!(
        (back.raw_os_error(), back.port(), back.message()),
        (
            Some(111),
            Some(39503),
            "connect ECONNREFUSED 127.0.0.1:39503"
        )
    );
    // A bare OS error stays one: raw_os_error() answers on the io::Error itself.
    let io: io::Error = Error::from(io::Error::from_raw_os_error(32)).into();
    assert_eq!(io.raw_os_error(), Some(32));
}

#[test]
fn the_origin_is_set_once_and_shown() {
    let e = Error::syscall_failed(io::Error::from_raw_os_error(32), "write");
    assert_eq!(e.origin(), None);
    assert_eq!(e.to_string(), "write EPIPE [EPIPE]");
    e.set_origin(|| "net.Socket fd 7".into());
    e.set_origin(|| unreachable!("the first stream to leave it unhandled is kept"));
    assert_eq!(e.origin(), Some("net.Socket fd 7"));
    assert_eq!(
        e.to_string(),
        "write EPIPE [EPIPE] (unhandled 'error' of net.Socket fd 7)"
    );
    assert_eq!(
        format!("{e:?}"),
        "Error { code: \"EPIPE\", message: \"write EPIPE\", errno: -32, \
         syscall: \"write\", origin: \"net.Socket fd 7\" }"
    );
    // Clones share it: it was set on the error, not on one handle of it.
    assert_eq!(e.clone().origin(), Some("net.Socket fd 7"));
}
