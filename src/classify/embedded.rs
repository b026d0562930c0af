//! Credentials inside larger values: URLs, JDBC URLs, `Key=value;` connection strings and
//! JSON documents.

use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::values::is_placeholder;

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

#[cfg(test)]
mod tests {
    use super::*;

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
