//! `/api/v1/configs`: content-addressed versions and their lifecycle.

use axum::http::StatusCode;
use serde_json::json;

use crate::harness::Backend;

#[tokio::test]
async fn versions_are_content_addressed_and_move_through_their_lifecycle() {
    let backend = Backend::start(false).await;
    let create = |data: serde_json::Value| {
        let backend = &backend;
        async move {
            backend
                .call("POST", "/api/v1/configs", Some(&backend.user), &[],
                      Some(json!({"strategy_name": "sma-crossover", "config_data": data, "description": "fast/slow"})))
                .await
        }
    };
    let first = create(json!({"fast": 20, "slow": 50})).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let id = first.body["config_id"].as_str().expect("id").to_owned();
    assert!(id.starts_with("v1-") && id.len() == 11, "{id}");
    assert_eq!(first.body["status"], "DRAFT");
    let same = create(json!({"slow": 50, "fast": 20})).await;
    assert_eq!(
        (same.status, same.body["config_id"].as_str()),
        (StatusCode::OK, Some(id.as_str())),
        "same content, same version"
    );
    let second = create(json!({"fast": 10, "slow": 30})).await;
    let other = second.body["config_id"].as_str().expect("id").to_owned();

    let activated = backend
        .post(
            &format!("/api/v1/configs/sma-crossover/{id}/activate"),
            &backend.user,
        )
        .await;
    assert_eq!(activated.body["status"], "ACTIVE");
    backend
        .post(
            &format!("/api/v1/configs/sma-crossover/{other}/activate"),
            &backend.user,
        )
        .await;
    let first_now = backend
        .get(
            &format!("/api/v1/configs/sma-crossover/{id}"),
            &backend.reader,
        )
        .await;
    assert_eq!(
        first_now.body["status"], "DEPRECATED",
        "one ACTIVE version per strategy"
    );
    let back = backend
        .post(
            &format!("/api/v1/configs/sma-crossover/{id}/activate"),
            &backend.user,
        )
        .await;
    assert_eq!(
        (back.status, back.body["code"].as_str()),
        (StatusCode::CONFLICT, Some("CONFLICT"))
    );
    let listed = backend
        .get("/api/v1/configs/sma-crossover", &backend.reader)
        .await;
    assert_eq!(listed.body.as_array().map(Vec::len), Some(2));
    let deprecated = backend
        .post(
            &format!("/api/v1/configs/sma-crossover/{other}/deprecate"),
            &backend.user,
        )
        .await;
    assert_eq!(deprecated.body["status"], "DEPRECATED");
    let missing = backend
        .get("/api/v1/configs/sma-crossover/v1-00000000", &backend.reader)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_config_bodies_are_refused() {
    let backend = Backend::start(false).await;
    for (body, code) in [
        (json!({"strategy_name": "", "config_data": {}}), "VAL004"),
        (
            json!({"strategy_name": "s", "config_data": [1, 2]}),
            "VAL006",
        ),
    ] {
        let answer = backend
            .call(
                "POST",
                "/api/v1/configs",
                Some(&backend.user),
                &[],
                Some(body.clone()),
            )
            .await;
        assert_eq!(
            (answer.status, answer.body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some(code)),
            "{body}"
        );
    }
    let unknown_field = backend
        .call(
            "POST",
            "/api/v1/configs",
            Some(&backend.user),
            &[],
            Some(json!({"strategy_name": "s", "config_data": {}, "extra": 1})),
        )
        .await;
    assert_eq!(
        (unknown_field.status, unknown_field.body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("VAL006"))
    );
    assert!(
        unknown_field.body["details"]["value"]
            .as_str()
            .is_some_and(|v| v.contains("unknown field `extra`")),
        "{}",
        unknown_field.body
    );
}

#[tokio::test]
async fn concurrent_activations_leave_exactly_one_active_version() {
    let backend = Backend::start(false).await;
    let mut ids = Vec::new();
    for fast in 1..=8 {
        let created = backend
            .call("POST", "/api/v1/configs", Some(&backend.user), &[],
                  Some(json!({"strategy_name": "sma-crossover", "config_data": {"fast": fast, "slow": 50}})))
            .await;
        ids.push(created.body["config_id"].as_str().expect("id").to_owned());
    }
    for round in 0..3 {
        let activations = ids.iter().map(|id| {
            let path = format!("/api/v1/configs/sma-crossover/{id}/activate");
            let backend = &backend;
            async move { backend.post(&path, &backend.user).await }
        });
        let answers = futures::future::join_all(activations).await;
        let listed = backend
            .get("/api/v1/configs/sma-crossover", &backend.reader)
            .await;
        let active: Vec<String> = listed.body["versions"]
            .as_array()
            .or_else(|| listed.body.as_array())
            .expect("versions")
            .iter()
            .filter(|v| v["status"] == "ACTIVE")
            .map(|v| v["config_id"].as_str().expect("id").to_owned())
            .collect();
        assert_eq!(active.len(), 1, "round {round}: {active:?}");
        let winner = ids
            .iter()
            .position(|id| *id == active[0])
            .expect("one of ours");
        assert_eq!(
            answers[winner].status,
            StatusCode::OK,
            "the winner was told so"
        );
        for answer in &answers {
            assert!(
                [StatusCode::OK, StatusCode::CONFLICT].contains(&answer.status),
                "{} {}",
                answer.status,
                answer.body
            );
        }
    }
}
