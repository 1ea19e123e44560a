//! update-nat-routes (§10.2 #18, ADR-001): when the NAT Auto Scaling group launches a replacement instance, its
//! EventBridge lifecycle event arrives here. Each private route table (`PRIVATE_ROUTE_TABLE_ID`, comma-separated)
//! gets its `0.0.0.0/0` route pointed at the new instance (replaced, created when missing, left alone when it
//! already points there), then the lifecycle action completes with CONTINUE. If a route cannot be moved the
//! action completes with ABANDON, so Auto Scaling replaces the instance and the event comes again.

use serde_json::{json, Value};
use tradai_domain::ports::{LifecycleAction, LifecycleResult, NatRouting};

use crate::{text, HandlerError};

const LAUNCHING: &str = "autoscaling:EC2_INSTANCE_LAUNCHING";

/// The route tables to repoint (`PRIVATE_ROUTE_TABLE_ID`).
#[derive(Debug, Clone)]
pub struct Settings {
    pub route_tables: Vec<String>,
}

/// The lifecycle action of the event (its `detail`, or the event itself when invoked directly).
fn action(event: &Value) -> Result<LifecycleAction, HandlerError> {
    let detail = if event["detail"].is_object() {
        &event["detail"]
    } else {
        event
    };
    if let Some(transition) = detail["LifecycleTransition"].as_str() {
        if transition != LAUNCHING {
            return Err(HandlerError::invalid(
                "LifecycleTransition",
                format!("'{transition}' is not handled; only {LAUNCHING} is"),
            ));
        }
    }
    Ok(LifecycleAction {
        group: text(detail, "AutoScalingGroupName")?.to_owned(),
        hook: text(detail, "LifecycleHookName")?.to_owned(),
        instance_id: text(detail, "EC2InstanceId")?.to_owned(),
        token: crate::optional(detail, "LifecycleActionToken").map(str::to_owned),
    })
}

/// Point one table at `instance`; what was done.
async fn repoint(
    routing: &dyn NatRouting,
    table: &str,
    instance: &str,
) -> tradai_domain::Result<Value> {
    let previous = routing.default_route_target(table).await?;
    let change = match previous.as_deref() {
        Some(target) if target == instance => "unchanged",
        Some(_) => {
            routing.set_default_route(table, instance, true).await?;
            "replaced"
        }
        None => {
            routing.set_default_route(table, instance, false).await?;
            "created"
        }
    };
    Ok(json!({"route_table": table, "previous_target": previous, "change": change}))
}

/// Handle one lifecycle event; the `data` of the answer.
pub async fn handle(
    routing: &dyn NatRouting,
    settings: &Settings,
    event: &Value,
) -> Result<Value, HandlerError> {
    let action = action(event)?;
    let mut routes = Vec::with_capacity(settings.route_tables.len());
    for table in &settings.route_tables {
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
    Ok(json!({
        "instance_id": action.instance_id, "group": action.group, "routes": routes,
        "lifecycle_result": LifecycleResult::Continue.as_str(),
    }))
}

#[cfg(test)]
mod tests {
    use tradai_memory::MemoryNatRouting;

    use super::*;

    fn event(instance: &str) -> Value {
        json!({"source": "aws.autoscaling", "detail-type": "EC2 Instance-launch Lifecycle Action", "detail": {
            "AutoScalingGroupName": "tradai-nat-dev", "LifecycleHookName": "tradai-nat-launching-dev",
            "EC2InstanceId": instance, "LifecycleActionToken": "token-1", "LifecycleTransition": LAUNCHING}})
    }

    #[tokio::test]
    async fn repoints_every_table_then_continues() {
        let routing = MemoryNatRouting::new();
        routing.add_table("rtb-a", Some("i-old"));
        routing.add_table("rtb-b", None);
        routing.add_table("rtb-c", Some("i-new"));
        let settings = Settings {
            route_tables: vec!["rtb-a".into(), "rtb-b".into(), "rtb-c".into()],
        };
        let answer = handle(&routing, &settings, &event("i-new"))
            .await
            .expect("handled");
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
        let routing = MemoryNatRouting::new();
        routing.add_table("rtb-a", Some("i-old"));
        let settings = Settings {
            route_tables: vec!["rtb-a".into(), "rtb-missing".into()],
        };
        let error = handle(&routing, &settings, &event("i-new"))
            .await
            .expect_err("missing table");
        assert!(error.to_string().contains("rtb-missing"), "{error}");
        assert_eq!(routing.completed()[0].1, LifecycleResult::Abandon);
    }

    #[tokio::test]
    async fn bad_events_name_the_field() {
        let routing = MemoryNatRouting::new();
        let settings = Settings {
            route_tables: vec!["rtb-a".into()],
        };
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
            (json!({}), "AutoScalingGroupName"),
        ] {
            let error = handle(&routing, &settings, &event)
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
