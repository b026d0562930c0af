//! What a variable's name says about its value: whether it names a password or another
//! secret, or only describes one (`…_TTL`, `…_ARN`, `…_ENABLED`).

/// The kind of secret a name announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretWord {
    /// `PASSWORD`, `DB_PASS`, `PWD`, `ADMIN_PW`, `PASSPHRASE`: any non-trivial value is the password.
    Password,
    /// `SECRET`, `TOKEN`, `API_KEY`, `CREDENTIALS`, `AUTH`: a key or token, usually random.
    Key,
    /// `PIN`, `PIN_CODE`: a few digits are the secret.
    Pin,
}

/// What the name of a variable tells.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameInfo {
    /// The secret the name announces, unless a descriptor after it says the value is about
    /// the secret rather than the secret itself.
    pub secret: Option<SecretWord>,
    /// A secret word appears anywhere, even when described (`DB_PASSWORD_SECRET_ARN`).
    pub mentions_secret: bool,
    /// The name contains `SECRET` (or `SECRETSMANAGER`): a name-like value names a secret.
    pub mentions_secrets_manager: bool,
    /// The name says the value is a parameter (`…_PARAM`, `SSM_…`).
    pub mentions_parameter: bool,
    /// The name is about a KMS key (`KMS_…`, `CMK_…`, `…_KEY_ID`).
    pub mentions_kms: bool,
    /// The name ends in an identifier word (`…_ID`, `…_SID`).
    pub is_identifier: bool,
    /// A word after the secret word says the value identifies the secret (`…_SECRET_ID`,
    /// `…_SECRET_NAME`, `…_TOKEN_PARAM`).
    pub refers_to_secret: bool,
    /// The name is about a digest (`…_HASH`, `…_SHA256`, `…_CHECKSUM`).
    pub is_digest: bool,
    /// The name mentions AWS or an access key (`S3_SECRET_ACCESS_KEY`, `AWS_SECRET`).
    pub mentions_aws_or_access: bool,
    /// The name is about a version, build or revision (`…_VERSION`, `BUILD_…`, `…_REF`).
    pub is_version: bool,
}

/// Words that, after a secret word, make the name describe the secret instead of holding it.
#[rustfmt::skip]
const DESCRIPTORS: &[&str] = &[
    "id", "ids", "sid", "arn", "arns", "name", "names", "alias", "param", "params", "parameter",
    "parameters", "ssm", "path", "file", "dir", "location", "ref", "header", "field", "ttl",
    "expiry", "expires", "expiration", "lifetime", "timeout", "seconds", "millis", "minutes",
    "days", "age", "length", "len", "min", "max", "size", "limit", "rate", "count", "retries",
    "enabled", "enable", "disabled", "required", "require", "allow", "skip", "validation", "policy",
    "algorithm", "algo", "alg", "format", "type", "mode", "scheme", "issuer", "audience", "scope",
    "url", "uri", "endpoint", "host", "port", "region", "provider", "source", "store", "stage",
    "version", "prefix", "suffix", "rotation", "refresh", "window", "hash", "cache", "method",
    "level", "kind", "class", "connections", "stdin",
];

/// Descriptors that make the value an identifier of the secret (its name, id, path or ARN).
#[rustfmt::skip]
const REFERENCE_DESCRIPTORS: &[&str] = &[
    "id", "ids", "arn", "arns", "name", "names", "alias", "ref", "param", "params", "parameter",
    "parameters", "ssm", "path", "location",
];

/// Words that, before `KEY`, name a non-secret key (a table key, an object key, a public key).
#[rustfmt::skip]
const NEUTRAL_KEY_QUALIFIERS: &[&str] = &[
    "partition", "sort", "primary", "cache", "object", "s3", "idempotency", "routing", "hash",
    "range", "foreign", "dedup", "dedupe", "lookup", "index", "public", "pub", "publishable", "kms",
    "cmk", "bucket", "group", "message", "shard", "cursor", "sequence", "compound",
];

/// Words that make a name about a version or build (its value names a build, not a secret).
const VERSION_WORDS: &[&str] = &[
    "version", "revision", "build", "release", "ref", "tag", "commit",
];

#[rustfmt::skip]
const DIGEST_WORDS: &[&str] = &[
    "hash", "sha", "sha1", "sha256", "sha512", "md5", "digest", "checksum", "etag", "integrity",
    "fingerprint",
];

