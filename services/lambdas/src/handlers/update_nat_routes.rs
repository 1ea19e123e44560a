//! update-nat-routes (§10.2 #18, ADR-001): when the NAT Auto Scaling group launches a replacement instance, its
//! EventBridge lifecycle event arrives here. Each private route table (`PRIVATE_ROUTE_TABLE_ID`, comma-separated)
//! gets its `0.0.0.0/0` route pointed at the new instance (replaced, created when missing, left alone when it
//! already points there), then the lifecycle action completes with CONTINUE. If a route cannot be moved the
//! action completes with ABANDON, so Auto Scaling replaces the instance and the event comes again.
//!
//! Invoked directly with only `{"AutoScalingGroupName": …}` it reconciles instead: the routes are pointed at the
//! group's instance in service. The compute layer invokes it so on every deploy (decision W29), because the
//! first instance launches with the foundation layer, before this function exists to receive its event.

use std::sync::Arc;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use tradai_config::Function;
use tradai_domain::entities::Timestamp;
use tradai_domain::ports::{LifecycleAction, LifecycleResult, NatRouting};
use tradai_domain::{DomainError, ExternalKind};

use crate::HandlerError;

const LAUNCHING: &str = "autoscaling:EC2_INSTANCE_LAUNCHING";

/// The route tables to repoint (`PRIVATE_ROUTE_TABLE_ID`).
#[derive(Debug, Clone)]
pub struct Settings {
    pub route_tables: Vec<String>,
}

/// The update-nat-routes handler: the VPC's routes and Auto Scaling lifecycle actions, and the route tables.
#[derive(Clone)]
pub struct UpdateNatRoutes {
    pub routing: Arc<dyn NatRouting>,
    pub settings: Settings,
}

crate::handler_debug!(UpdateNatRoutes, settings);

impl UpdateNatRoutes {
    /// The handler over `routing` (EC2 and Auto Scaling; not among the platform's ports).
    pub fn new(routing: Arc<dyn NatRouting>, settings: Settings) -> Self {
        UpdateNatRoutes { routing, settings }
    }
}

/// An EventBridge lifecycle event, whose `detail` (when an object) is the lifecycle action, or the action
/// itself at the top level (a direct invocation).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LifecycleEvent {
    #[serde(default, deserialize_with = "object")]
    pub detail: Option<LifecycleDetail>,
    #[serde(flatten)]
    pub direct: LifecycleDetail,
}

/// The lifecycle action's fields as the event has them: each text, else absent (a non-text value is absent;
/// [`LifecycleDetail::action`] names the missing one).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LifecycleDetail {
    #[serde(rename = "LifecycleTransition", default, deserialize_with = "text")]
    pub transition: Option<String>,
    #[serde(rename = "AutoScalingGroupName", default, deserialize_with = "text")]
    pub group: Option<String>,
    #[serde(rename = "LifecycleHookName", default, deserialize_with = "text")]
    pub hook: Option<String>,
    #[serde(rename = "EC2InstanceId", default, deserialize_with = "text")]
    pub instance_id: Option<String>,
    #[serde(rename = "LifecycleActionToken", default, deserialize_with = "text")]
    pub token: Option<String>,
}

/// A text value, or `None` for any other.
fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::String(text) => Some(text),
        _ => None,
    })
}

/// `detail` when it is an object, else `None` (the action is then read from the top level).
fn object<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<LifecycleDetail>, D::Error> {
    match Value::deserialize(deserializer)? {
        detail @ Value::Object(_) => LifecycleDetail::deserialize(detail)
            .map(Some)
            .map_err(D::Error::custom),
        _ => Ok(None),
    }
}

/// What an event asks for.
#[derive(Debug)]
enum Request {
    /// A launching instance's lifecycle action.
    Launch(LifecycleAction),
    /// Point the routes at the group's instance in service (a direct invocation naming only the group).
    Reconcile { group: String },
}

