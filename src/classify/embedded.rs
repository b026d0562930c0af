//! Credentials inside larger values: URLs (and webhook URLs whose path is the credential),
//! JDBC URLs, `Key=value;` connection strings, `user:password@host` DSNs, command lines and
//! JSON documents (JSON Web Keys among them).

use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::names;
use super::randomness::character_classes;
use super::values::{is_boolean, is_placeholder};

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("built-in pattern {pattern:?} is invalid: {e}"))
}

/// What a URL carries in its user-information part or query string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlCredentials {
    /// `scheme://user:password@host` or `?password=…`: a real-looking password.
    Password,
    /// The password is itself a placeholder (`user:password@`, `<password>`, `${PW}`).
    Placeholder,
    /// A URL without a password (possibly a user name, like a Sentry DSN's public key).
    None,
}

static URL: LazyLock<Regex> = LazyLock::new(|| re(r"^[A-Za-z][A-Za-z0-9+.-]*://"));
static QUERY_SECRET: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)[?&;](?:password|passwd|pwd|pass|secret|client_secret|token|access_token|api_key|apikey|key|sig)=([^&;#\s]+)",
    )
});

pub fn is_url(value: &str) -> bool {
    value.contains("://") && URL.is_match(value)
}

/// `scheme://user:password@host[:port]` up to the first `@` followed by a host, so passwords
/// with unescaped `?`, `#` or `/` in them are still found.
static URL_USERINFO: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^[A-Za-z][A-Za-z0-9+.-]*://([^:/?#@\s]*):(\S*?)@(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\])(?::[0-9]{1,5})?(?:[/?#,]|$)",
    )
});

/// `pattern`'s captures in `value`, running the regex only when the cheap `marker` is there.
pub fn captures_after<'v>(marker: &str, pattern: &Regex, value: &'v str) -> Option<Captures<'v>> {
    if value.contains(marker) {
        pattern.captures(value)
    } else {
        None
    }
}

/// Credentials inside a URL: `scheme://user:password@host/…`, or a password in the query.
pub fn url_credentials(value: &str) -> UrlCredentials {
    if let Some(userinfo) = captures_after("@", &URL_USERINFO, value) {
        let user = userinfo.get(1).map_or("", |m| m.as_str());
        let password = userinfo.get(2).map_or("", |m| m.as_str());
        if !password.is_empty() {
            return password_kind(user, password);
        }
    }
    query_credentials(value)
}

/// A password given as a `key=value` parameter (JDBC URLs, query strings).
pub fn query_credentials(value: &str) -> UrlCredentials {
    if !value.contains('=') {
        return UrlCredentials::None;
    }
    match QUERY_SECRET.captures(value).and_then(|c| c.get(1)) {
        Some(m) => password_kind("", m.as_str()),
        None => UrlCredentials::None,
    }
}

fn password_kind(user: &str, password: &str) -> UrlCredentials {
    let is_example_pair = ["password", "pass", "pwd", "secret"]
        .iter()
        .any(|p| password.eq_ignore_ascii_case(p))
        && ["", "user", "username", "admin", "root"]
            .iter()
            .any(|u| user.eq_ignore_ascii_case(u));
    if is_example_pair || is_placeholder(password) {
        UrlCredentials::Placeholder
    } else {
        UrlCredentials::Password
    }
}

/// `jdbc:oracle:thin:user/password@host…` carries the password before the host.
static ORACLE_THIN: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^jdbc:oracle:thin:[^/@:]+/([^@]+)@"));

pub fn jdbc_credentials(value: &str) -> UrlCredentials {
    if let Some(password) = ORACLE_THIN.captures(value).and_then(|c| c.get(1)) {
        return password_kind("", password.as_str());
    }
    match url_credentials(value.trim_start_matches("jdbc:")) {
        UrlCredentials::None => query_credentials(value),
        found => found,
    }
}

