//! Classifies one environment variable as `secret`, `suspect`, `reference` or `config`, with
//! the id of the rule that decided and a one-sentence reason a reviewer can check.
//!
//! Pure: no I/O, no state, and nothing from the rest of the crate. The value is read, never
//! kept: a verdict carries only its shape (length, and the vendor prefix for vendor formats).
//!
//! Rules run in order, from what the value alone proves (empty, placeholder, ARN, vendor token
//! format, credentials inside a URL) to what the name adds (a password name, a name about a
//! secret's ARN or TTL rather than the secret).

mod names;
mod values;
mod vendors;

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

use names::SecretWord;
use values::UrlCredentials;

/// What a variable holds, ordered by severity.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// Ordinary configuration: flags, numbers, names, URLs without credentials, placeholders.
    Config,
    /// Points at a secret or key held elsewhere: an ARN, a secret name, a parameter path.
    Reference,
    /// Needs a human look: it may or may not be a credential.
    Suspect,
    /// A credential in plaintext.
    Secret,
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Class::Config => "config",
            Class::Reference => "reference",
            Class::Suspect => "suspect",
            Class::Secret => "secret",
        })
    }
}

/// The shape of a value, safe to show: its length, and the vendor prefix when a vendor-format
/// rule matched (the prefix is part of the public format, not of the secret).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Shape {
    pub length: usize,
    pub prefix: Option<&'static str>,
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.prefix {
            Some(prefix) => write!(f, "{prefix}… {} chars", self.length),
            None => write!(f, "{} chars", self.length),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verdict {
    pub class: Class,
    /// Stable kebab-case id of the rule that decided.
    pub rule: &'static str,
    /// One sentence a reviewer can check against the value.
    pub reason: &'static str,
    pub shape: Shape,
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("built-in pattern {pattern:?} is invalid: {e}"))
}

static ARN: LazyLock<Regex> =
    LazyLock::new(|| re(r"^arn:aws[a-z-]*:([a-z0-9-]+):[a-z0-9-]*:(?:[0-9]{12}|aws)?:(.+)$"));
static PEM: LazyLock<Regex> =
    LazyLock::new(|| re(r"-----BEGIN ([A-Z0-9 ]*)-----([\s\S]*?)-----END "));
static JWT: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(eyJ[A-Za-z0-9_-]{8,})\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}"));
static BEARER: LazyLock<Regex> = LazyLock::new(|| re(r"^(?i:bearer|token)\s+\S{16,}$"));
static AWS_SECRET_KEY: LazyLock<Regex> = LazyLock::new(|| re(r"^[A-Za-z0-9/+]{40}$"));

/// Classifies the variable `name=value`.
pub fn classify(name: &str, value: &str) -> Verdict {
    let length = value.chars().count();
    let (class, rule, reason, prefix) = decide(name, unquote(value.trim()));
    Verdict {
        class,
        rule,
        reason,
        shape: Shape { length, prefix },
    }
}

/// `"value"` and `'value'` are read as `value`: quotes pasted along with a value are not part of it.
fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|v| v.strip_suffix(quote))
        {
            return inner.trim();
        }
    }
    value
}

