//! compare-models (§10.2 #6, §10.3): the champion (Production) against the challenger (Staging) on the
//! metrics of their runs, weighted High 3, Medium 2, Low 1: profit_total (High, must be higher), sharpe_ratio
//! (High, at least equal), max_drawdown (Medium, at most equal), win_rate (Low, at least 0.9 × the champion's).
//! PROMOTE when both High rules pass and the passed weight reaches `MIN_CONFIDENCE_THRESHOLD`; KEEP when a
//! High rule fails; INVESTIGATE otherwise. Any error answers KEEP with the reason.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tradai_config::Function;
use tradai_domain::entities::{ModelVersion, Timestamp};
use tradai_domain::ports::ModelRegistry;
use tradai_domain::ModelStage;

use crate::input::Text;
use crate::registry::Handler;
use crate::HandlerError;

/// `(metric, weight, rule)`: whether the challenger's value passes against the champion's.
type Rule = (&'static str, f64, fn(f64, f64) -> bool);

const RULES: [Rule; 4] = [
    ("profit_total", 3.0, |challenger, champion| {
        challenger > champion
    }),
    ("sharpe_ratio", 3.0, |challenger, champion| {
        challenger >= champion
    }),
    ("max_drawdown", 2.0, |challenger, champion| {
        challenger <= champion
    }),
    ("win_rate", 1.0, |challenger, champion| {
        challenger >= 0.9 * champion
    }),
];

fn newest(versions: &[ModelVersion], stage: ModelStage) -> Option<&ModelVersion> {
    versions.iter().find(|v| v.stage == stage)
}

/// The model whose versions are compared.
#[derive(Debug, Clone, Deserialize)]
pub struct Input {
    pub model_name: Text,
}

/// The verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Decision {
    Promote,
    Keep,
    Investigate,
}

impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Decision::Promote => "PROMOTE",
            Decision::Keep => "KEEP",
            Decision::Investigate => "INVESTIGATE",
        })
    }
}

/// One weighted rule's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub metric: &'static str,
    pub challenger: f64,
    pub champion: f64,
    pub passed: bool,
    pub weight: f64,
}

/// The comparison (the rule details only when both versions exist and have every metric).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Output {
    pub model_name: String,
    pub decision: Decision,
    pub confidence: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profit_improvement: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub champion_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenger_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<Vec<Check>>,
    pub recommendation: String,
}

impl Output {
    fn keep(model: &str, reason: String) -> Output {
        Output {
            model_name: model.to_owned(),
            decision: Decision::Keep,
            confidence: 0.0,
            profit_improvement: None,
            champion_version: None,
            challenger_version: None,
            checks: None,
            recommendation: reason,
        }
    }
}

/// compare-models over the model registry.
#[derive(Clone)]
pub struct CompareModels {
    pub registry: Arc<dyn ModelRegistry>,
    /// `MIN_CONFIDENCE_THRESHOLD`: the weighted share of passed rules a PROMOTE needs.
    pub min_confidence: f64,
}

crate::handler_debug!(CompareModels, min_confidence);

impl CompareModels {
    /// Over the platform's model registry.
    pub fn new(ports: &tradai_platform::Ports, min_confidence: f64) -> Self {
        CompareModels {
            registry: ports.registry.clone(),
            min_confidence,
        }
    }
}

impl Handler for CompareModels {
    const FUNCTION: Function = Function::CompareModels;
    type Input = Input;
    type Output = Output;
    type Settings = f64;

    fn build(
        ports: &tradai_platform::Ports,
        _extras: &crate::registry::Extras,
        settings: Self::Settings,
    ) -> Result<Self, crate::settings::StartupError> {
        Ok(Self::new(ports, settings))
    }

    async fn handle(&self, input: Input, _now: Timestamp) -> Result<Output, HandlerError> {
        Ok(compare(
            self.registry.as_ref(),
            &input.model_name,
            self.min_confidence,
        )
        .await)
    }
}

