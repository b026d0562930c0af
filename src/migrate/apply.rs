//! The executor: runs a plan's steps in their order and decides nothing. With `--dry-run`
//! it runs none of them; a step that fails ends the run there (the plan's order is what
//! keeps every value readable, so the next run converges from wherever this one stopped).

use crate::aws::role;
use crate::aws::target_function;
use crate::error::{Code, Error, Result};
use crate::session::{Connection, Session};

use super::plan::{Action, Plan};
use super::report::Outcome;
use super::target;

/// Run `plan`; one outcome per step, in order.
pub async fn apply(
    session: &Session,
    connection: &Connection,
    plan: &Plan,
    dry_run: bool,
) -> Result<Vec<Outcome>> {
    let mut run = Run {
        session,
        connection,
        plan,
        published: None,
    };
    let mut outcomes = Vec::with_capacity(plan.steps.len());
    for step in &plan.steps {
        outcomes.push(match (&step.action, dry_run) {
            (Action::Keep, _) => Outcome::Unchanged,
            (_, true) => Outcome::Planned,
            (action, false) => {
                session.progress.step(&step.reason);
                run.execute(action).await?;
                Outcome::Done
            }
        });
    }
    Ok(outcomes)
}

struct Run<'a> {
    session: &'a Session,
    connection: &'a Connection,
    plan: &'a Plan,
    /// The version a `PublishVersion` step published, for the `MoveAlias` step after it.
    published: Option<String>,
}

impl Run<'_> {
    async fn execute(&mut self, action: &Action) -> Result<()> {
        let aws = &self.connection.aws;
        let (doc, name) = (&self.plan.document, self.plan.function.as_str());
        match action {
            Action::Keep => Ok(()),
            Action::PutGrant {
                role,
                policy,
                document,
            } => role::put_inline_policy(&aws.iam, role, policy, document)
                .await
                .map_err(|e| target::access_refusal(e, role)),
            Action::CreateDocument {
                values,
                kms_key,
                tags,
            } => {
                let kms_key = kms_key.as_deref();
                match doc.create(aws, values, kms_key, tags, name).await? {
                    true => Ok(()),
                    false => Err(Error::refused(
                        Code::ChangedWhileWriting,
                        format!("{} appeared while migrate was creating it", doc.describe()),
                        "nothing was lost: re-run the same command, it reads the document again",
                    )),
                }
            }
            Action::RestoreDocument => doc.restore(aws).await,
            Action::WriteDocument { values, kms_key } => {
                doc.write(aws, values, kms_key.as_deref()).await
            }
            Action::TagDocument { tags } => doc.retag(aws, tags).await,
            Action::UpdateFunction {
                env,
                layers,
                revision_id,
            } => {
                let revision_id = revision_id.as_deref();
                let lambda = &aws.lambda;
                target_function::update_env_and_layers(lambda, name, revision_id, &env.0, layers)
                    .await
            }
            Action::PublishVersion { description } => {
                let version = target_function::publish_version(&aws.lambda, name, description);
                self.published = Some(version.await?);
                Ok(())
            }
            Action::MoveAlias { alias } => {
                let version = self.published.as_deref().ok_or_else(|| {
                    Error::refused(
                        Code::NoVersionPublished,
                        format!("no version was published for alias `{alias}` to point at"),
                        "nothing was lost: re-run the same command",
                    )
                })?;
                target_function::point_alias(&aws.lambda, name, alias, version).await
            }
            Action::RemoveGrant { role, policy } => {
                role::delete_inline_policy(&aws.iam, role, policy).await
            }
            Action::RetireDocument => doc.retire(aws).await,
            Action::StartLocalExtension { extension, store } => {
                let session = self.session;
                (self.connection)
                    .ensure_extension_for(session, name, extension, *store)
                    .await
            }
            Action::DeleteVersion { version } => {
                target_function::delete_version(&aws.lambda, name, version).await
            }
            Action::ForgetLocalExtension => {
                self.connection
                    .forget_extension_for(self.session, name)
                    .await
            }
        }
    }
}
