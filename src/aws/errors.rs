//! What an AWS SDK error means for the lab: sorted once here, by error code, so resource
//! modules can say "not found counts as done" or "already exists counts as success".

use std::error::Error as StdError;
use std::fmt::Debug;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::error::{Code, Error};

/// What every SDK operation error offers: an error code and message, and a cause chain.
pub trait AwsError: ProvideErrorMetadata + StdError + 'static {}
impl<E: ProvideErrorMetadata + StdError + 'static> AwsError for E {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    AlreadyExists,
    AccessDenied,
    Throttled,
    /// Timeouts, dropped connections, 5xx: worth another try.
    Transient,
    /// No credentials could be loaded at all.
    NoCredentials,
    /// Credentials were sent but rejected (expired session, unknown key).
    BadCredentials,
    Other,
}

const NOT_FOUND: &[&str] = &[
    "ResourceNotFoundException",
    "NoSuchEntity",
    "NoSuchEntityException",
    "ParameterNotFound",
    "NotFoundException",
];
const ALREADY_EXISTS: &[&str] = &[
    "EntityAlreadyExists",
    "EntityAlreadyExistsException",
    "ResourceExistsException",
    "ResourceAlreadyExistsException",
    "ResourceConflictException",
];
const ACCESS_DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
];
const THROTTLED: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "SlowDown",
];
const BAD_CREDENTIALS: &[&str] = &[
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
];

/// Sort an SDK error into the kinds the lab cares about.
pub fn kind<E: AwsError, R: Debug>(err: &SdkError<E, R>) -> ErrorKind {
    match err {
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or_default();
            if NOT_FOUND.contains(&code) {
                ErrorKind::NotFound
            } else if ALREADY_EXISTS.contains(&code) {
                ErrorKind::AlreadyExists
            } else if ACCESS_DENIED.contains(&code) {
                ErrorKind::AccessDenied
            } else if THROTTLED.contains(&code) {
                ErrorKind::Throttled
            } else if BAD_CREDENTIALS.contains(&code) {
                ErrorKind::BadCredentials
            } else if code.starts_with("ServiceUnavailable") || code == "InternalFailure" {
                ErrorKind::Transient
            } else {
                ErrorKind::Other
            }
        }
        SdkError::TimeoutError(_) | SdkError::ResponseError(_) => ErrorKind::Transient,
        SdkError::DispatchFailure(_) | SdkError::ConstructionFailure(_) => {
            // Identity resolution failures carry no error code: the SDK only tells
            // us in the error chain's text that no credentials could be loaded.
            let text = DisplayErrorContext(err).to_string().to_lowercase();
            if text.contains("credential") || text.contains("sso session") || text.contains("token")
            {
                if text.contains("expired") || text.contains("sso") {
                    ErrorKind::BadCredentials
                } else {
                    ErrorKind::NoCredentials
                }
            } else {
                ErrorKind::Transient
            }
        }
        _ => ErrorKind::Other,
    }
}

pub fn is_not_found<E: AwsError, R: Debug>(err: &SdkError<E, R>) -> bool {
    kind(err) == ErrorKind::NotFound
}

pub fn is_already_exists<E: AwsError, R: Debug>(err: &SdkError<E, R>) -> bool {
    kind(err) == ErrorKind::AlreadyExists
}

/// The lab's ownership tags in one SDK's tag type, whose builder checks required fields.
pub fn sdk_tags<T, E: std::fmt::Display>(
    names: &crate::domain::names::ResourceNames,
    service: &str,
    build: impl Fn(String, String) -> std::result::Result<T, E>,
) -> Result<Vec<T>, Error> {
    names
        .tags()
        .into_iter()
        .map(|(key, value)| {
            build(key, value).map_err(|e| Error::Aws {
                code: Code::Bug,
                action: format!("building {service} tags"),
                detail: e.to_string(),
                help: "this is a bug in secretslab; please report it".into(),
            })
        })
        .collect()
}

/// "Not found counts as done": `Ok(None)` when the resource is not there, the CLI's error
/// (naming `action`) for anything else.
pub fn unless_missing<T, E: AwsError, R: Debug>(
    result: std::result::Result<T, SdkError<E, R>>,
    action: impl FnOnce() -> String,
) -> Result<Option<T>, Error> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(into_error(e, action())),
    }
}

/// The outcome of a request whose answer we do not need, naming `action` if it failed.
pub fn sent<T, E: AwsError, R: Debug>(
    result: std::result::Result<T, SdkError<E, R>>,
    action: impl FnOnce() -> String,
) -> Result<(), Error> {
    result.map(drop).map_err(|e| into_error(e, action()))
}