/// `Key=value;` connection strings (ADO.NET, ODBC): `Password=…`, `Pwd=…`.
/// Also the quoted form of JAAS and similar configs: `password="…"`.
static KEY_VALUE_PASSWORD: LazyLock<Regex> = LazyLock::new(|| {
    re(r#"(?i)(?:^|[;\s])(?:password|pwd|user password)\s*=\s*(?:"([^"]+)"|'([^']+)'|([^;\s"']+))"#)
});

pub fn connection_string_credentials(value: &str) -> UrlCredentials {
    if !value.contains('=') {
        return UrlCredentials::None;
    }
    let found = KEY_VALUE_PASSWORD
        .captures(value)
        .and_then(|c| c.get(1).or(c.get(2)).or(c.get(3)));
    match found {
        Some(m) => password_kind("", m.as_str().trim()),
        None => UrlCredentials::None,
    }
}

/// A JSON object with a credential-named field holding a value: `{"password": "…"}`.
static JSON_CREDENTIAL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i)"(?:password|passwd|pwd|secret|client_secret|secret_key|private_key|api_key|apikey|access_key|secret_access_key|token|access_token|refresh_token|auth_token)"\s*:\s*"([^"]+)""#,
    )
});

pub fn has_json_credential(value: &str) -> bool {
    value.starts_with('{')
        && JSON_CREDENTIAL
            .captures_iter(value)
            .any(|c| c.get(1).is_some_and(|m| !is_placeholder(m.as_str())))
}

/// `user:password@host` or `user/password@host` with no scheme: Go's MySQL DSN
/// (`@tcp(host)`), Oracle's EZConnect, proxies, Snowflake and memcached server lists.
static BARE_USERINFO: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^([A-Za-z0-9._%+-]+)[:/](\S+?)@(?:tcp\([^)\s]+\)|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)(?::[0-9]{1,5})?(?:[/?]|$)",
    )
});

/// A password before `@host` in a value with no scheme; a single word (`mailto:ops@…`) is not one.
pub fn bare_userinfo_credentials(value: &str) -> UrlCredentials {
    let Some(found) = captures_after("@", &BARE_USERINFO, value) else {
        return UrlCredentials::None;
    };
    let user = found.get(1).map_or("", |m| m.as_str());
    let password = found.get(2).map_or("", |m| m.as_str());
    if character_classes(password) < 2 {
        return UrlCredentials::None;
    }
    password_kind(user, password)
}

/// A credential handed to a program on its command line: `--password=…`, `--db-password …`,
/// `-Dspring.datasource.password=…`, `PGPASSWORD=… psql`, and the short options clients
/// document for it (`mysql -u user -p…`, `redis-cli -a …`, `sshpass -p …`, `curl -u user:…`).
pub fn argument_credentials(value: &str) -> UrlCredentials {
    if !value.contains(' ') && !value.starts_with('-') {
        return UrlCredentials::None;
    }
    let tokens: Vec<&str> = value.split_whitespace().map(strip_quotes).collect();
    let has = |word: &str| tokens.iter().any(|t| t.ends_with(word));
    let mut found = UrlCredentials::None;
    for (i, token) in tokens.iter().enumerate() {
        let next = tokens.get(i + 1).copied().unwrap_or("");
        let given = match token.split_once('=') {
            Some((key, given)) if announces_secret(key) => Some(given),
            Some(_) => None,
            None if token.starts_with("--") && announces_secret(token) => {
                Some(next).filter(|n| !n.starts_with('-'))
            }
            None => short_option_secret(token, next, &has),
        };
        let given = given.filter(|g| g.len() >= 4 && !g.starts_with('/') && !is_boolean(g));
        match given {
            Some(given) if given.contains(':') && matches!(*token, "-u" | "--user") => {
                let (user, password) = given.split_once(':').unwrap_or_default();
                found = password_kind(user, password);
            }
            Some(given) => found = password_kind("", given),
            None => continue,
        }
        if found == UrlCredentials::Password {
            break;
        }
    }
    found
}

