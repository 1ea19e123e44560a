//! The roles and scopes of the user pool: every resource-server scope is a permission, groups are named as
//! Cognito allows with unique precedences, and some group may do everything (someone must be able to).

use std::collections::BTreeMap;

use super::{in_range, is_component, quoted};
use crate::problem::Problem;
use crate::{Permission, Settings};

/// Cognito's limit on a group's description.
const DESCRIPTION_MAX: usize = 2048;

pub fn check(s: &Settings, out: &mut Vec<Problem>) {
    let c = &s.cognito;
    let permissions = Permission::ALL.map(Permission::as_str).join(", ");
    for (index, scope) in c.resource_server.scopes.iter().enumerate() {
        if Permission::parse(scope).is_none() {
            out.push(Problem::new(
                format!("cognito.resource_server.scopes[{index}]"),
                quoted(scope),
                "not a permission of the platform (a scope grants the permission of its name)",
                permissions.clone(),
            ));
        }
    }
    let mut precedences = BTreeMap::new();
    for (name, group) in &c.groups {
        let key = format!("cognito.groups.{name}");
        if !is_component(name) || name.len() > 64 {
            out.push(Problem::new(
                key.clone(),
                quoted(name),
                "not a group name",
                "1 to 64 lower-case letters, digits and single hyphens",
            ));
        }
        if group.permissions.is_empty() {
            out.push(Problem::new(
                format!("{key}.permissions"),
                "[]",
                "a role that may do nothing",
                permissions.clone(),
            ));
        }
        in_range(
            out,
            format!("{key}.precedence"),
            group.precedence,
            0..=1000,
            "precedence",
        );
        if let Some(other) = precedences.insert(group.precedence, name) {
            out.push(Problem::new(
                format!("{key}.precedence"),
                group.precedence,
                format!("the precedence of cognito.groups.{other} too"),
                "a precedence no other group has",
            ));
        }
        if group.description.trim().is_empty() || group.description.len() > DESCRIPTION_MAX {
            out.push(Problem::new(
                format!("{key}.description"),
                quoted(&group.description),
                "empty or too long",
                "1 to 2048 characters",
            ));
        }
    }
    let everything = c
        .groups
        .values()
        .any(|g| g.permissions.len() == Permission::ALL.len());
    if !everything {
        out.push(Problem::new(
            "cognito.groups",
            c.groups.keys().cloned().collect::<Vec<_>>().join(", "),
            "no group holds every permission, so some action could never be taken",
            format!("a group (admin) with {permissions}"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::validate::testing::{expect_problem, valid};
    use crate::Permission;

    #[test]
    fn rejects_scopes_that_are_not_permissions_and_groups_cognito_or_operators_cannot_use() {
        let mut s = valid();
        s.cognito.resource_server.scopes.push("admin".into());
        let admin = s.cognito.groups.get_mut("admin").expect("admin");
        admin.permissions.remove(&Permission::LiveTrading);
        let mut odd = s.cognito.groups["viewer"].clone();
        odd.permissions.clear();
        odd.description = String::new();
        s.cognito.groups.insert("Power_Users".into(), odd);
        let p = expect_problem(&s, "cognito.resource_server.scopes[10]", "not a permission");
        assert!(p.allowed.contains("trading.live"), "{p}");
        expect_problem(&s, "cognito.groups.Power_Users", "not a group name");
        expect_problem(
            &s,
            "cognito.groups.Power_Users.permissions",
            "may do nothing",
        );
        expect_problem(&s, "cognito.groups.viewer.precedence", "Power_Users too");
        expect_problem(&s, "cognito.groups.Power_Users.description", "empty");
        expect_problem(&s, "cognito.groups", "no group holds every permission");
    }

    #[test]
    fn the_roles_of_every_environment_separate_live_trading_from_research() {
        for env in crate::Environment::ALL {
            let config = crate::Loader::embedded()
                .without_env_vars()
                .load(env)
                .expect("valid");
            let c = &config.settings().cognito;
            assert!(!c.self_sign_up, "{env:?}: nobody signs themselves up");
            let of = |group: &str| c.permissions_of([group]);
            assert_eq!(
                of("viewer").into_iter().collect::<Vec<_>>(),
                vec![Permission::Read]
            );
            assert!(of("trader").contains(&Permission::DryRunTrading));
            for admin_only in [
                Permission::LiveTrading,
                Permission::ActivateConfigs,
                Permission::PromoteModels,
                Permission::RollbackModels,
            ] {
                assert!(!of("trader").contains(&admin_only), "{admin_only}");
                assert!(of("admin").contains(&admin_only), "{admin_only}");
            }
            assert!(c.permissions_of(["nobody"]).is_empty());
        }
    }
}
