//! update-nat-routes (§10.2 #18, ADR-001): when the NAT Auto Scaling group launches a replacement instance, its
//! EventBridge lifecycle event arrives here. Each private route table (`PRIVATE_ROUTE_TABLE_ID`, comma-separated)
//! gets its `0.0.0.0/0` route pointed at the new instance (replaced, created when missing, left alone when it
//! already points there), then the lifecycle action completes with CONTINUE. If a route cannot be moved the
//! action completes with ABANDON, so Auto Scaling replaces the instance and the event comes again.

use std::sync::Arc;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use tradai_config::Function;
use tradai_domain::entities::Timestamp;
use tradai_domain::ports::{LifecycleAction, LifecycleResult, NatRouting};

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

impl LifecycleEvent {
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

/// The answer: the instance, its group, each route table, and how the lifecycle action ended (`CONTINUE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Repointed {
    pub instance_id: String,
    pub group: String,
    pub routes: Vec<Route>,
    pub lifecycle_result: &'static str,
}

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

    /// Handle one lifecycle event.
    async fn handle(
        &self,
        event: LifecycleEvent,
        _now: Timestamp,
    ) -> Result<Repointed, HandlerError> {
        let action = event.action()?;
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
            lifecycle_result: LifecycleResult::Continue.as_str(),
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
