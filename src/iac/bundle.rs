//! Every file of one export: the infrastructure code, the handler, the inputs for what a
//! format cannot make itself, and a README that says what each file is and what to run next.

use serde_json::{json, Value};

use crate::domain::kinds::Store;
use crate::domain::package::Package;
use crate::iac::cloudformation::{self as cfn, tag_list, SECURE_STRING_NOTE};
use crate::iac::{cdk, sam, terraform, Artifact, IacFormat, LabModel, Readme, PACKAGE_FILE};

pub const README: &str = "README.md";
pub const TAG_POLICY_FILE: &str = "tag-policy.json";
pub const PUT_PARAMETER_FILE: &str = "put-parameter.json";

/// The files of `format` for `model`; `package` is the handler's zip as `up` deploys it.
pub fn bundle(format: IacFormat, model: &LabModel, package: &Package) -> Vec<Artifact> {
    let mut files = match format {
        IacFormat::Terraform => vec![Artifact::text(
            "main.tf",
            "the Terraform configuration: secret (password generated at apply time, kept out of the state), the simulated database accepting it, read policy, role, log group, function with the extension layer",
            terraform::render(&terraform::configuration(model)),
        )],
        IacFormat::Cloudformation => vec![
            Artifact::json("template.json", "the CloudFormation template: secret (password generated at deploy time), the simulated database, read policy, role, log group, function with the extension layer", &cfn::template(model)),
            Artifact {
                path: PACKAGE_FILE.into(),
                what: "the handler's zip, byte for byte what `secretslab up` deploys: upload it to S3 for the template's Code".into(),
                contents: package.zip.clone(),
            },
        ],
        IacFormat::Sam => vec![Artifact::json("template.json", "the SAM template: the same lab, the function as AWS::Serverless::Function built from function/", &sam::template(model))],
        IacFormat::CdkTs => cdk_files(model),
    };
    let handler = model.handler();
    files.push(Artifact::text(
        model.handler_path(),
        format!("the {} handler the function runs", handler.language),
        handler.source.to_string(),
    ));
    for (file, source) in handler.instruments {
        files.push(Artifact::text(
            model.function_file(file),
            "the lab's instruments the handler imports (timing, the direct fetch, legacy mode)",
            source.to_string(),
        ));
    }
    if format != IacFormat::Terraform {
        files.push(Artifact::json(
            TAG_POLICY_FILE,
            "the lab's tags for the read policy, which CloudFormation cannot tag",
            &json!({"Tags": tag_list(&model.tags())}),
        ));
    }
    if format != IacFormat::Terraform && model.store == Store::ParameterStore {
        files.push(Artifact::json(
            PUT_PARAMETER_FILE,
            "the SecureString parameter to create before deploying (everything but the value)",
            &cfn::put_parameter_input(model),
        ));
    }
    let readme = readme(format, model, &files).render();
    files.push(Artifact::text(
        README,
        "what each file is and the commands to run next",
        readme,
    ));
    files
}

fn cdk_files(model: &LabModel) -> Vec<Artifact> {
    let mut files = vec![Artifact::text(
        "app.ts",
        "the CDK app (TypeScript): secret, the simulated database, read policy, role, log group, function with `paramsAndSecrets`",
        cdk::app(model),
    )];
    for (path, value) in cdk::project_files(model) {
        files.push(Artifact::json(path, "the app's project settings", &value));
    }
    files
}

/// What to run, in order, to deploy `format` and check it with secretslab.
pub fn next_commands(format: IacFormat, model: &LabModel) -> Vec<String> {
    let lab = &model.names.lab;
    let mut commands = Vec::new();
    if format != IacFormat::Terraform && model.store == Store::ParameterStore {
        commands.push(format!("aws ssm put-parameter --cli-input-json file://{PUT_PARAMETER_FILE} --value file://credentials.json"));
    }
    let stack = cdk::stack_name(model);
    match format {
        IacFormat::Terraform => commands.push("terraform init && terraform apply".into()),
        IacFormat::Cloudformation => commands.extend([
            "aws s3 cp function.zip s3://YOUR-BUCKET/".to_string() + lab + "/function.zip",
            format!("aws cloudformation deploy --template-file template.json --stack-name {stack} --capabilities CAPABILITY_NAMED_IAM --parameter-overrides CodeBucket=YOUR-BUCKET"),
        ]),
        IacFormat::Sam => commands.push("sam deploy --guided --capabilities CAPABILITY_NAMED_IAM".into()),
        IacFormat::CdkTs => commands.push("npm install && npx cdk deploy".into()),
    }
    if format != IacFormat::Terraform {
        commands.push(format!(
            "aws iam tag-policy --cli-input-json file://{TAG_POLICY_FILE} --policy-arn arn:aws:iam::$(aws sts get-caller-identity --query Account --output text):policy/{}",
            model.names.policy
        ));
    }
    // CloudFormation and CDK cannot hash the password they generate: `up` lets the simulated
    // database accept it (and changes nothing else of a lab the stack made as `up` would).
    if format != IacFormat::Terraform && model.simulated_db.is_some() {
        commands.push(format!("secretslab up --name {lab}"));
    }
    commands.push(format!("secretslab test --name {lab}"));
    commands
}

