//! Token formats that vendors document: a prefix, an alphabet, a length and sometimes a
//! checksum. A value in one of these shapes is that vendor's credential whatever its name.

use std::sync::LazyLock;

use regex::Regex;

use super::rules::Rule;
use super::Class;

/// How a matched token is checked beyond its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    None,
    /// GitHub and npm tokens end with the CRC32 of their 30 random characters as 6 base62 digits.
    Crc32Base62,
}

pub struct VendorFormat {
    pub rule: &'static str,
    /// The class a match gets (publishable keys and account ids are not credentials).
    pub class: Class,
    pub pattern: &'static str,
    /// Literal prefixes a match may start with; the one found is shown in the shape.
    pub prefixes: &'static [&'static str],
    pub check: Check,
    pub reason: &'static str,
}

impl VendorFormat {
    /// The verdict of a match whose checksum (if any) verified.
    pub fn verdict(&self) -> Rule {
        Rule {
            class: self.class,
            id: self.rule,
            reason: self.reason,
        }
    }
}

mod formats;

pub use formats::FORMATS;

static COMPILED: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    FORMATS
        .iter()
        .map(|f| {
            Regex::new(f.pattern)
                .unwrap_or_else(|e| panic!("vendor pattern {} is invalid: {e}", f.rule))
        })
        .collect()
});

/// Literal text that every match of a format without prefixes contains. The Azure pattern is
/// case-insensitive: its `…Key=` ends in `y=` or `Y=` whatever the case of the rest.
fn markers(format: &VendorFormat) -> &'static [&'static str] {
    match format.rule {
        _ if !format.prefixes.is_empty() => format.prefixes,
        "azure-storage-connection-string" => &["y=", "Y="],
        "telegram-bot-token" => &[":AA"],
        "mailchimp-key" => &["-us"],
        "terraform-cloud-token" => &[".atlasv1."],
        "azure-ad-client-secret" => &["Q~"],
        other => panic!("vendor format {other} has neither prefixes nor markers"),
    }
}

/// One literal to look for: the format it may start, and whether it is the prefix of a pattern
/// anchored at the start of the value (then only a marker at offset 0 counts).
struct Marker {
    text: &'static [u8],
    format: usize,
    anchored: bool,
}

/// The markers by their first byte: one pass over the value finds every format that can match,
/// where one automaton of all the patterns would track their counted repeats (`{134}`, `{150,}`)
/// at once and leave the fast engine.
static MARKERS: LazyLock<Vec<Vec<Marker>>> = LazyLock::new(|| {
    let mut by_first_byte: Vec<Vec<Marker>> = (0..256).map(|_| Vec::new()).collect();
    for (format, f) in FORMATS.iter().enumerate() {
        for text in markers(f) {
            by_first_byte[usize::from(text.as_bytes()[0])].push(Marker {
                text: text.as_bytes(),
                format,
                anchored: f.pattern.starts_with('^') && !f.prefixes.is_empty(),
            });
        }
    }
    by_first_byte
});

/// Which formats' markers occur in `value`, as a bit per format.
fn candidates(value: &str) -> u128 {
    let bytes = value.as_bytes();
    let mut found = 0u128;
    for (at, &b) in bytes.iter().enumerate() {
        for marker in &MARKERS[usize::from(b)] {
            if (at == 0 || !marker.anchored) && bytes[at..].starts_with(marker.text) {
                found |= 1 << marker.format;
            }
        }
    }
    found
}

/// The outcome of matching a value against the table.
pub struct VendorMatch {
    pub format: &'static VendorFormat,
    pub prefix: Option<&'static str>,
    /// False when the format carries a checksum and it does not verify.
    pub checksum_ok: bool,
}

/// The shortest token any format matches (`AKIA` + 16).
const SHORTEST: usize = 20;

/// The first format, in table order, whose pattern matches, and the text it matched.
fn first_match(value: &str) -> Option<(&'static VendorFormat, &str)> {
    let mut left = candidates(value);
    while left != 0 {
        let index = left.trailing_zeros() as usize;
        left &= left - 1;
        if let Some(found) = COMPILED[index].find(value) {
            return Some((&FORMATS[index], found.as_str()));
        }
    }
    None
}

