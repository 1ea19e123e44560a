//! `tradai twin provision`: the planned graph's data plane is created on the emulator with the graph's own
//! inputs, and a second run finds it there.

use serde_json::Value;

use crate::helpers::Workspace;

/// `tradai <args>` on `ws` under the project name `prefix` (so the resources are this test's).
fn stdout(ws: &Workspace, prefix: &str, args: &[&str]) -> String {
    let out = ws
        .tradai(args)
        .env("TRADAI_PROJECT__NAME", prefix)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).expect("utf-8")
}

/// The planned resources of type `ty`, each with its name (`name`, a bucket's `bucket`, a domain's `domain`)
/// and inputs.
fn of_type<'a>(plan: &'a [Value], ty: &'a str) -> impl Iterator<Item = (&'a str, &'a Value)> + 'a {
    plan.iter().filter(move |r| r["type"] == ty).map(|r| {
        let inputs = &r["inputs"];
        let name = ["name", "bucket", "domain"]
            .iter()
            .find_map(|k| inputs[*k].as_str());
        (name.expect("a planned name"), inputs)
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn the_planned_data_plane_is_created_as_planned() {
    let prefix = tradai_test_support::unique_prefix();
    let endpoint = tradai_test_support::emulator::endpoint();
    let ws = Workspace::new();
    let plan: Vec<Value> = serde_json::from_str(&stdout(
        &ws,
        &prefix,
        &["infra", "plan", "--env", "dev", "--format", "json"],
    ))
    .expect("plan json");

    let out = stdout(
        &ws,
        &prefix,
        &[
            "twin",
            "provision",
            "--env",
            "dev",
            "--aws-endpoint",
            endpoint,
        ],
    );
    assert!(out.contains("12 aws:dynamodb/table:Table"), "{out}");
    assert!(out.contains("4 aws:sqs/queue:Queue"), "{out}");
    assert!(out.contains("3 aws:sfn/stateMachine:StateMachine"), "{out}");
    assert!(
        out.contains("2 aws:cognito/userPoolClient:UserPoolClient"),
        "{out}"
    );
    // A second run finds everything in place.
    let again = stdout(
        &ws,
        &prefix,
        &[
            "twin",
            "provision",
            "--env",
            "dev",
            "--aws-endpoint",
            endpoint,
        ],
    );
    assert_eq!(again, out);

    let config = tradai_test_support::config_with_prefix(&prefix);
    let clients = tradai_test_support::emulator::clients(&config).await;

    // Tables: keys, indexes and TTL as planned.
    for (name, inputs) in of_type(&plan, "aws:dynamodb/table:Table") {
        assert!(name.starts_with(&prefix), "{name} is this test's");
        let described = clients
            .dynamodb
            .describe_table()
            .table_name(name)
            .send()
            .await
            .expect("described")
            .table
            .expect("table");
        let key = |k: &str| {
            described
                .key_schema()
                .iter()
                .find(|e| e.key_type().as_str() == k)
                .map(|e| e.attribute_name().to_owned())
        };
        assert_eq!(key("HASH").as_deref(), inputs["hashKey"].as_str(), "{name}");
        assert_eq!(
            key("RANGE").as_deref(),
            inputs["rangeKey"].as_str(),
            "{name}"
        );
        let mut indexes: Vec<&str> = described
            .global_secondary_indexes()
            .iter()
            .filter_map(|i| i.index_name())
            .collect();
        indexes.sort_unstable();
        let mut planned: Vec<&str> = inputs["globalSecondaryIndexes"]
            .as_array()
            .map(|a| a.iter().filter_map(|i| i["name"].as_str()).collect())
            .unwrap_or_default();
        planned.sort_unstable();
        assert_eq!(indexes, planned, "{name}");
        if inputs["ttl"]["enabled"] == true {
            let ttl = clients
                .dynamodb
                .describe_time_to_live()
                .table_name(name)
                .send()
                .await
                .expect("ttl")
                .time_to_live_description
                .expect("description");
            assert_eq!(
                ttl.attribute_name(),
                inputs["ttl"]["attributeName"].as_str(),
                "{name}"
            );
        }
    }

    // Queues: the planned attributes, and the redrive policy naming the dead-letter queue that now exists.
    for (name, inputs) in of_type(&plan, "aws:sqs/queue:Queue") {
        let url = clients
            .sqs
            .get_queue_url()
            .queue_name(name)
            .send()
            .await
            .expect("queue exists")
            .queue_url
            .expect("url");
        let attributes = clients
            .sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(tradai_aws::provision::QueueAttributeName::All)
            .send()
            .await
            .expect("attributes")
            .attributes
            .expect("some");
        let attribute = |n: &str| {
            attributes
                .iter()
                .find(|(k, _)| k.as_str() == n)
                .map(|(_, v)| v.clone())
        };
        if let Some(timeout) = inputs["visibilityTimeoutSeconds"].as_f64() {
            assert_eq!(
                attribute("VisibilityTimeout"),
                Some(timeout.to_string()),
                "{name}"
            );
        }
        assert_eq!(
            attribute("FifoQueue").as_deref() == Some("true"),
            inputs["fifoQueue"] == true,
            "{name}"
        );
        if let Some(planned) = inputs["redrivePolicy"].as_str() {
            let planned: Value = serde_json::from_str(planned).expect("policy");
            let actual: Value =
                serde_json::from_str(&attribute("RedrivePolicy").expect("redrive")).expect("json");
            assert_eq!(
                actual["maxReceiveCount"], planned["maxReceiveCount"],
                "{name}"
            );
            let dlq_arn = planned["deadLetterTargetArn"].as_str().expect("arn");
            assert_eq!(actual["deadLetterTargetArn"], dlq_arn, "{name}");
            let dlq_name = dlq_arn.rsplit(':').next().expect("name");
            clients
                .sqs
                .get_queue_url()
                .queue_name(dlq_name)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{name}'s dead-letter queue {dlq_name} exists: {e}"));
        }
    }

    // State machines: the planned definition and role.
    let machines = clients
        .sfn
        .list_state_machines()
        .send()
        .await
        .expect("listed");
    for (name, inputs) in of_type(&plan, "aws:sfn/stateMachine:StateMachine") {
        let arn = machines
            .state_machines()
            .iter()
            .find(|m| m.name() == name)
            .unwrap_or_else(|| panic!("{name} is created"))
            .state_machine_arn();
        let described = clients
            .sfn
            .describe_state_machine()
            .state_machine_arn(arn)
            .send()
            .await
            .expect("described");
        assert_eq!(
            Some(described.definition()),
            inputs["definition"].as_str(),
            "{name}"
        );
        assert_eq!(
            Some(described.role_arn()),
            inputs["roleArn"].as_str(),
            "{name}"
        );
    }

    // Log groups with their retention.
    for (name, inputs) in of_type(&plan, "aws:cloudwatch/logGroup:LogGroup") {
        let found = clients
            .logs
            .describe_log_groups()
            .log_group_name_prefix(name)
            .send()
            .await
            .expect("described");
        let found = found
            .log_groups()
            .iter()
            .find(|g| g.log_group_name() == Some(name))
            .unwrap_or_else(|| panic!("{name} is created"));
        assert_eq!(
            found.retention_in_days().map(f64::from),
            inputs["retentionInDays"].as_f64(),
            "{name}"
        );
    }

    cognito_as_planned(&clients, &plan).await;

    // Buckets exist.
    for (name, _) in of_type(&plan, "aws:s3/bucket:Bucket") {
        clients
            .s3
            .head_bucket()
            .bucket(name)
            .send()
            .await
            .unwrap_or_else(|e| panic!("bucket {name}: {e}"));
    }
}

/// The planned pool (MFA, password length), its resource server's scopes, its clients (auth and OAuth flows,
/// scopes, secret or none) and its domain exist as planned.
async fn cognito_as_planned(clients: &tradai_aws::Clients, plan: &[Value]) {
    let cognito = tradai_aws::client!(aws_sdk_cognitoidentityprovider, clients);
    let (name, planned) = of_type(plan, "aws:cognito/userPool:UserPool")
        .next()
        .expect("a pool");
    let pools = cognito
        .list_user_pools()
        .max_results(60)
        .into_paginator()
        .items()
        .send();
    let pools: Vec<_> = pools.collect::<Result<_, _>>().await.expect("pools");
    let id = pools
        .iter()
        .find(|p| p.name() == Some(name))
        .and_then(|p| p.id())
        .unwrap_or_else(|| panic!("pool {name} is created"));
    let pool = cognito
        .describe_user_pool()
        .user_pool_id(id)
        .send()
        .await
        .expect("pool");
    let pool = pool.user_pool().expect("described");
    assert_eq!(
        pool.mfa_configuration().map(|m| m.as_str()),
        planned["mfaConfiguration"].as_str()
    );
    let length = pool
        .policies()
        .and_then(|p| p.password_policy())
        .and_then(|p| p.minimum_length());
    assert_eq!(
        length.map(f64::from),
        planned["passwordPolicy"]["minimumLength"].as_f64()
    );
    let (_, server) = of_type(plan, "aws:cognito/resourceServer:ResourceServer")
        .next()
        .expect("server");
    let identifier = server["identifier"].as_str().expect("identifier");
    let described = cognito
        .describe_resource_server()
        .user_pool_id(id)
        .identifier(identifier)
        .send()
        .await
        .expect("resource server");
    let scopes: Vec<&str> = described
        .resource_server()
        .expect("server")
        .scopes()
        .iter()
        .map(|s| s.scope_name())
        .collect();
    let planned_scopes: Vec<&str> = server["scopes"]
        .as_array()
        .expect("scopes")
        .iter()
        .filter_map(|s| s["scopeName"].as_str())
        .collect();
    assert_eq!(scopes, planned_scopes);
    let listed = cognito
        .list_user_pool_clients()
        .user_pool_id(id)
        .max_results(60)
        .send()
        .await
        .expect("clients");
    for (name, planned) in of_type(plan, "aws:cognito/userPoolClient:UserPoolClient") {
        let client_id = listed
            .user_pool_clients()
            .iter()
            .find(|c| c.client_name() == Some(name))
            .and_then(|c| c.client_id())
            .unwrap_or_else(|| panic!("client {name} is created"));
        let described = cognito
            .describe_user_pool_client()
            .user_pool_id(id)
            .client_id(client_id)
            .send()
            .await;
        let described = described.expect("client");
        let c = described.user_pool_client().expect("described");
        let texts = |v: &Value| -> Vec<String> {
            v.as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        let flows: Vec<String> = c
            .allowed_o_auth_flows()
            .iter()
            .map(|f| f.as_str().to_owned())
            .collect();
        assert_eq!(flows, texts(&planned["allowedOauthFlows"]), "{name}");
        assert_eq!(
            c.allowed_o_auth_scopes().to_vec(),
            texts(&planned["allowedOauthScopes"]),
            "{name}"
        );
        let auth: Vec<String> = c
            .explicit_auth_flows()
            .iter()
            .map(|f| f.as_str().to_owned())
            .collect();
        assert_eq!(auth, texts(&planned["explicitAuthFlows"]), "{name}");
        assert_eq!(
            c.client_secret().is_some(),
            planned["generateSecret"] == true,
            "{name}"
        );
    }
    for (domain, _) in of_type(plan, "aws:cognito/userPoolDomain:UserPoolDomain") {
        let d = cognito
            .describe_user_pool_domain()
            .domain(domain)
            .send()
            .await
            .expect("domain");
        assert_eq!(
            d.domain_description().and_then(|d| d.user_pool_id()),
            Some(id)
        );
    }
}

/// Without an emulator URL the command says what it needs.
#[test]
fn provision_needs_an_endpoint() {
    let ws = Workspace::new();
    let err = crate::helpers::fails(&mut ws.tradai(&["twin", "provision", "--env", "dev"]));
    assert!(err.contains("--aws-endpoint"), "{err}");
}