fn readme(format: IacFormat, model: &LabModel, files: &[Artifact]) -> Readme {
    let mut notes = vec![
        format!("No secret value is in these files: {}.", match (format, model.store) {
            (IacFormat::Terraform, _) => "Terraform generates the password at apply time (an ephemeral `random_password` written through a write-only attribute, so it is not in the state either)",
            (_, Store::SecretsManager) => "Secrets Manager generates the password at deploy time",
            (_, Store::ParameterStore) => "you pass the value from your own file when you create the parameter",
        }),
        format!("The extension layer is `{}` ({}); it is region- and architecture-specific, so deploying elsewhere needs that region's layer.", model.function.layer_arn, model.function.architecture()),
        "`secretslab status`, `test` and `teardown` know the deployed lab by its tags, as if `secretslab up` had made it.".into(),
    ];
    if model.simulated_db.is_some() {
        notes.push(match format {
            IacFormat::Terraform => "The lab's simulated database (the SSM parameter of salted login digests that the handler logs in to, and `secretslab rotate` changes) accepts the generated login from the start: Terraform computes the digest at apply time from the same ephemeral password, and writes it through a write-only attribute.".into(),
            _ => cfn::simulated_db_note(model),
        });
    }
    if format != IacFormat::Terraform {
        notes.push(format!("CloudFormation cannot tag a managed policy: the `tag-policy` command gives {} the lab's tags.", model.names.policy));
        if model.store == Store::ParameterStore {
            notes.push(SECURE_STRING_NOTE.into());
        }
    }
    if format == IacFormat::Terraform {
        notes.push(format!(
            "Needs Terraform {} (write-only attributes and ephemeral resources).",
            terraform::REQUIRED_TERRAFORM
        ));
    }
    Readme {
        title: format!("secretslab lab `{}` as {}", model.names.lab, format.label()),
        intro: vec![format!(
            "The lab `{}` in {}, exported by `secretslab export --format {}` from what is deployed: the same names, the same least-privilege policy, the extension layer and its settings, the log group and the handler.",
            model.names.lab, model.region, format.id()
        )],
        files: files.iter().map(|f| (f.path.clone(), f.what.clone())).collect(),
        next: next_commands(format, model),
        notes,
    }
}

/// The JSON files of a bundle, parsed (for checks).
pub fn json_file(files: &[Artifact], path: &str) -> Option<Value> {
    let file = files.iter().find(|f| f.path == path)?;
    serde_json::from_slice(&file.contents).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iac::tests::model;

    #[test]
    fn every_format_has_its_code_handler_and_readme() {
        let package = crate::domain::package::build().unwrap();
        for format in [
            IacFormat::Terraform,
            IacFormat::Cloudformation,
            IacFormat::Sam,
            IacFormat::CdkTs,
        ] {
            for store in [Store::SecretsManager, Store::ParameterStore] {
                let files = bundle(format, &model(store, false), &package);
                let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
                assert!(paths.contains(&"function/lambda_function.py"), "{paths:?}");
                assert!(paths.contains(&"function/lab_instruments.py"), "{paths:?}");
                let readme = String::from_utf8(files.last().unwrap().contents.clone()).unwrap();
                for path in &paths[..paths.len() - 1] {
                    assert!(
                        readme.contains(&format!("`{path}`")),
                        "{format:?} README lists {path}"
                    );
                }
                let put = paths.contains(&PUT_PARAMETER_FILE);
                assert_eq!(
                    put,
                    store == Store::ParameterStore && format != IacFormat::Terraform
                );
            }
        }
    }

    #[test]
    fn a_nodejs_lab_exports_its_own_handler() {
        let mut lab = model(Store::SecretsManager, false);
        lab.function.runtime = crate::domain::kinds::Runtime::Nodejs22.into();
        lab.function.handler = "index.handler".into();
        let package = crate::domain::handler::package_of(lab.handler()).unwrap();
        for format in [
            IacFormat::Terraform,
            IacFormat::Cloudformation,
            IacFormat::CdkTs,
        ] {
            let files = bundle(format, &lab, &package);
            let handler = files
                .iter()
                .find(|f| f.path.starts_with("function/"))
                .unwrap();
            assert_eq!(handler.path, "function/index.mjs");
            assert_eq!(
                handler.contents,
                crate::domain::handler::NODEJS.source.as_bytes()
            );
            assert!(handler.what.contains("Node.js"), "{handler:?}");
        }
        let app = String::from_utf8(bundle(IacFormat::CdkTs, &lab, &package)[0].contents.clone());
        assert!(app.unwrap().contains("lambda.RuntimeFamily.NODEJS"));
    }

    #[test]
    fn readmes_say_the_next_command() {
        let lab = model(Store::SecretsManager, false);
        let next = |format| next_commands(format, &lab).join("\n");
        assert!(next(IacFormat::Terraform).contains("terraform init && terraform apply"));
        assert!(next(IacFormat::Sam).contains("sam deploy --guided"));
        assert!(next(IacFormat::CdkTs).contains("cdk deploy"));
        assert!(next(IacFormat::Cloudformation).contains("aws cloudformation deploy"));
    }
}