/// A name or option that announces a secret value (`--client-secret`, `-Ddb.pass`, `PGPASSWORD`)
/// rather than describing one (`--password-file`, `--token-ttl`).
fn announces_secret(key: &str) -> bool {
    let key = key.trim_start_matches('-');
    let key = key
        .strip_prefix('D')
        .filter(|k| k.contains('.'))
        .unwrap_or(key);
    names::analyse(key).secret.is_some()
}

/// The value of a client's documented short password option, attached or next.
fn short_option_secret<'t>(
    token: &'t str,
    next: &'t str,
    has: &dyn Fn(&str) -> bool,
) -> Option<&'t str> {
    match token {
        "-a" if has("redis-cli") => Some(next),
        "-p" if has("sshpass") => Some(next),
        "-u" | "--user" if has("curl") && next.contains(':') => Some(next),
        _ if token.len() > 2 && token.starts_with("-p") && has("-u") => Some(&token[2..]),
        _ => None,
    }
}

fn strip_quotes(token: &str) -> &str {
    token.trim_matches(|c| c == '\'' || c == '"')
}

/// A webhook URL whose path is the credential: after a `hook` in the host (`hooks.slack.com`,
/// `hook.eu1.make.com`, `….webhook.office.com`) or a path segment with `hook` in it (or `key`,
/// `token`), ids and tokens that are together long enough to be unguessable.
pub fn is_webhook_url(value: &str) -> bool {
    let Some((_, rest)) = value.split_once("://") else {
        return false;
    };
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut after_keyword = host.split('.').any(|label| label.contains("hook"));
    let (mut material, mut token) = (0, false);
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        let lower = segment.to_ascii_lowercase();
        if !after_keyword {
            after_keyword = lower.contains("hook") || lower == "key" || lower == "token";
            continue;
        }
        // Words joined by `-`, `_` or `.` (`hooks-structure.html`) are a page, not a token.
        let words = segment
            .split(['-', '_', '.'])
            .all(|part| part.bytes().all(|b| b.is_ascii_alphabetic()));
        let id_like = !words
            && segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.@:~".contains(&b))
            && (segment.bytes().any(|b| b.is_ascii_digit()) || segment.len() >= 20);
        if id_like {
            material += segment.len();
            token |= segment.len() >= 16 || (segment.len() >= 6 && character_classes(segment) >= 2);
        }
    }
    material >= 12 && token
}

/// A JSON Web Key or key set: `Some(true)` when a key has a private member (`d`, RSA's primes,
/// a symmetric `k`), `Some(false)` for public keys only.
pub fn json_web_key(value: &str) -> Option<bool> {
    if !(value.starts_with('{') && value.contains("\"kty\"")) {
        return None;
    }
    Some(JWK_PRIVATE_MEMBER.is_match(value))
}

