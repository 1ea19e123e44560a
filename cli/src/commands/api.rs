//! The backend API as the CLI calls it: the base URL, the caller's token (`TRADAI_TOKEN`, else the one
//! `tradai login` stored), and answers turned into clear errors.

use std::path::PathBuf;

use anyhow::{anyhow, bail, Context as _};
use serde_json::Value;

/// Where `tradai login` keeps the token: `$TRADAI_CREDENTIALS`, else `$XDG_CONFIG_HOME/tradai/token`, else
/// `$HOME/.config/tradai/token`.
pub fn token_file() -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os("TRADAI_CREDENTIALS") {
        return Ok(PathBuf::from(path));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .ok_or_else(|| {
            anyhow!(
                "neither HOME nor XDG_CONFIG_HOME is set; set TRADAI_CREDENTIALS to a file path"
            )
        })?;
    Ok(base.join("tradai").join("token"))
}

/// Write `token` to the token file, readable by its owner only (0600).
pub fn store_token(token: &str) -> anyhow::Result<PathBuf> {
    let path = token_file()?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    #[cfg(unix)]
    {
        use std::io::Write as _;
        use std::os::unix::fs::OpenOptionsExt as _;
        use std::os::unix::fs::PermissionsExt as _;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&path)
            .with_context(|| format!("writing {}", path.display()))?;
        // An older file keeps its mode on open: tighten it.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        file.write_all(token.as_bytes())?;
    }
    #[cfg(not(unix))]
    std::fs::write(&path, token).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// The caller's token: `TRADAI_TOKEN`, else the stored one.
pub fn token() -> anyhow::Result<String> {
    if let Ok(token) = std::env::var("TRADAI_TOKEN") {
        if !token.trim().is_empty() {
            return Ok(token.trim().to_owned());
        }
    }
    let path = token_file()?;
    match std::fs::read_to_string(&path) {
        Ok(token) if !token.trim().is_empty() => Ok(token.trim().to_owned()),
        _ => bail!(
            "not signed in: run `tradai login` (or `tradai login --token <token>`), or set TRADAI_TOKEN \
             (looked for {})",
            path.display()
        ),
    }
}

/// A client of the backend at `base`.
#[derive(Debug, Clone)]
pub struct Api {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Api {
    pub fn new(base: &str) -> anyhow::Result<Self> {
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            bail!("--api-url {base}: expected an http:// or https:// URL");
        }
        Ok(Api {
            base: base.trim_end_matches('/').to_owned(),
            token: token()?,
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .build()?,
        })
    }

    /// `method path` with an optional JSON body; the answer's JSON, or an error with the API's message.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.base);
        let mut request = self
            .http
            .request(method.clone(), &url)
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.with_context(|| {
            format!("{method} {url}: the backend does not answer (is it running? see --api-url)")
        })?;
        let status = response.status();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(answer);
        }
        let message = answer["message"]
            .as_str()
            .or(answer["detail"].as_str())
            .unwrap_or("no message");
        let code = answer["code"].as_str().unwrap_or("");
        match status.as_u16() {
            401 => bail!("{method} {path}: 401 {code} {message}: the token is missing, expired or not trusted; run `tradai login`"),
            _ => bail!("{method} {path}: {status} {code} {message}{}", details(&answer)),
        }
    }
}

/// The structured detail of an API error body (field, value, what is allowed), when there is one.
fn details(answer: &Value) -> String {
    match &answer["details"] {
        Value::Object(map) if !map.is_empty() => format!("\n  {}", answer["details"]),
        _ => String::new(),
    }
}
