//! The fuzz targets (see the crate's documentation): each feeds its corpus and `FUZZ_CASES` mutated inputs to
//! one entry point of the platform and checks the answer, not only that nothing panicked.

mod asl;
mod config_toml;
mod jwt;
mod lambda_events;
mod parquet;
mod queue_messages;
mod request_bodies;

/// The input as text, lossily (the entry points under test take text).
pub fn text(input: &[u8]) -> String {
    String::from_utf8_lossy(input).into_owned()
}

/// A runtime for the asynchronous entry points.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}
