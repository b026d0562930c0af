//! The lab name and every resource name and tag derived from it.

use std::fmt;

/// Tag key marking a resource as created by this tool.
pub const TAG_MANAGED_BY: &str = "managed-by";
pub const TAG_MANAGED_BY_VALUE: &str = "secretslab";
/// Tag key naming the lab a resource belongs to.
pub const TAG_LAB: &str = "secretslab:lab";

/// A validated lab name: 1-32 characters of a-z, 0-9 and `-`, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct LabName(String);

impl LabName {
    pub fn new(name: &str) -> Result<Self, String> {
        if name.is_empty() || name.len() > 32 {
            return Err("it must be 1 to 32 characters long".into());
        }
        if let Some(bad) = name
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
        {
            return Err(format!("`{bad}` is not allowed; use only a-z, 0-9 and `-`"));
        }
        if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err("it must start with a letter".into());
        }
        if name.ends_with('-') {
            return Err("it must not end with `-`".into());
        }
        Ok(Self(name.to_string()))
    }

    /// clap value parser: the error text becomes clap's one-line usage error.
    pub fn parse_arg(name: &str) -> Result<Self, String> {
        Self::new(name).map_err(|reason| format!("invalid lab name: {reason}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn resources(&self) -> ResourceNames {
        ResourceNames {
            lab: self.0.clone(),
            secret: format!("{}/credentials", self.0),
            parameter: format!("/{}/credentials", self.0),
            policy: format!("{}-read-secret", self.0),
            role: format!("{}-role", self.0),
            log_group: format!("/aws/lambda/{}", self.0),
            function: self.0.clone(),
            simulated_db: format!("/{}/simulated-db", self.0),
        }
    }
}

impl fmt::Display for LabName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The kinds of resource a lab is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    Secret,
    Parameter,
    #[serde(rename = "iam_role")]
    Role,
    #[serde(rename = "iam_policy")]
    Policy,
    LogGroup,
    Function,
    /// The lab's simulated database: an SSM parameter of salted digests of accepted logins.
    SimulatedDatabase,
}

impl ResourceKind {
    /// The kind's key in reports and JSON (`iam_role`, `log_group`, …); the simulated
    /// database's is `database` in the 11-column reports (its row's name and detail say
    /// simulated), `simulated_database` in JSON.
    pub fn key(self) -> &'static str {
        match self {
            ResourceKind::Secret => "secret",
            ResourceKind::Parameter => "parameter",
            ResourceKind::Role => "iam_role",
            ResourceKind::Policy => "iam_policy",
            ResourceKind::LogGroup => "log_group",
            ResourceKind::Function => "function",
            ResourceKind::SimulatedDatabase => "database",
        }
    }

    /// The kind as a person says it.
    pub fn label(self) -> &'static str {
        match self {
            ResourceKind::Secret => "secret",
            ResourceKind::Parameter => "SSM parameter",
            ResourceKind::Role => "IAM role",
            ResourceKind::Policy => "IAM policy",
            ResourceKind::LogGroup => "log group",
            ResourceKind::Function => "function",
            ResourceKind::SimulatedDatabase => "the lab's simulated database",
        }
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.key())
    }
}

/// Every resource name of one lab.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ResourceNames {
    pub lab: String,
    pub secret: String,
    /// The `SecureString` parameter that holds the credentials with `--store parameter-store`.
    pub parameter: String,
    pub policy: String,
    pub role: String,
    pub log_group: String,
    pub function: String,
    /// The lab's simulated database (an SSM parameter of salted digests, never passwords).
    pub simulated_db: String,
}

impl ResourceNames {
    /// The name of this lab's resource of `kind`.
    pub fn name_of(&self, kind: ResourceKind) -> &str {
        match kind {
            ResourceKind::Secret => &self.secret,
            ResourceKind::Parameter => &self.parameter,
            ResourceKind::Role => &self.role,
            ResourceKind::Policy => &self.policy,
            ResourceKind::LogGroup => &self.log_group,
            ResourceKind::Function => &self.function,
            ResourceKind::SimulatedDatabase => &self.simulated_db,
        }
    }

    /// "IAM role `demo-role`": the resource as messages name it.
    pub fn describe(&self, kind: ResourceKind) -> String {
        format!("{} `{}`", kind.label(), self.name_of(kind))
    }

    /// The description of the secret or parameter that holds the credentials.
    pub fn store_description(&self) -> String {
        format!(
            "secretslab lab `{}`: credentials the function reads",
            self.lab
        )
    }

    /// The description of the lab's simulated database.
    pub fn simulated_db_description(&self) -> String {
        format!(
            "secretslab lab `{}`: {}",
            self.lab,
            crate::domain::simulated_db::LABEL
        )
    }

    /// The ownership tags every lab resource carries.
    pub fn tags(&self) -> Vec<(String, String)> {
        vec![
            (TAG_MANAGED_BY.to_string(), TAG_MANAGED_BY_VALUE.to_string()),
            (TAG_LAB.to_string(), self.lab.clone()),
        ]
    }

    /// [`Self::is_owned`] for tags the SDK gives as an optional map (Lambda, CloudWatch Logs).
    pub fn owns_tag_map(&self, tags: Option<&std::collections::HashMap<String, String>>) -> bool {
        self.is_owned(
            tags.into_iter()
                .flatten()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        )
    }

    /// Whether a resource's tags say it belongs to this lab.
    pub fn is_owned<'a>(&self, tags: impl IntoIterator<Item = (&'a str, &'a str)>) -> bool {
        let mut managed = false;
        let mut lab = false;
        for (key, value) in tags {
            managed |= key == TAG_MANAGED_BY && value == TAG_MANAGED_BY_VALUE;
            lab |= key == TAG_LAB && value == self.lab;
        }
        managed && lab
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_names() {
        for name in ["a", "secrets-lab", "lab-2", &"a".repeat(32)] {
            assert!(LabName::new(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn rejects_invalid_names() {
        for name in [
            "",
            "Lab",
            "lab_1",
            "1lab",
            "lab-",
            &"a".repeat(33),
            "la b",
            "lab/x",
        ] {
            assert!(LabName::new(name).is_err(), "{name}");
        }
    }

    #[test]
    fn derives_resource_names() {
        let names = LabName::new("demo").unwrap().resources();
        assert_eq!(names.secret, "demo/credentials");
        assert_eq!(names.parameter, "/demo/credentials");
        assert_eq!(names.policy, "demo-read-secret");
        assert_eq!(names.role, "demo-role");
        assert_eq!(names.log_group, "/aws/lambda/demo");
        assert_eq!(names.function, "demo");
        assert_eq!(names.simulated_db, "/demo/simulated-db");
    }

    #[test]
    fn ownership_needs_both_tags() {
        let names = LabName::new("demo").unwrap().resources();
        assert!(names.is_owned([("managed-by", "secretslab"), ("secretslab:lab", "demo")]));
        assert!(!names.is_owned([("managed-by", "secretslab"), ("secretslab:lab", "other")]));
        assert!(!names.is_owned([("secretslab:lab", "demo")]));
        assert!(!names.is_owned([]));
    }
}
