//! `tradai login`: sign in to the user pool and keep the access token for the API commands, readable by its
//! owner only; or store a given token.
//!
//! The sign-in is Cognito's Secure Remote Password flow, the one password flow the persistent layer's public
//! client allows (`tradai_config::PUBLIC_CLIENT_AUTH_FLOWS`), so the password never leaves this machine:
//! `InitiateAuth` (`USER_SRP_AUTH` with `USERNAME` and `SRP_A`) → the `PASSWORD_VERIFIER` challenge (`SRP_B`,
//! `SALT`, `SECRET_BLOCK`, `USER_ID_FOR_SRP`) → `RespondToAuthChallenge` (`PASSWORD_CLAIM_SIGNATURE`,
//! `PASSWORD_CLAIM_SECRET_BLOCK`, `TIMESTAMP`, `USERNAME`) → the tokens, or first the `SOFTWARE_TOKEN_MFA`
//! challenge, answered with the authenticator's code, when MFA is on. The SRP math is in [`srp`]. Neither call
//! needs AWS credentials; the public client has no secret, so no `SECRET_HASH` is sent.

mod srp;

use std::io::BufRead as _;

use anyhow::{anyhow, bail, Context as _};
use serde::Deserialize;
use serde_json::{json, Value};
use tradai_config::{ConfigDir, Loader};

use self::srp::{PasswordVerifier, Srp, UserPoolId};
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
    let pool = match &args.user_pool_id {
        Some(id) => UserPoolId::parse(id).context("--user-pool-id")?,
        None => bail!(
            "--user-pool-id (or TRADAI_COGNITO_USER_POOL_ID) is required: the persistent layer's user pool id \
             (`tradai infra status --env <env>`), which the password proof is bound to"
        ),
    };
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
        let cognito = Cognito {
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .build()?,
            endpoint,
            client_id,
        };
        let srp = Srp::new();
        let started = cognito
            .call(
                "InitiateAuth",
                json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": cognito.client_id,
                       "AuthParameters": {"USERNAME": username, "SRP_A": srp.public_a()}}),
            )
            .await?;
        if started.challenge_name.as_deref() != Some("PASSWORD_VERIFIER") {
            bail!(
                "Cognito answered USER_SRP_AUTH with {} instead of the PASSWORD_VERIFIER challenge",
                started.what()
            );
        }
        let challenge: PasswordVerifier = serde_json::from_value(started.challenge_parameters)
            .context("reading Cognito's PASSWORD_VERIFIER challenge parameters")?;
        // Cognito names the user by its internal name from here on (a UUID in a pool that signs in by e-mail).
        let user = challenge.username.clone().unwrap_or(username);
        let timestamp = srp::timestamp(chrono::Utc::now());
        let signature = srp.password_claim(&pool, &challenge, &password, &timestamp)?;
        let mut answer = cognito
            .respond(
                "PASSWORD_VERIFIER",
                started.session,
                json!({"USERNAME": user, "TIMESTAMP": timestamp,
                       "PASSWORD_CLAIM_SECRET_BLOCK": challenge.secret_block,
                       "PASSWORD_CLAIM_SIGNATURE": signature}),
            )
            .await?;
        if answer.challenge_name.as_deref() == Some("SOFTWARE_TOKEN_MFA") {
            let code = match &args.mfa_code {
                Some(code) => code.clone(),
                None => line("authenticator code: ")?,
            };
            answer = cognito
                .respond(
                    "SOFTWARE_TOKEN_MFA",
                    answer.session,
                    json!({"USERNAME": user, "SOFTWARE_TOKEN_MFA_CODE": code}),
                )
                .await?;
        }
        match (answer.authentication_result, answer.challenge_name) {
            (_, Some(challenge)) => bail!("{}", unanswered(&challenge)),
            (Some(Tokens { access_token }), None) => Ok(access_token),
            (None, None) => bail!("Cognito answered the sign-in without an access token"),
        }
    })
}

