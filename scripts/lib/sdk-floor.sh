# The floor a first build is measured against: a hello-world on the AWS SDK crates the project
# started from (lambda, secretsmanager, iam, sts) plus clap and tokio, with the project's own
# dependency features and profiles. Source it; it defines functions only.

# write_sdk_floor DIR PROJECT_DIR: a Cargo project in DIR with PROJECT_DIR's `[profile.*]`
# tables and its Cargo.lock (so the SDK crates are the versions the project builds).
write_sdk_floor() {
    local dir=$1 project=$2
    mkdir -p "$dir/src"
    local sdk='default-features = false, features = ["default-https-client", "rt-tokio"]'
    cat >"$dir/Cargo.toml" <<TOML
[package]
name = "sdk-floor"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
aws-config = { version = "1", default-features = false, features = ["behavior-version-latest", "default-https-client", "rt-tokio"] }
aws-sdk-iam = { version = "1", $sdk }
aws-sdk-lambda = { version = "1", $sdk }
aws-sdk-secretsmanager = { version = "1", $sdk }
aws-sdk-sts = { version = "1", $sdk }
clap = { version = "4", features = ["derive"] }
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }

TOML
    # Every [profile.*] table, as written in the project (a table ends at the next header).
    awk '/^\[/ { keep = ($0 ~ /^\[profile[.]/) } keep' "$project/Cargo.toml" >>"$dir/Cargo.toml"
    cp "$project/Cargo.lock" "$dir/Cargo.lock"
    # One call on each client, behind a flag, so each client's code is linked into the binary.
    cat >"$dir/src/main.rs" <<'RUST'
use clap::Parser;

#[derive(Parser)]
struct Args {
    /// Call each service once (the build is what is measured; the calls keep the code linked).
    #[arg(long)]
    call: bool,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let config = aws_config::load_from_env().await;
    let lambda = aws_sdk_lambda::Client::new(&config);
    let secrets = aws_sdk_secretsmanager::Client::new(&config);
    let iam = aws_sdk_iam::Client::new(&config);
    let sts = aws_sdk_sts::Client::new(&config);
    if args.call {
        println!("{:?}", lambda.list_functions().send().await.map(|o| o.functions.map(|f| f.len())));
        println!("{:?}", secrets.list_secrets().send().await.map(|o| o.secret_list.map(|s| s.len())));
        println!("{:?}", iam.list_roles().send().await.map(|o| o.roles.len()));
        println!("{:?}", sts.get_caller_identity().send().await.map(|o| o.account));
    }
    println!("hello, SDK");
}
RUST
}
