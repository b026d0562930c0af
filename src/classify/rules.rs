//! The classifier's own rules (vendor formats live in `vendors.rs`): each one's class, stable
//! id and the one sentence a reviewer checks against the value, defined once.

use super::Class::{self, Config, Reference, Secret, Suspect};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub class: Class,
    pub id: &'static str,
    pub reason: &'static str,
}

/// `NAME = Class, "id", "reason";` defines `pub const NAME: Rule`, one line a rule, and
/// lists every rule in `ALL`.
macro_rules! rules {
    ($($name:ident = $class:ident, $id:literal, $reason:literal;)*) => {
        $(pub const $name: Rule = Rule { class: $class, id: $id, reason: $reason };)*
        pub const ALL: &[Rule] = &[$($name),*];
    };
}

rules! {
    // What the value alone proves.
    EMPTY = Config, "config-empty", "value is empty";
    DOCUMENTED_EXAMPLE = Config, "config-documented-example", "value is a credential published as an example in vendor documentation (AWS, Azurite), so it grants nothing";
    CFN_DYNAMIC = Reference, "reference-cfn-dynamic", "value is a CloudFormation dynamic reference ({{resolve:…}}) left unresolved, so it names the secret instead of holding it";
    PLACEHOLDER = Config, "config-placeholder", "value is a placeholder (template syntax, filler characters or a 'your key here' phrase), not a credential";
    SECRETSMANAGER_ARN = Reference, "reference-secretsmanager-arn", "value is the ARN of a Secrets Manager secret, which names the secret without holding it";
    SSM_ARN = Reference, "reference-ssm-arn", "value is the ARN of an SSM parameter, not its content";
    KMS_ALIAS = Reference, "reference-kms-alias", "value is a KMS key alias, which names a key without holding it";
    KMS_KEY = Reference, "reference-kms-key", "value identifies a KMS key, which never leaves KMS";
    ARN = Reference, "reference-arn", "value is the ARN of an AWS resource, an identifier rather than a credential";
    PRIVATE_KEY = Secret, "private-key", "value holds a PEM private key block (-----BEGIN … PRIVATE KEY-----) with key material";
    EMPTY_PEM = Config, "config-empty-pem", "value is PEM armour for a private key with no key material in it";
    PUBLIC_KEY = Config, "config-public-key", "value is a PEM public key or certificate, which is meant to be shared";
    VENDOR_CHECKSUM_MISMATCH = Suspect, "vendor-checksum-mismatch", "value has a vendor token's shape but its checksum does not verify (a typo, a truncation or a fake); settled by the vendor's token list or API: a live token is a secret, an unknown one is not";
    JWT = Secret, "jwt", "value is a JSON Web Token (three base64url parts whose header names a signing algorithm)";
    BASIC_AUTH = Secret, "basic-auth", "value is an HTTP Basic authorization value (base64 of user:password)";
    BEARER_TOKEN = Secret, "bearer-token", "value is an HTTP authorization value carrying a bearer token";
    JSON_CREDENTIALS = Secret, "json-credentials", "value is a JSON document whose credential field (password, secret, token, private_key…) holds a value";
    ENCODED_CREDENTIALS = Secret, "encoded-credentials", "value is base64 (possibly of gzip) that decodes to a private key (PEM or DER) or to a document with a credential field";
    ENCODED_PUBLIC_KEY = Config, "config-encoded-public-key", "value is base64 of a public key or certificate (DER SubjectPublicKeyInfo, X.509, PKCS#1 or an elliptic-curve point), which is meant to be shared";
    ENCODED_DOCUMENT = Config, "config-encoded-document", "value is base64 (possibly of gzip) of a readable document (JSON, YAML, a script, markup) with no credential field in it";
    SSH_PUBLIC_KEY = Config, "config-ssh-public-key", "value is an OpenSSH public key line (type, base64 key blob naming the same type, comment), which is meant to be shared";
    JWK_PUBLIC = Config, "config-jwk-public", "value is a JSON Web Key or key set with public members only (no d, p, q or k)";
    JWK_PRIVATE = Secret, "jwk-private", "value is a JSON Web Key with a private member (d, p, q or a symmetric k)";

    // Credentials inside URLs and connection strings.
    JDBC_CREDENTIALS = Secret, "jdbc-credentials", "value is a JDBC URL carrying a password (user/password@ or a password= property)";
    URL_CREDENTIALS = Secret, "url-credentials", "value is a URL with a password in it (scheme://user:password@host or a password query parameter)";
    USERINFO_CREDENTIALS = Secret, "userinfo-credentials", "value is user:password@host without a URL scheme (a Go or Oracle DSN, a proxy, a server list)";
    ARGUMENT_CREDENTIALS = Secret, "argument-credentials", "value is a command line or option string handing a credential to an option or variable that names one (--password=…, -D….password=…, PGPASSWORD=…, mysql -p…)";
    WEBHOOK_URL = Secret, "webhook-url", "value is a webhook URL whose path holds the id and token that let anyone post to it";
    CONNECTION_STRING_PASSWORD = Secret, "connection-string-password", "value is a connection string with a Password= or Pwd= field";
    PLACEHOLDER_CREDENTIALS = Config, "config-placeholder-credentials", "value has a placeholder where its password goes (user:password@, <password>, ${…})";
    URL = Config, "config-url", "value is a URL with no password in it";

    // Value shapes read together with the name.
    AWS_SECRET_ACCESS_KEY = Secret, "aws-secret-access-key", "value is 40 mixed base64 characters under a name about an AWS secret access key";
    BOOLEAN = Config, "config-boolean", "value is a boolean flag";
    NUMBER = Config, "config-number", "value is a number or a duration";
    LOG_LEVEL = Config, "config-log-level", "value is a log level";
    SSM_PATH = Reference, "reference-ssm-path", "value is a parameter path under a name about a secret or a parameter, so it names where the value is kept";
    PATH = Config, "config-path", "value is a file-system path";
    SECRET_NAME = Reference, "reference-secret-name", "value is a name made of words under a name that refers to a secret, so it names the secret instead of holding it";
    SSM_NAME = Reference, "reference-ssm-name", "value is a name made of words under a name about an SSM parameter, so it names where the value is kept";
    LABELLED_DIGEST = Config, "config-labelled-digest", "value is a digest labelled with its algorithm (sha256:…, sha512-…)";
    GENERATED_NAME = Config, "config-generated-name", "value has the shape of a resource name CloudFormation generates (stack-LogicalId-SUFFIX)";
    HOSTNAME = Config, "config-hostname", "value is a host name";

    // What the name decides.
    PASSWORD_NAME = Secret, "password-name", "value under a password name (…PASSWORD, …_PASS, PWD, …_PW) is long and varied enough to be the password itself";
    SECRET_NAME_HIGH_ENTROPY = Secret, "secret-name-high-entropy", "value under a secret-ish name (…_SECRET, …_TOKEN, …_KEY) is long and random, so it is the secret itself";
    SECRET_NAME_WEAK_VALUE = Suspect, "secret-name-weak-value", "value under a secret-ish name is short or a plain word: a weak credential, a default or a setting; settled by what reads it: sent to a service as a credential (a secret to move), or a mode or flag (configuration)";
    PIN_NAME = Secret, "pin-name", "value under a PIN name is 4 or more digits, the PIN itself";
    IMAGE_REFERENCE = Config, "config-image-reference", "value is a container image reference pinned by digest (repository@sha256:…)";
    IDENTIFIER_FORMAT = Config, "config-identifier-format", "value is a resource id in the prefix-hex form AWS and others use (vpc-…, jr_…), under a name that does not announce a secret";
    LOWER_CASE_NAME = Config, "config-lower-case-name", "value is a generated resource name in lower case (words, digits and a random part joined by hyphens, as S3 buckets and pods are named)";
    SETTINGS_LIST = Config, "config-settings-list", "value is a list of Key=value settings none of whose keys names a credential";
    VERSION_NAME = Config, "config-version-name", "value is random-looking under a name about a version, build or revision, so it names a build rather than a credential";
    UUID = Config, "config-uuid", "value is a UUID under a name that does not announce a secret";
    DIGEST = Config, "config-digest", "value is a digest or commit id (hex or base64) under a name that does not announce a secret";
    IDENTIFIER = Config, "config-identifier", "value is an identifier under a name ending in _ID";
    HIGH_ENTROPY_NEUTRAL_NAME = Suspect, "high-entropy-neutral-name", "value is long and random under a name that says nothing about it; settled by what reads it: sent to a service as a credential (a secret to move), or an identifier, digest or seed (configuration)";
    VALUE = Config, "config-value", "value is ordinary configuration: no credential shape, and the name does not announce a secret";
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `suspect` asks a person to look: its reason says what would settle it.
    #[test]
    fn every_suspect_reason_says_what_settles_it() {
        for rule in ALL.iter().filter(|rule| rule.class == Suspect) {
            assert!(
                rule.reason.contains("; settled by "),
                "{}: {}",
                rule.id,
                rule.reason
            );
        }
    }

    #[test]
    fn ids_are_unique_kebab_case_and_reasons_one_plain_sentence() {
        let mut ids = std::collections::BTreeSet::new();
        for rule in ALL {
            assert!(ids.insert(rule.id), "{} is defined twice", rule.id);
            assert!(
                rule.id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{}",
                rule.id
            );
            assert!(
                rule.reason.starts_with("value ") && !rule.reason.ends_with('.'),
                "{}",
                rule.id
            );
        }
    }
}
