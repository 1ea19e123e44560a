//! The samplers: reproducible per seed, inside their ranges, a grid that visits each point once, and TPE
//! finding a known optimum faster than random search.

use std::collections::BTreeSet;

use serde_json::json;
use tradai_domain::entities::SearchSpace;
use tradai_hyperopt::{Sampler, SamplerKind};

fn space() -> SearchSpace {
    serde_json::from_value(json!({
        "entry.fast": {"type": "int", "low": 2, "high": 20, "step": 2},
        "stoploss": {"type": "float", "low": -0.3, "high": -0.01},
        "stake_amount": {"type": "float", "low": 10, "high": 1000, "log": true},
        "exit.direction": {"type": "categorical", "choices": ["below", "above"]},
    }))
    .expect("space")
}

fn draws(kind: SamplerKind, seed: u64, n: usize) -> Vec<String> {
    let mut sampler = Sampler::new(kind, &space(), seed).expect("sampler");
    let mut out = Vec::new();
    while let Some(c) = sampler.ask().filter(|_| out.len() < n) {
        let text = serde_json::to_string(&c.point).expect("json");
        sampler.tell(&c, text.len() as f64);
        out.push(text);
    }
    out
}

#[test]
fn each_sampler_repeats_itself_for_a_seed_and_differs_for_another() {
    for kind in [SamplerKind::Random, SamplerKind::Grid, SamplerKind::Tpe] {
        assert_eq!(draws(kind, 7, 40), draws(kind, 7, 40), "{kind:?}");
        assert_ne!(draws(kind, 7, 40), draws(kind, 8, 40), "{kind:?}");
    }
}

#[test]
fn every_value_is_inside_its_range_and_on_its_step() {
    for kind in [SamplerKind::Random, SamplerKind::Grid, SamplerKind::Tpe] {
        let mut sampler = Sampler::new(kind, &space(), 1).expect("sampler");
        for _ in 0..200 {
            let candidate = sampler.ask().expect("a point");
            let p = &candidate.point;
            let fast = p["entry.fast"].as_i64().expect("int");
            assert!((2..=20).contains(&fast) && fast % 2 == 0, "{kind:?} {fast}");
            let stop = p["stoploss"].as_f64().expect("float");
            assert!((-0.3..=-0.01).contains(&stop), "{kind:?} {stop}");
            let stake = p["stake_amount"].as_f64().expect("float");
            assert!(
                (10.0 - 1e-9..=1000.0 + 1e-9).contains(&stake),
                "{kind:?} {stake}"
            );
            assert!(["below", "above"].contains(&p["exit.direction"].as_str().expect("str")));
            sampler.tell(&candidate, stop.abs());
        }
    }
}

#[test]
fn a_grid_visits_each_point_once_then_ends() {
    let mut sampler = Sampler::new(SamplerKind::Grid, &space(), 3).expect("sampler");
    // 10 even windows × 10 stops × 10 stakes × 2 directions.
    assert_eq!(sampler.size(), Some(2000));
    let mut seen = BTreeSet::new();
    while let Some(c) = sampler.ask() {
        assert!(seen.insert(serde_json::to_string(&c.point).expect("json")));
    }
    assert_eq!(seen.len(), 2000);
}

/// `(x - 7)² + 40·(y - 0.3)²` with x an integer in 0..=20, y in 0..1, plus 5 unless the category is "b": the
/// minimum is 0 at (7, 0.3, "b").
fn loss(p: &tradai_domain::entities::Point) -> f64 {
    let x = p["x"].as_i64().expect("x") as f64;
    let y = p["y"].as_f64().expect("y");
    let c = if p["c"] == "b" { 0.0 } else { 5.0 };
    (x - 7.0).powi(2) + 40.0 * (y - 0.3).powi(2) + c
}

fn best_after(kind: SamplerKind, seed: u64, trials: usize) -> f64 {
    let space: SearchSpace = serde_json::from_value(json!({
        "x": {"type": "int", "low": 0, "high": 20},
        "y": {"type": "float", "low": 0.0, "high": 1.0},
        "c": {"type": "categorical", "choices": ["a", "b", "c", "d"]},
    }))
    .expect("space");
    let mut sampler = Sampler::new(kind, &space, seed).expect("sampler");
    let mut best = f64::INFINITY;
    for _ in 0..trials {
        let candidate = sampler.ask().expect("a point");
        let value = loss(&candidate.point);
        sampler.tell(&candidate, value);
        best = best.min(value);
    }
    best
}

#[test]
fn tpe_finds_a_known_minimum_closer_than_random_search() {
    let seeds = 0..10;
    let mean = |kind| seeds.clone().map(|s| best_after(kind, s, 80)).sum::<f64>() / 10.0;
    let (tpe, random) = (mean(SamplerKind::Tpe), mean(SamplerKind::Random));
    assert!(tpe < random, "TPE {tpe} vs random {random}");
    assert!(tpe < 1.0, "TPE reaches the basin: {tpe}");
}

#[test]
fn an_empty_range_is_refused_not_sampled() {
    for space in [
        json!({"x": {"type": "float", "low": 1.0, "high": 1.0}}),
        json!({"x": {"type": "categorical", "choices": []}}),
        json!({"x": {"type": "int", "low": 3, "high": 1}}),
        json!({"x": {"type": "int", "low": 1, "high": 3, "step": 0}}),
    ] {
        let space: SearchSpace = serde_json::from_value(space).expect("space");
        for kind in [SamplerKind::Random, SamplerKind::Grid, SamplerKind::Tpe] {
            let err = Sampler::new(kind, &space, 1).expect_err("empty");
            assert!(err.contains("search_space.x"), "{err}");
        }
    }
}
