//! The planned IAM policies, holding the twin's calls (decision W47). Each process signs with its planned role's
//! name as its access key; each call it makes is classified ([`super::calls`]) and every action it needs must be
//! allowed by that role's planned inline policies, with the infra check's matcher. A call that is not allowed is
//! answered as AWS answers it (`AccessDeniedException`), so a missing permission fails a twin run where it
//! would fail in AWS, and it is kept in the ledger the control endpoint serves (`GET /iam`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use serde::Serialize;
use tradai_stack_testing::semantics::{role_name, RolePolicies};

use super::calls::{Call, Names};
use super::graph::Graph;

const SECRET: &str = "aws:secretsmanager/secret:Secret";
const TASK_DEFINITION: &str = "aws:ecs/taskDefinition:TaskDefinition";

/// The most denials and unclassified operations the ledger keeps (a run that hits more has one cause).
const KEPT: usize = 200;

/// One call a role's policies do not allow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Denial {
    pub role: String,
    pub operation: String,
    pub action: String,
    pub resource: String,
}

impl Denial {
    /// AWS's message for it.
    pub fn message(&self) -> String {
        format!(
            "User: arn:aws:sts::{}:assumed-role/{}/twin is not authorized to perform: {} on resource: {} \
             because no identity-based policy allows the {} action",
            tradai_stack_testing::FAKE_ACCOUNT,
            self.role,
            self.action,
            self.resource,
            self.action
        )
    }
}

/// What the gate saw.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Ledger {
    /// Calls signed by a planned role, each held to its policies.
    pub checked: u64,
    /// Calls signed by no planned role (the twin's own, a user's), by access key: not held.
    pub unchecked: BTreeMap<String, u64>,
    pub denied: Vec<Denial>,
    /// Operations the twin cannot map to resources (`service:Operation by role`), let through.
    pub unclassified: BTreeSet<String>,
    /// Allowed actions by role: what each role used.
    pub used: BTreeMap<String, BTreeSet<String>>,
}

/// The planned policies and what the calls name.
#[derive(Debug)]
pub struct Gate {
    policies: RolePolicies,
    pub names: Names,
    ledger: Mutex<Ledger>,
    /// Whether a denial refuses the call (else it is only recorded).
    enforce: bool,
}

impl Gate {
    /// The gate of `graph` created with `ids` (planned id or ARN → real one) in `region`; `enforce`: a denial
    /// refuses the call, else it is only recorded.
    pub fn new(graph: &Graph, ids: &BTreeMap<String, String>, region: &str, enforce: bool) -> Gate {
        let mut names = Names::default();
        for r in graph.of_type(SECRET) {
            let planned = tradai_stack_testing::arn_of(r.0, region);
            if let Ok(name) = r.text("name") {
                names.secrets.insert(name.to_owned(), planned.clone());
            }
            if let Some(real) = ids.get(&planned) {
                names.secrets.insert(real.clone(), planned.clone());
            }
        }
        for r in graph.of_type(TASK_DEFINITION) {
            let Ok(Some(family)) = r.optional_text("family") else {
                continue;
            };
            let roles = ["taskRoleArn", "executionRoleArn"]
                .iter()
                .filter_map(|f| r.optional_text(f).ok().flatten().map(str::to_owned))
                .collect();
            names.task_roles.insert(family.to_owned(), roles);
        }
        names.planned = ids
            .iter()
            .filter(|(planned, real)| planned != real && !real.is_empty())
            .map(|(planned, real)| (real.clone(), planned.clone()))
            .collect();
        Gate {
            policies: RolePolicies::of(graph.planned()),
            names,
            ledger: Mutex::new(Ledger::default()),
            enforce,
        }
    }

    /// Hold `call` to its principal's planned policies: the first need they do not allow, if any and if the
    /// gate enforces (every denial is recorded). A principal that is no planned role is not held (the twin's
    /// own calls).
    pub fn check(&self, call: &Call) -> Option<Denial> {
        let role = role_name(&call.principal);
        let mut ledger = self.ledger.lock().unwrap_or_else(|e| e.into_inner());
        if !self.policies.knows(role) {
            if ledger.unchecked.len() < KEPT || ledger.unchecked.contains_key(role) {
                *ledger.unchecked.entry(role.to_owned()).or_default() += 1;
            }
            return None;
        }
        ledger.checked += 1;
        if !call.classified && ledger.unclassified.len() < KEPT {
            ledger
                .unclassified
                .insert(format!("{}:{} by {role}", call.service, call.operation));
        }
        for need in &call.needs {
            if !self.policies.allows(role, &need.action, &need.resource) {
                let denial = Denial {
                    role: role.to_owned(),
                    operation: format!("{}:{}", call.service, call.operation),
                    action: need.action.clone(),
                    resource: need.resource.clone(),
                };
                let verb = if self.enforce { "DENIED" } else { "would deny" };
                eprintln!("  iam: {verb} {}", denial.message());
                if ledger.denied.len() < KEPT && !ledger.denied.contains(&denial) {
                    ledger.denied.push(denial.clone());
                }
                if self.enforce {
                    return Some(denial);
                }
            }
        }
        let used = ledger.used.entry(role.to_owned()).or_default();
        used.extend(call.needs.iter().map(|n| n.action.clone()));
        None
    }

    /// What the gate saw so far.
    pub fn ledger(&self) -> Ledger {
        self.ledger
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}
