//! Node's `flags` strings for opening files, as `open(2)` flags.
// `READ` and the numeric form are for callers still to come (the file read stream parses
// its flags, `"r"` by default); until then only the tests use them.
#![allow(dead_code)]

use rustix::fs::OFlags;

use crate::{Error, ErrorCode};

/// How to open a file, parsed from one of Node's flag strings (`fs.open`'s `flags`).
///
/// Every file is opened close-on-exec, as libuv does, whatever the flags.
///
/// # Node compatibility
///
/// Node's table, checked against node v20's `stringToFlags`: `r`, `rs`/`sr`, `r+`,
/// `rs+`/`sr+`, `w`, `wx`/`xw`, `w+`, `wx+`/`xw+`, `a`, `ax`/`xa`, `as`/`sa`, `a+`,
/// `ax+`/`xa+`, `as+`/`sa+`. Letters are case-sensitive; anything else is
/// `ERR_INVALID_ARG_VALUE`. Node also takes a number of `O_*` bits; that is
/// [`OpenFlags::from_bits`] here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OpenFlags(OFlags);

impl OpenFlags {
    /// `'w'`: write only, create, truncate. The default of `createWriteStream`.
    pub(crate) const WRITE: OpenFlags =
        OpenFlags(OFlags::WRONLY.union(OFlags::CREATE).union(OFlags::TRUNC));

    /// `'r'`: read only. The default of `createReadStream`.
    pub(crate) const READ: OpenFlags = OpenFlags(OFlags::RDONLY);

    /// Parses one of Node's flag strings.
    ///
    /// # Errors
    ///
    /// `ERR_INVALID_ARG_VALUE` with Node's message for any other string.
    pub(crate) fn parse(flags: &str) -> Result<OpenFlags, Error> {
        const R: OFlags = OFlags::RDONLY;
        const RW: OFlags = OFlags::RDWR;
        const W: OFlags = OFlags::WRONLY;
        const C: OFlags = OFlags::CREATE;
        const T: OFlags = OFlags::TRUNC;
        const X: OFlags = OFlags::EXCL;
        const A: OFlags = OFlags::APPEND;
        const S: OFlags = OFlags::SYNC;
        let bits = match flags {
            "r" => R,
            "rs" | "sr" => R | S,
            "r+" => RW,
            "rs+" | "sr+" => RW | S,
            "w" => W | C | T,
            "wx" | "xw" => W | C | T | X,
            "w+" => RW | C | T,
            "wx+" | "xw+" => RW | C | T | X,
            "a" => W | C | A,
            "ax" | "xa" => W | C | A | X,
            "as" | "sa" => W | C | A | S,
            "a+" => RW | C | A,
            "ax+" | "xa+" => RW | C | A | X,
            "as+" | "sa+" => RW | C | A | S,
            _ => {
                return Err(Error::new(
                    ErrorCode::InvalidArgValue,
                    format!("The argument 'flags' is invalid. Received '{flags}'"),
                ))
            }
        };
        Ok(OpenFlags(bits))
    }

    /// Flags given as `O_*` bits, as Node accepts a number.
    pub(crate) fn from_bits(bits: u32) -> OpenFlags {
        OpenFlags(OFlags::from_bits_retain(bits))
    }

    /// The flags `open(2)` is called with: these plus `O_CLOEXEC`.
    pub(crate) fn to_oflags(self) -> OFlags {
        self.0 | OFlags::CLOEXEC
    }

    /// Whether every write goes to the end of the file (`O_APPEND`), whatever the offset.
    pub(crate) fn appends(self) -> bool {
        self.0.contains(OFlags::APPEND)
    }
}

impl Default for OpenFlags {
    fn default() -> OpenFlags {
        OpenFlags::WRITE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_node_flag_string_maps_to_nodes_bits() {
        // The numbers node v20 prints for `stringToFlags(f)` on Linux (x86_64 and aarch64
        // share these O_* values).
        let table: &[(&str, u32)] = &[
            ("r", 0),
            ("rs", 1052672),
            ("sr", 1052672),
            ("r+", 2),
            ("rs+", 1052674),
            ("sr+", 1052674),
            ("w", 577),
            ("wx", 705),
            ("xw", 705),
            ("w+", 578),
            ("wx+", 706),
            ("xw+", 706),
            ("a", 1089),
            ("ax", 1217),
            ("xa", 1217),
            ("as", 1053761),
            ("sa", 1053761),
            ("a+", 1090),
            ("ax+", 1218),
            ("xa+", 1218),
            ("as+", 1053762),
            ("sa+", 1053762),
        ];
        for &(s, bits) in table {
            let flags = OpenFlags::parse(s).unwrap();
            assert_eq!(flags, OpenFlags::from_bits(bits), "{s}");
            assert_eq!(
                flags.to_oflags(),
                OFlags::from_bits_retain(bits) | OFlags::CLOEXEC
            );
        }
        assert_eq!(OpenFlags::default(), OpenFlags::parse("w").unwrap());
        assert_eq!(OpenFlags::READ, OpenFlags::parse("r").unwrap());
        assert!(OpenFlags::parse("a").unwrap().appends());
        assert!(!OpenFlags::parse("r+").unwrap().appends());
    }

    #[test]
    fn other_strings_are_invalid_arg_values_with_nodes_message() {
        for s in ["z", "rw", "", "W", "a+x", "ra", "wa", "rx", "w "] {
            let err = OpenFlags::parse(s).unwrap_err();
            assert_eq!(err.code(), &ErrorCode::InvalidArgValue, "{s:?}");
            assert_eq!(
                err.message(),
                format!("The argument 'flags' is invalid. Received '{s}'")
            );
        }
    }
}
