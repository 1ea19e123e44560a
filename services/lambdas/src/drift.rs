//! drift-monitor's core (§10.2 #12, §22): the population stability index of each monitored metric between the
//! reference period's runs and the current period's, and the model's band (< 0.10 none, 0.10–0.25 moderate,
//! > 0.25 significant). Too few runs in either period is no verdict.

use tradai_domain::entities::{DriftRecord, DriftSeverity, MetricDrift, Timestamp};
use tradai_domain::ports::RunSummary;

/// Metrics the monitor compares (§10.3).
pub const METRICS: [&str; 4] = ["profit_total", "win_rate", "sharpe_ratio", "max_drawdown"];
const BINS: usize = 10;
/// Floor of a bin's share, so an empty bin does not make the index infinite.
const FLOOR: f64 = 1e-4;

/// Settings (`PSI_MODERATE_THRESHOLD`, `PSI_SIGNIFICANT_THRESHOLD`, `REFERENCE_PERIOD_DAYS`,
/// `CURRENT_PERIOD_DAYS`, `MIN_SAMPLES`).
#[derive(Debug, Clone)]
pub struct Settings {
    pub moderate: f64,
    pub significant: f64,
    pub reference_days: i64,
    pub current_days: i64,
    pub min_samples: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            moderate: 0.1,
            significant: 0.25,
            reference_days: 30,
            current_days: 7,
            min_samples: 10,
        }
    }
}

/// PSI of `current` against `reference`: bins at the reference's deciles, Σ (c − r) · ln(c / r).
pub fn psi(reference: &[f64], current: &[f64]) -> f64 {
    if reference.is_empty() || current.is_empty() {
        return 0.0;
    }
    let mut sorted = reference.to_vec();
    sorted.sort_by(f64::total_cmp);
    let edges: Vec<f64> = (1..BINS)
        .map(|k| sorted[k * (sorted.len() - 1) / BINS])
        .collect();
    let shares = |values: &[f64]| {
        let mut counts = [0usize; BINS];
        for v in values {
            counts[edges.partition_point(|edge| edge < v)] += 1;
        }
        counts.map(|c| (c as f64 / values.len() as f64).max(FLOOR))
    };
    let (r, c) = (shares(reference), shares(current));
    r.iter().zip(&c).map(|(r, c)| (c - r) * (c / r).ln()).sum()
}

/// The drift record of `model` from its runs at `now`; `None` when a period has fewer than `min_samples` runs.
pub fn evaluate(
    model: &str,
    runs: &[RunSummary],
    now: Timestamp,
    settings: &Settings,
) -> Option<DriftRecord> {
    let day = 86_400;
    let age = |r: &RunSummary| now.epoch_seconds() - r.started_at.epoch_seconds();
    let current: Vec<&RunSummary> = runs
        .iter()
        .filter(|r| age(r) < settings.current_days * day)
        .collect();
    let reference: Vec<&RunSummary> = runs
        .iter()
        .filter(|r| {
            (settings.current_days * day..(settings.current_days + settings.reference_days) * day)
                .contains(&age(r))
        })
        .collect();
    if current.len() < settings.min_samples || reference.len() < settings.min_samples {
        return None;
    }
    let values = |set: &[&RunSummary], metric: &str| -> Vec<f64> {
        set.iter()
            .filter_map(|r| r.metrics.get(metric).copied())
            .collect()
    };
    let metric_drifts: Vec<MetricDrift> = METRICS
        .iter()
        .map(|m| MetricDrift {
            metric: (*m).to_owned(),
            psi: psi(&values(&reference, m), &values(&current, m)),
        })
        .collect();
    let overall_psi = metric_drifts.iter().map(|d| d.psi).fold(0.0, f64::max);
    let severity = DriftSeverity::classify(overall_psi, settings.moderate, settings.significant);
    Some(DriftRecord {
        model_name: model.to_owned(),
        checked_at: now,
        overall_psi,
        severity,
        metric_drifts,
        requires_attention: severity != DriftSeverity::None,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn series(start: f64, step: f64, n: usize) -> Vec<f64> {
        (0..n).map(|i| start + step * i as f64).collect()
    }

    #[test]
    fn psi_is_zero_for_the_same_distribution_and_grows_with_the_shift() {
        let reference = series(0.0, 0.01, 200);
        assert!(psi(&reference, &reference) < 1e-9);
        let small = psi(&reference, &series(0.1, 0.01, 200));
        let large = psi(&reference, &series(1.5, 0.01, 200));
        assert!(small > 0.0 && small < large, "{small} < {large}");
        assert!(
            large > 0.25,
            "a distribution moved past the whole reference: {large}"
        );
    }

    #[test]
    fn runs_are_split_into_periods_and_banded() {
        let now = Timestamp::now();
        let run = |days_ago: i64, profit: f64| RunSummary {
            run_id: format!("r{days_ago}-{profit}"),
            status: "FINISHED".into(),
            started_at: now.plus_seconds(-days_ago * 86_400 - 60),
            metrics: METRICS
                .iter()
                .map(|m| {
                    (
                        (*m).to_owned(),
                        if *m == "profit_total" { profit } else { 0.5 },
                    )
                })
                .collect(),
            params: BTreeMap::new(),
            tags: BTreeMap::new(),
        };
        let mut runs: Vec<RunSummary> = (0..20).map(|i| run(10 + i, 0.01 * i as f64)).collect();
        assert_eq!(
            evaluate("M", &runs, now, &Settings::default()),
            None,
            "no current runs: no verdict"
        );
        runs.extend((0..12).map(|i| run(i % 6, 0.01 * (i + 4) as f64)));
        let steady = evaluate("M", &runs, now, &Settings::default()).expect("verdict");
        runs.truncate(20);
        runs.extend((0..12).map(|i| run(i % 6, 1.0 + 0.01 * i as f64)));
        let drifted = evaluate("M", &runs, now, &Settings::default()).expect("verdict");
        assert_eq!(drifted.severity, DriftSeverity::Significant);
        assert!(drifted.requires_attention && drifted.overall_psi > steady.overall_psi);
        assert_eq!(
            drifted
                .metric_drifts
                .iter()
                .filter(|d| d.psi > 0.25)
                .count(),
            1,
            "only profit moved"
        );
    }
}
