//! Legacy `Stream#pipe` (in progress).
