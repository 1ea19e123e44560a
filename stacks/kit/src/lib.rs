//! `tradai-stack-kit`: what every stack shares. Names come from `tradai_config::Names`; tags from here.

mod tags;

pub use tags::tags;