impl LifecycleEvent {
    /// What the event asks for: the lifecycle action of its `detail` or of itself (a direct invocation), or a
    /// reconciliation when it is a direct invocation naming only the group.
    fn request(self) -> Result<Request, HandlerError> {
        if self.detail.is_none() {
            let d = &self.direct;
            let only_group = d.transition.is_none()
                && d.hook.is_none()
                && d.instance_id.is_none()
                && d.token.is_none();
            if let (true, Some(group)) = (only_group, &d.group) {
                if !group.trim().is_empty() {
                    return Ok(Request::Reconcile {
                        group: group.clone(),
                    });
                }
            }
        }
        self.action().map(Request::Launch)
    }

    /// The lifecycle action of the event (its `detail`, or the event itself when invoked directly).
    fn action(self) -> Result<LifecycleAction, HandlerError> {
        let detail = self.detail.unwrap_or(self.direct);
        if let Some(transition) = &detail.transition {
            if transition != LAUNCHING {
                return Err(HandlerError::invalid(
                    "LifecycleTransition",
                    format!("'{transition}' is not handled; only {LAUNCHING} is"),
                ));
            }
        }
        let required = |value: Option<String>, field: &str| {
            value
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| HandlerError::invalid(field, "a non-empty string is required"))
        };
        Ok(LifecycleAction {
            group: required(detail.group, "AutoScalingGroupName")?,
            hook: required(detail.hook, "LifecycleHookName")?,
            instance_id: required(detail.instance_id, "EC2InstanceId")?,
            token: detail.token.filter(|t| !t.trim().is_empty()),
        })
    }
}

/// What was done to a route table's default route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Unchanged,
    Replaced,
    Created,
}

/// One route table repointed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Route {
    pub route_table: String,
    /// The instance it pointed at (`null`: no default route).
    pub previous_target: Option<String>,
    pub change: Change,
}

/// The answer: the instance, its group, each route table, and how the lifecycle action ended (`CONTINUE`;
/// `null` for a reconciliation, which has no action).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Repointed {
    pub instance_id: String,
    pub group: String,
    pub routes: Vec<Route>,
    pub lifecycle_result: Option<&'static str>,
}

const IN_SERVICE: &str = "InService";

/// Point one table at `instance`; what was done.
async fn repoint(
    routing: &dyn NatRouting,
    table: &str,
    instance: &str,
) -> tradai_domain::Result<Route> {
    let previous = routing.default_route_target(table).await?;
    let change = match previous.as_deref() {
        Some(target) if target == instance => Change::Unchanged,
        Some(_) => {
            routing.set_default_route(table, instance, true).await?;
            Change::Replaced
        }
        None => {
            routing.set_default_route(table, instance, false).await?;
            Change::Created
        }
    };
    Ok(Route {
        route_table: table.to_owned(),
        previous_target: previous,
        change,
    })
}

impl crate::registry::Handler for UpdateNatRoutes {
    const FUNCTION: Function = Function::UpdateNatRoutes;
    type Input = LifecycleEvent;
    type Output = Repointed;
    type Settings = Settings;

    fn build(
        _ports: &tradai_platform::Ports,
        extras: &crate::registry::Extras,
        settings: Self::Settings,
    ) -> Result<Self, crate::settings::StartupError> {
        Ok(Self::new(
            crate::registry::required(&extras.nat, "the NAT routing clients", Self::FUNCTION)?,
            settings,
        ))
    }

    /// Handle one lifecycle event or reconciliation.
    async fn handle(
        &self,
        event: LifecycleEvent,
        _now: Timestamp,
    ) -> Result<Repointed, HandlerError> {
        match event.request()? {
            Request::Launch(action) => self.launch(action).await,
            Request::Reconcile { group } => self.reconcile(group).await,
        }
    }
}

impl UpdateNatRoutes {
    /// Point every table at `instance`.
    async fn repoint_all(&self, instance: &str) -> tradai_domain::Result<Vec<Route>> {
        let mut routes = Vec::with_capacity(self.settings.route_tables.len());
        for table in &self.settings.route_tables {
            routes.push(repoint(self.routing.as_ref(), table, instance).await?);
        }
        Ok(routes)
    }

