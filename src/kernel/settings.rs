//! Where the kernel connects, and with which credentials: from the environment, a config
//! file of named profiles (kept outside the notebook), or a `%connect` line. Secrets never
//! come from cell text and are never printed.

use anyhow::{anyhow, bail, Context, Result};
use ksqldb_client::client::url_password;
use ksqldb_client::{Auth, ConnectionSettings, TlsSettings};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

pub const DEFAULT_URL: &str = "http://localhost:8088";
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A secret value: its Debug and Display never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    None,
    /// Basic auth; for Confluent Cloud the ksqlDB API key and secret.
    Basic {
        username: String,
        password: Secret,
    },
    Bearer {
        token: Secret,
    },
}

/// A resolved connection target.
#[derive(Debug, Clone)]
pub struct ConnectionTarget {
    pub url: String,
    /// Where the target came from, for `%session` ("environment", "profile 'cloud'", ...).
    pub source: String,
    pub credentials: Credentials,
    pub ca_file: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub insecure_skip_verify: bool,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// The largest row a query response may have (KSQLDB_MAX_ROW_BYTES, default 16 MB).
    pub max_row_bytes: usize,
    /// Properties a profile sets for every request (like SET).
    pub properties: BTreeMap<String, String>,
}

impl ConnectionTarget {
    /// A `user:password@` in the URL (from the environment or a profile) moves to the
    /// credentials, so that the URL shown in banners, prompts and errors carries no secret.
    pub fn new(url: &str, source: &str) -> Self {
        let (url, user_info) = ksqldb_client::client::strip_user_info(url.trim());
        let credentials = match user_info {
            Some((username, password)) => Credentials::Basic { username, password: Secret::new(password) },
            None => Credentials::None,
        };
        Self {
            url: url.trim_end_matches('/').to_string(),
            source: source.to_string(),
            credentials,
            ca_file: None,
            client_cert: None,
            client_key: None,
            insecure_skip_verify: false,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_row_bytes: max_row_bytes_from_env(),
            properties: BTreeMap::new(),
        }
    }

    pub fn to_settings(&self) -> ConnectionSettings {
        let auth = match &self.credentials {
            Credentials::None => Auth::None,
            Credentials::Basic { username, password } => {
                Auth::Basic { username: username.clone(), password: password.expose().to_string() }
            }
            Credentials::Bearer { token } => Auth::Bearer { token: token.expose().to_string() },
        };
        ConnectionSettings {
            url: self.url.clone(),
            auth,
            tls: TlsSettings {
                ca_file: self.ca_file.clone(),
                client_cert_file: self.client_cert.clone(),
                client_key_file: self.client_key.clone(),
                insecure_skip_verify: self.insecure_skip_verify,
            },
            connect_timeout: self.connect_timeout,
            request_timeout: self.request_timeout,
            max_row_bytes: self.max_row_bytes,
        }
    }

    /// How the kernel authenticates, with the secret masked.
    pub fn describe_auth(&self) -> String {
        match &self.credentials {
            Credentials::None => "none".into(),
            Credentials::Basic { username, .. } => format!("Basic, user/API key {username}, secret ********"),
            Credentials::Bearer { .. } => "Bearer token ********".into(),
        }
    }

    pub fn describe_tls(&self) -> String {
        if !self.url.starts_with("https://") {
            return "no (http)".into();
        }
        let mut parts = vec!["yes".to_string()];
        if let Some(ca) = &self.ca_file {
            parts.push(format!("CA {}", ca.display()));
        }
        if self.client_cert.is_some() {
            parts.push("client certificate (mTLS)".into());
        }
        if self.insecure_skip_verify {
            parts.push("certificate verification OFF".into());
        }
        parts.join(", ")
    }
}

/// The config file: `default = "name"` and `[profiles.name]` tables.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ConfigFile {
    #[serde(default)]
    pub default: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub url: String,
    #[serde(default, alias = "api_key")]
    pub username: Option<String>,
    #[serde(default, alias = "api_secret")]
    pub password: Option<String>,
    #[serde(default, alias = "api_secret_env")]
    pub password_env: Option<String>,
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub token_env: Option<String>,
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    #[serde(default)]
    pub client_cert: Option<PathBuf>,
    #[serde(default)]
    pub client_key: Option<PathBuf>,
    #[serde(default)]
    pub insecure_skip_verify: bool,
    #[serde(default)]
    pub connect_timeout_secs: Option<f64>,
    #[serde(default)]
    pub request_timeout_secs: Option<f64>,
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
}

