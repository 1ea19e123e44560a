//! The shipped config holds the facts of the reference (shared/reference/tradai-spec.md).

use tradai_config::{
    ComputeMode, EnvValue, Environment, Loader, NatMode, RepositoryKind, Trigger, WorkflowKind,
};

fn load(env: Environment) -> tradai_config::Config {
    Loader::embedded()
        .without_env_vars()
        .load(env)
        .expect("shipped config is valid")
}

/// §6.1: the SERVICES table — ports, sizes, spot, health paths.
#[test]
fn services_table_matches_the_reference() {
    let dev = load(Environment::Dev);
    let s = dev.settings();
    let row = |k: &str| {
        let svc = &s.services[k];
        (
            svc.port,
            svc.cpu,
            svc.memory_mib,
            svc.spot,
            svc.health_path.as_deref(),
        )
    };
    assert_eq!(
        row("backend-api"),
        (Some(8000), 512, 1024, true, Some("/api/v1/health"))
    );
    assert_eq!(
        row("data-collection"),
        (Some(8002), 256, 512, true, Some("/api/v1/health"))
    );
    assert_eq!(
        row("strategy-service"),
        (Some(8003), 512, 1024, true, Some("/api/v1/health"))
    );
    // The reference serves MLflow under /mlflow/ behind the ALB; here it is internal (decision W20) and its
    // container checks MLflow's own /health.
    assert_eq!(
        row("mlflow"),
        (Some(5000), 512, 1024, true, Some("/health"))
    );
    assert_eq!(row("strategy-container"), (None, 1024, 2048, true, None));
    assert_eq!(
        row("live-trading"),
        (Some(8004), 1024, 2048, false, Some("/api/v1/health"))
    );
    assert_eq!(
        row("dry-run-trading"),
        (Some(8005), 1024, 2048, true, Some("/api/v1/health"))
    );
    assert_eq!(s.services["backend-api"].desired_count, 1);
    assert_eq!(
        load(Environment::Prod).settings().services["backend-api"].desired_count,
        2
    );
}

/// §3.3, §6.2: consolidated EC2 in dev/staging, Fargate in prod; retention 30/30/90; protection in prod only.
#[test]
fn environments_differ_as_the_reference_says() {
    let expect = [
        (
            Environment::Dev,
            ComputeMode::ConsolidatedEc2,
            30,
            false,
            "db.t4g.micro",
        ),
        (
            Environment::Staging,
            ComputeMode::ConsolidatedEc2,
            30,
            false,
            "db.t4g.small",
        ),
        (
            Environment::Prod,
            ComputeMode::Fargate,
            90,
            true,
            "db.t4g.medium",
        ),
    ];
    for (env, mode, retention, protected, db) in expect {
        let config = load(env);
        let s = config.settings();
        assert_eq!(s.compute.mode, mode, "{env}");
        assert_eq!(s.logging.retention_days, retention, "{env}");
        assert_eq!(s.cognito.deletion_protection, protected, "{env}");
        assert_eq!(s.dynamodb.deletion_protection, protected, "{env}");
        assert_eq!(s.database.instance_class, db, "{env}");
        assert_eq!(s.compute.consolidated_instance_type, "t3.small");
    }
    assert_eq!(
        load(Environment::Dev).settings().network.nat.mode,
        NatMode::Instance
    );
    assert_eq!(
        load(Environment::Dev).settings().network.nat.instance_type,
        "t4g.nano"
    );
}

/// §4.1: VPC 10.0.0.0/16 and six subnets over two AZs in three tiers.
#[test]
fn network_matches_the_reference() {
    let dev = load(Environment::Dev);
    assert_eq!(dev.vpc_cidr().to_string(), "10.0.0.0/16");
    let subnets: Vec<(String, String)> = dev
        .subnet_cidrs()
        .into_iter()
        .map(|(k, c)| (k.to_owned(), c.to_string()))
        .collect();
    let expected = [
        ("database-1", "10.0.21.0/24"),
        ("database-2", "10.0.22.0/24"),
        ("private-1", "10.0.11.0/24"),
        ("private-2", "10.0.12.0/24"),
        ("public-1", "10.0.1.0/24"),
        ("public-2", "10.0.2.0/24"),
    ];
    assert_eq!(subnets, expected.map(|(k, c)| (k.to_owned(), c.to_owned())));
    assert_eq!(dev.settings().aws.region, "eu-central-1");
}