    /// Point the routes at `group`'s instance in service; a group without one is a transient failure (its
    /// launch is still under way).
    async fn reconcile(&self, group: String) -> Result<Repointed, HandlerError> {
        let instances = self.routing.group_instances(&group).await?;
        let Some(serving) = instances.iter().find(|i| i.lifecycle_state == IN_SERVICE) else {
            let states: Vec<String> = instances
                .iter()
                .map(|i| format!("{} {}", i.instance_id, i.lifecycle_state))
                .collect();
            let states = if states.is_empty() {
                "no instances".to_owned()
            } else {
                states.join(", ")
            };
            return Err(DomainError::external(
                "autoscaling",
                ExternalKind::Unavailable,
                format!("group {group} has no instance {IN_SERVICE} yet ({states})"),
            )
            .into());
        };
        let routes = self.repoint_all(&serving.instance_id).await?;
        Ok(Repointed {
            instance_id: serving.instance_id.clone(),
            group,
            routes,
            lifecycle_result: None,
        })
    }

    /// Point the routes at a launching instance, then let its launch continue (or abandon it).
    async fn launch(&self, action: LifecycleAction) -> Result<Repointed, HandlerError> {
        let routing = self.routing.as_ref();
        let mut routes = Vec::with_capacity(self.settings.route_tables.len());
        for table in &self.settings.route_tables {
            match repoint(routing, table, &action.instance_id).await {
                Ok(route) => routes.push(route),
                Err(error) => {
                    tracing::error!(%table, instance = %action.instance_id, %error, "NAT route not moved; abandoning the instance");
                    if let Err(e) = routing
                        .complete_lifecycle(&action, LifecycleResult::Abandon)
                        .await
                    {
                        tracing::warn!(error = %e, "the lifecycle action was not abandoned; its heartbeat timeout ends it");
                    }
                    return Err(error.into());
                }
            }
        }
        routing
            .complete_lifecycle(&action, LifecycleResult::Continue)
            .await?;
        Ok(Repointed {
            instance_id: action.instance_id,
            group: action.group,
            routes,
            lifecycle_result: Some(LifecycleResult::Continue.as_str()),
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use tradai_memory::MemoryNatRouting;

    use super::*;
    use crate::registry::Serve;

    fn handler(routing: &Arc<MemoryNatRouting>, tables: &[&str]) -> UpdateNatRoutes {
        UpdateNatRoutes::new(
            routing.clone(),
            Settings {
                route_tables: tables.iter().map(|t| (*t).to_owned()).collect(),
            },
        )
    }

    fn event(instance: &str) -> Value {
        json!({"source": "aws.autoscaling", "detail-type": "EC2 Instance-launch Lifecycle Action", "detail": {
            "AutoScalingGroupName": "tradai-nat-dev", "LifecycleHookName": "tradai-nat-launching-dev",
            "EC2InstanceId": instance, "LifecycleActionToken": "token-1", "LifecycleTransition": LAUNCHING}})
    }

    #[tokio::test]
    async fn repoints_every_table_then_continues() {
        let routing = Arc::new(MemoryNatRouting::new());
        routing.add_table("rtb-a", Some("i-old"));
        routing.add_table("rtb-b", None);
        routing.add_table("rtb-c", Some("i-new"));
        let handler = handler(&routing, &["rtb-a", "rtb-b", "rtb-c"]);
        let answer = handler
            .serve(event("i-new"), Timestamp::now(), "dev")
            .await
            .expect("handled");
        let answer = &answer["body"]["data"];
        assert_eq!(
            (
                &answer["instance_id"],
                &answer["group"],
                &answer["lifecycle_result"]
            ),
            (
                &json!("i-new"),
                &json!("tradai-nat-dev"),
                &json!("CONTINUE")
            )
        );
        assert_eq!(
            answer["routes"][1],
            json!({"route_table": "rtb-b", "previous_target": null, "change": "created"})
        );
        let changes: Vec<&str> = answer["routes"]
            .as_array()
            .expect("routes")
            .iter()
            .map(|r| r["change"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(changes, ["replaced", "created", "unchanged"]);
        assert_eq!(answer["routes"][0]["previous_target"], "i-old");
        for table in ["rtb-a", "rtb-b", "rtb-c"] {
            assert_eq!(
                routing.default_route_target(table).await.expect("table"),
                Some("i-new".to_owned())
            );
        }
        let completed = routing.completed();
        assert_eq!(completed.len(), 1);
        assert_eq!(completed[0].1, LifecycleResult::Continue);
        assert_eq!(completed[0].0.token.as_deref(), Some("token-1"));
    }

    #[tokio::test]
    async fn a_route_that_cannot_move_abandons_the_instance() {
        let routing = Arc::new(MemoryNatRouting::new());
        routing.add_table("rtb-a", Some("i-old"));
        let error = handler(&routing, &["rtb-a", "rtb-missing"])
            .serve(event("i-new"), Timestamp::now(), "dev")
            .await
            .expect_err("missing table");
        assert!(error.to_string().contains("rtb-missing"), "{error}");
        assert_eq!(routing.completed()[0].1, LifecycleResult::Abandon);
    }

    #[tokio::test]
    async fn a_direct_invocation_naming_the_group_points_the_routes_at_its_instance_in_service() {
        let routing = Arc::new(MemoryNatRouting::new());
        routing.add_table("rtb-a", None);
        routing.add_instance("tradai-nat-dev", "i-gone", "Terminating");
        routing.add_instance("tradai-nat-dev", "i-serving", "InService");
        let answer = handler(&routing, &["rtb-a"])
            .serve(
                json!({"AutoScalingGroupName": "tradai-nat-dev"}),
                Timestamp::now(),
                "dev",
            )
            .await
            .expect("reconciled");
        let data = &answer["body"]["data"];
        assert_eq!(data["instance_id"], "i-serving");
        assert_eq!(data["lifecycle_result"], Value::Null);
        assert_eq!(data["routes"][0]["change"], "created");
        assert_eq!(
            routing.default_route_target("rtb-a").await.expect("table"),
            Some("i-serving".to_owned())
        );
        assert!(routing.completed().is_empty(), "no lifecycle action to end");
    }

    #[tokio::test]
    async fn a_group_without_an_instance_in_service_is_a_transient_failure() {
        let routing = Arc::new(MemoryNatRouting::new());
        routing.add_table("rtb-a", None);
        routing.add_instance("tradai-nat-dev", "i-1", "Pending:Wait");
        let handler = handler(&routing, &["rtb-a"]);
        let error = handler
            .serve(
                json!({"AutoScalingGroupName": "tradai-nat-dev"}),
                Timestamp::now(),
                "dev",
            )
            .await
            .expect_err("nothing in service");
        assert_eq!(error.name(), "TransientError", "{error}");
        assert!(error.to_string().contains("i-1 Pending:Wait"), "{error}");
        let unknown = handler
            .serve(
                json!({"AutoScalingGroupName": "other"}),
                Timestamp::now(),
                "dev",
            )
            .await
            .expect_err("unknown group");
        assert!(unknown.to_string().contains("other"), "{unknown}");
        assert_eq!(
            routing.default_route_target("rtb-a").await.expect("table"),
            None
        );
    }

    #[tokio::test]
    async fn bad_events_name_the_field() {
        let routing = Arc::new(MemoryNatRouting::new());
        let handler = handler(&routing, &["rtb-a"]);
        let mut terminating = event("i-1");
        terminating["detail"]["LifecycleTransition"] =
            json!("autoscaling:EC2_INSTANCE_TERMINATING");
        let mut no_instance = event("i-1");
        no_instance["detail"]
            .as_object_mut()
            .expect("detail")
            .remove("EC2InstanceId");
        for (event, field) in [
            (terminating, "LifecycleTransition"),
            (no_instance, "EC2InstanceId"),
            (
                json!({"AutoScalingGroupName": "g", "LifecycleHookName": "h", "EC2InstanceId": 7}),
                "EC2InstanceId",
            ),
            (json!({}), "AutoScalingGroupName"),
        ] {
            let error = handler
                .serve(event, Timestamp::now(), "dev")
                .await
                .expect_err("invalid");
            assert!(
                matches!(&error, HandlerError::Validation { field: f, .. } if f == field),
                "{error}"
            );
        }
        assert!(routing.completed().is_empty(), "nothing was completed");
    }
}