/// Splits `DB_PASSWORD`, `dbPassword`, `db-password` and `DbPassword` into lower-case words.
pub fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous: Option<char> = None;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous = None;
            continue;
        }
        // A lower-case letter or digit followed by an upper-case one starts a new word.
        if c.is_ascii_uppercase()
            && previous.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
            && !current.is_empty()
        {
            words.push(std::mem::take(&mut current));
        }
        current.push(c.to_ascii_lowercase());
        previous = Some(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

fn secret_word(word: &str, previous: Option<&str>) -> Option<SecretWord> {
    const PASSWORD_WORDS: &[&str] = &["pwd", "pw", "pass", "passwd", "passphrase", "psk"];
    if word.contains("password") || PASSWORD_WORDS.contains(&word) {
        return Some(SecretWord::Password);
    }
    if word == "pin" {
        return Some(SecretWord::Pin);
    }
    let keyish = word.contains("secret")
        || word.contains("token")
        || word.contains("apikey")
        || word.contains("credential")
        || matches!(
            word,
            "creds" | "auth" | "privatekey" | "salt" | "pepper" | "sk"
        );
    if keyish {
        return Some(SecretWord::Key);
    }
    if word == "key" && !previous.is_some_and(|p| NEUTRAL_KEY_QUALIFIERS.contains(&p)) {
        return Some(SecretWord::Key);
    }
    None
}

pub fn analyse(name: &str) -> NameInfo {
    let words = words(name);
    let mut info = NameInfo::default();
    let mut last_secret: Option<(usize, SecretWord)> = None;
    for (i, word) in words.iter().enumerate() {
        let previous = i.checked_sub(1).map(|p| words[p].as_str());
        if let Some(kind) = secret_word(word, previous) {
            // A password word outranks a key word in the same name (`DB_PASSWORD_KEY`).
            let kind = match (last_secret, kind) {
                (Some((_, SecretWord::Password)), _) => SecretWord::Password,
                (Some((_, earlier)), SecretWord::Pin) => earlier,
                _ => kind,
            };
            last_secret = Some((i, kind));
        }
        info.mentions_secrets_manager |= word.contains("secret");
        info.mentions_parameter |= matches!(
            word.as_str(),
            "param" | "params" | "parameter" | "parameters" | "ssm"
        );
        info.mentions_kms |= matches!(word.as_str(), "kms" | "cmk");
        info.is_digest |= DIGEST_WORDS.contains(&word.as_str());
        info.mentions_aws_or_access |= matches!(word.as_str(), "aws" | "access");
        info.is_version |= VERSION_WORDS.contains(&word.as_str());
    }
    let last = words.last().map(String::as_str);
    info.is_identifier = matches!(last, Some("id" | "ids" | "sid"));
    info.mentions_kms |= words.len() >= 2 && words[words.len() - 2] == "key" && last == Some("id");
    if let Some((at, kind)) = last_secret {
        info.mentions_secret = true;
        let after = &words[at + 1..];
        let described = after.iter().any(|w| DESCRIPTORS.contains(&w.as_str()));
        info.refers_to_secret = after
            .iter()
            .any(|w| REFERENCE_DESCRIPTORS.contains(&w.as_str()));
        if !described {
            info.secret = Some(kind);
        }
    }
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_names_into_words() {
        assert_eq!(words("DB_PASSWORD"), ["db", "password"]);
        assert_eq!(words("dbPassword"), ["db", "password"]);
        assert_eq!(words("DbPassword"), ["db", "password"]);
        assert_eq!(
            words("ConnectionStrings__Default"),
            ["connection", "strings", "default"]
        );
        assert_eq!(
            words("AzureWebJobsStorage"),
            ["azure", "web", "jobs", "storage"]
        );
    }

    #[test]
    fn what_names_announce() {
        let cases: [(Option<SecretWord>, &[&str]); 3] = [
            (
                Some(SecretWord::Password),
                &[
                    "DB_PASSWORD",
                    "DB_PASS",
                    "PWD",
                    "ADMIN_PW",
                    "MYSQL_PWD",
                    "DB_PASSWD",
                    "dbPassword",
                    "PASSPHRASE",
                ],
            ),
            (
                Some(SecretWord::Key),
                &[
                    "API_KEY",
                    "STRIPE_SECRET_KEY",
                    "SLACK_BOT_TOKEN",
                    "CLIENT_SECRET",
                    "apiKey",
                    "DB_CREDENTIALS",
                    "KEY",
                ],
            ),
            (
                None,
                &[
                    "DB_PASSWORD_SECRET_ARN",
                    "TOKEN_TTL",
                    "PASSWORD_MIN_LENGTH",
                    "API_KEY_HEADER",
                    "KMS_KEY_ID",
                    "PARTITION_KEY",
                    "PUBLIC_KEY_PEM",
                    "TABLE_NAME",
                    "SECRET_ID",
                    "JWT_ALGORITHM",
                ],
            ),
        ];
        for (expected, names) in cases {
            for name in names {
                assert_eq!(analyse(name).secret, expected, "{name}");
            }
        }
        assert!(analyse("DB_PASSWORD_SECRET_ARN").mentions_secret);
        assert!(analyse("ENCRYPTION_KEY_ID").mentions_kms);
        assert!(analyse("HOSTED_ZONE_ID").is_identifier);
        assert!(analyse("CODE_SHA256").is_digest);
    }
}
