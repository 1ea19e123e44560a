//! `tradai login` against the emulator's Cognito: a user pool and app client as the persistent layer defines
//! them (without MFA, which the emulator cannot drive), a user, and the access token kept with mode 0600.

use serde_json::{json, Value};

use crate::helpers::{fails, tradai};

/// One Cognito call on the emulator.
fn cognito(endpoint: &str, action: &str, body: Value) -> Value {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        reqwest::Client::new()
            .post(endpoint)
            .header("x-amz-target", format!("AWSCognitoIdentityProviderService.{action}"))
            .header("content-type", "application/x-amz-json-1.1")
            .header(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=test/20260101/eu-central-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=0",
            )
            .body(body.to_string())
            .send()
            .await
            .expect("cognito")
            .json()
            .await
            .expect("json")
    })
}

#[test]
fn signs_in_with_a_password_and_keeps_the_access_token() {
    let Ok(endpoint) = std::env::var("AWS_ENDPOINT_URL") else {
        panic!("AWS_ENDPOINT_URL is not set: run the tests through scripts/test, which starts the emulator");
    };
    let pool = cognito(
        &endpoint,
        "CreateUserPool",
        json!({"PoolName": "tradai-users-test"}),
    );
    let pool_id = pool["UserPool"]["Id"].as_str().expect("pool id").to_owned();
    let client = cognito(
        &endpoint,
        "CreateUserPoolClient",
        json!({"UserPoolId": pool_id, "ClientName": "tradai-public", "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}),
    );
    let client_id = client["UserPoolClient"]["ClientId"]
        .as_str()
        .expect("client id")
        .to_owned();
    cognito(
        &endpoint,
        "AdminCreateUser",
        json!({"UserPoolId": pool_id, "Username": "quant@example.com"}),
    );
    cognito(
        &endpoint,
        "AdminSetUserPassword",
        json!({"UserPoolId": pool_id, "Username": "quant@example.com", "Password": "Correct-Horse-9!", "Permanent": true}),
    );

    let home = tempfile::tempdir().expect("dir");
    let token_file = home.path().join("token");
    let login = |password: &str| {
        let mut cmd = tradai();
        cmd.env("TRADAI_CREDENTIALS", &token_file)
            .env("TRADAI_PASSWORD", password)
            .env("AWS_ENDPOINT_URL", &endpoint)
            .args([
                "login",
                "--username",
                "quant@example.com",
                "--client-id",
                &client_id,
            ]);
        cmd
    };
    let refused = fails(&mut login("wrong-password"));
    assert!(
        refused.as_str().contains("sign-in refused"),
        "{}",
        refused.as_str()
    );
    assert!(!token_file.exists(), "nothing is written on a refusal");

    login("Correct-Horse-9!").assert().success();
    let token = std::fs::read_to_string(&token_file).expect("token");
    assert_eq!(token.split('.').count(), 3, "a JWT access token: {token}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&token_file)
            .expect("file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let missing = fails(tradai().args(["login", "--username", "x"]));
    assert!(missing.as_str().contains("--client-id"));
}