/// §8, §9: 12 tables with the workflow-state GSIs, 5 buckets, FIFO queue + DLQ, 2 topics, 24 repositories.
#[test]
fn data_stores_match_the_reference() {
    let dev = load(Environment::Dev);
    let s = dev.settings();
    assert_eq!(s.tables.len(), 12);
    let workflow = &s.tables["workflow-state"];
    assert_eq!(workflow.partition_key.name, "job_id");
    let gsis: Vec<&str> = workflow.gsis.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(gsis, ["status-created_at-index", "trace_id-index"]);
    assert_eq!(s.tables["trading-state"].partition_key.name, "strategy_id");
    assert_eq!(s.tables["drift-state"].partition_key.name, "model_name");
    assert_eq!(
        s.tables["notifications"].ttl_attribute.as_deref(),
        Some("ttl")
    );
    assert_eq!(
        s.buckets.keys().collect::<Vec<_>>(),
        ["arcticdb", "configs", "logs", "mlflow", "results"]
    );
    assert!(s.buckets["arcticdb"].versioning && s.buckets["arcticdb"].lifecycle.is_empty());
    let backtest = &s.queues["backtest"];
    let dlq = backtest.dead_letter.as_ref().expect("dlq");
    assert!(backtest.fifo);
    assert_eq!(
        (dlq.max_receive_count, dlq.message_retention_seconds),
        (3, 14 * 24 * 3600)
    );
    assert_eq!(
        dev.names().queue("backtest", true).as_str(),
        "tradai-backtest-dev.fifo"
    );
    assert_eq!(
        s.topics.keys().collect::<Vec<_>>(),
        ["alerts", "registration"]
    );
    let repos = dev.ecr_repositories();
    assert_eq!(
        repos
            .iter()
            .filter(|r| r.kind == RepositoryKind::Service)
            .count(),
        7,
        "the reference's 6 service images plus the generic strategy runner (decision I14)"
    );
    assert_eq!(
        repos
            .iter()
            .filter(|r| r.kind == RepositoryKind::Lambda)
            .count(),
        19,
        "the reference's 18 functions plus the job sweeper (decision A15)"
    );
}

/// §10, §11: 18 Lambdas (and the job sweeper, decision A15) with their sizes, schedules and environment; both
/// workflows with their timeouts.
#[test]
fn lambdas_and_workflows_match_the_reference() {
    let dev = load(Environment::Dev);
    let s = dev.settings();
    assert_eq!(s.lambdas.len(), 19);
    let size = |k: &str| (s.lambdas[k].timeout_seconds, s.lambdas[k].memory_mb);
    assert_eq!(size("backtest-consumer"), (30, 256));
    assert_eq!(size("cleanup-resources"), (120, 256));
    assert_eq!(size("drift-monitor"), (300, 512));
    assert_eq!(size("orphan-scanner"), (60, 128));
    assert_eq!(size("data-collection-proxy"), (180, 256));
    assert_eq!(size("pulumi-drift-detector"), (300, 512));
    assert!(s.lambdas["health-check"]
        .triggers
        .contains(&Trigger::Schedule {
            expression: "rate(2 minutes)".into()
        }));
    let schedules = dev.lambda_schedules();
    assert!(schedules
        .iter()
        .any(|(k, e)| *k == "orphan-scanner" && e.as_str() == "rate(6 hours)"));
    let env = dev.lambda_env("update-status").expect("lambda");
    assert_eq!(env[0], ("ENVIRONMENT".to_owned(), EnvValue::Environment));
    let table = env
        .iter()
        .find(|(k, _)| k == "WORKFLOW_STATE_TABLE")
        .expect("var");
    assert_eq!(
        dev.resolve_static(&table.1).as_deref(),
        Some("tradai-workflow-state-dev")
    );
    let proxy = dev.lambda_env("data-collection-proxy").expect("lambda");
    let url = proxy
        .iter()
        .find(|(k, _)| k == "DATA_COLLECTION_URL")
        .expect("var");
    assert_eq!(
        dev.resolve_static(&url.1).as_deref(),
        Some("http://data-collection.tradai.local:8002")
    );
    let consumer = dev.lambda_env("sqs-consumer").expect("lambda");
    let family = consumer
        .iter()
        .find(|(k, _)| k == "ECS_TASK_DEFINITION_FAMILY")
        .expect("var");
    assert_eq!(
        dev.resolve_static(&family.1).as_deref(),
        Some("tradai-strategy-generic-dev")
    );
    let backtest = &s.workflows["backtest"];
    assert_eq!(
        (backtest.kind, backtest.timeout_seconds),
        (WorkflowKind::Standard, 7200)
    );
    assert_eq!(
        s.workflows["retraining"].timeout(),
        std::time::Duration::from_secs(3 * 3600)
    );
    assert_eq!(
        s.lambdas["cleanup-resources"].timeout(),
        std::time::Duration::from_secs(120)
    );
    assert_eq!(
        s.queues["backtest"].visibility_timeout(),
        std::time::Duration::from_secs(180)
    );
    assert_eq!(
        dev.names().state_machine("retraining").as_str(),
        "tradai-retraining-workflow-dev"
    );
}

/// §5: Cognito and WAF settings.
#[test]
fn security_settings_match_the_reference() {
    let s = load(Environment::Prod).into_settings();
    assert_eq!(s.cognito.password.min_length, 12);
    assert_eq!(
        s.cognito.access_token_validity(),
        std::time::Duration::from_secs(3600)
    );
    assert_eq!(
        s.cognito.refresh_token_validity(),
        std::time::Duration::from_secs(30 * 86_400)
    );
    assert_eq!(s.cognito.password.temporary_password_validity_days, 7);
    assert_eq!(
        (s.waf.rate_limit, s.waf.rate_limit_window_seconds),
        (100, 300)
    );
}
