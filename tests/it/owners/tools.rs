//! The emitted artifacts checked by their owners' own tools: cfn-lint, python-hcl2 and
//! checkov, tsc against aws-cdk-lib, Python's compiler, and Dockerfile's instruction set.

use super::*;

/// cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational.
pub(super) fn cfn_lint(checkers: &Path, template: &Path) {
    let (code, output) =
        run(Command::new(checkers.join("checkers-venv/bin/cfn-lint")).arg(template));
    assert_eq!(
        code.unwrap_or(2) & 2,
        0,
        "cfn-lint errors in {}:\n{output}",
        template.display()
    );
}

/// python-hcl2 parses it, and checkov's "no secrets in a Lambda environment" check runs on
/// the function and passes.
pub(super) fn terraform_checks(checkers: &Path, file: &Path) {
    let python = checkers.join("checkers-venv/bin/python");
    let parse = "import hcl2, sys; doc = hcl2.load(open(sys.argv[1])); assert doc['resource']";
    let (code, output) = run(Command::new(&python).args(["-c", parse]).arg(file));
    assert_eq!(
        code,
        Some(0),
        "python-hcl2 cannot parse {}:\n{output}",
        file.display()
    );
    let (code, output) = run(Command::new(checkers.join("checkers-venv/bin/checkov"))
        .args([
            "--quiet",
            "--compact",
            "--framework",
            "terraform",
            "--check",
            "CKV_AWS_45",
            "-f",
        ])
        .arg(file)
        .env("CHECKOV_RUN_SCA_PACKAGE_SCAN_V2", "false")
        .env("BC_SKIP_MAPPING", "TRUE"));
    assert_eq!(
        code,
        Some(0),
        "checkov finds a secret in the environment:\n{output}"
    );
    assert!(
        output.contains("Passed checks: 1"),
        "CKV_AWS_45 did not run:\n{output}"
    );
}

pub(super) fn cdk_ts_check(checkers: &Path, dir: &Path, file: &Path) {
    let modules = dir.join("node_modules");
    if !modules.exists() {
        std::os::unix::fs::symlink(checkers.join("checkers-node/node_modules"), &modules).unwrap();
    }
    let tsc = checkers.join("checkers-node/node_modules/.bin/tsc");
    let (code, output) = run(Command::new(tsc)
        .args([
            "--noEmit",
            "--strict",
            "--target",
            "es2020",
            "--module",
            "nodenext",
            "--skipLibCheck",
        ])
        .arg(file)
        .current_dir(dir));
    assert_eq!(code, Some(0), "tsc rejects the CDK snippet:\n{output}");
}

pub(super) fn cdk_py_check(checkers: &Path, file: &Path) {
    let python = checkers.join("checkers-venv/bin/python");
    let (code, output) = run(Command::new(python).args(["-m", "py_compile"]).arg(file));
    assert_eq!(
        code,
        Some(0),
        "the CDK Python snippet does not compile:\n{output}"
    );
}

/// Every instruction is one Dockerfile knows, with arguments; continuation lines joined.
pub(super) fn dockerfile_check(text: &str) {
    const INSTRUCTIONS: [&str; 18] = [
        "FROM",
        "RUN",
        "CMD",
        "LABEL",
        "EXPOSE",
        "ENV",
        "ADD",
        "COPY",
        "ENTRYPOINT",
        "VOLUME",
        "USER",
        "WORKDIR",
        "ARG",
        "ONBUILD",
        "STOPSIGNAL",
        "HEALTHCHECK",
        "SHELL",
        "MAINTAINER",
    ];
    let joined = text.replace("\\\n", " ");
    let mut count = 0;
    for line in joined.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (instruction, rest) = line.split_once(' ').unwrap_or((line, ""));
        assert!(
            INSTRUCTIONS.contains(&instruction),
            "not a Dockerfile instruction: {line}"
        );
        assert!(!rest.trim().is_empty(), "no arguments: {line}");
        if instruction == "ENV" {
            assert!(rest.contains('='), "ENV without KEY=VALUE: {line}");
        }
        count += 1;
    }
    assert!(
        text.lines().next().is_some_and(|l| l.starts_with('#')) && count >= 5,
        "{text}"
    );
}

/// Every format but the patched template, emitted to `dir` and checked by its tools; the
/// artifacts' text.
pub(super) fn emit_every_format(
    home: &TestHome,
    case: &Case,
    outputs: &mut Vec<Output>,
    dir: &Path,
) -> String {
    let checkers = checkers();
    let mut texts = String::new();
    let formats = [
        ("cloudformation", "change.cfn.json"),
        ("sam", "change.sam.json"),
        ("terraform", "change.tf"),
        ("cdk-ts", "change.ts"),
        ("cdk-py", "change.py"),
        ("dockerfile", "Dockerfile.extension"),
    ];
    for (format, file) in formats {
        let path = dir.join(file);
        let args = ["--emit", format, "--output", path.to_str().unwrap()];
        succeeded(&migrate(home, case, outputs, &args));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("DB_PASSWORD_SECRET_ID"), "{format}:\n{text}");
        texts.push_str(&text);
    }
    for file in ["change.cfn.json", "change.sam.json"] {
        cfn_lint(&checkers, &dir.join(file));
    }
    terraform_checks(&checkers, &dir.join("change.tf"));
    cdk_ts_check(&checkers, dir, &dir.join("change.ts"));
    cdk_py_check(&checkers, &dir.join("change.py"));
    dockerfile_check(&std::fs::read_to_string(dir.join("Dockerfile.extension")).unwrap());
    texts
}

/// The case's template patched by `--emit FORMAT --template`, clean for cfn-lint, changed
/// where the function and its role need it and nowhere else.
pub(super) fn emit_patched(
    home: &TestHome,
    case: &Case,
    outputs: &mut Vec<Output>,
    dir: &Path,
) -> String {
    let original = dir.join("original.yaml");
    std::fs::write(&original, case.template).unwrap();
    let path = dir.join("patched.yaml");
    let args = [
        "--emit",
        case.format,
        "--template",
        original.to_str().unwrap(),
        "--output",
        path.to_str().unwrap(),
    ];
    succeeded(&migrate(home, case, outputs, &args));
    let patched = std::fs::read_to_string(&path).unwrap();
    assert!(
        patched.contains("DB_PASSWORD_SECRET_ID") && !patched.contains("DB_PASSWORD: !Ref"),
        "{patched}"
    );
    for mark in case.patched_marks {
        assert!(patched.contains(mark), "no `{mark}` in:\n{patched}");
    }
    cfn_lint(&checkers(), &path);
    patched
}
