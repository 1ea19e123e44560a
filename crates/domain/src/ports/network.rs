//! The NAT-instance routing port (update-nat-routes, reference ADR-001): the private route table's default
//! route and the Auto Scaling lifecycle action of a launching NAT instance.

use async_trait::async_trait;

use crate::Result;

/// A launching instance's lifecycle action, as the Auto Scaling event names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleAction {
    pub group: String,
    pub hook: String,
    pub instance_id: String,
    /// The action token, when the event carries one.
    pub token: Option<String>,
}

/// How a lifecycle action ends: keep the instance, or let Auto Scaling replace it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifecycleResult {
    Continue,
    Abandon,
}

impl LifecycleResult {
    /// The API's word.
    pub fn as_str(self) -> &'static str {
        match self {
            LifecycleResult::Continue => "CONTINUE",
            LifecycleResult::Abandon => "ABANDON",
        }
    }
}

/// An instance of an Auto Scaling group and its lifecycle state (`InService`, `Pending:Wait`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInstance {
    pub instance_id: String,
    pub lifecycle_state: String,
}

/// Routes of the VPC and lifecycle actions of its groups.
#[async_trait]
pub trait NatRouting: Send + Sync {
    /// The target (instance, gateway, …) of `route_table`'s `0.0.0.0/0` route; `None` without one;
    /// `NotFound` for an unknown table.
    async fn default_route_target(&self, route_table: &str) -> Result<Option<String>>;
    /// Point `route_table`'s `0.0.0.0/0` at `instance_id`: replace the route when `replace`, else create it.
    async fn set_default_route(
        &self,
        route_table: &str,
        instance_id: &str,
        replace: bool,
    ) -> Result<()>;
    /// The instances of Auto Scaling group `group`; `NotFound` for an unknown group.
    async fn group_instances(&self, group: &str) -> Result<Vec<GroupInstance>>;
    /// End a lifecycle action.
    async fn complete_lifecycle(
        &self,
        action: &LifecycleAction,
        result: LifecycleResult,
    ) -> Result<()>;
}
