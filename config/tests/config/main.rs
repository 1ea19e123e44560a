//! Integration tests of tradai-config: loading the real files, layering, sources, promotion and snapshots.

mod helpers;
mod layering;
mod promotion;
mod reference;
mod reporting;
mod snapshots;
mod stack_files;
