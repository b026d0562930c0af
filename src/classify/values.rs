//! What a value looks like, whatever its name: placeholders, flags, numbers, URLs and their
//! credentials, paths, and how random a string is.

use std::sync::LazyLock;

use base64::Engine as _;
use regex::{Captures, Regex};

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("built-in pattern {pattern:?} is invalid: {e}"))
}

/// Whole-value placeholders: template syntax, "your key here" phrases, filler characters.
static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?ix)^(?:
        change[-_\ ]?me|replace[-_\ ]?me|todo|tbd|fixme|placeholder|dummy|example|sample|test|
        none|null|nil|undefined|n/?a|redacted|x{3,}|\*+|-+|\.+|
        <[^<>]*>|\$\{[^}]*\}|\$\([^)]*\)|%[a-z0-9_]+%|\{\{[^}]*\}\}|
        (?:your|insert|enter|replace[-_\ ]with|put)[-_\ ].*|.*[-_\ ]here
    )$")
});

/// Filler inside an otherwise real-looking value: `sk_live_xxxxxxxx`, `SG.***`, `sk-ant-...`.
static FILLER: LazyLock<Regex> = LazyLock::new(|| re(r"[xX]{4,}|\*{3,}|\.\.\."));

/// Published example credentials (AWS documentation, the Azurite storage emulator).
const DOCUMENTED_EXAMPLES: &[&str] = &[
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
    "UseDevelopmentStorage=true",
];

pub fn is_placeholder(value: &str) -> bool {
    PLACEHOLDER.is_match(value) || FILLER.is_match(value)
}

/// AWS documents its example keys with `EXAMPLE` inside (`AKIAIOSFODNN7EXAMPLE`, `…EXAMPLEKEY`).
pub fn is_documented_example(value: &str) -> bool {
    DOCUMENTED_EXAMPLES.contains(&value)
        || (value.contains("EXAMPLE")
            && value.len() <= 40
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '/' || c == '+'))
}

pub fn is_boolean(value: &str) -> bool {
    const WORDS: &[&str] = &[
        "true", "false", "yes", "no", "on", "off", "y", "n", "0", "1", "enabled", "disabled",
        "enable", "disable",
    ];
    WORDS.iter().any(|w| w.eq_ignore_ascii_case(value))
}

static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^-?\d+(?:\.\d+)?\s*(?:ms|s|m|h|d|w|sec|secs|seconds?|mins?|minutes?|hours?|days?|kb|mb|gb|%)?$",
    )
});

pub fn is_number(value: &str) -> bool {
    // Every number starts with a digit or a minus sign: cheaper to ask than the regex.
    value.starts_with(|c: char| c.is_numeric() || c == '-') && NUMBER.is_match(value)
}

pub fn is_digits(value: &str) -> bool {
    value.bytes().all(|b| b.is_ascii_digit())
}

static LOG_LEVEL: LazyLock<Regex> = LazyLock::new(|| {
    let level = "trace|debug|info|notice|warn|warning|error|err|fatal|critical|crit|off|notset|all";
    re(&format!(
        r"(?i)^(?:[a-z0-9_:]+=)?(?:{level})(?:,[a-z0-9_:]+=(?:{level}))*$"
    ))
});

pub fn is_log_level(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_:=,".contains(&b))
        && LOG_LEVEL.is_match(value)
}

static UUID: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
});

pub fn is_uuid(value: &str) -> bool {
    value.len() == 36 && UUID.is_match(value)
}

static BEARER: LazyLock<Regex> = LazyLock::new(|| re(r"^(?i:bearer|token)\s+\S{16,}$"));

/// `Bearer …` or `Token …` with a token of 16 or more characters.
pub fn is_bearer_token(value: &str) -> bool {
    value.starts_with(['b', 'B', 't', 'T']) && BEARER.is_match(value)
}

/// Hex of a digest or a commit id (7 to 128 hex digits, one case).
pub fn is_hex_digest(value: &str) -> bool {
    (7..=128).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_hexdigit())
        && !(value.bytes().any(|b| b.is_ascii_lowercase())
            && value.bytes().any(|b| b.is_ascii_uppercase()))
}

