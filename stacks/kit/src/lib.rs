//! `tradai-stack-kit`: what every stack shares. Names come from `tradai_config::Names`; tags from here.

mod policy;
mod tags;

pub use policy::{assume_role, PolicyBuilder, Statement, WildcardPolicy};
pub use tags::tags;