static JWK_PRIVATE_MEMBER: LazyLock<Regex> =
    LazyLock::new(|| re(r#""(?:d|p|q|dp|dq|qi|k)"\s*:\s*"[A-Za-z0-9_-]{8,}""#));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_arguments_dsns_and_webhooks() {
        use UrlCredentials::{None as Absent, Password, Placeholder};
        for (value, expected) in [
            ("-Xmx1g -Dspring.datasource.password=Zx81kQ9aLm", Password),
            ("server --db-password 'Zx81kQ9aLm' --port 80", Password),
            ("PGPASSWORD=Zx81kQ9aLm psql -h db", Password),
            ("mysql -h db -u admin -pZx81kQ9aLm app", Password),
            ("redis-cli -h cache -a Zx81kQ9aLm PING", Password),
            ("curl -u monitor:Zx81kQ9aLm https://x.example.com", Password),
            (
                "-Dspring.datasource.password=${DB_PASSWORD} -Xmx1g",
                Placeholder,
            ),
            (
                "server --password-file=/run/secrets/db --token-ttl=3600",
                Absent,
            ),
            (
                "docker login --username ci --password-stdin registry.example.com",
                Absent,
            ),
            ("psql -h db -p 5432 -U app", Absent),
        ] {
            assert_eq!(argument_credentials(value), expected, "{value}");
        }
        for (value, expected) in [
            ("app:Zx81kQ9aLm@tcp(db:3306)/app", Password),
            ("app/Zx81kQ9aLm@db.example.com:1521/ORCL", Password),
            ("mailto:finance@example.com", Absent),
            ("app@tcp(db:3306)/app", Absent),
        ] {
            assert_eq!(bare_userinfo_credentials(value), expected, "{value}");
        }
        assert!(is_webhook_url(
            "https://discord.com/api/webhooks/123456789012345678/q8ZrT2LmX0vB7nKc4WjY9sDp"
        ));
        assert!(is_webhook_url(
            "https://hooks.zapier.com/hooks/catch/1234567/ab12cd/"
        ));
        assert!(is_webhook_url(
            "https://maker.ifttt.com/trigger/done/with/key/q8ZrT2LmX0vB7nKc4WjY9s"
        ));
        assert!(!is_webhook_url("https://app.example.com/webhooks/stripe"));
        assert!(!is_webhook_url(
            "https://docs.aws.amazon.com/cloudformation-cli/latest/hooks-userguide/hooks-structure.html"
        ));
        assert!(!is_webhook_url(
            "https://hooks.slack.com/services/${SLACK_WEBHOOK_PATH}"
        ));
        assert!(!is_webhook_url(
            "https://app.example.com/callbacks/0f0e1d2c-3b4a-4596-8877-66554433aabb/status"
        ));
        assert_eq!(
            json_web_key(
                r#"{"kty":"EC","crv":"P-256","x":"q8ZrT2LmX0vB7nKc","y":"q8ZrT2LmX0vB7nKc"}"#
            ),
            Some(false)
        );
        assert_eq!(
            json_web_key(r#"{"kty":"EC","crv":"P-256","x":"q8ZrT2Lm","d":"q8ZrT2LmX0vB7nKc"}"#),
            Some(true)
        );
    }

    #[test]
    fn credentials_need_a_password() {
        use UrlCredentials::{None as Absent, Password, Placeholder};
        let jaas = r#"PlainLoginModule required username="app" password="Zx81kQ9a";"#;
        type Reader = fn(&str) -> UrlCredentials;
        let cases: [(Reader, &str, UrlCredentials); 12] = [
            (
                url_credentials,
                "postgres://app:Zx81kQ@db.example.com/app",
                Password,
            ),
            (
                url_credentials,
                "postgres://app:Zx?8#1/kQ@db.example.com:5432/app",
                Password,
            ),
            (
                url_credentials,
                "mongodb://app:Zx81kQ@h1.example.com:27017,h2.example.com:27017/",
                Password,
            ),
            (
                url_credentials,
                "postgres://user:password@localhost/db",
                Placeholder,
            ),
            (
                url_credentials,
                "https://0123abcd@o1.ingest.sentry.io/1",
                Absent,
            ),
            (
                url_credentials,
                "https://api.example.com/?api_key=Zx81kQ9a",
                Password,
            ),
            (
                jdbc_credentials,
                "jdbc:oracle:thin:app/Zx81kQ9a@db:1521/ORCL",
                Password,
            ),
            (
                jdbc_credentials,
                "jdbc:mysql://db:3306/app?useSSL=true",
                Absent,
            ),
            (
                connection_string_credentials,
                "Server=db;Password=Zx81kQ9a;",
                Password,
            ),
            (connection_string_credentials, jaas, Password),
            (
                connection_string_credentials,
                "Server=db;Password=;",
                Absent,
            ),
            (
                connection_string_credentials,
                "Server=db;User Id=app;",
                Absent,
            ),
        ];
        for (read, value, expected) in cases {
            assert_eq!(read(value), expected, "{value}");
        }
    }
}
