//! Classifies one environment variable as `secret`, `suspect`, `reference` or `config`, with
//! the id of the rule that decided and a one-sentence reason a reviewer can check.
//!
//! Pure: no I/O, no state, and nothing from the rest of the crate. The value is read, never
//! kept: a verdict carries only its shape (length, and the vendor prefix for vendor formats).
//!
//! Rules run in order, from what the value alone proves (empty, placeholder, ARN, vendor token
//! format, credentials inside a URL) to what the name adds (a password name, a name about a
//! secret's ARN or TTL rather than the secret).

mod decoded;
mod embedded;
mod names;
mod randomness;
mod rules;
mod values;
mod vendors;

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

use decoded::Content;
use embedded::UrlCredentials;
use names::SecretWord;
use rules::Rule;

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
static JWT: LazyLock<Regex> =
    LazyLock::new(|| re(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}"));
static AWS_SECRET_KEY: LazyLock<Regex> = LazyLock::new(|| re(r"^[A-Za-z0-9/+]{40}$"));

/// Classifies the variable `name=value`.
pub fn classify(name: &str, value: &str) -> Verdict {
    let length = value.chars().count();
    let (rule, prefix) = decide(name, unquote(value.trim()));
    Verdict {
        class: rule.class,
        rule: rule.id,
        reason: rule.reason,
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

/// A value shape and the rule it proves, checked in order: the first that holds decides.
type ShapeRule = (fn(&str) -> bool, Rule);

/// Values that hold nothing to read: empty, a documented example, a template or placeholder.
const NOTHING_TO_READ: &[ShapeRule] = &[
    (str::is_empty, rules::EMPTY),
    (values::is_documented_example, rules::DOCUMENTED_EXAMPLE),
    (|v| v.contains("{{resolve:"), rules::CFN_DYNAMIC),
    (values::is_placeholder, rules::PLACEHOLDER),
];

/// Credentials in an encoding: HTTP authorization values, JSON documents.
const ENCODED_CREDENTIALS: &[ShapeRule] = &[
    (decoded::is_basic_auth, rules::BASIC_AUTH),
    (values::is_bearer_token, rules::BEARER_TOKEN),
    (embedded::has_json_credential, rules::JSON_CREDENTIALS),
];

/// Identifiers that are configuration whatever the name says.
const IDENTIFIERS: &[ShapeRule] = &[
    (values::is_labelled_digest, rules::LABELLED_DIGEST),
    (values::is_generated_name, rules::GENERATED_NAME),
    (values::is_hostname, rules::HOSTNAME),
];

/// Shapes read as configuration under a name that does not announce a secret (under one, a
/// value of these shapes may still be the secret).
const NAMES_AND_SETTINGS: &[ShapeRule] = &[
    (values::is_image_reference, rules::IMAGE_REFERENCE),
    (values::is_prefixed_hex_id, rules::IDENTIFIER_FORMAT),
    (values::is_lower_case_name, rules::LOWER_CASE_NAME),
    (values::is_settings_list, rules::SETTINGS_LIST),
];

fn first_shape(value: &str, shapes: &[ShapeRule]) -> Option<Rule> {
    shapes
        .iter()
        .find(|(holds, _)| holds(value))
        .map(|(_, rule)| *rule)
}

/// The rule that decided, and the vendor prefix to show when a vendor format matched.
type Decision = (Rule, Option<&'static str>);

fn decide(name: &str, value: &str) -> Decision {
    if let Some(decision) = by_value(value) {
        return decision;
    }
    let info = names::analyse(name);
    if let Some(rule) = by_value_and_name(value, &info) {
        return (rule, None);
    }
    (by_name(value, &info), None)
}

fn hit(rule: Rule) -> Option<Decision> {
    Some((rule, None))
}

/// What the value alone proves, whatever the variable is called.
fn by_value(value: &str) -> Option<Decision> {
    if let Some(rule) = first_shape(value, NOTHING_TO_READ) {
        return hit(rule);
    }
    if let Some(arn) = embedded::captures_after("arn:", &ARN, value) {
        let service = arn.get(1).map_or("", |m| m.as_str());
        let resource = arn.get(2).map_or("", |m| m.as_str());
        return hit(match service {
            "secretsmanager" => rules::SECRETSMANAGER_ARN,
            "ssm" if resource.starts_with("parameter/") => rules::SSM_ARN,
            "kms" if resource.starts_with("alias/") => rules::KMS_ALIAS,
            "kms" => rules::KMS_KEY,
            _ => rules::ARN,
        });
    }
    if let Some((label, body)) = decoded::pem_block(value) {
        let material = body
            .bytes()
            .filter(|b| b.is_ascii_alphanumeric() || b"+/=".contains(b))
            .count();
        // `PRIVATE KEY`, and OpenPGP's `PRIVATE KEY BLOCK`.
        return hit(match (label.contains("PRIVATE KEY"), material >= 64) {
            (true, true) => rules::PRIVATE_KEY,
            (true, false) => rules::EMPTY_PEM,
            (false, _) => rules::PUBLIC_KEY,
        });
    }
    if let Some(found) = vendors::find(value) {
        let rule = if found.checksum_ok {
            found.format.verdict()
        } else {
            rules::VENDOR_CHECKSUM_MISMATCH
        };
        return Some((rule, found.prefix));
    }
    if decoded::is_ssh_public_key(value) {
        return hit(rules::SSH_PUBLIC_KEY);
    }
    if let Some(rule) = credentials_in_strings(value) {
        return hit(rule);
    }
    // The header is the token's first part; finding the whole token needs no capture groups,
    // which would cost a slower regex engine on every value holding `eyJ`.
    let signed_jwt = value.contains("eyJ")
        && JWT
            .find(value)
            .and_then(|jwt| jwt.as_str().split('.').next())
            .is_some_and(is_jwt_header);
    if signed_jwt {
        return hit(rules::JWT);
    }
    if let Some(private) = embedded::json_web_key(value) {
        return hit(if private {
            rules::JWK_PRIVATE
        } else {
            rules::JWK_PUBLIC
        });
    }
    if let Some(rule) = first_shape(value, ENCODED_CREDENTIALS) {
        return hit(rule);
    }
    decoded::inspect(value).and_then(|content| {
        hit(match content {
            Content::PrivateKey | Content::Credential => rules::ENCODED_CREDENTIALS,
            Content::PublicKey => rules::ENCODED_PUBLIC_KEY,
            Content::Document => rules::ENCODED_DOCUMENT,
        })
    })
}

/// Passwords inside URLs, JDBC URLs, connection strings, DSNs and command lines; webhook URLs.
fn credentials_in_strings(value: &str) -> Option<Rule> {
    if value.starts_with("jdbc:") {
        let found = embedded::jdbc_credentials(value);
        return password_rule(found, rules::JDBC_CREDENTIALS).or(Some(rules::URL));
    }
    if embedded::is_url(value) {
        return match embedded::url_credentials(value) {
            UrlCredentials::None if embedded::is_webhook_url(value) => Some(rules::WEBHOOK_URL),
            found => password_rule(found, rules::URL_CREDENTIALS).or(Some(rules::URL)),
        };
    }
    type Reader = fn(&str) -> UrlCredentials;
    let readers: [(Reader, Rule); 3] = [
        (
            embedded::connection_string_credentials,
            rules::CONNECTION_STRING_PASSWORD,
        ),
        (
            embedded::bare_userinfo_credentials,
            rules::USERINFO_CREDENTIALS,
        ),
        (embedded::argument_credentials, rules::ARGUMENT_CREDENTIALS),
    ];
    readers
        .iter()
        .find_map(|(read, rule)| password_rule(read(value), *rule))
}

/// The rule for what a reader found: `rule` for a password, another for a placeholder.
fn password_rule(found: UrlCredentials, rule: Rule) -> Option<Rule> {
    match found {
        UrlCredentials::Password => Some(rule),
        UrlCredentials::Placeholder => Some(rules::PLACEHOLDER_CREDENTIALS),
        UrlCredentials::None => None,
    }
}

fn is_jwt_header(segment: &str) -> bool {
    decoded::decode_base64(segment)
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .is_some_and(|header| header.contains("\"alg\""))
}

/// Value shapes whose meaning depends a little on the name (`/prod/db/password` is a parameter
/// path under `DB_PASSWORD_PARAM` but a plain path under `CONFIG_DIR`).
fn by_value_and_name(value: &str, info: &names::NameInfo) -> Option<Rule> {
    if value.len() == 40
        && AWS_SECRET_KEY.is_match(value)
        && info.secret.is_some()
        && randomness::character_classes(value) >= 3
        && info.mentions_aws_or_access
    {
        return Some(rules::AWS_SECRET_ACCESS_KEY);
    }
    if values::is_boolean(value) {
        return Some(rules::BOOLEAN);
    }
    // Digits are the secret under a password name (6 or more) or a PIN name (4 or more).
    let shortest_secret = match info.secret {
        Some(SecretWord::Password) => 6,
        Some(SecretWord::Pin) => 4,
        _ => usize::MAX,
    };
    let numeric_password = randomness::is_digits(value) && value.len() >= shortest_secret;
    if values::is_number(value) && !numeric_password {
        return Some(rules::NUMBER);
    }
    if values::is_log_level(value) {
        return Some(rules::LOG_LEVEL);
    }
    if values::is_kms_alias(value) {
        return Some(rules::KMS_ALIAS);
    }
    if values::is_kms_multi_region_key_id(value) || (values::is_uuid(value) && info.mentions_kms) {
        return Some(rules::KMS_KEY);
    }
    if values::is_path(value) {
        let names_a_parameter =
            (info.mentions_secret || info.mentions_parameter) && !values::is_file_path(value);
        return Some(if names_a_parameter {
            rules::SSM_PATH
        } else {
            rules::PATH
        });
    }
    // `…_SECRET_ID=prod/db` names a secret; so does `DB_PASSWORD_SECRET=prod/db`, but a lone
    // word under `SECRET` may be the (weak) secret itself.
    let has_separator = value.contains(['/', '-', '_', '.', '!']);
    if info.mentions_secrets_manager
        && randomness::is_name_like(value)
        && (info.refers_to_secret || (info.secret.is_some() && has_separator))
    {
        return Some(rules::SECRET_NAME);
    }
    if info.mentions_parameter && randomness::is_name_like(value) {
        return Some(rules::SSM_NAME);
    }
    first_shape(value, IDENTIFIERS)
}

/// What remains is decided by the name: a password or key name makes a strong value a secret.
fn by_name(value: &str, info: &names::NameInfo) -> Rule {
    match info.secret {
        Some(SecretWord::Password) => {
            let varied = randomness::character_classes(value) >= 2 || randomness::is_digits(value);
            if value.chars().count() >= 8 && varied {
                rules::PASSWORD_NAME
            } else {
                rules::SECRET_NAME_WEAK_VALUE
            }
        }
        Some(SecretWord::Key) if is_strong_key(value) => rules::SECRET_NAME_HIGH_ENTROPY,
        Some(SecretWord::Key) => rules::SECRET_NAME_WEAK_VALUE,
        Some(SecretWord::Pin) if randomness::is_digits(value) && value.len() >= 4 => {
            rules::PIN_NAME
        }
        Some(SecretWord::Pin) => rules::SECRET_NAME_WEAK_VALUE,
        None => neutral(value, info),
    }
}

fn is_strong_key(value: &str) -> bool {
    let length = value.chars().count();
    let classes = randomness::character_classes(value);
    // Short keys count when they mix letters and digits the way generated ones do.
    let mixed = value.bytes().any(|b| b.is_ascii_digit())
        && value.bytes().any(|b| b.is_ascii_alphabetic())
        && randomness::entropy(value) >= 2.5;
    values::is_uuid(value)
        || (!randomness::is_name_like(value)
            && ((length >= 16 && classes >= 2 && randomness::entropy(value) >= 3.0)
                || (length >= 12 && classes >= 3)
                || (length >= 8 && mixed)))
}

fn neutral(value: &str, info: &names::NameInfo) -> Rule {
    if values::is_uuid(value) {
        rules::UUID
    } else if values::is_hex_digest(value)
        || (info.is_digest && decoded::decode_base64(value).is_some())
    {
        rules::DIGEST
    } else if info.is_identifier {
        rules::IDENTIFIER
    } else if let Some(rule) = first_shape(value, NAMES_AND_SETTINGS) {
        rule
    } else if randomness::looks_random(value) && info.is_version {
        rules::VERSION_NAME
    } else if randomness::looks_random(value) {
        rules::HIGH_ENTROPY_NEUTRAL_NAME
    } else {
        rules::VALUE
    }
}

#[cfg(test)]
mod tests;
