//! STS preflight: who is calling, in which account and partition. The user never types an account number.

use crate::aws::errors::into_error;
use crate::domain::arn::{Arn, Scope};
use crate::error::{Code, Error, Result};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Identity {
    pub account: String,
    pub partition: String,
    pub arn: String,
}

impl Identity {
    /// Where this identity's resources in `region` are named.
    pub fn scope(&self, region: &str) -> Scope {
        Scope::new(&self.partition, region, &self.account)
    }
}

pub async fn resolve_identity(sts: &aws_sdk_sts::Client) -> Result<Identity> {
    let out = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| into_error(e, "reading the caller identity (STS GetCallerIdentity)"))?;
    let missing = |field: &str| Error::Aws {
        code: Code::UnexpectedAnswer,
        action: "reading the caller identity".into(),
        detail: format!("STS answered without {field}"),
        help: "check `--endpoint-url`: the endpoint does not behave like AWS STS".into(),
    };
    let account = out
        .account()
        .ok_or_else(|| missing("an account"))?
        .to_string();
    let arn = out.arn().ok_or_else(|| missing("an ARN"))?.to_string();
    let partition = partition_of(&arn).ok_or_else(|| missing("a valid ARN"))?;
    Ok(Identity {
        account,
        partition,
        arn,
    })
}

/// `arn:<partition>:...` → partition.
pub fn partition_of(arn: &str) -> Option<String> {
    Arn::parse(arn).map(|arn| arn.partition().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput;
    use aws_smithy_mocks::{mock, mock_client};

    #[test]
    fn partition_from_arn() {
        assert_eq!(
            partition_of("arn:aws-cn:iam::1:user/x").as_deref(),
            Some("aws-cn")
        );
        assert_eq!(partition_of("nonsense"), None);
    }

    #[tokio::test]
    async fn resolves_account_and_partition() {
        let rule = mock!(aws_sdk_sts::Client::get_caller_identity).then_output(|| {
            GetCallerIdentityOutput::builder()
                .account("123456789012")
                .arn("arn:aws-us-gov:iam::123456789012:user/learner")
                .build()
        });
        let sts = mock_client!(aws_sdk_sts, [&rule]);
        let id = resolve_identity(&sts).await.unwrap();
        assert_eq!(id.account, "123456789012");
        assert_eq!(id.partition, "aws-us-gov");
    }
}