/// `$KSQLDB_KERNEL_CONFIG`, else `$XDG_CONFIG_HOME/ksqldb-kernel/config.toml`, else
/// `~/.config/ksqldb-kernel/config.toml`.
pub fn config_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("KSQLDB_KERNEL_CONFIG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("ksqldb-kernel").join("config.toml"))
}

/// Loads the config file if there is one. A file that exists but is broken is an error.
pub fn load_config() -> Result<Option<ConfigFile>> {
    let Some(path) = config_path() else {
        return Ok(None);
    };
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let config: ConfigFile =
        toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))?;
    Ok(Some(config))
}

impl Profile {
    pub fn to_target(&self, name: &str) -> Result<ConnectionTarget> {
        let mut target = ConnectionTarget::new(&self.url, &format!("profile '{name}'"));
        target.credentials = match (&self.username, &self.token, &self.token_env) {
            (Some(user), _, _) => {
                let password = match (&self.password, &self.password_env) {
                    (Some(p), _) => Secret::new(p.clone()),
                    (None, Some(var)) => Secret::new(env_secret(var)?),
                    (None, None) => bail!("profile '{name}' has a username but no password or password_env"),
                };
                Credentials::Basic { username: user.clone(), password }
            }
            (None, Some(token), _) => Credentials::Bearer { token: Secret::new(token.clone()) },
            (None, None, Some(var)) => Credentials::Bearer { token: Secret::new(env_secret(var)?) },
            (None, None, None) => Credentials::None,
        };
        target.ca_file = self.ca_file.clone();
        target.client_cert = self.client_cert.clone();
        target.client_key = self.client_key.clone();
        target.insecure_skip_verify = self.insecure_skip_verify;
        if let Some(s) = self.connect_timeout_secs {
            target.connect_timeout = seconds(s)?;
        }
        if let Some(s) = self.request_timeout_secs {
            target.request_timeout = seconds(s)?;
        }
        target.properties = self.properties.clone();
        Ok(target)
    }
}

fn seconds(s: f64) -> Result<Duration> {
    if !(s.is_finite() && s > 0.0 && s < 1e7) {
        bail!("a timeout must be a positive number of seconds, not {s}");
    }
    Ok(Duration::from_secs_f64(s))
}

fn env_secret(var: &str) -> Result<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Ok(v),
        _ => bail!("environment variable {var} is not set"),
    }
}

fn env(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|v| !v.trim().is_empty())
}

/// The target from the environment: KSQLDB_URL plus KSQLDB_USERNAME/KSQLDB_PASSWORD (or
/// KSQLDB_API_KEY/KSQLDB_API_SECRET), KSQLDB_TOKEN, KSQLDB_CA_FILE, KSQLDB_CLIENT_CERT,
/// KSQLDB_CLIENT_KEY, KSQLDB_INSECURE_SKIP_VERIFY, KSQLDB_CONNECT_TIMEOUT and
/// KSQLDB_REQUEST_TIMEOUT (seconds). `Ok(None)` when KSQLDB_URL is not set.
pub fn from_environment() -> Result<Option<ConnectionTarget>> {
    let Some(url) = env("KSQLDB_URL") else {
        return Ok(None);
    };
    let mut target = ConnectionTarget::new(&url, "environment (KSQLDB_URL)");
    let user = env("KSQLDB_USERNAME").or_else(|| env("KSQLDB_API_KEY"));
    let password = env("KSQLDB_PASSWORD").or_else(|| env("KSQLDB_API_SECRET"));
    target.credentials = match (user, password, env("KSQLDB_TOKEN")) {
        (Some(username), Some(password), _) => Credentials::Basic { username, password: Secret::new(password) },
        (Some(_), None, _) => {
            bail!("KSQLDB_USERNAME (or KSQLDB_API_KEY) is set but KSQLDB_PASSWORD (or KSQLDB_API_SECRET) is not")
        }
        (None, _, Some(token)) => Credentials::Bearer { token: Secret::new(token) },
        _ => Credentials::None,
    };
    target.ca_file = env("KSQLDB_CA_FILE").map(PathBuf::from);
    target.client_cert = env("KSQLDB_CLIENT_CERT").map(PathBuf::from);
    target.client_key = env("KSQLDB_CLIENT_KEY").map(PathBuf::from);
    target.insecure_skip_verify =
        env("KSQLDB_INSECURE_SKIP_VERIFY").is_some_and(|v| matches!(v.as_str(), "1" | "true" | "yes"));
    if let Some(s) = env("KSQLDB_CONNECT_TIMEOUT") {
        target.connect_timeout = seconds(s.parse().map_err(|_| anyhow!("KSQLDB_CONNECT_TIMEOUT is not a number"))?)?;
    }
    if let Some(s) = env("KSQLDB_REQUEST_TIMEOUT") {
        target.request_timeout = seconds(s.parse().map_err(|_| anyhow!("KSQLDB_REQUEST_TIMEOUT is not a number"))?)?;
    }
    Ok(Some(target))
}

