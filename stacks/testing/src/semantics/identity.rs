//! `identity`: the user pool is what the services' authorisation assumes. Self sign-up is off unless the config
//! allows it (else anyone could make an account); every role the services grant permissions to is a group of
//! the pool; and each machine client (client credentials) may request exactly the scopes the functions using
//! it ask for: none missing (their calls would be refused) and none extra (least privilege).

use std::collections::BTreeSet;

use serde_json::Value;

use super::{violation, Needs};
use crate::plan::of_type;
use crate::policy::Violation;
use crate::Planned;

fn strings(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn check(graph: &[Planned], needs: &Needs, out: &mut Vec<Violation>) {
    let Some(identity) = &needs.identity else {
        return;
    };
    for pool in of_type(graph, "aws:cognito/userPool:UserPool") {
        let admin_only = pool.inputs["adminCreateUserConfig"]["allowAdminCreateUserOnly"]
            .as_bool()
            .unwrap_or(false);
        if !admin_only && !identity.self_sign_up {
            out.push(violation(
                "identity",
                pool,
                "lets anyone sign up (adminCreateUserConfig.allowAdminCreateUserOnly is not true), but \
                 cognito.self_sign_up is false"
                    .into(),
            ));
        }
    }
    let groups: BTreeSet<String> = of_type(graph, "aws:cognito/userGroup:UserGroup")
        .filter_map(|g| g.inputs["name"].as_str().map(str::to_owned))
        .collect();
    for role in &identity.roles {
        if !groups.contains(role) {
            if let Some(pool) = of_type(graph, "aws:cognito/userPool:UserPool").next() {
                out.push(violation(
                    "identity",
                    pool,
                    format!("the services grant permissions to the role {role}, but the pool has no such group"),
                ));
            }
        }
    }
    let wanted: BTreeSet<String> = identity
        .machine_scopes
        .values()
        .flatten()
        .cloned()
        .collect();
    for client in of_type(graph, "aws:cognito/userPoolClient:UserPoolClient") {
        if !strings(&client.inputs["allowedOauthFlows"]).contains("client_credentials") {
            continue;
        }
        let allowed = strings(&client.inputs["allowedOauthScopes"]);
        for (function, scopes) in &identity.machine_scopes {
            for scope in scopes.iter().filter(|s| !allowed.contains(*s)) {
                out.push(violation(
                    "identity",
                    client,
                    format!(
                        "{function} requests the scope {scope}, which this machine client may not"
                    ),
                ));
            }
        }
        for scope in allowed.difference(&wanted) {
            out.push(violation(
                "identity",
                client,
                format!("may request the scope {scope}, which no function needs (least privilege)"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::super::testing::planned;
    use super::super::{Identity, Needs};
    use super::*;

    #[test]
    fn open_sign_up_missing_roles_and_machine_scopes_off_what_functions_ask_are_violations() {
        let needs = Needs {
            identity: Some(Identity {
                self_sign_up: false,
                roles: vec!["admin".into(), "viewer".into()],
                machine_scopes: BTreeMap::from([(
                    "data-collection-proxy".into(),
                    vec!["tradai-api/data.sync".into()],
                )]),
            }),
            ..Needs::default()
        };
        let graph = vec![
            planned("aws:cognito/userPool:UserPool", "pool", json!({})),
            planned(
                "aws:cognito/userGroup:UserGroup",
                "g",
                json!({"name": "admin"}),
            ),
            planned(
                "aws:cognito/userPoolClient:UserPoolClient",
                "m2m",
                json!({"allowedOauthFlows": ["client_credentials"],
                       "allowedOauthScopes": ["tradai-api/trading.live"]}),
            ),
            planned(
                "aws:cognito/userPoolClient:UserPoolClient",
                "public",
                json!({"allowedOauthFlows": ["code"], "allowedOauthScopes": ["openid"]}),
            ),
        ];
        let mut out = Vec::new();
        check(&graph, &needs, &mut out);
        let details: Vec<&str> = out.iter().map(|v| v.detail.as_str()).collect();
        assert_eq!(out.len(), 4, "{details:#?}");
        assert!(details[0].contains("lets anyone sign up"));
        assert!(details[1].contains("role viewer"));
        assert!(details[2].contains("requests the scope tradai-api/data.sync"));
        assert!(details[3].contains("tradai-api/trading.live, which no function needs"));

        let good = vec![
            planned(
                "aws:cognito/userPool:UserPool",
                "pool",
                json!({"adminCreateUserConfig": {"allowAdminCreateUserOnly": true}}),
            ),
            planned(
                "aws:cognito/userGroup:UserGroup",
                "a",
                json!({"name": "admin"}),
            ),
            planned(
                "aws:cognito/userGroup:UserGroup",
                "v",
                json!({"name": "viewer"}),
            ),
            planned(
                "aws:cognito/userPoolClient:UserPoolClient",
                "m2m",
                json!({"allowedOauthFlows": ["client_credentials"],
                       "allowedOauthScopes": ["tradai-api/data.sync"]}),
            ),
        ];
        let mut out = Vec::new();
        check(&good, &needs, &mut out);
        assert!(out.is_empty(), "{out:?}");
    }
}
