//! What a value looks like, whatever its name: placeholders, flags, numbers, identifiers,
//! host names and paths.

use std::sync::LazyLock;

use regex::Regex;

use super::names;

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
/// being 12 or 13 letters and digits (upper case for most resources, lower case for S3
/// buckets, mixed for Lambda functions).
static GENERATED_NAME: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[A-Za-z0-9][A-Za-z0-9-]*-[A-Za-z][A-Za-z0-9]*-[A-Za-z0-9]{12,13}$"));

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

/// A container image pinned by digest: `registry/repository@sha256:<64 hex>`.
static IMAGE_REFERENCE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^[a-z0-9][a-z0-9._/:-]*@sha256:[0-9a-f]{64}$"));

pub fn is_image_reference(value: &str) -> bool {
    value.contains("@sha256:") && IMAGE_REFERENCE.is_match(value)
}

/// A resource id of a short lower-case prefix and hex: `vpc-0a1b…`, `i-0a1b…`, `jr_0a1b…`.
pub fn is_prefixed_hex_id(value: &str) -> bool {
    value.split_once(['-', '_']).is_some_and(|(prefix, id)| {
        (1..=8).contains(&prefix.len())
            && prefix.bytes().all(|b| b.is_ascii_lowercase())
            && id.len() >= 8
            && id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// A generated name in lower case, as S3 buckets, pods and containers are named: a word first,
/// then words, digits and random parts joined by hyphens (`orders-api-7d9f8b6c5d-x2k9p`).
pub fn is_lower_case_name(value: &str) -> bool {
    let mut segments = value.split('-');
    let first = segments.next().unwrap_or("");
    value.contains('-')
        && first.len() >= 3
        && first.bytes().all(|b| b.is_ascii_lowercase())
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && segments.all(|s| !s.is_empty())
}

/// `Key=value;Key=value` settings (a trace header, a feature list) none of whose keys names a
/// credential, as a connection string's `Password=` would.
pub fn is_settings_list(value: &str) -> bool {
    let pairs: Vec<&str> = value.split([';', '&']).filter(|p| !p.is_empty()).collect();
    pairs.len() >= 2
        && pairs.iter().all(|pair| {
            pair.split_once('=').is_some_and(|(key, _)| {
                !key.is_empty()
                    && key
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
                    && names::analyse(key).secret.is_none()
            })
        })
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
    fn shapes() {
        assert!(is_generated_name(
            "OrdersService-prod-UsersTable9725E9C8-1ABCDEFGH2IJ"
        ));
        assert!(!is_generated_name("0f0e1d2c-3b4a-4596-8877-66554433aabb"));
        assert!(is_generated_name(
            "OrdersStack-ApiHandler4F8A2B1C-x7QmR2tL9pKa"
        ));
        assert!(is_image_reference(
            "ghcr.io/example/orders@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
        ));
        assert!(
            is_prefixed_hex_id("vpc-0a1b2c3d4e5f60718") && !is_prefixed_hex_id("sk-q8ZrT2LmX0vB")
        );
        assert!(
            is_lower_case_name("orders-api-7d9f8b6c5d-x2k9p")
                && !is_lower_case_name("q8zrt2lmx0vb7nkc")
        );
        assert!(is_settings_list(
            "Root=1-5f84c7a1-0123456789abcdef01234567;Sampled=1"
        ));
        assert!(!is_settings_list("Server=db;Password=Zx81kQ9aLm"));
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
}
