//! retraining-scheduler (§10.2 #9, §10.3): evaluate each model with check-retraining-needed's rules and start
//! the retraining workflow for those that need one, so a scheduled retraining goes on to compare the
//! challenger with the champion and promote or keep it (decision W48; the reference launched a bare training
//! task, whose challenger nothing compared). A scheduled event names no models, so every model registered in
//! MLflow is evaluated. The answer sums up (`models_evaluated`, `retraining_triggered`, `skipped`, `errors`)
//! and lists each model's result with its execution.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tradai_config::Function;
use tradai_domain::entities::{RetrainingTrigger, Timestamp};
use tradai_domain::ports::{ModelRegistry, WorkflowStarter};

use crate::handlers::check_retraining_needed::{
    self as retraining, CheckRetrainingNeeded, Verdict,
};
use crate::HandlerError;

/// The retraining-scheduler handler: check-retraining-needed's rules, the retraining workflow, and the model
/// registry whose models are evaluated when the event names none.
#[derive(Clone)]
pub struct RetrainingScheduler {
    pub checks: CheckRetrainingNeeded,
    pub workflows: Arc<dyn WorkflowStarter>,
    pub registry: Arc<dyn ModelRegistry>,
}

crate::handler_debug!(RetrainingScheduler, checks);

impl RetrainingScheduler {
    /// The scheduler over the platform's drift-state and retraining-state tables and model registry, starting
    /// executions of `workflows` (the retraining state machine).
    pub fn new(
        ports: &tradai_platform::Ports,
        checks: retraining::Settings,
        workflows: Arc<dyn WorkflowStarter>,
    ) -> Self {
        RetrainingScheduler {
            checks: CheckRetrainingNeeded::new(ports, checks),
            workflows,
            registry: ports.registry.clone(),
        }
    }

    /// Start the retraining workflow for `model` (its check runs again there, on the same state); the
    /// execution's ARN. One execution per model and second: a repeated event starts no second one.
    async fn start(
        &self,
        model: &str,
        force: bool,
        now: Timestamp,
    ) -> tradai_domain::Result<String> {
        let safe: String = model
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .take(60)
            .collect();
        let name = format!("retrain-{safe}-{}", now.epoch_seconds());
        let input = serde_json::json!({"model_name": model, "force": force});
        self.workflows.start(&name, &input).await
    }
}

/// The scheduled event: the models to evaluate (else the default ones) and whether to force a retraining.
/// Its other fields (an EventBridge event's) are ignored.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Schedule {
    #[serde(default)]
    pub models: Option<Vec<ModelRef>>,
    /// Only `true` forces.
    #[serde(default)]
    pub force: Option<bool>,
}

/// A model to evaluate: `{"name": ..}` (other fields ignored) or its name alone.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ModelRef {
    Named { name: String },
    Name(String),
}

impl ModelRef {
    fn name(&self) -> &str {
        match self {
            ModelRef::Named { name } | ModelRef::Name(name) => name,
        }
    }
}

/// The answer: the counts and each model's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scheduled {
    pub models_evaluated: usize,
    pub retraining_triggered: usize,
    pub skipped: usize,
    pub errors: usize,
    pub results: Vec<ModelResult>,
}

/// What happened to one model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Skipped,
    Triggered,
    Error,
}

/// One model's result: skipped (`reason`: the verdict), triggered (`trigger`, `execution_arn`) or an error
/// (`reason`: why the workflow did not start).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelResult {
    pub model_name: String,
    pub status: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger: Option<RetrainingTrigger>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_arn: Option<String>,
}

impl crate::registry::Handler for RetrainingScheduler {
    const FUNCTION: Function = Function::RetrainingScheduler;
    type Input = Schedule;
    type Output = Scheduled;
    type Settings = crate::handlers::check_retraining_needed::Settings;

    fn build(
        ports: &tradai_platform::Ports,
        extras: &crate::registry::Extras,
        settings: Self::Settings,
    ) -> Result<Self, crate::settings::StartupError> {
        let workflows = crate::registry::required(
            &extras.workflows,
            "the retraining state machine",
            Self::FUNCTION,
        )?;
        Ok(Self::new(ports, settings, workflows))
    }

