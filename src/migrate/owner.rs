//! Who owns the function, in every phase (DESIGN §12): read once with the phase's other
//! observations; then, purely, the refusals and warnings it brings. A container image takes
//! no layers (refused before any change, with the Dockerfile lines instead); a
//! CloudFormation-owned function's `--finish` waits until the stack's deployed template
//! carries the change; every owned function is warned that its owner's next deploy undoes
//! an API-only change.

use crate::aws::owner::{deployed_template, owner_of};
use crate::aws::target_function::TargetFunction;
use crate::aws::{layer, AwsContext};
use crate::domain::kinds::Arch;
use crate::domain::migration::reference_var;
use crate::domain::owner::{Owner, Tool};
use crate::error::{Code, Error, Result};
use crate::iac::template;

use super::plan::Plan;
use super::{Phase, Settings};

/// `--owner`: what AWS cannot tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OwnerFlag {
    // Terraform deploys the function (it leaves no mark AWS records).
    Terraform,
}

/// What migrate read about the function's owner.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnerSeen {
    pub owner: Owner,
    /// `--finish` on a CloudFormation-owned function: the stack's deployed template, or why
    /// it could not be read.
    pub deployed: Option<std::result::Result<String, String>>,
}

/// The function's architecture, as the layer follows it.
pub fn arch(function: &TargetFunction) -> Arch {
    function.architecture
}

/// The extension layer for the function's region and architecture (or `--layer-arn`).
pub async fn layer_arn(
    aws: &AwsContext,
    function: &TargetFunction,
    settings: &Settings,
) -> Result<String> {
    let flag = settings.layer_arn.as_deref();
    Ok(
        layer::resolve_layer(&aws.ssm, &aws.region, arch(function), flag)
            .await?
            .arn,
    )
}

pub async fn observe(
    aws: &AwsContext,
    function: &TargetFunction,
    settings: &Settings,
) -> OwnerSeen {
    let found = owner_of(
        &aws.cloudformation,
        &function.name,
        &function.tags,
        function.image,
    )
    .await;
    let owner = decide(found, settings.owner);
    let deployed = match (&owner, settings.phase) {
        (Owner::Cloudformation { stack, .. }, Phase::Finish) if !settings.owner_updated => {
            Some(deployed_template(&aws.cloudformation, stack).await)
        }
        _ => None,
    };
    OwnerSeen { owner, deployed }
}

/// What AWS records first; `--owner terraform` where it records nobody.
pub fn decide(found: Owner, flag: Option<OwnerFlag>) -> Owner {
    match (found, flag) {
        (Owner::None | Owner::Image, Some(OwnerFlag::Terraform)) => Owner::Terraform,
        (found, _) => found,
    }
}

/// A container image takes no layers: refused before anything changes, handing over the
/// Dockerfile lines that bake the extension in. (The emulator lets an image function take a
/// layer; AWS does not, so secretslab checks itself.)
pub fn image_refusal(name: &str, dockerfile: String) -> Error {
    Error::RefusedWith {
        code: Code::ImageFunction,
        message: format!("`{name}` is a container image (PackageType: Image): Lambda attaches no layers to it"),
        help: format!("bake the extension into /opt with the Dockerfile lines printed above (`dockerfile` in the --json error; `secretslab migrate {name} --var NAME --emit dockerfile --output FILE` writes them), rebuild and deploy the image; nothing was changed"),
        field: "dockerfile",
        text: dockerfile,
    }
}

/// The `--emit` format of the owner's template: SAM where the stack shows SAM's mark.
fn template_format(owner: &Owner) -> &'static str {
    match owner {
        Owner::Cloudformation {
            tool: Some(Tool::Sam),
            ..
        } => "sam",
        _ => "cloudformation",
    }
}

