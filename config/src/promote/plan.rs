//! What a promotion changes in the target, or why it must not happen.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use super::diff::{ConfigDiff, DiffEntry};
use super::flat::Flat;
use super::keys::{owner, KeyClass};

/// The changes a promotion makes to the target environment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// Keys written into the target's file, with their new values.
    pub set: Vec<(String, Value)>,
    /// Environment-scoped differences left as they are.
    pub kept: Vec<DiffEntry>,
    /// Keys set only in the target, which an overlay file cannot remove (remove them where they are defined).
    pub unremovable: Vec<DiffEntry>,
}

/// A promotion refused because it would change immutable keys.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// Source environment.
    pub from: String,
    /// Target environment.
    pub to: String,
    /// Each immutable key that differs, with both values.
    pub violations: Vec<DiffEntry>,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "refusing to promote {} -> {}: {} immutable key(s) would change (they must never change after the first deploy; migrate instead):",
            self.from,
            self.to,
            self.violations.len()
        )?;
        for entry in &self.violations {
            write!(f, "\n  - {entry}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Refusal {}

/// Decide what promoting `diff.from` into `diff.to` changes; `to` is the target's flattened settings.
pub fn plan(diff: &ConfigDiff, to: &Flat) -> Result<Plan, Refusal> {
    let mut plan = Plan {
        set: Vec::new(),
        kept: Vec::new(),
        unremovable: Vec::new(),
    };
    let mut violations = Vec::new();
    for entry in &diff.entries {
        match (entry.class, &entry.from) {
            (KeyClass::EnvironmentScoped, _) => plan.kept.push(entry.clone()),
            (KeyClass::Immutable, from) => {
                let exists_in_target = owner(&entry.key)
                    .is_none_or(|owner| to.keys().any(|k| k.starts_with(&format!("{owner}."))));
                match (exists_in_target, from) {
                    (false, Some(value)) => plan.set.push((entry.key.clone(), value.clone())),
                    _ => violations.push(entry.clone()),
                }
            }
            (KeyClass::Promotable, Some(value)) => {
                plan.set.push((entry.key.clone(), value.clone()))
            }
            (KeyClass::Promotable, None) => plan.unremovable.push(entry.clone()),
        }
    }
    if violations.is_empty() {
        Ok(plan)
    } else {
        Err(Refusal {
            from: diff.from.clone(),
            to: diff.to.clone(),
            violations,
        })
    }
}

/// The target's flattened settings after `plan` (what the file edit achieves).
pub fn apply_plan(to: &Flat, plan: &Plan) -> Flat {
    let mut result = to.clone();
    for (key, value) in &plan.set {
        result.retain(|k, _| {
            !(k.starts_with(&format!("{key}.")) || key.starts_with(&format!("{k}.")))
        });
        result.insert(key.clone(), value.clone());
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::promote::{diff_flat, flatten};
    use crate::validate::testing::valid;
    use proptest::prelude::*;

    fn flat_pair() -> (Flat, Flat) {
        let dev = flatten(&valid());
        (dev.clone(), dev)
    }

    #[test]
    fn copies_promotable_keys_keeps_scoped_ones_and_refuses_immutable_changes() {
        let (mut from, to) = flat_pair();
        from.insert("services.mlflow.cpu".into(), Value::from(1024));
        from.insert("services.mlflow.desired_count".into(), Value::from(3));
        let plan = plan(&diff_flat("dev", &from, "prod", &to), &to).expect("no immutable change");
        assert_eq!(
            plan.set,
            vec![("services.mlflow.cpu".to_owned(), Value::from(1024))]
        );
        assert_eq!(plan.kept.len(), 1);

        from.insert("network.vpc_cidr".into(), Value::from("10.9.0.0/16"));
        let refusal = super::plan(&diff_flat("dev", &from, "prod", &to), &to).unwrap_err();
        assert_eq!(refusal.violations.len(), 1);
        assert!(
            refusal
                .to_string()
                .contains("network.vpc_cidr: \"10.9.0.0/16\" -> \"10.0.0.0/16\"  [IMMUTABLE]"),
            "{refusal}"
        );
    }

    #[test]
    fn a_new_table_may_bring_its_keys_but_an_existing_table_may_not_change_them() {
        let (mut from, to) = flat_pair();
        from.insert(
            "tables.new-state.partition_key.name".into(),
            Value::from("id"),
        );
        from.insert(
            "tables.new-state.partition_key.type".into(),
            Value::from("S"),
        );
        let ok = plan(&diff_flat("dev", &from, "prod", &to), &to).expect("new table is fine");
        assert_eq!(ok.set.len(), 2);
        from.insert(
            "tables.trading-state.sort_key.name".into(),
            Value::from("ts"),
        );
        let refusal = plan(&diff_flat("dev", &from, "prod", &to), &to).unwrap_err();
        assert_eq!(
            refusal.violations[0].key,
            "tables.trading-state.sort_key.name"
        );
    }

    fn leaf() -> impl Strategy<Value = Value> {
        prop_oneof![
            any::<i64>().prop_map(Value::from),
            "[a-z0-9./-]{0,12}".prop_map(Value::from),
            any::<bool>().prop_map(Value::from)
        ]
    }

    proptest! {
        /// Whatever the source looks like, a plan that is accepted leaves every existing immutable key alone.
        #[test]
        fn promotion_never_changes_an_immutable_key(changes in proptest::collection::vec((0usize..400, leaf()), 0..30)) {
            let (mut from, to) = flat_pair();
            let keys: Vec<String> = from.keys().cloned().collect();
            for (index, value) in changes {
                from.insert(keys[index % keys.len()].clone(), value);
            }
            let diff = diff_flat("a", &from, "b", &to);
            if let Ok(plan) = plan(&diff, &to) {
                let after = apply_plan(&to, &plan);
                for (key, value) in &to {
                    if super::super::classify(key) == KeyClass::Immutable {
                        prop_assert_eq!(after.get(key), Some(value), "{} changed", key);
                    }
                }
            } else {
                prop_assert!(diff.entries.iter().any(|e| e.class == KeyClass::Immutable));
            }
        }

        /// An environment never differs from itself, however it was changed.
        #[test]
        fn diff_of_a_config_with_itself_is_empty(changes in proptest::collection::vec((0usize..400, leaf()), 0..30)) {
            let (mut a, _) = flat_pair();
            let keys: Vec<String> = a.keys().cloned().collect();
            for (index, value) in changes {
                a.insert(keys[index % keys.len()].clone(), value);
            }
            prop_assert!(diff_flat("a", &a, "a", &a).is_empty());
        }
    }
}