/// Why `tradai login` stops at a challenge it does not answer, and what to do.
fn unanswered(challenge: &str) -> String {
    match challenge {
        "NEW_PASSWORD_REQUIRED" => "the user still has a temporary password (NEW_PASSWORD_REQUIRED): set a new one \
                                    in the hosted UI first, then run `tradai login` again"
            .to_owned(),
        "MFA_SETUP" => "the user pool requires MFA and this user has no authenticator yet (MFA_SETUP): set one up \
                        in the hosted UI first, then run `tradai login` again"
            .to_owned(),
        other => format!(
            "the user pool asks for {other}, which `tradai login` does not answer (it answers PASSWORD_VERIFIER \
             and SOFTWARE_TOKEN_MFA); finish it in the hosted UI first"
        ),
    }
}

/// The user pool's sign-in API for one app client.
struct Cognito {
    http: reqwest::Client,
    endpoint: String,
    client_id: String,
}

/// What `InitiateAuth` and `RespondToAuthChallenge` answer: a challenge, or the tokens.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    challenge_name: Option<String>,
    session: Option<String>,
    /// Each challenge has its own parameters, read when it is answered.
    #[serde(default)]
    challenge_parameters: Value,
    authentication_result: Option<Tokens>,
}

impl Answer {
    /// The answer, for an error message.
    fn what(&self) -> String {
        match (&self.challenge_name, &self.authentication_result) {
            (Some(challenge), _) => format!("the {challenge} challenge"),
            (None, Some(_)) => "tokens".to_owned(),
            (None, None) => "neither a challenge nor tokens".to_owned(),
        }
    }
}

/// The part of the `AuthenticationResult` the CLI keeps.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Tokens {
    access_token: String,
}

impl Cognito {
    /// `RespondToAuthChallenge`; the session goes back when Cognito gave one.
    async fn respond(
        &self,
        challenge: &str,
        session: Option<String>,
        responses: Value,
    ) -> anyhow::Result<Answer> {
        let mut body = json!({"ChallengeName": challenge, "ClientId": self.client_id,
                              "ChallengeResponses": responses});
        if let Some(session) = session {
            body["Session"] = Value::String(session);
        }
        self.call("RespondToAuthChallenge", body).await
    }

    /// One Cognito API call (JSON 1.1 protocol; these two need no AWS signature). A refusal names what is wrong.
    async fn call(&self, action: &str, body: Value) -> anyhow::Result<Answer> {
        let response = self
            .http
            .post(&self.endpoint)
            .header(
                "x-amz-target",
                format!("AWSCognitoIdentityProviderService.{action}"),
            )
            .header("content-type", "application/x-amz-json-1.1")
            .body(body.to_string())
            .send()
            .await
            .with_context(|| format!("{action}: {} does not answer", self.endpoint))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if !status.is_success() {
            let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            // `__type` may carry a namespace prefix (`com.amazonaws...#NotAuthorizedException`).
            let kind = answer["__type"]
                .as_str()
                .map_or("error", |t| t.rsplit('#').next().unwrap_or(t));
            let message = answer["message"]
                .as_str()
                .or(answer["Message"].as_str())
                .unwrap_or(&text);
            bail!(
                "sign-in refused: {} ({action}: {kind}: {message})",
                self.refusal(kind)
            );
        }
        serde_json::from_str(&text)
            .with_context(|| format!("{action}: Cognito's answer is not what it documents: {text}"))
    }

    /// What a Cognito error means for the person signing in.
    fn refusal(&self, kind: &str) -> String {
        match kind {
            "NotAuthorizedException" => "wrong username or password".to_owned(),
            "UserNotFoundException" => "wrong username or password (there is no such user)".to_owned(),
            "UserNotConfirmedException" => {
                "the user has not confirmed the account yet (the code Cognito sent at sign-up)".to_owned()
            }
            "PasswordResetRequiredException" => {
                "the password must be reset first (`Forgot your password?` in the hosted UI)".to_owned()
            }
            "CodeMismatchException" | "ExpiredCodeException" => {
                "the authenticator code is wrong or expired".to_owned()
            }
            "ResourceNotFoundException" => format!(
                "Cognito does not know the app client {} here: check --client-id and the region or --cognito-url",
                self.client_id
            ),
            "InvalidParameterException" => format!(
                "Cognito refused the request; if it says USER_SRP_AUTH is not enabled, the app client {} is not \
                 the persistent layer's public client",
                self.client_id
            ),
            "TooManyRequestsException" | "LimitExceededException" => {
                "too many attempts: wait a moment and try again".to_owned()
            }
            _ => "Cognito refused the request".to_owned(),
        }
    }
}