async fn compare(registry: &dyn ModelRegistry, model: &str, min_confidence: f64) -> Output {
    let versions = match registry.versions(model).await {
        Ok(versions) => versions,
        Err(e) => return Output::keep(model, format!("the registry could not be read: {e}")),
    };
    let Some(challenger) = newest(&versions, ModelStage::Staging) else {
        return Output::keep(model, "no Staging challenger".into());
    };
    let Some(champion) = newest(&versions, ModelStage::Production) else {
        return Output {
            decision: Decision::Promote,
            confidence: 1.0,
            challenger_version: Some(challenger.version.clone()),
            ..Output::keep(
                model,
                "no Production champion: promote the challenger".into(),
            )
        };
    };
    let (mut passed, mut total, mut high_failed, mut checks) = (0.0, 0.0, false, Vec::new());
    for (metric, weight, rule) in RULES {
        total += weight;
        let (Some(c), Some(p)) = (challenger.metrics.get(metric), champion.metrics.get(metric))
        else {
            return Output::keep(model, format!("{metric} is missing from a version's run"));
        };
        let ok = rule(*c, *p);
        if ok {
            passed += weight;
        } else if weight >= 3.0 {
            high_failed = true;
        }
        checks.push(Check {
            metric,
            challenger: *c,
            champion: *p,
            passed: ok,
            weight,
        });
    }
    let confidence = passed / total;
    let decision = if high_failed {
        Decision::Keep
    } else if confidence >= min_confidence {
        Decision::Promote
    } else {
        Decision::Investigate
    };
    let (c, p) = (
        challenger.metrics["profit_total"],
        champion.metrics["profit_total"],
    );
    let improvement = if p != 0.0 {
        (c - p) / p.abs() * 100.0
    } else {
        0.0
    };
    Output {
        model_name: model.to_owned(),
        decision,
        confidence,
        profit_improvement: Some(improvement),
        champion_version: Some(champion.version.clone()),
        challenger_version: Some(challenger.version.clone()),
        checks: Some(checks),
        recommendation: format!(
            "{decision}: {:.0} % of the weighted rules pass",
            confidence * 100.0
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use tradai_domain::ports::{NewRun, NewVersion};
    use tradai_memory::MemoryModelRegistry;

    use serde_json::{json, Value};

    use super::*;

    async fn handle(
        registry: &Arc<MemoryModelRegistry>,
        input: &Value,
        min_confidence: f64,
    ) -> Result<Value, HandlerError> {
        let handler = CompareModels {
            registry: registry.clone(),
            min_confidence,
        };
        crate::registry::data(&handler, input.clone()).await
    }

    async fn pair(champion: [f64; 4], challenger: [f64; 4]) -> Arc<MemoryModelRegistry> {
        let registry = Arc::new(MemoryModelRegistry::new());
        for (metrics, stage) in [
            (champion, ModelStage::Production),
            (challenger, ModelStage::Staging),
        ] {
            let names = ["profit_total", "sharpe_ratio", "max_drawdown", "win_rate"];
            let run = NewRun {
                experiment_name: "e".into(),
                metrics: names.iter().map(|n| n.to_string()).zip(metrics).collect(),
                ..NewRun::default()
            };
            let logged = registry.log_run(run).await.expect("run");
            let v = registry
                .register(NewVersion {
                    model_name: "M".into(),
                    source: "s3://m".into(),
                    run_id: Some(logged.run_id),
                    tags: BTreeMap::new(),
                })
                .await
                .expect("register");
            registry
                .set_stage("M", &v.version, stage)
                .await
                .expect("stage");
        }
        registry
    }

    async fn decision(champion: [f64; 4], challenger: [f64; 4]) -> (String, f64) {
        let registry = pair(champion, challenger).await;
        let answer = handle(&registry, &json!({"model_name": "M"}), 0.7)
            .await
            .expect("answer");
        (
            answer["decision"].as_str().expect("decision").to_owned(),
            answer["confidence"].as_f64().unwrap_or(0.0),
        )
    }

    #[tokio::test]
    async fn weights_decide_promote_keep_or_investigate() {
        let champion = [0.10, 1.0, 0.20, 0.50];
        assert_eq!(
            decision(champion, [0.12, 1.1, 0.18, 0.50]).await,
            ("PROMOTE".into(), 1.0)
        );
        assert_eq!(
            decision(champion, [0.10, 1.1, 0.18, 0.50]).await.0,
            "KEEP",
            "profit must be higher"
        );
        assert_eq!(
            decision(champion, [0.12, 0.9, 0.18, 0.50]).await.0,
            "KEEP",
            "sharpe must not fall"
        );
        let (d, c) = decision(champion, [0.12, 1.1, 0.25, 0.40]).await;
        assert_eq!(
            (d.as_str(), (c * 9.0).round()),
            ("INVESTIGATE", 6.0),
            "drawdown and win rate fail: 6 of 9"
        );
        let (d, c) = decision(champion, [0.12, 1.1, 0.25, 0.46]).await;
        assert_eq!(
            (d.as_str(), (c * 9.0).round()),
            ("PROMOTE", 7.0),
            "0.46 ≥ 0.9 × 0.5: 7 of 9 ≥ 0.7"
        );
    }

    #[tokio::test]
    async fn missing_parts_default_to_keep() {
        let empty = Arc::new(MemoryModelRegistry::new());
        assert_eq!(
            handle(&empty, &json!({"model_name": "M"}), 0.7)
                .await
                .expect("answer")["decision"],
            "KEEP"
        );
        assert!(
            handle(&empty, &json!({}), 0.7).await.is_err(),
            "no model name is an input error"
        );
    }
}