/// The owner's warnings, and `--finish`'s refusal while the stack would undo it.
pub fn review(
    plan: &mut Plan,
    function: &TargetFunction,
    seen: &OwnerSeen,
    settings: &Settings,
) -> Result<()> {
    plan.owner = seen.owner.clone();
    let name = &function.name;
    if plan.phase == Phase::Expand && function.snap_start {
        plan.warnings.push(format!("`{name}` uses SnapStart: the extension authenticates with AWS_SESSION_TOKEN, which a SnapStart restore does not set; test a restored version before `--finish`, or read the document with the SDK instead"));
    }
    let emit = |args: &str| format!("`secretslab migrate {name} --emit {args}`");
    let undo = match &seen.owner {
        Owner::Cloudformation { stack, logical_id, .. } => Some(format!(
            "CloudFormation stack {stack} owns `{name}` ({logical_id}): its next update of the function puts the plaintext back and drops the layer and the references; carry the change in the template ({} patches it) and deploy it",
            emit(&format!("{} --template FILE", template_format(&seen.owner)))
        )),
        Owner::Terraform => Some(format!(
            "Terraform owns `{name}`: its next apply undoes changes made outside it; carry the change in the configuration ({} prints it)",
            emit("terraform")
        )),
        Owner::Unknown { reason } => Some(format!("who owns `{name}` could not be read ({reason}): if a tool deploys it, carry the change in its source")),
        Owner::Image | Owner::None => None,
    };
    match plan.phase {
        Phase::Expand => plan.warnings.extend(undo),
        Phase::Finish => check_finish(plan, seen, settings)?,
        Phase::Rollback => {
            if let Owner::Cloudformation { stack, .. } = &seen.owner {
                plan.warnings.push(format!("stack {stack}'s template may still carry the change: deploy the template as it was before, or its next update moves `{name}` to the references again"));
            }
        }
        Phase::Purge => {
            if let Owner::Cloudformation { stack, .. } = &seen.owner {
                plan.warnings.push(format!("stack {stack} may declare some of `{name}`'s versions (AWS::Lambda::Version): a deleted one is drift for the stack, which recreates it only when its template changes"));
            }
        }
    }
    Ok(())
}

/// `--finish` on a CloudFormation-owned function: refused while the deployed template still
/// sets a plaintext variable or lacks a reference, unless `--owner-updated`.
fn check_finish(plan: &mut Plan, seen: &OwnerSeen, settings: &Settings) -> Result<()> {
    let Owner::Cloudformation {
        stack, logical_id, ..
    } = &seen.owner
    else {
        return Ok(());
    };
    let name = &plan.function;
    if settings.owner_updated {
        plan.warnings.push(format!(
            "--owner-updated: stack {stack}'s template was not checked for the change"
        ));
        return Ok(());
    }
    let format = template_format(&seen.owner);
    let help = format!("patch the template (`secretslab migrate {name} --emit {format} --template FILE`), deploy the stack, then re-run; `--owner-updated` says the stack carries the change; nothing was changed");
    let names = match &seen.deployed {
        Some(Ok(text)) => template::parse(text).map_err(|e| format!("its template is {e}")),
        Some(Err(e)) => Err(e.clone()),
        None => Err("its template was not read".into()),
    }
    .and_then(|t| {
        t.function_env_names(logical_id)
            .ok_or_else(|| format!("its template has no function `{logical_id}`"))
    });
    let names = names.map_err(|e| {
        Error::refused(
            Code::StackUnreadable,
            format!("cannot tell whether stack {stack} carries the change: {e}"),
            help.clone(),
        )
    })?;
    let plaintext: Vec<&String> = plan
        .variables
        .iter()
        .filter(|v| names.contains(*v))
        .collect();
    let missing: Vec<String> = (plan.variables.iter())
        .map(|v| reference_var(v, plan.document.store))
        .filter(|r| !names.contains(r))
        .collect();
    let problem = match (plaintext.is_empty(), missing.is_empty()) {
        (true, true) => {
            plan.keep(format!(
                "stack {stack}'s template carries the change ({logical_id})"
            ));
            return Ok(());
        }
        (false, _) => format!("still sets {} in plaintext", join(&plaintext)),
        (true, false) => format!("lacks {}", missing.join(", ")),
    };
    Err(Error::refused(
        Code::StackWouldUndo,
        format!("stack {stack}'s deployed template {problem} for {logical_id}: its next deploy would undo the migration"),
        help,
    ))
}