/// A digest written with its algorithm: `sha256:…`, `sha512-…`, `SHA256:…`, `md5:…`.
static LABELLED_DIGEST: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)^(?:sha1|sha224|sha256|sha384|sha512|md5)[:-][A-Za-z0-9+/=_-]{16,}$")
});

pub fn is_labelled_digest(value: &str) -> bool {
    let starts_with_algorithm = value
        .get(..3)
        .is_some_and(|head| head.eq_ignore_ascii_case("sha") || head.eq_ignore_ascii_case("md5"));
    starts_with_algorithm && LABELLED_DIGEST.is_match(value)
}

static HOSTNAME: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,}(?::\d{1,5})?$",
    )
});

/// Host names are written in lower case; mixed case with dots is more often a token.
pub fn is_hostname(value: &str) -> bool {
    value.len() <= 253
        && value.contains('.')
        && !value.bytes().any(|b| b.is_ascii_uppercase())
        && HOSTNAME.is_match(value)
}

/// A file-system or parameter path: `/prod/api/key`, `/var/task:/opt/python`.
static PATH: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:/[A-Za-z0-9_.@+=-]+)+/?(?::(?:/[A-Za-z0-9_.@+=-]+)+/?)*$"));

pub fn is_path(value: &str) -> bool {
    value.starts_with('/') && PATH.is_match(value)
}

/// A path on a file system rather than in Parameter Store: under a well-known root
/// (`/tmp`, `/var`, `/opt`, …) or ending in a file name with an extension.
pub fn is_file_path(value: &str) -> bool {
    const ROOTS: &[&str] = &[
        "/tmp", "/var", "/opt", "/etc", "/usr", "/home", "/mnt", "/proc", "/bin", "/lib", "/root",
        "/run", "/efs",
    ];
    let first = value
        .split(['/', ':'])
        .find(|s| !s.is_empty())
        .unwrap_or("");
    let last = value.rsplit('/').next().unwrap_or("");
    ROOTS.iter().any(|root| &root[1..] == first)
        || last
            .rsplit_once('.')
            .is_some_and(|(stem, ext)| !stem.is_empty() && (1..=5).contains(&ext.len()))
}

/// A name CloudFormation generates for a resource: `stack-LogicalId-RANDOMSUFFIX`, the suffix
/// being 12 or 13 upper-case letters and digits (lower case for S3 buckets).
static GENERATED_NAME: LazyLock<Regex> = LazyLock::new(|| {
    re(r"^[A-Za-z0-9][A-Za-z0-9-]*-[A-Za-z][A-Za-z0-9]*-(?:[A-Z0-9]{12,13}|[a-z0-9]{12,13})$")
});

pub fn is_generated_name(value: &str) -> bool {
    value.len() <= 255
        && value.bytes().filter(|&b| b == b'-').count() >= 2
        && GENERATED_NAME.is_match(value)
        && !is_uuid(value)
        && value
            .as_bytes()
            .windows(3)
            .any(|w| w.iter().all(u8::is_ascii_alphabetic))
}

/// A KMS alias name (`alias/…`).
pub fn is_kms_alias(value: &str) -> bool {
    value.strip_prefix("alias/").is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/_-".contains(&b))
    })
}

