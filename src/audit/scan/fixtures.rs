//! Scans built directly for the report's tests: one function in one scope, its versions
//! holding the variables given.

use super::{FunctionRecord, Plaintext, ScopeScan, Variable, VersionRecord};
use crate::domain::arn::Scope;

pub const ACCOUNT: &str = "111111111111";
pub const REGION: &str = "us-east-1";

/// One version of a function and its variables (name, value).
pub fn version(version: &str, variables: &[(&str, &str)]) -> VersionRecord {
    VersionRecord {
        version: version.into(),
        variables: variables
            .iter()
            .map(|(name, value)| Variable {
                name: (*name).into(),
                value: Plaintext::new(*value),
            })
            .collect(),
    }
}

/// Function `name` in `account`/`region` with `versions` (no aliases, a zip package).
pub fn one_function_in(
    account: &str,
    region: &str,
    name: &str,
    versions: Vec<VersionRecord>,
) -> ScopeScan {
    ScopeScan {
        account: account.into(),
        region: region.into(),
        functions: vec![FunctionRecord {
            name: name.into(),
            arn: Scope::new("aws", region, account)
                .function(name)
                .to_string(),
            versions,
            aliases: Default::default(),
            image: false,
        }],
        ..ScopeScan::default()
    }
}

/// Function `name` in the test account and region.
pub fn one_function(name: &str, versions: Vec<VersionRecord>) -> ScopeScan {
    one_function_in(ACCOUNT, REGION, name, versions)
}

/// `$LATEST` of function `orders` holding `variables`.
pub fn latest_of_orders(variables: &[(&str, &str)]) -> ScopeScan {
    one_function("orders", vec![version("$LATEST", variables)])
}