fn join(names: &[&String]) -> String {
    names
        .iter()
        .map(|n| n.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    fn stack() -> Owner {
        Owner::Cloudformation {
            stack: "orders".into(),
            logical_id: "Billing".into(),
            tool: None,
        }
    }

    fn finish_plan() -> Plan {
        let mut plan = Plan::new(Phase::Finish, "billing", secret());
        plan.variables = vec!["DB_PASSWORD".into()];
        plan
    }

    fn deployed(env: &str) -> OwnerSeen {
        let text = format!("Resources:\n  Billing:\n    Type: AWS::Lambda::Function\n    Properties:\n      Role: !GetAtt R.Arn\n      Environment:\n        Variables:\n{env}");
        OwnerSeen {
            owner: stack(),
            deployed: Some(Ok(text)),
        }
    }

    #[test]
    fn an_image_is_refused_with_the_dockerfile_lines_handed_over() {
        let err = image_refusal("billing", "COPY --from=x /opt /opt\n".into());
        assert!(err.to_string().contains("container image"), "{err}");
        assert!(err.help_text().unwrap().contains("Dockerfile lines"));
        assert_eq!(
            err.handed_over(),
            Some(("dockerfile", "COPY --from=x /opt /opt\n"))
        );
    }

    #[test]
    fn finish_waits_for_the_stack_to_carry_the_change() {
        let settings = Settings {
            phase: Phase::Finish,
            ..settings(&[])
        };
        let f = function(&[], &[]);
        for env in [
            "          DB_PASSWORD: !Ref P\n          DB_PASSWORD_SECRET_ID: billing/env\n",
            "          DB_USER: u\n",
        ] {
            let err = review(&mut finish_plan(), &f, &deployed(env), &settings).unwrap_err();
            assert!(
                err.to_string().contains("stack orders's deployed template"),
                "{err}"
            );
            assert!(err.help_text().unwrap().contains("--owner-updated"));
        }
        let mut plan = finish_plan();
        review(
            &mut plan,
            &f,
            &deployed("          DB_PASSWORD_SECRET_ID: billing/env\n"),
            &settings,
        )
        .unwrap();
        assert_eq!(plan.owner, stack());
        let unread = OwnerSeen {
            owner: stack(),
            deployed: Some(Err("AccessDenied".into())),
        };
        assert!(review(&mut finish_plan(), &f, &unread, &settings).is_err());
        let trusted = Settings {
            owner_updated: true,
            ..settings.clone()
        };
        assert!(review(&mut finish_plan(), &f, &unread, &trusted).is_ok());
    }

    #[test]
    fn owners_and_snap_start_warn_at_expand() {
        let mut f = function(&[], &[]);
        f.snap_start = true;
        let mut plan = Plan::new(Phase::Expand, "billing", secret());
        let seen = OwnerSeen {
            owner: stack(),
            deployed: None,
        };
        review(&mut plan, &f, &seen, &settings(&[])).unwrap();
        assert!(plan
            .warnings
            .iter()
            .any(|w| w.contains("AWS_SESSION_TOKEN")));
        assert!(plan
            .warnings
            .iter()
            .any(|w| w.contains("--emit cloudformation --template FILE")));
        assert_eq!(
            decide(Owner::None, Some(OwnerFlag::Terraform)),
            Owner::Terraform
        );
        assert_eq!(decide(stack(), Some(OwnerFlag::Terraform)), stack());
    }

    #[test]
    fn a_sam_stack_is_pointed_to_its_sam_template() {
        let sam = Owner::Cloudformation {
            stack: "orders".into(),
            logical_id: "Billing".into(),
            tool: Some(Tool::Sam),
        };
        let mut plan = Plan::new(Phase::Expand, "billing", secret());
        let seen = OwnerSeen {
            owner: sam.clone(),
            deployed: None,
        };
        review(&mut plan, &function(&[], &[]), &seen, &settings(&[])).unwrap();
        let warned = plan.warnings.join("\n");
        assert!(warned.contains("--emit sam --template FILE"), "{warned}");
        let settings = Settings {
            phase: Phase::Finish,
            ..settings(&[])
        };
        let mut seen = deployed("          DB_PASSWORD: !Ref P\n");
        seen.owner = sam;
        let err = review(&mut finish_plan(), &function(&[], &[]), &seen, &settings).unwrap_err();
        assert!(err
            .help_text()
            .unwrap()
            .contains("--emit sam --template FILE"));
    }
}
