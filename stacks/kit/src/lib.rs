//! `tradai-stack-kit`: what every stack shares. Names come from `tradai_config::Names`; tags from here.

mod collect;
mod layers;
mod outputs;
mod policy;
mod security;
mod tags;

pub use collect::{collect, int};
pub use layers::{FoundationOutputs, PersistentOutputs};
pub use outputs::Upstream;
pub use policy::{assume_role, PolicyBuilder, Statement, WildcardPolicy};
pub use security::{Direction, OpenIngress, Peer, Rule, SecurityRules};
pub use tags::tags;