/// A multi-Region KMS key id (`mrk-` + 32 hex).
pub fn is_kms_multi_region_key_id(value: &str) -> bool {
    value
        .strip_prefix("mrk-")
        .is_some_and(|rest| rest.len() == 32 && rest.bytes().all(|b| b.is_ascii_hexdigit()))
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

/// The label and body of the first PEM block (`-----BEGIN LABEL-----body-----END `): found by
/// hand, as a regex would need capture groups over a body of several kilobytes.
pub fn pem_block(value: &str) -> Option<(&str, &str)> {
    const BEGIN: &str = "-----BEGIN ";
    const DASHES: &str = "-----";
    let mut rest = value;
    while let Some(at) = rest.find(BEGIN) {
        rest = &rest[at + BEGIN.len()..];
        let label_end = rest.find(DASHES)?;
        let label = &rest[..label_end];
        if label
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ')
        {
            let after_label = &rest[label_end + DASHES.len()..];
            return after_label
                .find("-----END ")
                .map(|end| (label, &after_label[..end]));
        }
    }
    None
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

/// Standard or URL-safe base64 text that decodes: returns the decoded bytes.
pub fn decode_base64(value: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
    if value.len() < 16
        || !value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=-_".contains(&b))
    {
        return None;
    }
    STANDARD
        .decode(value)
        .or_else(|_| URL_SAFE.decode(value))
        .or_else(|_| URL_SAFE_NO_PAD.decode(value))
        .ok()
}

/// Base64 that decodes to a credential document: a private key, or JSON/`user:password` text.
pub fn is_encoded_credential(value: &str) -> bool {
    // The shortest credential document worth encoding, `{"password":"x"}`, is 24 characters in base64.
    if value.len() < 24 {
        return false;
    }
    let Some(bytes) = decode_base64(value) else {
        return false;
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return false;
    };
    text.contains("PRIVATE KEY-----") || has_json_credential(text.trim_start())
}

/// `Basic base64(user:password)` in an Authorization-style value.
pub fn is_basic_auth(value: &str) -> bool {
    let Some(encoded) = value.strip_prefix("Basic ") else {
        return false;
    };
    decode_base64(encoded.trim())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|t| {
            t.split_once(':')
                .map(|(_, p)| p.len() >= 4 && !is_placeholder(p))
        })
        .unwrap_or(false)
}

/// Bits of Shannon entropy per character.
pub fn entropy(value: &str) -> f64 {
    let mut counts = [0u32; 256];
    let mut total = 0u32;
    for b in value.bytes() {
        counts[b as usize] += 1;
        total += 1;
    }
    if total == 0 {
        return 0.0;
    }
    let total = f64::from(total);
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / total;
            -p * p.log2()
        })
        .sum()
}

/// How many of lower case, upper case, digits and other characters the value uses.
pub fn character_classes(value: &str) -> usize {
    let mut seen = [false; 4];
    for c in value.chars() {
        let class = if c.is_ascii_lowercase() {
            0
        } else if c.is_ascii_uppercase() {
            1
        } else if c.is_ascii_digit() {
            2
        } else {
            3
        };
        seen[class] = true;
    }
    seen.iter().filter(|&&s| s).count()
}

/// Share of the value's characters that sit in word-like runs (`Users`, `table`, `prod`):
/// names built from words score high, random strings low.
pub fn word_fraction(value: &str) -> f64 {
    let bytes = value.as_bytes();
    let mut in_words = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        if bytes[i].is_ascii_uppercase() {
            i += 1;
        }
        while i < bytes.len() && bytes[i].is_ascii_lowercase() {
            i += 1;
        }
        let lower_run = i - start - usize::from(bytes[start].is_ascii_uppercase());
        if lower_run >= 3 {
            in_words += i - start;
        }
        if i == start {
            i += 1;
        }
    }
    in_words as f64 / value.len().max(1) as f64
}

/// A string that looks machine-generated: long, varied and not made of words.
pub fn looks_random(value: &str) -> bool {
    let longest_run = value
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '='))
        .max_by_key(|run| run.len())
        .unwrap_or("");
    value.len() >= 20
        && !value.contains(char::is_whitespace)
        && longest_run.len() >= 16
        && character_classes(longest_run) >= 2
        && entropy(value) >= 3.5
        && word_fraction(value) < 0.6
        && !is_name_like(value)
}

/// Built from words and separators (`prod/payments/stripe`, `orders-prod-db-credentials`,
/// `X-Api-Key`, `rds!db-<uuid>`) rather than random characters.
pub fn is_name_like(value: &str) -> bool {
    let mut has_word = false;
    for segment in value.split(['-', '_', '/', '.', ':', '!', '@', ' ', ',']) {
        if segment.is_empty() || is_digits(segment) {
            continue;
        }
        if is_word(segment) {
            has_word |= segment.len() >= 3;
            continue;
        }
        let short_id = segment.len() <= 4 && segment.bytes().all(|b| b.is_ascii_alphanumeric());
        let hex_piece = segment.len() <= 12 && segment.bytes().all(|b| b.is_ascii_hexdigit());
        if !(short_id || hex_piece) {
            return false;
        }
    }
    has_word
}