/// Send one delete per item, in order; an item already gone counts as done.
pub async fn delete_each<I, T, E, R, Fut>(
    items: I,
    action: impl Fn() -> String,
    delete: impl Fn(I::Item) -> Fut,
) -> Result<(), Error>
where
    I: IntoIterator,
    Fut: std::future::Future<Output = std::result::Result<T, SdkError<E, R>>>,
    E: AwsError,
    R: Debug,
{
    for item in items {
        unless_missing(delete(item).await, &action)?;
    }
    Ok(())
}

/// The error's code, when AWS sent one.
pub fn code<E: AwsError, R: Debug>(err: &SdkError<E, R>) -> Option<String> {
    match err {
        SdkError::ServiceError(service) => service.err().code().map(str::to_string),
        _ => None,
    }
}

/// One readable line: `Code: message` for service errors, the cause chain otherwise.
pub fn describe<E: AwsError, R: Debug>(err: &SdkError<E, R>) -> String {
    match err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            match (e.code(), e.message()) {
                (Some(code), Some(message)) => format!("{code}: {message}"),
                (Some(code), None) => code.to_string(),
                _ => "the service returned an error without a code".to_string(),
            }
        }
        SdkError::TimeoutError(_) => "the request timed out".to_string(),
        _ => {
            let mut text = DisplayErrorContext(err).to_string();
            text.truncate(400);
            text
        }
    }
}

/// Turn an SDK error into the CLI's error, naming what was being done.
pub fn into_error<E: AwsError, R: Debug>(err: SdkError<E, R>, action: impl Into<String>) -> Error {
    let action = action.into();
    let detail = describe(&err);
    match kind(&err) {
        ErrorKind::NoCredentials => Error::NoCredentials,
        ErrorKind::BadCredentials => Error::BadCredentials { detail },
        ErrorKind::AccessDenied => Error::AccessDenied { action, detail },
        ErrorKind::Transient if !matches!(err, SdkError::ServiceError(_)) => {
            Error::Unreachable { action, detail }
        }
        ErrorKind::Throttled => Error::Aws {
            code: Code::Throttled,
            action,
            detail,
            help: "AWS kept throttling after several retries; wait a minute and re-run the command (it is safe to re-run)".into(),
        },
        _ => Error::Aws {
            code: Code::AwsRefused,
            action,
            detail,
            help: "re-run the command (it is safe to re-run); if it keeps failing, `secretslab status` shows what is in place".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_iam::operation::get_role::GetRoleError;
    use aws_sdk_iam::types::error::NoSuchEntityException;
    use aws_smithy_runtime_api::http::{Response, StatusCode};
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    fn service_error(code: &str) -> SdkError<GetRoleError, Response> {
        let err = GetRoleError::generic(ErrorMetadata::builder().code(code).message("m").build());
        SdkError::service_error(
            err,
            Response::new(StatusCode::try_from(400).unwrap(), SdkBody::empty()),
        )
    }

    #[test]
    fn sorts_service_errors_by_code() {
        assert_eq!(kind(&service_error("NoSuchEntity")), ErrorKind::NotFound);
        assert_eq!(
            kind(&service_error("EntityAlreadyExists")),
            ErrorKind::AlreadyExists
        );
        assert_eq!(
            kind(&service_error("AccessDenied")),
            ErrorKind::AccessDenied
        );
        assert_eq!(kind(&service_error("Throttling")), ErrorKind::Throttled);
        assert_eq!(
            kind(&service_error("ExpiredToken")),
            ErrorKind::BadCredentials
        );
        assert_eq!(kind(&service_error("Weird")), ErrorKind::Other);
    }

    #[test]
    fn modeled_not_found_is_not_found() {
        let err = GetRoleError::NoSuchEntityException(
            NoSuchEntityException::builder()
                .message("gone")
                .meta(
                    ErrorMetadata::builder()
                        .code("NoSuchEntity")
                        .message("gone")
                        .build(),
                )
                .build(),
        );
        let sdk = SdkError::service_error(
            err,
            Response::new(StatusCode::try_from(404).unwrap(), SdkBody::empty()),
        );
        assert!(is_not_found(&sdk));
        assert_eq!(describe(&sdk), "NoSuchEntity: gone");
    }

    #[test]
    fn expired_credentials_become_a_clear_error_mentioning_local() {
        let err = into_error(service_error("ExpiredToken"), "reading the caller identity");
        let help = err.help_text().unwrap();
        assert!(help.contains("--local"), "{help}");
        assert!(help.contains("aws sso login"), "{help}");
    }
}
