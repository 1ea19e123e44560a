//! Persistent layer: the 12 tables and 5 buckets exactly as the canonical config defines them.

use serde_json::{json, Map, Value};
use tradai_config::{Environment, Layer, Loader};
use tradai_stack_testing::Run;

async fn persistent(env: Environment) -> Run {
    crate::run_layer(Layer::Persistent, env, Map::new()).await
}

/// Every table of the config is registered with its keys, indexes, TTL, PITR, encryption and protection.
#[tokio::test]
async fn tables_match_the_config() {
    let config = Loader::embedded()
        .without_env_vars()
        .load(Environment::Prod)
        .expect("valid");
    let result = persistent(Environment::Prod).await;
    let tables: Vec<&tradai_stack_testing::Registered> = result
        .recording
        .resources
        .iter()
        .filter(|r| r.type_ == "aws:dynamodb/table:Table")
        .collect();
    assert_eq!(tables.len(), 12);
    for (key, spec) in &config.settings().tables {
        let name = config.names().table(key).to_string();
        let table = tables
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("table {name} registered"));
        let inputs = &table.inputs;
        assert_eq!(inputs["name"], json!(name));
        assert_eq!(inputs["hashKey"], json!(spec.partition_key.name));
        assert_eq!(
            inputs.get("rangeKey").filter(|v| !v.is_null()),
            spec.sort_key.as_ref().map(|k| json!(k.name)).as_ref()
        );
        assert_eq!(inputs["billingMode"], "PAY_PER_REQUEST");
        assert_eq!(inputs["pointInTimeRecovery"]["enabled"], json!(spec.pitr));
        assert_eq!(inputs["serverSideEncryption"]["enabled"], json!(true));
        assert_eq!(
            inputs["deletionProtectionEnabled"],
            json!(true),
            "prod tables are protected"
        );
        assert_eq!(
            inputs["ttl"]["attributeName"].as_str(),
            spec.ttl_attribute.as_deref(),
            "{name}: ttl"
        );
        let gsis: Vec<&str> = inputs["globalSecondaryIndexes"]
            .as_array()
            .map(|g| g.iter().filter_map(|i| i["name"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(
            gsis,
            spec.gsis
                .iter()
                .map(|g| g.name.as_str())
                .collect::<Vec<_>>(),
            "{name}: indexes"
        );
        assert_eq!(inputs["tags"]["Component"], json!(key));
    }
    assert_eq!(
        result.recording.exports["table_workflow_state"],
        "tradai-workflow-state-prod"
    );
}

/// Every bucket is encrypted, private, versioned where the config says so, with its expiry rules.
#[tokio::test]
async fn buckets_are_encrypted_private_and_versioned_as_configured() {
    let config = Loader::embedded()
        .without_env_vars()
        .load(Environment::Dev)
        .expect("valid");
    let result = persistent(Environment::Dev).await;
    let of_type = |t: &str| -> Vec<&tradai_stack_testing::Registered> {
        result
            .recording
            .resources
            .iter()
            .filter(|r| r.type_ == t)
            .collect()
    };
    assert_eq!(
        of_type("aws:s3/bucket:Bucket").len(),
        6,
        "the five of the config and the Pulumi state bucket"
    );
    assert_eq!(of_type("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").len(), 6);
    let blocks = of_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
    assert_eq!(blocks.len(), 6);
    assert!(blocks.iter().all(|b| [
        "blockPublicAcls",
        "blockPublicPolicy",
        "ignorePublicAcls",
        "restrictPublicBuckets"
    ]
    .iter()
    .all(|k| b.inputs[k] == json!(true))));
    let versioned = 1 + config
        .settings()
        .buckets
        .values()
        .filter(|b| b.versioning)
        .count();
    assert_eq!(
        of_type("aws:s3/bucketVersioning:BucketVersioning").len(),
        versioned
    );
    let lifecycles = of_type("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration");
    let results = lifecycles
        .iter()
        .find(|l| l.name == "tradai-results-dev-lifecycle")
        .expect("results expiry");
    assert_eq!(results.inputs["rules"][0]["filter"]["prefix"], "tmp/");
    assert_eq!(results.inputs["rules"][0]["expiration"]["days"], json!(7.0));
}

/// The resource graph of persistent in every environment (type, name, inputs), pinned.
#[tokio::test]
async fn resource_graph_snapshots() {
    for env in Environment::ALL {
        let result = persistent(env).await;
        insta::assert_json_snapshot!(format!("persistent_{env}"), crate::graph(&result));
    }
}

/// 26 repositories (7 service images incl. the backtest runner + 19 Lambdas), scanned on push, each with a lifecycle keeping the configured count.
#[tokio::test]
async fn registries_match_the_config() {
    let config = Loader::embedded()
        .without_env_vars()
        .load(Environment::Staging)
        .expect("valid");
    let result = persistent(Environment::Staging).await;
    let repos: Vec<_> = result
        .recording
        .resources
        .iter()
        .filter(|r| r.type_ == "aws:ecr/repository:Repository")
        .collect();
    assert_eq!(repos.len(), 26);
    assert!(repos
        .iter()
        .all(|r| r.inputs["imageScanningConfiguration"]["scanOnPush"] == json!(true)));
    assert!(repos
        .iter()
        .any(|r| r.inputs["name"] == "tradai/staging/lambda-health-check"));
    let policies: Vec<_> = result
        .recording
        .resources
        .iter()
        .filter(|r| r.type_ == "aws:ecr/lifecyclePolicy:LifecyclePolicy")
        .collect();
    assert_eq!(policies.len(), 26);
    let policy: Value =
        serde_json::from_str(policies[0].inputs["policy"].as_str().expect("text")).expect("json");
    assert_eq!(
        policy["rules"][0]["selection"]["countNumber"],
        json!(config.settings().ecr.image_retention_count)
    );
}

/// The pool follows the config (MFA, password policy, protection per env) with a public and an M2M client.
#[tokio::test]
async fn cognito_follows_the_config_per_environment() {
    for (env, protection) in [
        (Environment::Dev, "INACTIVE"),
        (Environment::Prod, "ACTIVE"),
    ] {
        let result = persistent(env).await;
        let pool = result
            .recording
            .resources
            .iter()
            .find(|r| r.type_ == "aws:cognito/userPool:UserPool")
            .expect("pool");
        assert_eq!(pool.name, format!("tradai-users-{env}"));
        assert_eq!(pool.inputs["deletionProtection"], protection);
        assert_eq!(pool.inputs["mfaConfiguration"], "ON");
        assert_eq!(pool.inputs["passwordPolicy"]["minimumLength"], json!(12.0));
        let clients: Vec<_> = result
            .recording
            .resources
            .iter()
            .filter(|r| r.type_ == "aws:cognito/userPoolClient:UserPoolClient")
            .collect();
        let public = clients
            .iter()
            .find(|c| c.name == format!("tradai-api-client-{env}"))
            .expect("public client");
        assert_eq!(
            (
                public.inputs["generateSecret"].clone(),
                public.inputs["allowedOauthFlows"].clone()
            ),
            (json!(false), json!(["code"]))
        );
        let m2m = clients
            .iter()
            .find(|c| c.name == format!("tradai-m2m-client-{env}"))
            .expect("m2m client");
        assert_eq!(
            m2m.inputs["allowedOauthFlows"],
            json!(["client_credentials"])
        );
        assert_eq!(
            m2m.inputs["allowedOauthScopes"],
            json!(["tradai-api/data.sync"]),
            "only what data-collection-proxy needs"
        );
        assert_eq!(
            pool.inputs["adminCreateUserConfig"]["allowAdminCreateUserOnly"],
            json!(true),
            "no self sign-up"
        );
        // The groups register concurrently: their order in the recording is not fixed.
        let mut groups: Vec<&str> = result
            .recording
            .resources
            .iter()
            .filter(|r| r.type_ == "aws:cognito/userGroup:UserGroup")
            .filter_map(|r| r.inputs["name"].as_str())
            .collect();
        groups.sort_unstable();
        assert_eq!(groups, ["admin", "trader", "viewer"]);
        assert_eq!(
            result.recording.exports["user_pool_id"]
                .as_str()
                .map(|id| id.starts_with("user-")),
            Some(true),
            "ids are fakes in the mock"
        );
    }
}

/// CloudTrail writes to the logs bucket under a policy that allows only CloudTrail; the state bucket exists.
#[tokio::test]
async fn trail_and_state_bucket() {
    let result = persistent(Environment::Dev).await;
    let trail = result
        .recording
        .resources
        .iter()
        .find(|r| r.type_ == "aws:cloudtrail/trail:Trail")
        .expect("trail");
    assert_eq!(trail.inputs["s3BucketName"], "tradai-logs-dev");
    assert_eq!(trail.inputs["enableLogFileValidation"], json!(true));
    let policy = result
        .recording
        .resources
        .iter()
        .find(|r| r.type_ == "aws:s3/bucketPolicy:BucketPolicy")
        .expect("policy");
    let document: Value =
        serde_json::from_str(policy.inputs["policy"].as_str().expect("text")).expect("json");
    assert_eq!(
        document["Statement"][1]["Principal"]["Service"],
        "cloudtrail.amazonaws.com"
    );
    assert_eq!(
        result.recording.exports["pulumi_state_bucket_name"],
        "tradai-pulumi-state-dev"
    );
}

/// The layer exports exactly the keys of `PersistentOutputs`, the struct foundation reads back.
#[tokio::test]
async fn exports_are_the_typed_outputs() {
    let config = Loader::embedded()
        .without_env_vars()
        .load(Environment::Dev)
        .expect("valid");
    let result = persistent(Environment::Dev).await;
    let mut exported: Vec<String> = result.recording.exports.keys().cloned().collect();
    let mut expected = tradai_stack_kit::PersistentOutputs::keys(&config);
    exported.sort();
    expected.sort();
    assert_eq!(exported, expected);
}
