//! Amazon Resource Names: every ARN the tool builds or takes apart goes through [`Arn`], and
//! every ARN of one account and region through [`Scope`].

use std::fmt;

/// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` (the resource may hold further `:`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Arn {
    partition: String,
    service: String,
    region: String,
    account: String,
    resource: String,
}

impl Arn {
    pub fn new(
        partition: &str,
        service: &str,
        region: &str,
        account: &str,
        resource: &str,
    ) -> Self {
        Self {
            partition: partition.to_string(),
            service: service.to_string(),
            region: region.to_string(),
            account: account.to_string(),
            resource: resource.to_string(),
        }
    }

    /// The ARN `text` spells, when it is one (six fields, `arn` first, a partition, a
    /// service and a resource).
    pub fn parse(text: &str) -> Option<Self> {
        let mut fields = text.splitn(6, ':');
        let mut next = || fields.next();
        let (prefix, partition, service, region, account, resource) =
            (next()?, next()?, next()?, next()?, next()?, next()?);
        let well_formed =
            prefix == "arn" && !partition.is_empty() && !service.is_empty() && !resource.is_empty();
        well_formed.then(|| Self::new(partition, service, region, account, resource))
    }

    pub fn partition(&self) -> &str {
        &self.partition
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    pub fn account(&self) -> &str {
        &self.account
    }

    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The account and region this ARN belongs to.
    pub fn scope(&self) -> Scope {
        Scope::new(&self.partition, &self.region, &self.account)
    }

    /// A Lambda function's name, from its ARN (qualified or not).
    pub fn function_name(&self) -> Option<&str> {
        let rest = self.lambda_resource("function")?;
        rest.split(':').next().filter(|name| !name.is_empty())
    }

    /// A function's ARN without its version or alias qualifier (others unchanged).
    pub fn unqualified(&self) -> Self {
        match self.function_name() {
            Some(name) => self.scope().function(name),
            None => self.clone(),
        }
    }

    /// A function's ARN qualified by a version or alias (any qualifier it had replaced;
    /// others unchanged).
    pub fn qualified(&self, qualifier: &str) -> Self {
        match self.function_name() {
            Some(name) => Self {
                resource: format!("function:{name}:{qualifier}"),
                ..self.clone()
            },
            None => self.clone(),
        }
    }

    /// A layer version's name and version number, from its ARN.
    pub fn layer_version(&self) -> Option<(&str, u64)> {
        let (name, version) = self.lambda_resource("layer")?.split_once(':')?;
        let version = version.parse().ok()?;
        (!name.is_empty()).then_some((name, version))
    }

    /// An IAM role's name (the last path segment), from its ARN.
    pub fn role_name(&self) -> Option<&str> {
        let path = self.resource.strip_prefix("role/")?;
        (self.service == "iam")
            .then(|| path.rsplit('/').next())
            .flatten()
            .filter(|name| !name.is_empty())
    }

    /// What follows `KIND:` in a Lambda resource.
    fn lambda_resource(&self, kind: &str) -> Option<&str> {
        (self.service == "lambda")
            .then(|| self.resource.strip_prefix(kind)?.strip_prefix(':'))
            .flatten()
    }
}

impl fmt::Display for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self {
            partition,
            service,
            region,
            account,
            resource,
        } = self;
        write!(f, "arn:{partition}:{service}:{region}:{account}:{resource}")
    }
}

impl serde::Serialize for Arn {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// One account in one region of one partition: where the ARNs of its resources are made.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Scope {
    pub partition: String,
    pub region: String,
    pub account: String,
}

impl Scope {
    pub fn new(partition: &str, region: &str, account: &str) -> Self {
        Self {
            partition: partition.to_string(),
            region: region.to_string(),
            account: account.to_string(),
        }
    }

    fn regional(&self, service: &str, resource: &str) -> Arn {
        Arn::new(
            &self.partition,
            service,
            &self.region,
            &self.account,
            resource,
        )
    }

    /// IAM is global: its ARNs name no region.
    fn global(&self, service: &str, resource: &str) -> Arn {
        Arn::new(&self.partition, service, "", &self.account, resource)
    }