/// The target used when the user has not said where to connect: KSQLDB_PROFILE or the
/// config file's default profile, else the environment, else `None`.
pub fn default_target(config: Option<&ConfigFile>) -> Result<Option<ConnectionTarget>> {
    if let Some(name) = env("KSQLDB_PROFILE") {
        let config = config.ok_or_else(|| anyhow!("KSQLDB_PROFILE={name} but there is no config file"))?;
        let profile = config.profiles.get(&name).ok_or_else(|| anyhow!("no profile '{name}' in the config file"))?;
        return profile.to_target(&name).map(Some);
    }
    if let Some(target) = from_environment()? {
        return Ok(Some(target));
    }
    if let Some(config) = config {
        if let Some(name) = &config.default {
            let profile =
                config.profiles.get(name).ok_or_else(|| anyhow!("the default profile '{name}' is not defined"))?;
            return profile.to_target(name).map(Some);
        }
    }
    Ok(None)
}

/// What a `%connect` line asks for.
#[derive(Debug, Clone)]
pub struct ConnectRequest {
    pub target: ConnectionTarget,
    /// Ask the user for the password (or API secret) with a password prompt.
    pub prompt_for_password: bool,
}

pub const CONNECT_USAGE: &str =
    "%connect URL|PROFILE [--user NAME | --api-key KEY] [--password-env VAR | --api-secret-env VAR | --prompt] \
[--token-env VAR] [--ca FILE] [--cert FILE --key FILE] [--insecure] [--connect-timeout SECS] [--timeout SECS]";

