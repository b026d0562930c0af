# A throwaway copy of the project with the three SDK clients Part IV adds (ECS, Batch,
# CodeBuild) as dependencies, each with a few calls reachable from `main`, so that a release
# build links their code and its size shows whether a profile leaves room for them.
# Source it; it defines functions only.

# write_part_iv_copy REPO DIR: DIR gets the committed tree of REPO's HEAD, plus the clients.
write_part_iv_copy() {
    local repo=$1 dir=$2 client
    mkdir -p "$dir"
    git -C "$repo" archive HEAD | tar -x -C "$dir"
    for client in ecs batch codebuild; do
        (cd "$dir" && cargo add --quiet "aws-sdk-$client" --no-default-features \
            --features default-https-client,rt-tokio) || return
    done
    local main=$dir/src/main.rs anchor='fn main() -> ExitCode {'
    if ! grep -qF "$anchor" "$main"; then
        echo "error: src/main.rs has no line \`$anchor\` to hook the Part IV clients into" >&2
        echo "help: update write_part_iv_copy in scripts/lib/part-iv-clients.sh" >&2
        return 1
    fi
    # Reached only with the variable set: the binary behaves as before, but links the calls.
    sed -i "s/^$anchor\$/$anchor\n    if std::env::var_os(\"SECRETSLAB_PART_IV_PROBE\").is_some() {\n        part_iv_probe::run();\n    }/" "$main"
    cat >>"$main" <<'RUST'

mod part_iv_probe {
    pub fn run() {
        let Ok(runtime) = tokio::runtime::Runtime::new() else { return };
        runtime.block_on(async {
            let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            let ecs = aws_sdk_ecs::Client::new(&config);
            let batch = aws_sdk_batch::Client::new(&config);
            let build = aws_sdk_codebuild::Client::new(&config);
            println!("{:?}", ecs.list_clusters().send().await.is_ok());
            println!("{:?}", ecs.register_task_definition().family("f").send().await.is_ok());
            println!("{:?}", ecs.run_task().task_definition("f").send().await.is_ok());
            println!("{:?}", ecs.describe_tasks().tasks("t").send().await.is_ok());
            println!("{:?}", ecs.describe_services().services("s").send().await.is_ok());
            println!("{:?}", batch.describe_job_queues().send().await.is_ok());
            println!("{:?}", batch.register_job_definition().job_definition_name("j").send().await.is_ok());
            println!("{:?}", batch.submit_job().job_name("j").send().await.is_ok());
            println!("{:?}", batch.describe_jobs().jobs("j").send().await.is_ok());
            println!("{:?}", batch.create_compute_environment().send().await.is_ok());
            println!("{:?}", build.list_projects().send().await.is_ok());
            println!("{:?}", build.create_project().name("p").send().await.is_ok());
            println!("{:?}", build.start_build().project_name("p").send().await.is_ok());
            println!("{:?}", build.batch_get_builds().ids("b").send().await.is_ok());
            println!("{:?}", build.batch_get_projects().names("p").send().await.is_ok());
        });
    }
}
RUST
}
