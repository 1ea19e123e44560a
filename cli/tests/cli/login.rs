//! `tradai login` against the emulator's Cognito: a user pool and its public client as the persistent layer plans
//! them for dev (the config's sign-in attributes and MFA; the client's auth flows from
//! `tradai_config::PUBLIC_CLIENT_AUTH_FLOWS`, SRP and refresh, no `USER_PASSWORD_AUTH`), users in the states a
//! sign-in meets, and the access token kept with mode 0600.
//!
//! What moto 5.2 checks and what it does not. It walks the SRP exchange as Cognito does: `InitiateAuth` needs
//! `SRP_A` and answers `PASSWORD_VERIFIER` with `SRP_B`, `SALT`, `SECRET_BLOCK` and `USER_ID_FOR_SRP` (the CLI
//! refuses any other first answer, so a sign-in that succeeds here went through SRP); `RespondToAuthChallenge`
//! needs the signature, the secret block and the timestamp, then asks for `MFA_SETUP`, `SOFTWARE_TOKEN_MFA` or
//! `NEW_PASSWORD_REQUIRED`; disabled, unconfirmed and unknown users are refused. It does NOT verify the password
//! signature (its `SRP_B` and `SALT` are random hex, not derived from a verifier), the TOTP code (unless started
//! with `MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP`), or the client's explicit auth flows. So a wrong password is not
//! refused here: the known answers from pycognito and the server-side check in
//! `cli/src/commands/login/srp/tests.rs` prove the signature.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::json;
use tradai_config::{ConfigDir, Environment, Loader, MfaMode, PUBLIC_CLIENT_AUTH_FLOWS};

use crate::helpers::{cognito, fails, tradai};

const PASSWORD: &str = "Correct-Horse-9!";

/// The emulator's endpoint, which scripts/test starts.
fn endpoint() -> String {
    match std::env::var("AWS_ENDPOINT_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "AWS_ENDPOINT_URL is not set: run the tests through scripts/test, which starts the emulator"
        ),
    }
}

/// A user pool and its public app client on the emulator, made as the persistent layer plans them for dev.
struct Pool {
    endpoint: String,
    id: String,
    client_id: String,
    token_file: PathBuf,
    _home: tempfile::TempDir,
}

impl Pool {
    fn new() -> Pool {
        let endpoint = endpoint();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/environments");
        let config = Loader::new(ConfigDir::Path(dir))
            .load(Environment::Dev)
            .expect("the dev config");
        let c = &config.settings().cognito;
        assert_eq!(
            c.mfa,
            MfaMode::On,
            "these scenarios follow dev's Cognito settings, MFA on"
        );
        let pool = cognito(
            &endpoint,
            "CreateUserPool",
            json!({"PoolName": config.names().user_pool(&c.user_pool),
                   "UsernameAttributes": c.sign_in_attributes}),
        );
        let id = pool["UserPool"]["Id"].as_str().expect("pool id").to_owned();
        cognito(
            &endpoint,
            "SetUserPoolMfaConfig",
            json!({"UserPoolId": id, "MfaConfiguration": c.mfa.cognito(),
                   "SoftwareTokenMfaConfiguration": {"Enabled": c.mfa != MfaMode::Off}}),
        );
        let client = cognito(
            &endpoint,
            "CreateUserPoolClient",
            json!({"UserPoolId": id, "ClientName": config.names().public_client(),
                   "GenerateSecret": false, "ExplicitAuthFlows": PUBLIC_CLIENT_AUTH_FLOWS}),
        );
        let client_id = client["UserPoolClient"]["ClientId"]
            .as_str()
            .expect("client id")
            .to_owned();
        let home = tempfile::tempdir().expect("dir");
        Pool {
            endpoint,
            id,
            client_id,
            token_file: home.path().join("token"),
            _home: home,
        }
    }

    /// A confirmed user with a permanent password (no authenticator yet).
    fn user(&self, email: &str) {
        cognito(
            &self.endpoint,
            "AdminCreateUser",
            json!({"UserPoolId": self.id, "Username": email}),
        );
        cognito(
            &self.endpoint,
            "AdminSetUserPassword",
            json!({"UserPoolId": self.id, "Username": email, "Password": PASSWORD, "Permanent": true}),
        );
    }

    /// Set up a TOTP authenticator for `email`, as the hosted UI does when Cognito answers MFA_SETUP. moto does
    /// not check SRP (see the module doc), so this fixture's own SRP values are placeholders.
    fn enrol_authenticator(&self, email: &str) {
        let started = cognito(
            &self.endpoint,
            "InitiateAuth",
            json!({"AuthFlow": "USER_SRP_AUTH", "ClientId": self.client_id,
                   "AuthParameters": {"USERNAME": email, "SRP_A": "02"}}),
        );
        let parameters = &started["ChallengeParameters"];
        let setup = cognito(
            &self.endpoint,
            "RespondToAuthChallenge",
            json!({"ChallengeName": "PASSWORD_VERIFIER", "ClientId": self.client_id, "Session": started["Session"],
                   "ChallengeResponses": {"USERNAME": parameters["USERNAME"], "TIMESTAMP": "Sun Nov 29 23:59:01 UTC 2026",
                       "PASSWORD_CLAIM_SECRET_BLOCK": parameters["SECRET_BLOCK"], "PASSWORD_CLAIM_SIGNATURE": "placeholder"}}),
        );
        assert_eq!(setup["ChallengeName"], "MFA_SETUP", "{setup}");
        cognito(
            &self.endpoint,
            "AssociateSoftwareToken",
            json!({"Session": setup["Session"]}),
        );
        cognito(
            &self.endpoint,
            "VerifySoftwareToken",
            json!({"Session": setup["Session"], "UserCode": "123456"}),
        );
    }