/// Parses the arguments of `%connect`.
pub fn parse_connect(args: &str, config: Option<&ConfigFile>) -> Result<ConnectRequest> {
    let words = shell_words(args)?;
    let mut iter = words.into_iter();
    let mut positional: Option<String> = None;
    let mut user = None;
    let mut password_env = None;
    let mut token_env = None;
    let mut prompt = false;
    let mut ca = None;
    let mut cert = None;
    let mut key = None;
    let mut insecure = false;
    let mut connect_timeout = None;
    let mut request_timeout = None;
    while let Some(word) = iter.next() {
        // `--option=value` is `--option value`.
        let (word, inline) = match word.split_once('=') {
            Some((name, v)) if name.starts_with("--") => (name.to_string(), Some(v.to_string())),
            _ => (word, None),
        };
        let mut inline = inline;
        let mut value =
            |name: &str| inline.take().or_else(|| iter.next()).ok_or_else(|| anyhow!("{name} needs a value"));
        match word.as_str() {
            "--user" | "-u" | "--username" | "--api-key" => user = Some(value(&word)?),
            "--password-env" | "--api-secret-env" => password_env = Some(value(&word)?),
            "--token-env" => token_env = Some(value(&word)?),
            "--prompt" | "-p" => prompt = true,
            "--ca" | "--ca-file" => ca = Some(PathBuf::from(value(&word)?)),
            "--cert" | "--client-cert" => cert = Some(PathBuf::from(value(&word)?)),
            "--key" | "--client-key" => key = Some(PathBuf::from(value(&word)?)),
            "--insecure" | "--insecure-skip-verify" => insecure = true,
            "--connect-timeout" => {
                connect_timeout =
                    Some(seconds(value(&word)?.parse().map_err(|_| anyhow!("--connect-timeout takes seconds"))?)?)
            }
            "--timeout" | "--request-timeout" => {
                request_timeout = Some(seconds(value(&word)?.parse().map_err(|_| anyhow!("--timeout takes seconds"))?)?)
            }
            // Never echo the value: it is a secret.
            w if SECRET_OPTIONS.contains(&w) => bail!(
                "secrets never go in cell text (they would be saved in the notebook): use {word}-env VAR, --prompt, \
                 or a profile in the config file"
            ),
            // The name only: a mistyped option's value may be a secret.
            w if w.starts_with('-') => bail!("unknown option {w}\nusage: {CONNECT_USAGE}"),
            _ => {
                if positional.is_some() {
                    bail!("%connect takes one URL or profile name\nusage: {CONNECT_USAGE}");
                }
                positional = Some(word);
            }
        }
    }
    let positional = positional.ok_or_else(|| anyhow!("usage: {CONNECT_USAGE}"))?;
    if url_password(&positional).is_some() {
        bail!(
            "secrets never go in cell text (they would be saved in the notebook): remove the password from the URL \
             and use --user NAME with --password-env VAR, --prompt, or a profile in the config file"
        );
    }
    let mut target = if positional.contains("://") {
        ConnectionTarget::new(&positional, "%connect")
    } else if let Some(profile) = config.and_then(|c| c.profiles.get(&positional)) {
        profile.to_target(&positional)?
    } else if positional.contains(':') || positional == "localhost" {
        ConnectionTarget::new(&format!("http://{positional}"), "%connect")
    } else {
        let path = config_path().map(|p| p.display().to_string()).unwrap_or_default();
        bail!("'{positional}' is neither a URL nor a profile in the config file {path}");
    };
    if let Some(user) = user {
        let password = match (&password_env, prompt) {
            (Some(var), _) => Some(Secret::new(env_secret(var)?)),
            _ => None,
        };
        // Without a secret source the user is prompted.
        prompt = prompt || password.is_none();
        target.credentials = Credentials::Basic { username: user, password: password.unwrap_or(Secret::new("")) };
    } else if let Some(var) = token_env {
        target.credentials = Credentials::Bearer { token: Secret::new(env_secret(&var)?) };
    } else if (password_env.is_some() || prompt) && !matches!(target.credentials, Credentials::Basic { .. }) {
        bail!("a password needs a user: add --user NAME (or --api-key KEY)");
    }
    if ca.is_some() {
        target.ca_file = ca;
    }
    if cert.is_some() != key.is_some() {
        bail!("--cert and --key go together (client certificate and its private key, PEM)");
    }
    if cert.is_some() {
        target.client_cert = cert;
        target.client_key = key;
    }
    target.insecure_skip_verify |= insecure;
    if let Some(t) = connect_timeout {
        target.connect_timeout = t;
    }
    if let Some(t) = request_timeout {
        target.request_timeout = t;
    }
    Ok(ConnectRequest { target, prompt_for_password: prompt })
}

/// The server a `%connect` line names, when the line could not be parsed: a URL (without
/// credentials or query), a profile of the config file, or `host:port`. Any other word may be
/// a mistyped option's secret value, so it is never echoed.
pub fn named_target(args: &str, config: Option<&ConfigFile>) -> Option<String> {
    let words = shell_words(args).ok()?;
    words.iter().find_map(|word| {
        if word.contains("://") {
            Some(ksqldb_render::error::redact_url(word))
        } else if config.is_some_and(|c| c.profiles.contains_key(word)) {
            Some(format!("profile '{word}'"))
        } else if word == "localhost" || is_host_port(word) {
            Some(format!("http://{word}"))
        } else {
            None
        }
    })
}

fn is_host_port(word: &str) -> bool {
    word.rsplit_once(':').is_some_and(|(host, port)| {
        !host.is_empty()
            && port.parse::<u16>().is_ok()
            && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'))
    })
}