type Decision = (Class, &'static str, &'static str, Option<&'static str>);

fn decide(name: &str, value: &str) -> Decision {
    if let Some(decision) = by_value(value) {
        return decision;
    }
    let info = names::analyse(name);
    if let Some(decision) = by_value_and_name(value, &info) {
        return decision;
    }
    by_name(value, &info)
}

fn rule(class: Class, rule: &'static str, reason: &'static str) -> Option<Decision> {
    Some((class, rule, reason, None))
}

/// What the value alone proves, whatever the variable is called.
fn by_value(value: &str) -> Option<Decision> {
    use Class::*;
    if value.is_empty() {
        return rule(Config, "config-empty", "value is empty");
    }
    if values::is_documented_example(value) {
        return rule(
            Config,
            "config-documented-example",
            "value is a credential published as an example in vendor documentation (AWS, Azurite), so it grants nothing",
        );
    }
    if value.contains("{{resolve:") {
        return rule(
            Reference,
            "reference-cfn-dynamic",
            "value is a CloudFormation dynamic reference ({{resolve:…}}) left unresolved, so it names the secret instead of holding it",
        );
    }
    if values::is_placeholder(value) {
        return rule(
            Config,
            "config-placeholder",
            "value is a placeholder (template syntax, filler characters or a 'your key here' phrase), not a credential",
        );
    }
    if let Some(arn) = value
        .starts_with("arn:")
        .then(|| ARN.captures(value))
        .flatten()
    {
        let service = arn.get(1).map_or("", |m| m.as_str());
        let resource = arn.get(2).map_or("", |m| m.as_str());
        return match service {
            "secretsmanager" => rule(
                Reference,
                "reference-secretsmanager-arn",
                "value is the ARN of a Secrets Manager secret, which names the secret without holding it",
            ),
            "ssm" if resource.starts_with("parameter/") => {
                rule(Reference, "reference-ssm-arn", "value is the ARN of an SSM parameter, not its content")
            }
            "kms" if resource.starts_with("alias/") => {
                rule(Reference, "reference-kms-alias", "value is a KMS key alias, which names a key without holding it")
            }
            "kms" => rule(Reference, "reference-kms-key", "value identifies a KMS key, which never leaves KMS"),
            _ => rule(Reference, "reference-arn", "value is the ARN of an AWS resource, an identifier rather than a credential"),
        };
    }
    if let Some(pem) = value
        .contains("-----BEGIN ")
        .then(|| PEM.captures(value))
        .flatten()
    {
        let label = pem.get(1).map_or("", |m| m.as_str());
        let body = pem.get(2).map_or("", |m| m.as_str());
        let material = body
            .bytes()
            .filter(|b| b.is_ascii_alphanumeric() || b"+/=".contains(b))
            .count();
        if label.ends_with("PRIVATE KEY") {
            return if material >= 64 {
                rule(
                    Secret,
                    "private-key",
                    "value holds a PEM private key block (-----BEGIN … PRIVATE KEY-----) with key material",
                )
            } else {
                rule(
                    Config,
                    "config-empty-pem",
                    "value is PEM armour for a private key with no key material in it",
                )
            };
        }
        return rule(
            Config,
            "config-public-key",
            "value is a PEM public key or certificate, which is meant to be shared",
        );
    }
    if let Some(found) = vendors::find(value) {
        return Some(if found.checksum_ok {
            (
                found.format.class,
                found.format.rule,
                found.format.reason,
                found.prefix,
            )
        } else {
            (
                Suspect,
                "vendor-checksum-mismatch",
                "value has a vendor token's shape but its checksum does not verify (a typo, a truncation or a fake); check it by hand",
                found.prefix,
            )
        });
    }
    if let Some(decision) = credentials_in_strings(value) {
        return Some(decision);
    }
    if let Some(jwt) = value.contains("eyJ").then(|| JWT.captures(value)).flatten() {
        if jwt
            .get(1)
            .is_some_and(|header| is_jwt_header(header.as_str()))
        {
            return rule(
                Secret,
                "jwt",
                "value is a JSON Web Token (three base64url parts whose header names a signing algorithm)",
            );
        }
    }
    if values::is_basic_auth(value) {
        return rule(
            Secret,
            "basic-auth",
            "value is an HTTP Basic authorization value (base64 of user:password)",
        );
    }
    if BEARER.is_match(value) {
        return rule(
            Secret,
            "bearer-token",
            "value is an HTTP authorization value carrying a bearer token",
        );
    }
    if values::has_json_credential(value) {
        return rule(
            Secret,
            "json-credentials",
            "value is a JSON document whose credential field (password, secret, token, private_key…) holds a value",
        );
    }
    if values::is_encoded_credential(value) {
        return rule(
            Secret,
            "encoded-credentials",
            "value is base64 that decodes to a private key or to a JSON document with a credential field",
        );
    }
    None
}

/// Passwords inside URLs, JDBC URLs and `Key=value;` connection strings.
fn credentials_in_strings(value: &str) -> Option<Decision> {
    use Class::*;
    let (found, rule_id, reason) = if value.starts_with("jdbc:") {
        (
            values::jdbc_credentials(value),
            "jdbc-credentials",
            "value is a JDBC URL carrying a password (user/password@ or a password= property)",
        )
    } else if values::is_url(value) {
        (
            values::url_credentials(value),
            "url-credentials",
            "value is a URL with a password in it (scheme://user:password@host or a password query parameter)",
        )
    } else {
        (
            values::connection_string_credentials(value),
            "connection-string-password",
            "value is a connection string with a Password= or Pwd= field",
        )
    };
    match found {
        UrlCredentials::Password => rule(Secret, rule_id, reason),
        UrlCredentials::Placeholder => rule(
            Config,
            "config-placeholder-credentials",
            "value has a placeholder where its password goes (user:password@, <password>, ${…})",
        ),
        UrlCredentials::None if value.starts_with("jdbc:") || values::is_url(value) => rule(
            Config,
            "config-url",
            "value is a URL with no password in it",
        ),
        UrlCredentials::None => None,
    }
}

fn is_jwt_header(segment: &str) -> bool {
    values::decode_base64(segment)
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .is_some_and(|header| header.contains("\"alg\""))
}

/// Value shapes whose meaning depends a little on the name (`/prod/db/password` is a parameter
/// path under `DB_PASSWORD_PARAM` but a plain path under `CONFIG_DIR`).
fn by_value_and_name(value: &str, info: &names::NameInfo) -> Option<Decision> {
    use Class::*;
    if AWS_SECRET_KEY.is_match(value)
        && info.secret.is_some()
        && values::character_classes(value) >= 3
        && info.mentions_aws_or_access
    {
        return rule(
            Secret,
            "aws-secret-access-key",
            "value is 40 mixed base64 characters under a name about an AWS secret access key",
        );
    }
    if values::is_boolean(value) {
        return rule(Config, "config-boolean", "value is a boolean flag");
    }
    let numeric_password =
        info.secret == Some(SecretWord::Password) && values::is_digits(value) && value.len() >= 6;
    if values::is_number(value) && !numeric_password {
        return rule(Config, "config-number", "value is a number or a duration");
    }
    if values::is_log_level(value) {
        return rule(Config, "config-log-level", "value is a log level");
    }
    if values::is_kms_alias(value) {
        return rule(
            Reference,
            "reference-kms-alias",
            "value is a KMS key alias, which names a key without holding it",
        );
    }
    if values::is_kms_multi_region_key_id(value) || (values::is_uuid(value) && info.mentions_kms) {
        return rule(
            Reference,
            "reference-kms-key",
            "value identifies a KMS key, which never leaves KMS",
        );
    }
    if values::is_path(value) {
        return if (info.mentions_secret || info.mentions_parameter) && !values::is_file_path(value)
        {
            rule(
                Reference,
                "reference-ssm-path",
                "value is a parameter path under a name about a secret or a parameter, so it names where the value is kept",
            )
        } else {
            rule(Config, "config-path", "value is a file-system path")
        };
    }
    // `…_SECRET_ID=prod/db` names a secret; so does `DB_PASSWORD_SECRET=prod/db`, but a lone
    // word under `SECRET` may be the (weak) secret itself.
    let has_separator = value.contains(['/', '-', '_', '.', '!']);
    if info.mentions_secrets_manager
        && values::is_name_like(value)
        && (info.refers_to_secret || (info.secret.is_some() && has_separator))
    {
        return rule(
            Reference,
            "reference-secret-name",
            "value is a name made of words under a name that refers to a secret, so it names the secret instead of holding it",
        );
    }
    if info.mentions_parameter && values::is_name_like(value) {
        return rule(
            Reference,
            "reference-ssm-name",
            "value is a name made of words under a name about an SSM parameter, so it names where the value is kept",
        );
    }
    if values::is_labelled_digest(value) {
        return rule(
            Config,
            "config-labelled-digest",
            "value is a digest labelled with its algorithm (sha256:…, sha512-…)",
        );
    }
    if values::is_generated_name(value) {
        return rule(
            Config,
            "config-generated-name",
            "value has the shape of a resource name CloudFormation generates (stack-LogicalId-SUFFIX)",
        );
    }
    if values::is_hostname(value) {
        return rule(Config, "config-hostname", "value is a host name");
    }
    None
}

/// What remains is decided by the name: a password or key name makes a strong value a secret.
fn by_name(value: &str, info: &names::NameInfo) -> Decision {
    use Class::*;
    let weak = (
        Suspect,
        "secret-name-weak-value",
        "value under a secret-ish name is short or a plain word: a weak credential, a default or a setting; check it by hand",
        None,
    );
    match info.secret {
        Some(SecretWord::Password) => {
            let varied = values::character_classes(value) >= 2 || values::is_digits(value);
            if value.chars().count() >= 8 && varied {
                (
                    Secret,
                    "password-name",
                    "value under a password name (…PASSWORD, …_PASS, PWD, …_PW) is long and varied enough to be the password itself",
                    None,
                )
            } else {
                weak
            }
        }
        Some(SecretWord::Key) => {
            if is_strong_key(value) {
                (
                    Secret,
                    "secret-name-high-entropy",
                    "value under a secret-ish name (…_SECRET, …_TOKEN, …_KEY) is long and random, so it is the secret itself",
                    None,
                )
            } else {
                weak
            }
        }
        None => neutral(value, info),
    }
}

fn is_strong_key(value: &str) -> bool {
    let length = value.chars().count();
    let classes = values::character_classes(value);
    values::is_uuid(value)
        || (!values::is_name_like(value)
            && ((length >= 16 && classes >= 2 && values::entropy(value) >= 3.0)
                || (length >= 12 && classes >= 3)))
}

fn neutral(value: &str, info: &names::NameInfo) -> Decision {
    use Class::*;
    if values::is_uuid(value) {
        return (
            Config,
            "config-uuid",
            "value is a UUID under a name that does not announce a secret",
            None,
        );
    }
    if values::is_hex_digest(value) || (info.is_digest && values::decode_base64(value).is_some()) {
        return (
            Config,
            "config-digest",
            "value is a digest or commit id (hex or base64) under a name that does not announce a secret",
            None,
        );
    }
    if info.is_identifier {
        return (
            Config,
            "config-identifier",
            "value is an identifier under a name ending in _ID",
            None,
        );
    }
    if values::looks_random(value) {
        return (
            Suspect,
            "high-entropy-neutral-name",
            "value is long and random under a name that says nothing about it; check whether it is a credential",
            None,
        );
    }
    (
        Config,
        "config-value",
        "value is ordinary configuration: no credential shape, and the name does not announce a secret",
        None,
    )
}

#[cfg(test)]
mod tests;
