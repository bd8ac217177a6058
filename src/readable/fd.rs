//! The fd-backed source (in progress).
