//! `tradai-stack-kit`: what every stack shares. Names come from `tradai_config::Names`; tags from here.

mod collect;
mod compute;
mod instances;
mod known;
mod layers;
mod logs;
mod outputs;
mod policy;
pub mod preflight;
mod security;
mod tags;

pub use collect::{collect, int};
pub use compute::{served_services, ComputeOutputs};
pub use instances::{Group, InstanceGroup};
pub use known::{
    entry, gather, known_list, known_value, ComputeValues, FoundationValues, Gather, Known,
    NatValues, PersistentValues, SecurityGroups,
};
pub use layers::{FoundationOutputs, PersistentOutputs, SECURITY_ROLES};
pub use logs::{log_group, LogGroup};
pub use outputs::Upstream;
pub use policy::{assume_role, PolicyBuilder, Statement, WildcardPolicy};
pub use security::{Direction, OpenIngress, Peer, Rule, SecurityRules};
pub use tags::tags;