    /// A secret as a policy names it before and after creation: Secrets Manager adds six
    /// random characters to the ARN when it creates the secret, which IAM's `-??????` matches.
    pub fn secret_pattern(&self, name: &str) -> Arn {
        self.regional("secretsmanager", &format!("secret:{name}-??????"))
    }

    /// A parameter's ARN (Parameter Store derives it from the name, leading `/` or not).
    pub fn parameter(&self, name: &str) -> Arn {
        let path = name.trim_start_matches('/');
        self.regional("ssm", &format!("parameter/{path}"))
    }

    pub fn function(&self, name: &str) -> Arn {
        self.regional("lambda", &format!("function:{name}"))
    }

    pub fn layer_version(&self, name: &str, version: u64) -> Arn {
        self.regional("lambda", &format!("layer:{name}:{version}"))
    }

    pub fn role(&self, name: &str) -> Arn {
        self.global("iam", &format!("role/{name}"))
    }

    /// A customer managed policy of this account.
    pub fn policy(&self, name: &str) -> Arn {
        self.global("iam", &format!("policy/{name}"))
    }
}

/// An AWS managed IAM policy (account `aws`) at `path` (`service-role/…`).
pub fn aws_managed_policy(partition: &str, path: &str) -> Arn {
    Arn::new(partition, "iam", "", "aws", &format!("policy/{path}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        Scope::new("aws", "eu-west-1", "123456789012")
    }

    #[test]
    fn built_arns_read_back_as_aws_spells_them() {
        let cases = [
            (
                scope().secret_pattern("lab/credentials"),
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:lab/credentials-??????",
            ),
            (
                scope().parameter("/lab/credentials"),
                "arn:aws:ssm:eu-west-1:123456789012:parameter/lab/credentials",
            ),
            (
                scope().function("lab"),
                "arn:aws:lambda:eu-west-1:123456789012:function:lab",
            ),
            (
                scope().layer_version("Ext", 12),
                "arn:aws:lambda:eu-west-1:123456789012:layer:Ext:12",
            ),
            (
                scope().role("lab-role"),
                "arn:aws:iam::123456789012:role/lab-role",
            ),
            (
                scope().policy("lab-read-secret"),
                "arn:aws:iam::123456789012:policy/lab-read-secret",
            ),
            (
                aws_managed_policy("aws-cn", "service-role/AWSLambdaBasicExecutionRole"),
                "arn:aws-cn:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
            ),
        ];
        for (arn, text) in cases {
            assert_eq!(arn.to_string(), text);
            assert_eq!(Arn::parse(text), Some(arn), "{text}");
        }
    }

    #[test]
    fn parts_of_lambda_and_iam_arns() {
        let version = Arn::parse("arn:aws:lambda:us-east-1:1:function:orders:7").unwrap();
        assert_eq!(version.function_name(), Some("orders"));
        assert_eq!(
            version.unqualified().to_string(),
            "arn:aws:lambda:us-east-1:1:function:orders"
        );
        assert_eq!(
            version.qualified("live").to_string(),
            "arn:aws:lambda:us-east-1:1:function:orders:live"
        );
        let layer = Arn::parse("arn:aws:lambda:us-east-1:1:layer:Ext-Arm64:4").unwrap();
        assert_eq!(layer.layer_version(), Some(("Ext-Arm64", 4)));
        assert_eq!(layer.function_name(), None);
        let role = Arn::parse("arn:aws:iam::1:role/service-role/app-role").unwrap();
        assert_eq!(role.role_name(), Some("app-role"));
        assert_eq!(role.scope().region, "");
    }

    #[test]
    fn text_that_is_not_an_arn_is_refused() {
        for text in [
            "",
            "nonsense",
            "arn:aws:lambda",
            "arn::lambda:r:a:function:x",
            "urn:aws:lambda:r:a:function:x",
            "arn:aws:lambda:r:a:",
        ] {
            assert_eq!(Arn::parse(text), None, "{text}");
        }
        let not_a_layer = Arn::parse("arn:aws:lambda:r:1:layer:Ext:latest").unwrap();
        assert_eq!(not_a_layer.layer_version(), None);
    }
}