/// KSQLDB_MAX_ROW_BYTES when it is a number (at least 1 KB), else the client's default.
fn max_row_bytes_from_env() -> usize {
    std::env::var("KSQLDB_MAX_ROW_BYTES")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .map_or(ksqldb_client::stream::DEFAULT_MAX_ROW_BYTES, |n| n.max(1024))
}

/// `%connect` options whose value is a secret: refused, never echoed, masked in the history.
const SECRET_OPTIONS: &[&str] = &["--password", "--api-secret", "--token"];

/// The cell with the values of secret `%connect` options and URL passwords replaced by
/// `***`, for the persisted input history.
pub fn mask_secrets(code: &str) -> String {
    code.split_inclusive('\n').map(mask_line).collect()
}

fn mask_line(line: &str) -> String {
    if !line.trim_start().to_ascii_lowercase().starts_with("%connect") {
        return line.to_string();
    }
    let mut out = String::with_capacity(line.len());
    let mut copied = 0;
    let mut mask_next = false;
    // Words as `shell_words` reads them (quotes included), so a quoted secret is one word.
    for span in word_spans(line) {
        let word = &line[span.clone()];
        let secret = if mask_next {
            mask_next = false;
            Some(span.clone())
        } else if let Some((name, _)) = word.split_once('=').filter(|(n, _)| SECRET_OPTIONS.contains(n)) {
            Some(span.start + name.len() + 1..span.end)
        } else if SECRET_OPTIONS.contains(&word) {
            mask_next = true;
            None
        } else {
            url_password(word).map(|r| span.start + r.start..span.start + r.end)
        };
        if let Some(secret) = secret.filter(|r| !r.is_empty()) {
            out.push_str(&line[copied..secret.start]);
            out.push_str("***");
            copied = secret.end;
        }
    }
    out.push_str(&line[copied..]);
    out
}

/// The byte ranges of the words of a line split like [`shell_words`] splits them: on
/// whitespace outside '…' and "…" quotes (an unclosed quote runs to the end).
fn word_spans(line: &str) -> Vec<std::ops::Range<usize>> {
    let mut spans = Vec::new();
    let mut start: Option<usize> = None;
    let mut quote: Option<char> = None;
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c.is_whitespace() => {
                if let Some(s) = start.take() {
                    spans.push(s..i);
                }
            }
            None => {
                start.get_or_insert(i);
                if c == '\'' || c == '"' {
                    quote = Some(c);
                }
            }
        }
    }
    if let Some(s) = start {
        spans.push(s..line.len());
    }
    spans
}

