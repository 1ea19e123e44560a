//! `tradai login`: sign in to the user pool (Cognito `USER_PASSWORD_AUTH`, with the TOTP challenge when MFA is
//! on) and keep the access token for the API commands, readable by its owner only; or store a given token.

use std::io::BufRead as _;

use anyhow::{anyhow, bail, Context as _};
use serde_json::{json, Value};
use tradai_config::{ConfigDir, Loader};

use super::api::store_token;
use crate::args::{environment, LoginArgs};

/// Run `tradai login`.
pub fn run(args: LoginArgs, dir: ConfigDir) -> anyhow::Result<std::process::ExitCode> {
    let token = match &args.token {
        Some(token) if token.trim().is_empty() => bail!("--token: the token is empty"),
        Some(token) => token.trim().to_owned(),
        None => sign_in(&args, dir)?,
    };
    let path = store_token(&token)?;
    println!("signed in; the token is in {} (mode 0600)", path.display());
    Ok(std::process::ExitCode::SUCCESS)
}

fn line(prompt: &str) -> anyhow::Result<String> {
    eprint!("{prompt}");
    let mut text = String::new();
    std::io::stdin().lock().read_line(&mut text)?;
    Ok(text.trim().to_owned())
}

fn sign_in(args: &LoginArgs, dir: ConfigDir) -> anyhow::Result<String> {
    let username = args
        .username
        .clone()
        .ok_or_else(|| anyhow!("--username is required (or --token to store a token)"))?;
    let client_id = args.client_id.clone().ok_or_else(|| {
        anyhow!("--client-id (or TRADAI_COGNITO_CLIENT_ID) is required: the persistent layer's public client id (`tradai infra status --env <env>`)")
    })?;
    let config = Loader::new(dir).load(environment("--env", &args.env)?)?;
    let endpoint = args
        .cognito_url
        .clone()
        .or_else(|| {
            std::env::var("AWS_ENDPOINT_URL")
                .ok()
                .filter(|u| !u.is_empty())
        })
        .unwrap_or_else(|| {
            format!(
                "https://cognito-idp.{}.amazonaws.com",
                config.settings().aws.region
            )
        });
    let password = match std::env::var("TRADAI_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => line("password: ")?,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let http = reqwest::Client::builder().timeout(std::time::Duration::from_secs(30)).build()?;
        let mut answer = call(
            &http,
            &endpoint,
            "InitiateAuth",
            json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client_id,
                   "AuthParameters": {"USERNAME": username, "PASSWORD": password}}),
        )
        .await?;
        if let Some(challenge) = answer["ChallengeName"].as_str() {
            if challenge != "SOFTWARE_TOKEN_MFA" {
                bail!("the user pool asks for {challenge}, which `tradai login` does not answer; finish it in the hosted UI first");
            }
            let code = match &args.mfa_code {
                Some(code) => code.clone(),
                None => line("authenticator code: ")?,
            };
            answer = call(
                &http,
                &endpoint,
                "RespondToAuthChallenge",
                json!({"ChallengeName": challenge, "ClientId": client_id, "Session": answer["Session"],
                       "ChallengeResponses": {"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": code}}),
            )
            .await?;
        }
        answer["AuthenticationResult"]["AccessToken"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("Cognito answered without an access token: {answer}"))
    })
}

/// One Cognito API call (JSON 1.1 protocol; these two need no AWS signature).
async fn call(
    http: &reqwest::Client,
    endpoint: &str,
    action: &str,
    body: Value,
) -> anyhow::Result<Value> {
    let response = http
        .post(endpoint)
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{action}"),
        )
        .header("content-type", "application/x-amz-json-1.1")
        .body(body.to_string())
        .send()
        .await
        .with_context(|| format!("{action}: {endpoint} does not answer"))?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if !status.is_success() {
        let kind = answer["__type"].as_str().unwrap_or("error");
        let message = answer["message"]
            .as_str()
            .or(answer["Message"].as_str())
            .unwrap_or(&text);
        bail!("sign-in refused ({action}: {kind}): {message}");
    }
    Ok(answer)
}
