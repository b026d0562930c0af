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
mod trace;
mod values;
mod vendors;

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

use decoded::Content;
use embedded::UrlCredentials;
use names::SecretWord;
use rules::Rule;
use trace::Trace;
pub use trace::{Explanation, Step};

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
    verdict(
        value,
        decide(name, unquote(value.trim()), &mut Trace::off()),
    )
}

/// Classifies `name=value` as [`classify`] does, with every rule it looked at and why each
/// fired or not (`audit --explain`). Nothing in it holds the value.
pub fn explain(name: &str, value: &str) -> Explanation {
    let mut trace = Trace::on();
    let read = unquote(value.trim());
    let decision = decide(name, read, &mut trace);
    Explanation {
        verdict: verdict(value, decision),
        facts: trace::facts(name, read, &names::analyse(name)),
        steps: trace.into_steps(),
    }
}

/// Whether rule `id` is a vendor's token format (a documented prefix, alphabet and length,
/// or such a shape whose checksum failed): the value alone proves it, whatever the name.
pub fn is_vendor_format(id: &str) -> bool {
    id == rules::VENDOR_CHECKSUM_MISMATCH.id || vendors::FORMATS.iter().any(|f| f.rule == id)
}

/// Every rule id the classifier can decide with, its own rules' and the vendor formats'.
pub fn rule_ids() -> impl Iterator<Item = &'static str> {
    rules::ALL
        .iter()
        .map(|rule| rule.id)
        .chain(vendors::FORMATS.iter().map(|f| f.rule))
}

