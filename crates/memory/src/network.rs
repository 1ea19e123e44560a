//! Route tables and lifecycle actions in memory, with EC2's rules: a route is created only where none exists
//! and replaced only where one does; a lifecycle action is completed once.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use tradai_domain::ports::{GroupInstance, LifecycleAction, LifecycleResult, NatRouting};
use tradai_domain::{DomainError, Result};

use crate::lock;

/// Route tables (id → default-route target) and the lifecycle actions completed so far.
#[derive(Debug, Default)]
pub struct MemoryNatRouting {
    tables: Mutex<BTreeMap<String, Option<String>>>,
    completed: Mutex<Vec<(LifecycleAction, LifecycleResult)>>,
    groups: Mutex<BTreeMap<String, Vec<GroupInstance>>>,
}

impl MemoryNatRouting {
    /// No tables.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add `route_table`, its default route pointing at `target` (or absent).
    pub fn add_table(&self, route_table: &str, target: Option<&str>) {
        lock(&self.tables).insert(route_table.to_owned(), target.map(str::to_owned));
    }

    /// Add instance `instance_id` in `lifecycle_state` to Auto Scaling group `group`.
    pub fn add_instance(&self, group: &str, instance_id: &str, lifecycle_state: &str) {
        lock(&self.groups)
            .entry(group.to_owned())
            .or_default()
            .push(GroupInstance {
                instance_id: instance_id.to_owned(),
                lifecycle_state: lifecycle_state.to_owned(),
            });
    }

    /// The lifecycle actions completed, in order.
    pub fn completed(&self) -> Vec<(LifecycleAction, LifecycleResult)> {
        lock(&self.completed).clone()
    }
}

#[async_trait]
impl NatRouting for MemoryNatRouting {
    async fn default_route_target(&self, route_table: &str) -> Result<Option<String>> {
        lock(&self.tables)
            .get(route_table)
            .cloned()
            .ok_or_else(|| DomainError::not_found("route table", route_table))
    }

    async fn set_default_route(
        &self,
        route_table: &str,
        instance_id: &str,
        replace: bool,
    ) -> Result<()> {
        let mut tables = lock(&self.tables);
        let route = tables
            .get_mut(route_table)
            .ok_or_else(|| DomainError::not_found("route table", route_table))?;
        match (route.is_some(), replace) {
            (true, false) => Err(DomainError::Conflict(format!(
                "{route_table} already has a 0.0.0.0/0 route"
            ))),
            (false, true) => Err(DomainError::not_found("0.0.0.0/0 route of", route_table)),
            _ => {
                *route = Some(instance_id.to_owned());
                Ok(())
            }
        }
    }

    async fn group_instances(&self, group: &str) -> Result<Vec<GroupInstance>> {
        lock(&self.groups)
            .get(group)
            .cloned()
            .ok_or_else(|| DomainError::not_found("Auto Scaling group", group))
    }

    async fn complete_lifecycle(
        &self,
        action: &LifecycleAction,
        result: LifecycleResult,
    ) -> Result<()> {
        let mut completed = lock(&self.completed);
        if completed.iter().any(|(a, _)| a == action) {
            return Err(DomainError::validation(
                "LifecycleActionToken",
                format!("the action of {} is already complete", action.instance_id),
            ));
        }
        completed.push((action.clone(), result));
        Ok(())
    }
}