    /// Evaluate the event's models (or the default ones) at `now`.
    async fn handle(&self, schedule: Schedule, now: Timestamp) -> Result<Scheduled, HandlerError> {
        let names: Vec<String> = match &schedule.models {
            Some(models) => models.iter().map(|m| m.name().to_owned()).collect(),
            None => self.registry.model_names().await?,
        };
        let force = schedule.force == Some(true);
        let mut answer = Scheduled {
            models_evaluated: names.len(),
            retraining_triggered: 0,
            skipped: 0,
            errors: 0,
            results: Vec::new(),
        };
        for name in names {
            let decision = self.checks.decide(&name, force, now).await?;
            let result = |status, reason: Option<String>| ModelResult {
                model_name: name.clone(),
                status,
                reason,
                trigger: None,
                execution_arn: None,
            };
            if decision.decision != Verdict::NeedsRetraining {
                answer.skipped += 1;
                let reason = decision.decision.as_str().to_owned();
                answer.results.push(result(Outcome::Skipped, Some(reason)));
                continue;
            }
            match self.start(&name, force, now).await {
                Ok(execution_arn) => {
                    answer.retraining_triggered += 1;
                    answer.results.push(ModelResult {
                        trigger: decision.trigger,
                        execution_arn: Some(execution_arn),
                        ..result(Outcome::Triggered, None)
                    });
                }
                Err(e) => {
                    answer.errors += 1;
                    answer
                        .results
                        .push(result(Outcome::Error, Some(e.to_string())));
                }
            }
        }
        Ok(answer)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;
    use tradai_domain::entities::{DriftRecord, RetrainingRecord};
    use tradai_domain::ports::{RecordStore, TableLayout};
    use tradai_domain::RetrainingStatus;
    use tradai_memory::{MemoryRecordStore, MemoryWorkflows};

    use super::*;
    use crate::registry::Serve;

    #[tokio::test]
    async fn launches_only_the_models_that_need_it() {
        let config = tradai_test_support::config_with_prefix("lambda");
        let layout = |t: &str| TableLayout::from_spec(t, &config.settings().tables[t]);
        let drift = Arc::new(MemoryRecordStore::<DriftRecord>::new(layout("drift-state")));
        let runs = Arc::new(MemoryRecordStore::<RetrainingRecord>::new(layout(
            "retraining-state",
        )));
        let now = Timestamp::now();
        runs.put(&RetrainingRecord {
            model_name: "Fresh".into(),
            status: RetrainingStatus::Completed,
            trigger: RetrainingTrigger::Scheduled,
            last_retrained: Some(now.plus_seconds(-3600)),
            task_arn: None,
            last_execution: None,
            error: None,
            updated_at: now,
        })
        .await
        .expect("put");
        let workflows = Arc::new(MemoryWorkflows::new("tradai-retraining-workflow-dev"));
        let registry = Arc::new(tradai_memory::MemoryModelRegistry::new());
        let scheduler = RetrainingScheduler {
            checks: CheckRetrainingNeeded {
                drift,
                retraining: runs.clone(),
                settings: retraining::Settings::default(),
            },
            workflows: workflows.clone(),
            registry: registry.clone(),
        };
        let input = json!({"models": [{"name": "Never", "strategy": "s"}, {"name": "Fresh"}]});
        let answer = scheduler.serve(input, now, "dev").await.expect("answer");
        let answer = &answer["body"]["data"];
        assert_eq!(
            (
                answer["models_evaluated"].clone(),
                answer["retraining_triggered"].clone(),
                answer["skipped"].clone()
            ),
            (json!(2), json!(1), json!(1))
        );
        assert_eq!(
            answer["results"][1],
            json!({"model_name": "Fresh", "status": "skipped", "reason": "recently_trained"})
        );
        let execution = answer["results"][0]["execution_arn"].clone();
        assert_eq!(
            answer["results"][0],
            json!({"model_name": "Never", "status": "triggered", "trigger": "scheduled", "execution_arn": execution})
        );
        assert_eq!(
            workflows.input(execution.as_str().expect("an execution")),
            Some(json!({"model_name": "Never", "force": false}))
        );
        // A scheduled event names no models: the registry's are evaluated (none yet, then Fresh).
        let scheduled = json!({"source": "aws.events", "detail-type": "Scheduled Event"});
        let none = scheduler.serve(scheduled, now, "dev").await.expect("none");
        assert_eq!(none["body"]["data"]["models_evaluated"], 0);
        registry
            .register(tradai_domain::ports::NewVersion {
                model_name: "Fresh".into(),
                source: "s3://models/Fresh".into(),
                run_id: None,
                tags: Default::default(),
            })
            .await
            .expect("registered");
        let forced = scheduler
            .serve(
                json!({"force": true, "source": "aws.events", "detail-type": "Scheduled Event"}),
                now,
                "dev",
            )
            .await
            .expect("forced");
        assert_eq!(forced["body"]["data"]["models_evaluated"], 1);
        assert_eq!(forced["body"]["data"]["results"][0]["model_name"], "Fresh");
        assert_eq!(forced["body"]["data"]["results"][0]["trigger"], "manual");
    }
}