fn verdict(value: &str, (rule, prefix): Decision) -> Verdict {
    Verdict {
        class: rule.class,
        rule: rule.id,
        reason: rule.reason,
        shape: Shape {
            length: value.chars().count(),
            prefix,
        },
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

fn first_shape(value: &str, shapes: &[ShapeRule], t: &mut Trace) -> Option<Rule> {
    shapes
        .iter()
        .find(|(holds, rule)| t.look(*rule, holds(value)))
        .map(|(_, rule)| *rule)
}

/// The rule that decided, and the vendor prefix to show when a vendor format matched.
type Decision = (Rule, Option<&'static str>);

fn decide(name: &str, value: &str, t: &mut Trace) -> Decision {
    if let Some(decision) = by_value(value, t) {
        return decision;
    }
    let info = names::analyse(name);
    if let Some(rule) = by_value_and_name(value, &info, t) {
        return (rule, None);
    }
    (by_name(value, &info, t), None)
}

fn hit(rule: Rule) -> Option<Decision> {
    Some((rule, None))
}

/// What the value alone proves, whatever the variable is called.
fn by_value(value: &str, t: &mut Trace) -> Option<Decision> {
    if let Some(rule) = first_shape(value, NOTHING_TO_READ, t) {
        return hit(rule);
    }
    if let Some(rule) = t.group(ARN_RULES, "value is not an ARN", arn_rule(value)) {
        return hit(rule);
    }
    if let Some(rule) = t.group(PEM_RULES, "value holds no PEM block", pem_rule(value)) {
        return hit(rule);
    }
    if let Some(found) = vendors::find(value) {
        let rule = if found.checksum_ok {
            found.format.verdict()
        } else {
            rules::VENDOR_CHECKSUM_MISMATCH
        };
        t.look(rule, true);
        return Some((rule, found.prefix));
    }
    t.group(
        "vendor formats",
        "no vendor token format (prefix, alphabet, length) matches the value",
        None,
    );
    by_encoding(value, t).and_then(hit)
}

const ARN_RULES: &str = "reference-secretsmanager-arn, reference-ssm-arn, reference-kms-alias, reference-kms-key, reference-arn";
const PEM_RULES: &str = "private-key, config-empty-pem, config-public-key";
const STRING_RULES: &str = "jdbc-credentials, url-credentials, webhook-url, connection-string-password, userinfo-credentials, argument-credentials, config-placeholder-credentials, config-url";

fn arn_rule(value: &str) -> Option<Rule> {
    let arn = embedded::captures_after("arn:", &ARN, value)?;
    let service = arn.get(1).map_or("", |m| m.as_str());
    let resource = arn.get(2).map_or("", |m| m.as_str());
    Some(match service {
        "secretsmanager" => rules::SECRETSMANAGER_ARN,
        "ssm" if resource.starts_with("parameter/") => rules::SSM_ARN,
        "kms" if resource.starts_with("alias/") => rules::KMS_ALIAS,
        "kms" => rules::KMS_KEY,
        _ => rules::ARN,
    })
}

fn pem_rule(value: &str) -> Option<Rule> {
    let (label, body) = decoded::pem_block(value)?;
    let material = body
        .bytes()
        .filter(|b| b.is_ascii_alphanumeric() || b"+/=".contains(b))
        .count();
    // `PRIVATE KEY`, and OpenPGP's `PRIVATE KEY BLOCK`.
    Some(match (label.contains("PRIVATE KEY"), material >= 64) {
        (true, true) => rules::PRIVATE_KEY,
        (true, false) => rules::EMPTY_PEM,
        (false, _) => rules::PUBLIC_KEY,
    })
}

/// Credentials in a format of their own: SSH keys, URLs and connection strings, JWTs, JWKs,
/// authorization values, JSON, base64.
fn by_encoding(value: &str, t: &mut Trace) -> Option<Rule> {
    if t.look(rules::SSH_PUBLIC_KEY, decoded::is_ssh_public_key(value)) {
        return Some(rules::SSH_PUBLIC_KEY);
    }
    let in_strings = credentials_in_strings(value);
    if let Some(rule) = t.group(
        STRING_RULES,
        "value is no URL, connection string, DSN or command line with a credential",
        in_strings,
    ) {
        return Some(rule);
    }
    // The header is the token's first part; finding the whole token needs no capture groups,
    // which would cost a slower regex engine on every value holding `eyJ`.
    let signed_jwt = value.contains("eyJ")
        && JWT
            .find(value)
            .and_then(|jwt| jwt.as_str().split('.').next())
            .is_some_and(is_jwt_header);
    if t.look(rules::JWT, signed_jwt) {
        return Some(rules::JWT);
    }
    let jwk = embedded::json_web_key(value).map(|private| {
        if private {
            rules::JWK_PRIVATE
        } else {
            rules::JWK_PUBLIC
        }
    });
    if let Some(rule) = t.group(
        "jwk-private, config-jwk-public",
        "value is no JSON Web Key",
        jwk,
    ) {
        return Some(rule);
    }
    if let Some(rule) = first_shape(value, ENCODED_CREDENTIALS, t) {
        return Some(rule);
    }
    let content = decoded::inspect(value).map(|content| match content {
        Content::PrivateKey | Content::Credential => rules::ENCODED_CREDENTIALS,
        Content::PublicKey => rules::ENCODED_PUBLIC_KEY,
        Content::Document => rules::ENCODED_DOCUMENT,
    });
    t.group(
        "encoded-credentials, config-encoded-public-key, config-encoded-document",
        "value does not decode (base64, possibly of gzip) to a key or a document",
        content,
    )
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
fn by_value_and_name(value: &str, info: &names::NameInfo, t: &mut Trace) -> Option<Rule> {
    let aws_secret_key = value.len() == 40
        && AWS_SECRET_KEY.is_match(value)
        && info.secret.is_some()
        && randomness::character_classes(value) >= 3
        && info.mentions_aws_or_access;
    if t.look(rules::AWS_SECRET_ACCESS_KEY, aws_secret_key) {
        return Some(rules::AWS_SECRET_ACCESS_KEY);
    }
    if t.look(rules::BOOLEAN, values::is_boolean(value)) {
        return Some(rules::BOOLEAN);
    }
    // Digits are the secret under a password name (6 or more) or a PIN name (4 or more).
    let shortest_secret = match info.secret {
        Some(SecretWord::Password) => 6,
        Some(SecretWord::Pin) => 4,
        _ => usize::MAX,
    };
    let numeric_password = randomness::is_digits(value) && value.len() >= shortest_secret;
    if t.look(rules::NUMBER, values::is_number(value) && !numeric_password) {
        return Some(rules::NUMBER);
    }
    if t.look(rules::LOG_LEVEL, values::is_log_level(value)) {
        return Some(rules::LOG_LEVEL);
    }
    if t.look(rules::KMS_ALIAS, values::is_kms_alias(value)) {
        return Some(rules::KMS_ALIAS);
    }
    let kms_key =
        values::is_kms_multi_region_key_id(value) || (values::is_uuid(value) && info.mentions_kms);
    if t.look(rules::KMS_KEY, kms_key) {
        return Some(rules::KMS_KEY);
    }
    if let Some(rule) = t.group(
        "reference-ssm-path, config-path",
        "value is not a path",
        path_rule(value, info),
    ) {
        return Some(rule);
    }
    // `…_SECRET_ID=prod/db` names a secret; so does `DB_PASSWORD_SECRET=prod/db`, but a lone
    // word under `SECRET` may be the (weak) secret itself.
    let has_separator = value.contains(['/', '-', '_', '.', '!']);
    let secret_name = info.mentions_secrets_manager
        && randomness::is_name_like(value)
        && (info.refers_to_secret || (info.secret.is_some() && has_separator));
    if t.look(rules::SECRET_NAME, secret_name) {
        return Some(rules::SECRET_NAME);
    }
    let ssm_name = info.mentions_parameter && randomness::is_name_like(value);
    if t.look(rules::SSM_NAME, ssm_name) {
        return Some(rules::SSM_NAME);
    }
    first_shape(value, IDENTIFIERS, t)
}

fn path_rule(value: &str, info: &names::NameInfo) -> Option<Rule> {
    if !values::is_path(value) {
        return None;
    }
    let names_a_parameter =
        (info.mentions_secret || info.mentions_parameter) && !values::is_file_path(value);
    Some(if names_a_parameter {
        rules::SSM_PATH
    } else {
        rules::PATH
    })
}

/// What remains is decided by the name: a password or key name makes a strong value a secret.
fn by_name(value: &str, info: &names::NameInfo, t: &mut Trace) -> Rule {
    let (strong, rule) = match info.secret {
        Some(SecretWord::Password) => {
            let varied = randomness::character_classes(value) >= 2 || randomness::is_digits(value);
            (value.chars().count() >= 8 && varied, rules::PASSWORD_NAME)
        }
        Some(SecretWord::Key) => (is_strong_key(value), rules::SECRET_NAME_HIGH_ENTROPY),
        Some(SecretWord::Pin) => (
            randomness::is_digits(value) && value.len() >= 4,
            rules::PIN_NAME,
        ),
        None => return neutral(value, info, t),
    };
    if t.look(rule, strong) {
        rule
    } else {
        t.look(rules::SECRET_NAME_WEAK_VALUE, true);
        rules::SECRET_NAME_WEAK_VALUE
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

fn neutral(value: &str, info: &names::NameInfo, t: &mut Trace) -> Rule {
    let digest =
        values::is_hex_digest(value) || (info.is_digest && decoded::decode_base64(value).is_some());
    if t.look(rules::UUID, values::is_uuid(value)) {
        rules::UUID
    } else if t.look(rules::DIGEST, digest) {
        rules::DIGEST
    } else if t.look(rules::IDENTIFIER, info.is_identifier) {
        rules::IDENTIFIER
    } else if let Some(rule) = first_shape(value, NAMES_AND_SETTINGS, t) {
        rule
    } else if t.look(
        rules::VERSION_NAME,
        randomness::looks_random(value) && info.is_version,
    ) {
        rules::VERSION_NAME
    } else if t.look(
        rules::HIGH_ENTROPY_NEUTRAL_NAME,
        randomness::looks_random(value),
    ) {
        rules::HIGH_ENTROPY_NEUTRAL_NAME
    } else {
        t.look(rules::VALUE, true);
        rules::VALUE
    }
}

#[cfg(test)]
mod tests;
