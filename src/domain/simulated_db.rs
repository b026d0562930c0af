//! The lab's simulated database, as data: the logins it accepts kept as salted SHA-256
//! digests (never a password), the document its SSM parameter holds, and which logins a
//! rotation leaves it accepting. The handler checks its fetched credentials against it.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::rotation::Strategy;
use crate::error::{Code, Error};

/// The function's variable naming the simulated database (see function/lambda_function.py).
pub const ENV: &str = "SIMULATED_DB_PARAMETER";
/// How every report names it.
pub const LABEL: &str = "the lab's simulated database";

/// A username and password taken from the lab's credentials. `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Login {
    pub username: String,
    password: String,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Login({}, ********)", self.username)
    }
}

impl Login {
    /// The login inside the lab's credentials (a JSON object with a string `password`; a
    /// missing `username` is the empty one, as the handlers read it).
    pub fn from_credentials(text: &str) -> Option<Self> {
        let parsed: serde_json::Value = serde_json::from_str(text).ok()?;
        Some(Self {
            password: parsed.get("password")?.as_str()?.to_string(),
            username: parsed
                .get("username")
                .and_then(|u| u.as_str())
                .unwrap_or_default()
                .to_string(),
        })
    }

    /// What the database keeps for this login (as `login_digest` in the handlers).
    pub fn digest(&self, salt: &str) -> String {
        let text = format!("{salt}\n{}\n{}", self.username, self.password);
        hex(&Sha256::digest(text.as_bytes()))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The document the parameter holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Document {
    pub kind: String,
    pub salt: String,
    pub accepted: Vec<Accepted>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Accepted {
    pub digest: String,
}

/// What a document says it is.
pub const KIND: &str = "secretslab simulated database: salted SHA-256 digests of accepted logins";

impl Document {
    /// A database accepting exactly these logins, under a fresh salt.
    pub fn accepting(logins: &[&Login]) -> Self {
        let salt = hex(&rand::random::<[u8; 16]>());
        Self {
            kind: KIND.into(),
            accepted: logins
                .iter()
                .map(|l| Accepted {
                    digest: l.digest(&salt),
                })
                .collect(),
            salt,
        }
    }

    /// A database that accepts no login yet: what infrastructure code that cannot hash the
    /// password it generates (CloudFormation, CDK) creates, for `secretslab up` to fill.
    pub fn accepting_none() -> Self {
        Self {
            kind: KIND.into(),
            salt: String::new(),
            accepted: Vec::new(),
        }
    }

    pub fn accepts(&self, login: &Login) -> bool {
        let digest = login.digest(&self.salt);
        self.accepted.iter().any(|a| a.digest == digest)
    }
}

/// The logins the database accepts after a rotation to `new` from `old`: single user, only
/// the new password; alternating users, the new user's and the previous one's.
pub fn accepted_after<'a>(
    strategy: Strategy,
    new: &'a Login,
    old: Option<&'a Login>,
) -> Vec<&'a Login> {
    match (strategy, old) {
        (Strategy::AlternatingUsers, Some(old)) if old != new => vec![new, old],
        _ => vec![new],
    }
}

pub fn no_password() -> Error {
    Error::invalid(
        Code::NoPasswordMember,
        "the lab's credentials have no string `password` member, which the simulated database checks",
        "give the lab JSON credentials with `username` and `password` (`secretslab up --secret-file`)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login(user: &str, password: &str) -> Login {
        let text = serde_json::json!({"username": user, "password": password}).to_string();
        Login::from_credentials(&text).unwrap()
    }

    #[test]
    fn digest_matches_the_handlers() {
        // function/tests: login_digest("s1", "u", "p") == sha256("s1\nu\np").
        assert_eq!(
            login("u", "p").digest("s1"),
            "8a54f2a34a7691b12ef9417bd234a56b49e0791b56b5d3369c934d90196ce644"
        );
    }

    #[test]
    fn accepts_exactly_its_logins_and_keeps_no_password() {
        let (old, new) = (login("app_a", "old-pw-1"), login("app_b", "new-pw-2"));
        let single = Document::accepting(&[&new]);
        assert!(single.accepts(&new));
        assert!(!single.accepts(&old));
        let both = Document::accepting(&[&new, &old]);
        assert!(both.accepts(&new) && both.accepts(&old));
        let text = serde_json::to_string(&both).unwrap();
        assert!(!text.contains("old-pw-1") && !text.contains("new-pw-2"));
        assert!(!format!("{old:?}").contains("old-pw-1"));
    }

    #[test]
    fn a_credential_without_password_is_no_login() {
        assert!(Login::from_credentials(r#"{"api_key": "x"}"#).is_none());
        assert!(Login::from_credentials("plain").is_none());
        assert_eq!(
            Login::from_credentials(r#"{"password": "p"}"#)
                .unwrap()
                .username,
            ""
        );
    }

    #[test]
    fn the_database_accepts_per_strategy() {
        let (old, new) = (login("a", "1"), login("b", "2"));
        let single = accepted_after(Strategy::SingleUser, &new, Some(&old));
        assert_eq!(single, vec![&new]);
        let alternating = accepted_after(Strategy::AlternatingUsers, &new, Some(&old));
        assert_eq!(alternating, vec![&new, &old]);
        let first = accepted_after(Strategy::AlternatingUsers, &new, None);
        assert_eq!(first, vec![&new]);
    }
}
