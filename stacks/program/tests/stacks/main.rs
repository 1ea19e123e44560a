//! The real stack program run against the in-process mock engine.

mod persistent;
