//! TEMPORARY placeholder of the classifier's interface, replaced by the real classifier on merge.
//! Only a handful of rules, enough for the scanner to be built and tested against.

use std::fmt;

use serde::Serialize;

/// What a variable's value is, ordered by severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    Config,
    Reference,
    Suspect,
    Secret,
}

/// The classification of one variable, with the rule that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub class: Class,
    pub rule: &'static str,
    pub reason: &'static str,
    pub shape: Shape,
}

/// What may be said about a value without revealing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shape {
    pub length: usize,
    pub prefix: Option<&'static str>,
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} chars", self.length)?;
        if let Some(prefix) = self.prefix {
            write!(f, ", starts `{prefix}`")?;
        }
        Ok(())
    }
}

const VENDOR_PREFIXES: &[(&str, &str)] = &[("sk_live_", "vendor.stripe"), ("AKIA", "vendor.aws")];

pub fn classify(name: &str, value: &str) -> Verdict {
    let shape = |prefix| Shape {
        length: value.chars().count(),
        prefix,
    };
    for (prefix, rule) in VENDOR_PREFIXES {
        if value.starts_with(prefix) && value.len() >= 20 {
            return Verdict {
                class: Class::Secret,
                rule,
                reason: "the value has a vendor credential format",
                shape: shape(Some(prefix)),
            };
        }
    }
    if value.starts_with("arn:") || value.starts_with("{{resolve:") {
        return Verdict {
            class: Class::Reference,
            rule: "reference.arn",
            reason: "the value names where a secret is kept, not the secret",
            shape: shape(None),
        };
    }
    if value.contains("://") && value.contains('@') && value.contains(':') {
        return Verdict {
            class: Class::Secret,
            rule: "url.credentials",
            reason: "the URL carries a password",
            shape: shape(None),
        };
    }
    let upper = name.to_ascii_uppercase();
    let secretish = ["PASSWORD", "SECRET", "TOKEN", "API_KEY"]
        .iter()
        .any(|w| upper.contains(w));
    if secretish && value.len() >= 16 && !value.contains(' ') && !value.starts_with('/') {
        return Verdict {
            class: Class::Secret,
            rule: "generic.named_random",
            reason: "a long random value under a secret-ish name",
            shape: shape(None),
        };
    }
    if secretish && !value.starts_with('/') {
        return Verdict {
            class: Class::Suspect,
            rule: "generic.named_short",
            reason: "a secret-ish name with a short value",
            shape: shape(None),
        };
    }
    if secretish {
        return Verdict {
            class: Class::Reference,
            rule: "reference.ssm_path",
            reason: "the value is a parameter path",
            shape: shape(None),
        };
    }
    Verdict {
        class: Class::Config,
        rule: "config.default",
        reason: "nothing in the name or value suggests a credential",
        shape: shape(None),
    }
}