    /// `tradai login` for `username` with `password` through this pool's public client, and any extra arguments.
    fn login(&self, username: &str, password: &str, extra: &[&str]) -> Command {
        self.login_to(&self.id, &self.client_id, username, password, extra)
    }

    /// `tradai login` naming the given pool and client.
    fn login_to(
        &self,
        pool_id: &str,
        client_id: &str,
        username: &str,
        password: &str,
        extra: &[&str],
    ) -> Command {
        let mut cmd = tradai();
        cmd.env("TRADAI_CREDENTIALS", &self.token_file)
            .env("TRADAI_PASSWORD", password)
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .args(["login", "--username", username, "--client-id", client_id])
            .args(["--user-pool-id", pool_id])
            .args(extra);
        cmd
    }

    /// Run a login that must fail; assert it says `expected` and writes no token.
    fn refused(&self, cmd: &mut Command, expected: &str) {
        let error = fails(cmd);
        assert!(
            error.contains(expected),
            "expected `{expected}` in: {error}"
        );
        assert!(!self.token_file.exists(), "nothing is written on a refusal");
    }
}

/// A user of the persistent layer's public client signs in through SRP, is asked to set up an authenticator,
/// then signs in with its code; the access token is kept for its owner only.
#[test]
fn signs_in_through_srp_and_the_totp_challenge() {
    let pool = Pool::new();
    pool.user("quant@example.com");

    pool.refused(
        &mut pool.login("quant@example.com", PASSWORD, &[]),
        "no authenticator yet (MFA_SETUP)",
    );
    pool.enrol_authenticator("quant@example.com");
    pool.login("quant@example.com", PASSWORD, &["--mfa-code", "123456"])
        .assert()
        .success();

    let token = std::fs::read_to_string(&pool.token_file).expect("token");
    assert_eq!(token.split('.').count(), 3, "a JWT access token: {token}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&pool.token_file)
            .expect("file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

/// Each refusal names what is wrong, and nothing is written.
#[test]
fn names_why_a_sign_in_is_refused() {
    let pool = Pool::new();
    pool.user("disabled@example.com");
    cognito(
        &pool.endpoint,
        "AdminDisableUser",
        json!({"UserPoolId": pool.id, "Username": "disabled@example.com"}),
    );
    pool.refused(
        &mut pool.login("disabled@example.com", PASSWORD, &[]),
        "sign-in refused: wrong username or password (InitiateAuth: NotAuthorizedException",
    );
    pool.refused(
        &mut pool.login("nobody@example.com", PASSWORD, &[]),
        "sign-in refused: wrong username or password (there is no such user)",
    );

    cognito(
        &pool.endpoint,
        "SignUp",
        json!({"ClientId": pool.client_id, "Username": "new@example.com", "Password": PASSWORD}),
    );
    pool.refused(
        &mut pool.login("new@example.com", PASSWORD, &[]),
        "has not confirmed the account yet",
    );

    cognito(
        &pool.endpoint,
        "AdminCreateUser",
        json!({"UserPoolId": pool.id, "Username": "invited@example.com", "TemporaryPassword": PASSWORD}),
    );
    pool.refused(
        &mut pool.login("invited@example.com", PASSWORD, &[]),
        "temporary password (NEW_PASSWORD_REQUIRED)",
    );

    pool.user("quant@example.com");
    pool.refused(
        &mut pool.login_to(
            &pool.id,
            "unknownclient",
            "quant@example.com",
            PASSWORD,
            &[],
        ),
        "does not know the app client unknownclient",
    );
    pool.refused(
        &mut pool.login_to(
            "eu-central-1",
            &pool.client_id,
            "quant@example.com",
            PASSWORD,
            &[],
        ),
        "--user-pool-id: `eu-central-1` is not a user pool id: expected <region>_<name>",
    );
    pool.refused(
        tradai().env("TRADAI_CREDENTIALS", &pool.token_file).args([
            "login",
            "--username",
            "x",
            "--client-id",
            "c",
        ]),
        "--user-pool-id (or TRADAI_COGNITO_USER_POOL_ID) is required",
    );
    pool.refused(
        tradai()
            .env("TRADAI_CREDENTIALS", &pool.token_file)
            .args(["login", "--username", "x"]),
        "--client-id",
    );
}