pub fn find(value: &str) -> Option<VendorMatch> {
    if value.len() < SHORTEST {
        return None;
    }
    let (format, text) = first_match(value)?;
    let prefix = format
        .prefixes
        .iter()
        .copied()
        .find(|p| text.starts_with(p));
    let checksum_ok = match format.check {
        Check::None => true,
        Check::Crc32Base62 => crc32_base62_ok(text),
    };
    Some(VendorMatch {
        format,
        prefix,
        checksum_ok,
    })
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The last 6 characters are the CRC32 of the 30 before them, in base62, left-padded with `0`.
fn crc32_base62_ok(token: &str) -> bool {
    let Some((_, tail)) = token.split_once('_') else {
        return false;
    };
    if tail.len() != 36 {
        return false;
    }
    let (body, checksum) = tail.split_at(30);
    let mut n = crc32(body.as_bytes());
    let mut digits = [b'0'; 6];
    for slot in digits.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    n == 0 && checksum.as_bytes() == digits
}

/// CRC-32 (IEEE 802.3, reflected, as zlib computes it).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fake tokens in each vendor's shape, built here rather than copied from anywhere.
    fn example(rule: &str) -> String {
        let r36 = "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A";
        let hex32 = "0123456789abcdef0123456789abcdef";
        match rule {
            "aws-access-key-id" => "AKIAQ2RT5WX7Z3B4C6D7".into(),
            "github-token" => with_checksum("ghp_"),
            "github-fine-grained-token" => format!("github_pat_{}_{}", &r36[..22], "a".repeat(59)),
            "gitlab-token" => "glpat-Ab3De5Fg7Hj9Kl1Mn3Pq".into(),
            "slack-webhook" => format!(
                "https://hooks.slack.com/services/T0123ABCD/B0123ABCD/{}",
                &r36[..24]
            ),
            "slack-token" => format!("xoxb-123456789012-1234567890123-{}", &r36[..24]),
            "stripe-key" => format!("sk_live_{}", &r36[..24]),
            "stripe-webhook-secret" => format!("whsec_{}", &r36[..32]),
            "stripe-publishable-key" => format!("pk_live_{}", &r36[..24]),
            "sendgrid-key" => format!("SG.{}.{r36}{}", &r36[..22], &r36[..7]),
            "twilio-account-sid" => format!("AC{hex32}"),
            "twilio-api-key" => format!("SK{hex32}"),
            "google-api-key" => format!("AIza{}", &r36[..35]),
            "azure-storage-connection-string" => {
                format!(
                    "DefaultEndpointsProtocol=https;AccountName=x;AccountKey={}==",
                    "Ab3+".repeat(21) + "Ab"
                )
            }
            "npm-token" => with_checksum("npm_"),
            "pypi-token" => format!("pypi-AgEIcHlwaS5vcmc{}", r36.repeat(2)),
            "anthropic-key" => format!("sk-ant-api03-{}AA", r36.repeat(3)),
            "openai-key" => format!("sk-proj-{}T3BlbkFJ{}", &r36[..20], &r36[..20]),
            "huggingface-token" => format!("hf_{}", "aBcDeFgHiJkLmNoPqRsTuVwXyZaBcDeFgH"),
            "digitalocean-token" => format!("dop_v1_{hex32}{hex32}"),
            "shopify-token" => format!("shpat_{hex32}"),
            "vault-token" => format!("hvs.{}", &r36[..24]),
            "telegram-bot-token" => format!("123456789:AA{}", &r36[..33]),
            "mailchimp-key" => format!("{hex32}-us12"),
            other => more_examples(other, r36, hex32),
        }
    }

    /// Examples of the formats added with the extended corpus, built the same way.
    fn more_examples(rule: &str, r36: &str, hex32: &str) -> String {
        let hex40 = &format!("{hex32}{hex32}")[..40];
        let r43 = &format!("{r36}{r36}")[..43];
        match rule {
            "atlassian-api-token" => format!("ATATT3xFfGF0{}", r36.repeat(5)),
            "linear-api-key" => format!("lin_api_{}", &r36.repeat(2)[..40]),
            "notion-token" => format!("ntn_12345678901{}", &r36[..35]),
            "postman-api-key" => format!("PMAK-{}-{hex32}ab", &hex32[..24]),
            "doppler-token" => format!("dp.st.prod.{}", &r36.repeat(2)[..40]),
            "databricks-token" => format!("dapi{hex32}"),
            "grafana-token" => format!("glsa_{}_{}", &r36[..32], &hex32[..8]),
            "new-relic-key" => format!("NRAK-{}", &r36[..27]),
            "dynatrace-token" => format!("dt0c01.{}.{}", "AB12".repeat(6), "CD34".repeat(16)),
            "planetscale-token" => format!("pscale_tkn_{r43}"),
            "supabase-token" => format!("sbp_{hex40}"),
            "sentry-token" => format!("sntryu_{hex32}{hex32}"),
            "pulumi-token" => format!("pul-{hex40}"),
            "terraform-cloud-token" => format!("{}.atlasv1.{}", &r36[..14], &r36.repeat(2)[..67]),
            "square-token" => format!("EAAA{}", &r36.repeat(2)[..60]),
            "mailgun-key" => format!("key-{hex32}"),
            "mapbox-secret-token" => format!("sk.eyJ1IjoiZXhhbXBsZSJ9.{}", &r36[..22]),
            "mapbox-public-token" => format!("pk.eyJ1IjoiZXhhbXBsZSJ9.{}", &r36[..22]),
            "airtable-token" => format!("pat{}.{hex32}{hex32}", &r36[..14]),
            "figma-token" => format!("figd_{}", &r36.repeat(2)[..40]),
            "buildkite-token" => format!("bkua_{hex40}"),
            "docker-hub-token" => format!("dckr_pat_{}", &r36[..27]),
            "azure-ad-client-secret" => format!("abC8Q~{}", &r36[..34]),
            "alibaba-access-key-id" => format!("LTAI{}", &r36[..20]),
            "groq-key" => format!("gsk_{}", &r36.repeat(2)[..52]),
            "replicate-token" => format!("r8_{}", &r36.repeat(2)[..37]),
            "perplexity-key" => format!("pplx-{}", &r36.repeat(2)[..48]),
            "xai-key" => format!("xai-{}", &r36.repeat(3)[..80]),
            "openrouter-key" => format!("sk-or-v1-{hex32}{hex32}"),
            "facebook-token" => format!("EAAB{}", r36.repeat(3)),
            "launchdarkly-sdk-key" => "sdk-0f0e1d2c-3b4a-4596-8877-66554433aabb".into(),
            "netlify-token" => format!("nfp_{}", &r36.repeat(2)[..40]),
            "contentful-token" => format!("CFPAT-{r43}"),
            "firebase-server-key" => format!("AAAA{}:APA91b{}", &r36[..7], &r36.repeat(4)[..134]),
            "posthog-personal-key" => format!("phx_{r43}"),
            "posthog-project-key" => format!("phc_{r43}"),
            "braintree-token" => format!("access_token$production$abcdefgh12345678${hex32}"),
            "heroku-token" => format!("HRKU-{}", &r36[..32]),
            "age-secret-key" => format!(
                "AGE-SECRET-KEY-1{}",
                "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"
                    .repeat(2)
                    .get(..58)
                    .unwrap_or("")
            ),
            "revenuecat-public-key" => format!("appl_{}", &r36[..27]),
            other => panic!("no example for {other}"),
        }
    }

    fn with_checksum(prefix: &str) -> String {
        let body = "Xy7Qm2Rt9Lp4Kd8Wz1Nc6Vb3Hs5Jf0";
        let mut n = crc32(body.as_bytes());
        let mut digits = [b'0'; 6];
        for slot in digits.iter_mut().rev() {
            *slot = BASE62[(n % 62) as usize];
            n /= 62;
        }
        format!("{prefix}{body}{}", String::from_utf8_lossy(&digits))
    }

    #[test]
    fn every_format_matches_its_example_and_only_itself_first() {
        for format in FORMATS {
            let value = example(format.rule);
            let found =
                find(&value).unwrap_or_else(|| panic!("{} did not match {value}", format.rule));
            assert_eq!(found.format.rule, format.rule);
            assert!(found.checksum_ok, "{}", format.rule);
            if !format.prefixes.is_empty() {
                assert!(found.prefix.is_some(), "{} reports no prefix", format.rule);
            }
        }
    }

    /// The markers only skip patterns that cannot match: on every corpus value and every
    /// example, the first format found is the one a set of all the patterns reports first.
    #[test]
    fn markers_never_skip_a_match() {
        assert!(FORMATS.len() <= 128, "candidates() keeps one bit a format");
        let all = regex::RegexSet::new(FORMATS.iter().map(|f| f.pattern)).expect("valid patterns");
        let corpus = include_str!("../../tests/data/audit-corpus.jsonl");
        let values = corpus
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter_map(|row| row["value"].as_str().map(str::to_string))
            .chain(FORMATS.iter().map(|f| example(f.rule)));
        let mut checked = 0;
        for value in values {
            let expected = all.matches(&value).iter().next();
            let found = first_match(&value).map(|(f, _)| f.rule);
            assert_eq!(found, expected.map(|i| FORMATS[i].rule), "{value}");
            checked += 1;
        }
        assert!(checked > 1000, "only {checked} values checked");
    }

    #[test]
    fn crc32_matches_zlib() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn a_wrong_checksum_is_reported() {
        let mut token = with_checksum("ghp_");
        let last = token.pop().unwrap_or('0');
        token.push(if last == '0' { '1' } else { '0' });
        let found = find(&token).expect("shape still matches");
        assert!(!found.checksum_ok);
    }

    #[test]
    fn near_misses_do_not_match() {
        for value in [
            "AKIA1234",
            "ghp_short",
            "sk_live_short",
            "pk_live_",
            "SG.abc.def",
            "AIzaShort",
            "npm_install",
        ] {
            assert!(
                find(value).is_none_or(|m| m.format.class != Class::Secret),
                "{value}"
            );
        }
    }
}
