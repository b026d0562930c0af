//! Token formats that vendors document: a prefix, an alphabet, a length and sometimes a
//! checksum. A value in one of these shapes is that vendor's credential whatever its name.

use std::sync::LazyLock;

use regex::{Regex, RegexSet};

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

/// Ordered: the first format that matches wins.
pub const FORMATS: &[VendorFormat] = &[
    VendorFormat {
        rule: "aws-access-key-id",
        class: Class::Secret,
        pattern: r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b",
        prefixes: &["AKIA", "ASIA", "ABIA", "ACCA"],
        check: Check::None,
        reason: "value has the shape of an AWS access key id (AKIA/ASIA + 16 base32 characters)",
    },
    VendorFormat {
        rule: "github-token",
        class: Class::Secret,
        pattern: r"\bgh[pousr]_[A-Za-z0-9]{36}\b",
        prefixes: &["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
        check: Check::Crc32Base62,
        reason: "value has the shape of a GitHub token (gh?_ + 36 characters with a valid checksum)",
    },
    VendorFormat {
        rule: "github-fine-grained-token",
        class: Class::Secret,
        pattern: r"\bgithub_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}\b",
        prefixes: &["github_pat_"],
        check: Check::None,
        reason: "value has the shape of a GitHub fine-grained personal access token (github_pat_ + 82 characters)",
    },
    VendorFormat {
        rule: "gitlab-token",
        class: Class::Secret,
        pattern: r"\bgl(?:pat|dt|rt|ptt|ft|soat|oas|cbt|imt|agent)-[A-Za-z0-9_-]{20,}",
        prefixes: &["glpat-", "gldt-", "glrt-", "glptt-", "glft-", "glsoat-", "gloas-", "glcbt-", "glimt-", "glagent-"],
        check: Check::None,
        reason: "value has the shape of a GitLab token (glpat-/gldt-/glrt-… + 20 or more characters)",
    },
    VendorFormat {
        rule: "slack-webhook",
        class: Class::Secret,
        pattern: r"https://hooks\.slack\.com/(?:services|workflows|triggers)/T[A-Z0-9]{6,}/[A-Z0-9]{6,}/[A-Za-z0-9]{20,}",
        prefixes: &["https://hooks.slack.com/"],
        check: Check::None,
        reason: "value is a Slack incoming-webhook URL, which lets anyone post to the channel",
    },
    VendorFormat {
        rule: "slack-token",
        class: Class::Secret,
        pattern: r"\b(?:xox[baprse]-[0-9]{6,}-[0-9A-Za-z-]{10,}|xapp-[0-9]-[A-Z0-9]{6,}-[0-9]{6,}-[a-z0-9]{32,})",
        prefixes: &["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-", "xapp-"],
        check: Check::None,
        reason: "value has the shape of a Slack token (xoxb-/xoxp-/xapp- and numeric team and user ids)",
    },
    VendorFormat {
        rule: "stripe-key",
        class: Class::Secret,
        pattern: r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,}\b",
        prefixes: &["sk_live_", "sk_test_", "rk_live_", "rk_test_"],
        check: Check::None,
        reason: "value has the shape of a Stripe secret or restricted key (sk_/rk_ + live/test + 20 or more characters)",
    },
    VendorFormat {
        rule: "stripe-webhook-secret",
        class: Class::Secret,
        pattern: r"\bwhsec_[A-Za-z0-9+/]{24,}",
        prefixes: &["whsec_"],
        check: Check::None,
        reason: "value has the shape of a Stripe webhook signing secret (whsec_ + 24 or more characters)",
    },
    VendorFormat {
        rule: "stripe-publishable-key",
        class: Class::Config,
        pattern: r"^pk_(?:live|test)_[A-Za-z0-9]{20,}$",
        prefixes: &["pk_live_", "pk_test_"],
        check: Check::None,
        reason: "value is a Stripe publishable key, which Stripe documents as safe to publish",
    },
    VendorFormat {
        rule: "sendgrid-key",
        class: Class::Secret,
        pattern: r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b",
        prefixes: &["SG."],
        check: Check::None,
        reason: "value has the shape of a SendGrid API key (SG. + 22 + . + 43 characters)",
    },
    VendorFormat {
        rule: "twilio-account-sid",
        class: Class::Config,
        pattern: r"^AC[0-9a-f]{32}$",
        prefixes: &["AC"],
        check: Check::None,
        reason: "value is a Twilio Account SID (AC + 32 hex), an identifier rather than a credential",
    },
    VendorFormat {
        rule: "twilio-api-key",
        class: Class::Secret,
        pattern: r"^SK[0-9a-f]{32}$",
        prefixes: &["SK"],
        check: Check::None,
        reason: "value has the shape of a Twilio API key (SK + 32 hex)",
    },
    VendorFormat {
        rule: "google-api-key",
        class: Class::Secret,
        pattern: r"\bAIza[0-9A-Za-z_-]{35}",
        prefixes: &["AIza"],
        check: Check::None,
        reason: "value has the shape of a Google API key (AIza + 35 characters)",
    },
    VendorFormat {
        rule: "azure-storage-connection-string",
        class: Class::Secret,
        pattern: r"(?i)(?:AccountKey|SharedAccessKey)=[A-Za-z0-9+/]{40,}={0,2}",
        prefixes: &[],
        check: Check::None,
        reason: "value is an Azure connection string with an AccountKey or SharedAccessKey",
    },
    VendorFormat {
        rule: "npm-token",
        class: Class::Secret,
        pattern: r"\bnpm_[A-Za-z0-9]{36}\b",
        prefixes: &["npm_"],
        check: Check::Crc32Base62,
        reason: "value has the shape of an npm access token (npm_ + 36 characters with a valid checksum)",
    },
    VendorFormat {
        rule: "pypi-token",
        class: Class::Secret,
        pattern: r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}",
        prefixes: &["pypi-"],
        check: Check::None,
        reason: "value has the shape of a PyPI API token (pypi- + a macaroon issued by pypi.org)",
    },
    VendorFormat {
        rule: "anthropic-key",
        class: Class::Secret,
        pattern: r"\bsk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{80,}",
        prefixes: &["sk-ant-"],
        check: Check::None,
        reason: "value has the shape of an Anthropic API key (sk-ant-api03- or sk-ant-admin01- + 80 or more characters)",
    },
    VendorFormat {
        rule: "openai-key",
        class: Class::Secret,
        pattern: r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,}T3BlbkFJ[A-Za-z0-9_-]{16,}",
        prefixes: &["sk-proj-", "sk-svcacct-", "sk-admin-", "sk-"],
        check: Check::None,
        reason: "value has the shape of an OpenAI API key (sk- with the T3BlbkFJ marker)",
    },
    VendorFormat {
        rule: "huggingface-token",
        class: Class::Secret,
        pattern: r"\bhf_[A-Za-z]{34}\b",
        prefixes: &["hf_"],
        check: Check::None,
        reason: "value has the shape of a Hugging Face access token (hf_ + 34 letters)",
    },
    VendorFormat {
        rule: "digitalocean-token",
        class: Class::Secret,
        pattern: r"\bdo[por]_v1_[a-f0-9]{64}\b",
        prefixes: &["dop_v1_", "doo_v1_", "dor_v1_"],
        check: Check::None,
        reason: "value has the shape of a DigitalOcean token (dop_v1_ + 64 hex)",
    },
    VendorFormat {
        rule: "shopify-token",
        class: Class::Secret,
        pattern: r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b",
        prefixes: &["shpat_", "shpca_", "shppa_", "shpss_"],
        check: Check::None,
        reason: "value has the shape of a Shopify access token (shpat_/shpss_… + 32 hex)",
    },
    VendorFormat {
        rule: "vault-token",
        class: Class::Secret,
        pattern: r"\bhv[sb]\.[A-Za-z0-9_-]{24,}",
        prefixes: &["hvs.", "hvb."],
        check: Check::None,
        reason: "value has the shape of a HashiCorp Vault token (hvs./hvb. + 24 or more characters)",
    },
    VendorFormat {
        rule: "telegram-bot-token",
        class: Class::Secret,
        pattern: r"^[0-9]{8,10}:AA[A-Za-z0-9_-]{33}$",
        prefixes: &[],
        check: Check::None,
        reason: "value has the shape of a Telegram bot token (numeric bot id, colon, AA + 33 characters)",
    },
    VendorFormat {
        rule: "mailchimp-key",
        class: Class::Secret,
        pattern: r"^[0-9a-f]{32}-us[0-9]{1,2}$",
        prefixes: &[],
        check: Check::None,
        reason: "value has the shape of a Mailchimp API key (32 hex + -us and a data-centre number)",
    },
];

static COMPILED: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    FORMATS
        .iter()
        .map(|f| {
            Regex::new(f.pattern)
                .unwrap_or_else(|e| panic!("vendor pattern {} is invalid: {e}", f.rule))
        })
        .collect()
});

/// All formats in one automaton: one pass over the value says which formats can match.
static ANY: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new(FORMATS.iter().map(|f| f.pattern))
        .unwrap_or_else(|e| panic!("vendor patterns are invalid: {e}"))
});

/// The outcome of matching a value against the table.
pub struct VendorMatch {
    pub format: &'static VendorFormat,
    pub prefix: Option<&'static str>,
    /// False when the format carries a checksum and it does not verify.
    pub checksum_ok: bool,
}

/// The shortest token any format matches (`AKIA` + 16).
const SHORTEST: usize = 20;

pub fn find(value: &str) -> Option<VendorMatch> {
    if value.len() < SHORTEST {
        return None;
    }
    let index = ANY.matches(value).iter().next()?;
    let (format, regex) = (&FORMATS[index], &COMPILED[index]);
    let text = regex.find(value)?.as_str();
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