/// Splits magic arguments like a shell: whitespace-separated, with '…' and "…" quoting.
pub fn shell_words(s: &str) -> Result<Vec<String>> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => current.push(c),
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                in_word = true;
            }
            None if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            None => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        bail!("unterminated quote in {s:?}");
    }
    if in_word {
        words.push(current);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked() {
        let mut t = ConnectionTarget::new("https://x.confluent.cloud:443/", "test");
        t.credentials = Credentials::Basic { username: "KEY".into(), password: Secret::new("s3cr3t") };
        assert_eq!(t.url, "https://x.confluent.cloud:443");
        assert!(!format!("{t:?}").contains("s3cr3t"));
        assert!(!t.describe_auth().contains("s3cr3t"));
    }

    #[test]
    fn connect_rejects_inline_secrets() {
        let err = parse_connect("http://h:8088 --user k --password hunter2", None).unwrap_err().to_string();
        assert!(err.contains("never go in cell text"), "{err}");
    }

    #[test]
    fn connect_with_user_and_no_secret_prompts() {
        let r = parse_connect("https://h:443 --api-key KEY", None).unwrap();
        assert!(r.prompt_for_password);
        assert!(matches!(r.target.credentials, Credentials::Basic { ref username, .. } if username == "KEY"));
    }

    #[test]
    fn connect_host_port_and_profiles() {
        let r = parse_connect("localhost:8088 --timeout 5", None).unwrap();
        assert_eq!(r.target.url, "http://localhost:8088");
        assert_eq!(r.target.request_timeout, Duration::from_secs(5));
        let config: ConfigFile = toml::from_str(
            "default = \"local\"\n[profiles.local]\nurl = \"http://127.0.0.1:9\"\n\
             [profiles.cloud]\nurl = \"https://c:443\"\napi_key = \"K\"\napi_secret = \"S\"\n\
             properties = { \"auto.offset.reset\" = \"earliest\" }\n",
        )
        .unwrap();
        let r = parse_connect("cloud", Some(&config)).unwrap();
        assert_eq!(r.target.url, "https://c:443");
        assert!(!r.prompt_for_password);
        assert_eq!(r.target.properties["auto.offset.reset"], "earliest");
        assert!(parse_connect("nosuch", Some(&config)).is_err());
    }

    #[test]
    fn a_failed_connect_line_names_its_server_but_never_a_secret() {
        let config: ConfigFile = toml::from_str("[profiles.prod]\nurl = \"https://p:443\"\n").unwrap();
        let named = |args: &str| named_target(args, Some(&config));
        assert_eq!(named("http://u:S3CRET@h:8088/x?token=T --tiemout 5").as_deref(), Some("http://h:8088/x"));
        assert_eq!(named("prod --bad").as_deref(), Some("profile 'prod'"));
        assert_eq!(named("--bad h:8088").as_deref(), Some("http://h:8088"));
        for args in ["--pasword S3CRET http", "user:S3CRET@h:8088 --x", "--token S3CRET", "nosuch --x"] {
            assert!(named(args).is_none_or(|n| !n.contains("S3CRET")), "{args}: {:?}", named(args));
        }
        assert_eq!(named("--pasword S3CRET"), None);
    }

    #[test]
    fn shell_words_quotes() {
        assert_eq!(shell_words("a 'b c' \"d\"").unwrap(), vec!["a", "b c", "d"]);
        assert!(shell_words("'open").is_err());
    }

    #[test]
    fn secret_options_are_refused_without_echoing_the_value() {
        for args in [
            "http://h:8088 --password=S3CRET-VALUE",
            "http://h:8088 --password S3CRET-VALUE",
            "http://h:8088 --api-secret=S3CRET-VALUE",
            "http://h:8088 --token S3CRET-VALUE",
            "http://h:8088 --pasword=S3CRET-VALUE",
            "http://user:S3CRET-VALUE@h:8088",
            "user:S3CRET-VALUE@h:8088",
        ] {
            let e = format!("{:#}", parse_connect(args, None).unwrap_err());
            assert!(!e.contains("S3CRET"), "{args}: {e}");
            assert!(e.contains("secret") || e.contains("unknown option --pasword"), "{args}: {e}");
        }
        // From the environment or a profile, a password in the URL moves to the credentials.
        let target = ConnectionTarget::new("https://key:S3CRET-VALUE@h:443/", "environment");
        assert_eq!(target.url, "https://h");
        assert!(matches!(
            &target.credentials,
            Credentials::Basic { username, password } if username == "key" && password.expose() == "S3CRET-VALUE"
        ));
        let ok = parse_connect("http://h:8088 --user=bob --timeout=5", None).unwrap();
        assert!(matches!(ok.target.credentials, Credentials::Basic { ref username, .. } if username == "bob"));
        assert_eq!(ok.target.request_timeout, Duration::from_secs(5));
    }

    #[test]
    fn secrets_are_masked_for_the_history() {
        let cell = "%connect http://u:pw1@h:8088/x --password=pw2 --token  pw3\t--api-secret pw4 --user bob\n\
                    SELECT '--password x' FROM t;\n";
        let masked = mask_secrets(cell);
        for secret in ["pw1", "pw2", "pw3", "pw4"] {
            assert!(!masked.contains(secret), "{masked}");
        }
        assert_eq!(
            masked,
            "%connect http://u:***@h:8088/x --password=*** --token  ***\t--api-secret *** --user bob\n\
             SELECT '--password x' FROM t;\n"
        );
        assert_eq!(mask_secrets("SHOW STREAMS; -- größe"), "SHOW STREAMS; -- größe");
        // Quoted secrets are one word, as %connect reads them; scheme-less URLs too.
        let quoted = mask_secrets("%connect h:1 --password 'two words' --token=\"a b\" --user bob bob:pw5@h:2");
        assert_eq!(quoted, "%connect h:1 --password *** --token=*** --user bob bob:***@h:2");
    }
}