/// `prod`, `PROD`, `Prod`, `UsersTable`: letters in one case, capitalised, or camel-cased words.
fn is_word(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    if segment.len() > 24 || !bytes.iter().all(u8::is_ascii_alphabetic) {
        return false;
    }
    let all_lower = bytes.iter().all(u8::is_ascii_lowercase);
    let all_upper = bytes.iter().all(u8::is_ascii_uppercase);
    let capitalised =
        bytes[0].is_ascii_uppercase() && bytes[1..].iter().all(u8::is_ascii_lowercase);
    all_lower || all_upper || capitalised || word_fraction(segment) >= 0.8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        for v in [
            "changeme",
            "<your-key>",
            "${VAR}",
            "xxx",
            "TODO",
            "{{JWT_SECRET}}",
            "$(DB_PASSWORD)",
            "your-openai-api-key",
            "INSERT_API_KEY_HERE",
            "sk_live_xxxxxxxxxxxx",
            "sk-ant-...",
            "********",
            "%SMTP_PASSWORD%",
        ] {
            assert!(is_placeholder(v), "{v}");
        }
        for v in ["Xk9mP2qLr7", "postgres", "production", "s3cr3t"] {
            assert!(!is_placeholder(v), "{v}");
        }
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

    #[test]
    fn randomness() {
        assert!(looks_random("q8ZrT2LmX0vB7nKc4WjY9sDp"));
        assert!(!looks_random("MyServiceLambdaFunctionHandler"));
        assert!(!looks_random("anthropic.claude-sonnet-4-5-20250929-v1:0"));
        assert!(is_generated_name(
            "OrdersService-prod-UsersTable9725E9C8-1ABCDEFGH2IJ"
        ));
        assert!(!is_generated_name("0f0e1d2c-3b4a-4596-8877-66554433aabb"));
        assert!(is_name_like("prod/payments/stripe"));
        assert!(is_name_like("rds!db-0f0e1d2c-3b4a-4596-8877-66554433aabb"));
        assert!(!is_name_like("q8ZrT2LmX0vB7nKc4WjY9sDp"));
        assert!(entropy("aaaa") < 0.01);
    }

    #[test]
    fn shapes() {
        assert!(is_boolean("TRUE") && is_boolean("yes") && !is_boolean("maybe"));
        assert!(is_number("3600") && is_number("15m") && is_number("0.01") && !is_number("v2"));
        assert!(
            is_log_level("INFO")
                && is_log_level("info,aws_config=warn")
                && !is_log_level("verbose-mode")
        );
        assert!(is_hex_digest("3f5a9c1") && !is_hex_digest("3F5a9c1"));
        assert!(
            is_hostname("db.example.com")
                && is_hostname("db.example.com:5432")
                && !is_hostname("localhost")
        );
        assert!(
            is_path("/prod/api/key") && is_path("/var/task:/opt/python") && !is_path("prod/api")
        );
        assert!(
            is_kms_alias("alias/orders-prod")
                && is_kms_multi_region_key_id("mrk-0123456789abcdef0123456789abcdef")
        );
        assert!(is_documented_example("AKIAIOSFODNN7EXAMPLE"));
        assert!(is_number("-5") && is_uuid("0b8e7c0e-8c1e-4d55-9f6a-2b1c3d4e5f60"));
        assert!(is_bearer_token("Bearer abcdefghijklmnop1234") && !is_bearer_token("Bearer short"));
    }

    #[test]
    fn pem_blocks() {
        let key = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----";
        assert_eq!(pem_block(key), Some(("EC PRIVATE KEY", "\nMHcCAQEE\n")));
        // A first marker with a label PEM does not allow is skipped, as is text before it.
        let two = "x -----BEGIN bad-----y -----BEGIN CERTIFICATE-----AB-----END CERTIFICATE-----";
        assert_eq!(pem_block(two), Some(("CERTIFICATE", "AB")));
        assert_eq!(pem_block("-----BEGIN PRIVATE KEY-----no end"), None);
        assert_eq!(pem_block("-----BEGIN PRIVATE KEY"), None);
    }
}
