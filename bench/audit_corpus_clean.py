"""Rows a human has to look at (`suspect`), references to secrets, and configuration with
the hard negatives first.
"""

from audit_corpus_base import *  # noqa: F403 (the shared shapes and `add`)


# --------------------------------------------------------------------------------------
# suspect: a human has to look
# --------------------------------------------------------------------------------------

def suspects():
    # Secret names with short or plain values: a weak credential, a default or a mode.
    for name, value in [("DB_PASSWORD", "postgres"), ("ADMIN_PASSWORD", "admin"), ("API_KEY", "abc123"),
                        ("REDIS_PASSWORD", "redis"), ("TOKEN", "devtoken"), ("SECRET", "secret"),
                        ("MQ_PASSWORD", "guest"), ("APP_SECRET", "s3cr3t"), ("AUTH_TOKEN", "letmein"),
                        ("SMTP_PASSWORD", "mailpass")]:
        add(name, value, "suspect", "secret-name-weak-value")
    # High-entropy values under names that say nothing about their nature.
    for name in ["PAYLOAD", "X_SIGNATURE_SEED", "EXTRA_1", "BLOB", "VALUE_A", "INIT_VECTOR",
                 "PARTNER_CODE", "OPAQUE", "SEED", "DATA"]:
        value = pick([rand(ALNUM, 40), b64(bytes(rng.getrandbits(8) for _ in range(33))),
                      rand(B64URL, 48), rand(ALNUM + "+/", 44)])
        add(name, value, "suspect", "high-entropy-neutral-name")
    # Vendor-shaped tokens whose checksum does not verify: a typo, a truncation, or a fake.
    for name in ["GITHUB_TOKEN", "NPM_TOKEN"]:
        prefix = "ghp_" if name == "GITHUB_TOKEN" else "npm_"
        body = rand(BASE62, 30)
        good = base62_checksum(body)
        bad = good[:-1] + ("0" if good[-1] != "0" else "1")
        add(name, prefix + body + bad, "suspect", "token-bad-checksum")


# --------------------------------------------------------------------------------------
# references: names, ARNs and paths of secrets, parameters and keys
# --------------------------------------------------------------------------------------

def references():
    for name in ["DB_SECRET_ARN", "DB_PASSWORD_SECRET_ARN", "SECRET_ARN", "STRIPE_SECRET_ARN",
                 "API_KEY_SECRET_ARN", "CREDENTIALS_SECRET", "RDS_SECRET", "SECRET_ID",
                 "DB_CREDENTIALS_SECRET_ID", "GITHUB_TOKEN_SECRET"]:
        secret = f"{pick(STAGES)}/{pick(APPS)}/{pick(['db', 'api-key', 'stripe', 'credentials', 'token'])}"
        add(name, f"arn:aws:secretsmanager:{region()}:{account()}:secret:{secret}-{rand(ALNUM, 6)}",
            "reference", "secretsmanager-arn")
    add("DB_SECRET_ARN_GOV", f"arn:aws-us-gov:secretsmanager:us-gov-west-1:{account()}:secret:rds!db-{uuid4()}-{rand(ALNUM, 6)}",
        "reference", "secretsmanager-arn")
    add("RDS_MANAGED_SECRET", f"arn:aws:secretsmanager:{region()}:{account()}:secret:rds!cluster-{uuid4()}-{rand(ALNUM, 6)}",
        "reference", "secretsmanager-arn")
    for name in ["DB_SECRET_NAME", "SECRET_NAME", "STRIPE_SECRET_ID", "API_KEY_SECRET_NAME", "SECRET_ID",
                 "DB_PASSWORD_SECRET", "CREDENTIALS_SECRET_NAME", "SECRETS_MANAGER_SECRET_ID",
                 "SLACK_TOKEN_SECRET", "JWT_SECRET_NAME"]:
        value = pick([f"{pick(STAGES)}/{pick(APPS)}/{pick(['db', 'api-key', 'stripe', 'credentials'])}",
                      f"{pick(APPS)}-{pick(STAGES)}-{pick(['db-credentials', 'api-key', 'jwt-signing-key'])}",
                      f"{pick(STAGES)}/{pick(APPS)}"])
        add(name, value, "reference", "secret-name")
    add("RDS_SECRET_NAME", f"rds!db-{uuid4()}", "reference", "secret-name")
    for name in ["API_KEY_PARAM", "SSM_PARAMETER_NAME", "DB_PASSWORD_PARAM", "TOKEN_PARAMETER",
                 "CONFIG_PARAMETER_PATH", "PARAMETERS_PATH", "SLACK_TOKEN_PARAM", "STRIPE_KEY_SSM",
                 "SSM_PREFIX", "API_KEY_PARAMETER_NAME", "PASSWORD_PARAMETER", "SSM_DB_PASSWORD"]:
        depth = rng.randint(2, 4)
        parts = [pick(STAGES), pick(APPS)] + [pick(["api", "key", "db", "password", "token", "config", "stripe"])
                                              for _ in range(depth - 2)]
        add(name, "/" + "/".join(parts), "reference", "ssm-path")
    # Parameter names need not be paths.
    for name, value in [("API_KEY_PARAM_NAME", "prod-api-key"), ("SSM_PARAMETER", "payments.stripe.secret-key"),
                        ("DB_PASSWORD_PARAMETER_NAME", "DbPasswordProd"), ("TOKEN_SSM_NAME", "orders_token")]:
        add(name, value, "reference", "ssm-name")
    for name in ["API_KEY_PARAMETER_ARN", "DB_PASSWORD_PARAM_ARN", "CONFIG_PARAM_ARN"]:
        add(name, f"arn:aws:ssm:{region()}:{account()}:parameter/{pick(STAGES)}/{pick(APPS)}/api-key",
            "reference", "ssm-arn")
    for name in ["DB_PASSWORD", "STRIPE_SECRET_KEY", "API_KEY", "DATABASE_URL", "SLACK_TOKEN", "JWT_SECRET"]:
        value = pick([
            f"{{{{resolve:secretsmanager:{pick(STAGES)}/{pick(APPS)}:SecretString:password}}}}",
            f"{{{{resolve:secretsmanager:arn:aws:secretsmanager:{region()}:{account()}:secret:{pick(APPS)}-{rand(ALNUM, 6)}:SecretString:::}}}}",
            f"{{{{resolve:ssm-secure:/{pick(STAGES)}/{pick(APPS)}/token:3}}}}",
            f"{{{{resolve:ssm:/{pick(STAGES)}/{pick(APPS)}/api-key}}}}",
        ])
        add(name, value, "reference", "cfn-dynamic-reference")
    for name in ["KMS_KEY_ID", "ENCRYPTION_KEY_ID", "KMS_KEY", "CMK_ID", "DATA_KEY_ID"]:
        add(name, pick([uuid4(), "mrk-" + rand(HEX, 32)]), "reference", "kms-key-id")
    for name in ["KMS_KEY_ARN", "ENCRYPTION_KEY_ARN", "SIGNING_KEY_ARN", "KMS_KEY"]:
        add(name, f"arn:aws:kms:{region()}:{account()}:key/{uuid4()}", "reference", "kms-key-arn")
    for name in ["KMS_ALIAS", "KMS_KEY_ALIAS", "ENCRYPTION_KEY", "KMS_KEY_ID", "MASTER_KEY_ALIAS"]:
        value = pick([f"alias/{pick(APPS)}-{pick(STAGES)}", f"alias/aws/{pick(['lambda', 'secretsmanager', 's3'])}",
                      f"arn:aws:kms:{region()}:{account()}:alias/{pick(APPS)}"])
        add(name, value, "reference", "kms-alias")
    for name, service, resource in [
        ("TOPIC_ARN", "sns", f"{pick(APPS)}-events"),
        ("ALERTS_TOPIC_ARN", "sns", f"{pick(APPS)}-{pick(STAGES)}-alerts"),
        ("TABLE_ARN", "dynamodb", f"table/{pick(APPS)}"),
        ("STATE_MACHINE_ARN", "states", f"stateMachine:{pick(APPS)}-workflow"),
        ("EVENT_BUS_ARN", "events", f"event-bus/{pick(APPS)}"),
        ("ROLE_ARN", "iam", f"role/{pick(APPS)}-{pick(STAGES)}-access"),
        ("ASSUME_ROLE_ARN", "iam", f"role/cross-account-{pick(APPS)}"),
        ("QUEUE_ARN", "sqs", f"{pick(APPS)}-dlq"),
        ("BUCKET_ARN", "s3", f"{pick(APPS)}-{pick(STAGES)}-uploads"),
        ("CERTIFICATE_ARN", "acm", f"certificate/{uuid4()}"),
        ("USER_POOL_ARN", "cognito-idp", f"userpool/{region()}_{rand(ALNUM, 9)}"),
        ("STREAM_ARN", "kinesis", f"stream/{pick(APPS)}-events"),
        ("TOKEN_SIGNER_FUNCTION_ARN", "lambda", f"function:{pick(APPS)}-token-signer"),
        ("SECRET_ROTATION_LAMBDA_ARN", "lambda", f"function:SecretsManagerRotation-{pick(APPS)}"),
    ]:
        r, a = ("", "") if service in ("s3",) else (region(), account())
        if service == "iam":
            r = ""
        add(name, f"arn:aws:{service}:{r}:{a}:{resource}", "reference", "arn")


# --------------------------------------------------------------------------------------
# config: everything else, with hard negatives first
# --------------------------------------------------------------------------------------

def flags_and_numbers_under_secret_names():
    for name, value in [("MYSQL_ALLOW_EMPTY_PASSWORD", "yes"), ("DB_PASSWORD_ENABLED", "true"),
                        ("PASSWORD_AUTH_ENABLED", "false"), ("REQUIRE_PASSWORD_RESET", "false"),
                        ("USE_IAM_AUTH_TOKEN", "true"), ("ROTATE_SECRETS", "1"), ("API_KEY_REQUIRED", "true"),
                        ("ENABLE_TOKEN_REFRESH", "on"), ("SECRETS_EXTENSION_ENABLED", "true"),
                        ("ALLOW_EMPTY_PASSWORD", "yes"), ("TOKEN_VALIDATION", "disabled"),
                        ("SKIP_SECRET_CHECK", "False"), ("PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED", "TRUE"),
                        ("POSTGRES_HOST_AUTH_METHOD", "scram-sha-256")]:
        add(name, value, "config", "flag")
    for name, value in [("TOKEN_TTL", "3600"), ("TOKEN_EXPIRY", "15m"), ("PASSWORD_MIN_LENGTH", "12"),
                        ("SECRET_CACHE_TTL", "300"), ("SECRETS_MANAGER_TTL", "300"), ("SSM_PARAMETER_STORE_TTL", "300"),
                        ("ACCESS_TOKEN_LIFETIME_SECONDS", "900"), ("KEY_ROTATION_DAYS", "90"),
                        ("API_KEY_RATE_LIMIT", "1000"), ("TOKEN_REFRESH_WINDOW", "5m"),
                        ("PASSWORD_MAX_AGE_DAYS", "180"), ("JWT_EXPIRES_IN", "1h"),
                        ("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", "2773"), ("SECRETS_MANAGER_TIMEOUT_MILLIS", "2000"),
                        ("PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS", "3"), ("SECRET_VERSION", "3")]:
        add(name, value, "config", "secret-name-number")
    for name, value in [("API_KEY_HEADER", "X-Api-Key"), ("AUTH_TOKEN_HEADER", "Authorization"),
                        ("JWT_ALGORITHM", "RS256"), ("TOKEN_ISSUER", "https://auth.example.com/"),
                        ("PASSWORD_HASH_ALGORITHM", "argon2id"), ("TOKEN_AUDIENCE", "api://orders"),
                        ("SECRET_STORE", "secretsmanager"), ("CREDENTIALS_PROVIDER", "iam"),
                        ("TOKEN_TYPE", "Bearer"), ("SECRETS_PROVIDER", "aws-parameters-and-secrets-extension"),
                        ("PASSWORD_POLICY", "strong"), ("KEY_ALGORITHM", "ECDSA_SHA_256"),
                        ("AUTH_MODE", "oauth2"), ("SECRET_STAGE", "AWSCURRENT"), ("SECRET_VERSION_STAGE", "AWSPENDING"),
                        ("TOKEN_ENDPOINT", "https://login.example.com/oauth2/token"),
                        ("JWKS_URL", f"https://cognito-idp.{region()}.amazonaws.com/{region()}_{rand(ALNUM, 9)}/.well-known/jwks.json"),
                        ("PASSWORD_RESET_URL", "https://app.example.com/reset"), ("KEY_FORMAT", "pem"),
                        ("API_KEY_SOURCE", "HEADER"), ("AUTH_PROVIDER", "cognito"), ("SECRET_KEY_FIELD", "password"),
                        ("CREDENTIALS_FILE", "/tmp/credentials.json"), ("PRIVATE_KEY_PATH", "/opt/keys/signing.pem"),
                        ("SSH_KNOWN_HOSTS_FILE", "/var/task/known_hosts"), ("TOKEN_SCOPE", "read:orders write:orders"),
                        ("SECRETS_PREFIX", "prod/payments/"), ("PASSWORD_FIELD_NAME", "password"),
                        ("API_KEY_NAME", "partner-integration"), ("AUTH_SCHEME", "Basic")]:
        add(name, value, "config", "secret-name-config-value")


def placeholders():
    for name, value in [("DB_PASSWORD", "changeme"), ("API_KEY", "<your-api-key>"), ("SECRET_KEY", "${SECRET_KEY}"),
                        ("STRIPE_SECRET_KEY", "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx"), ("TOKEN", "xxx"),
                        ("GITHUB_TOKEN", "<token>"), ("ADMIN_PASSWORD", "CHANGE_ME"), ("API_TOKEN", "TODO"),
                        ("CLIENT_SECRET", "REPLACE_ME"), ("SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/XXX/YYY/ZZZ"),
                        ("OPENAI_API_KEY", "your-openai-api-key"), ("DB_PASS", "********"),
                        ("JWT_SECRET", "{{JWT_SECRET}}"), ("SENDGRID_API_KEY", "SG.xxxxxxxx"),
                        ("PASSWORD", "$(DB_PASSWORD)"), ("API_KEY", "dummy"), ("SECRET", "placeholder"),
                        ("AUTH_TOKEN", "none"), ("PRIVATE_KEY", "-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----"),
                        ("DATABASE_URL", "postgres://user:password@localhost:5432/db"),
                        ("REDIS_PASSWORD", "<redis-password>"), ("MONGO_URI", "mongodb+srv://<username>:<password>@cluster0.example.mongodb.net/"),
                        ("AWS_KEY", "AKIAXXXXXXXXXXXXXXXX"), ("API_KEY", "INSERT_API_KEY_HERE"),
                        ("SMTP_PASSWORD", "%SMTP_PASSWORD%"), ("WEBHOOK_SECRET", "replace-with-webhook-secret"),
                        ("DB_PASSWORD", "${ssm:/prod/db/password}"), ("NPM_TOKEN", "${NPM_TOKEN}"),
                        ("TWILIO_AUTH_TOKEN", "your_auth_token"), ("ANTHROPIC_API_KEY", "sk-ant-...")]:
        add(name, value, "config", "placeholder")
    # Documented example credentials (AWS docs, Azurite).
    add("EXAMPLE_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", "config", "documented-example-key")
    add("S3_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", "config", "documented-example-key")
    add("S3_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "config", "documented-example-key")
    add("AZURE_STORAGE_KEY", "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
        "config", "documented-example-key")
    add("AzureWebJobsStorage", "UseDevelopmentStorage=true", "config", "documented-example-key")
    for name in ["DB_PASSWORD", "API_KEY", "SLACK_WEBHOOK_URL", "STRIPE_SECRET_KEY", "SECRET", "TOKEN",
                 "SMTP_PASSWORD", "ENCRYPTION_KEY"]:
        add(name, "", "config", "empty")


def identifiers():
    for name in ["TENANT_ID", "AZURE_CLIENT_ID", "APP_ID", "CORRELATION_NAMESPACE", "ORG_ID", "WORKSPACE_ID",
                 "AZURE_TENANT_ID", "PROJECT_ID", "GOOGLE_CLIENT_ID_UUID", "INSTANCE_ID"]:
        add(name, uuid4(), "config", "uuid")
    for name in ["GIT_SHA", "COMMIT_SHA", "SOURCE_VERSION", "BUILD_COMMIT", "GIT_COMMIT", "REVISION",
                 "CODEBUILD_RESOLVED_SOURCE_VERSION", "RELEASE_SHA"]:
        add(name, rand(HEX, 40), "config", "git-sha")
    add("GIT_SHORT_SHA", rand(HEX, 7), "config", "git-sha")
    add("BUILD_ID", rand(HEX, 12), "config", "git-sha")
    for name, value in [("CONFIG_HASH", rand(HEX, 64)), ("ASSET_HASH", rand(HEX, 64)),
                        ("CODE_SHA256", b64(bytes(rng.getrandbits(8) for _ in range(32)))),
                        ("SCHEMA_CHECKSUM", rand(HEX, 32)), ("DEPLOYMENT_DIGEST", "sha256:" + rand(HEX, 64)),
                        ("IMAGE_DIGEST", "sha256:" + rand(HEX, 64)), ("ETAG", '"' + rand(HEX, 32) + '"'),
                        ("LAYER_SHA", rand(HEX, 64)), ("SOURCE_HASH", rand(HEX, 40)),
                        ("INTEGRITY", "sha512-" + b64(bytes(rng.getrandbits(8) for _ in range(64)))),
                        ("CDK_ASSET_HASH", rand(HEX, 64)), ("BUNDLE_MD5", rand(HEX, 32))]:
        add(name, value, "config", "hash")
    for name, value in [("TWILIO_ACCOUNT_SID", "AC" + rand(HEX, 32)), ("STRIPE_PUBLISHABLE_KEY", "pk_live_" + rand(ALNUM, 24)),
                        ("COGNITO_CLIENT_ID", rand(LOWER_DIGITS, 26)), ("USER_POOL_ID", f"{region()}_{rand(ALNUM, 9)}"),
                        ("IDENTITY_POOL_ID", f"{region()}:{uuid4()}"), ("AWS_ACCOUNT_ID", account()),
                        ("SENTRY_DSN", f"https://{rand(HEX, 32)}@o{rng.randint(10**5, 10**6)}.ingest.sentry.io/{rng.randint(10**6, 10**7)}"),
                        ("GOOGLE_CLIENT_ID", f"{rng.randint(10**11, 10**12)}-{rand(LOWER_DIGITS, 32)}.apps.googleusercontent.com"),
                        ("ALGOLIA_APP_ID", rand(UPPER_DIGITS, 10)), ("MIXPANEL_PROJECT_TOKEN", rand(HEX, 32)),
                        ("VPC_ID", "vpc-" + rand(HEX, 17)), ("SECURITY_GROUP_ID", "sg-" + rand(HEX, 17)),
                        ("SUBNET_IDS", ",".join("subnet-" + rand(HEX, 17) for _ in range(3))),
                        ("CLOUDFRONT_KEY_PAIR_ID", "K" + rand(UPPER_DIGITS, 13)), ("DISTRIBUTION_ID", "E" + rand(UPPER_DIGITS, 13)),
                        ("HOSTED_ZONE_ID", "Z" + rand(UPPER_DIGITS, 20)), ("API_GATEWAY_ID", rand(LOWER_DIGITS, 10)),
                        ("APPSYNC_API_ID", rand(LOWER_DIGITS, 26)), ("REQUEST_SIGNING_KEY_ID", rand(UPPER_DIGITS, 10)),
                        ("JWT_PUBLIC_KEY", pem("PUBLIC KEY", 290)), ("TLS_CERT", pem("CERTIFICATE", 800, escaped=True)),
                        ("PUBLIC_KEY_PEM", pem("PUBLIC KEY", 290, escaped=True)),
                        ("SSH_HOST_KEY_FINGERPRINT", "SHA256:" + b64(bytes(rng.getrandbits(8) for _ in range(32))).rstrip("="))]:
        kind = {"JWT_PUBLIC_KEY": "public-key", "TLS_CERT": "public-key", "PUBLIC_KEY_PEM": "public-key",
                "STRIPE_PUBLISHABLE_KEY": "publishable-key", "SENTRY_DSN": "url",
                "MIXPANEL_PROJECT_TOKEN": "publishable-key"}.get(name, "resource-id")
        add(name, value, "config", kind)


def generated_names():
    for _ in range(8):
        stack = f"{pick(APPS).capitalize()}{pick(['Stack', 'Service', 'Api'])}-{pick(STAGES)}"
        logical = cdk_logical(pick(["UsersTable", "OrdersTable", "EventsQueue", "UploadsBucket", "DeadLetterQueue"]))
        name = pick(["TABLE_NAME", "QUEUE_NAME", "BUCKET_NAME", "ORDERS_TABLE", "EVENTS_TABLE_NAME",
                     "DLQ_NAME", "STREAM_NAME"])
        value = cfn_physical_id(stack, logical)
        if name == "BUCKET_NAME":
            value = value.lower()
        add(name, value, "config", "cfn-generated-name")
    for _ in range(4):
        stack = f"{pick(APPS)}-{pick(STAGES)}"
        add(pick(["FUNCTION_NAME", "WORKER_FUNCTION", "TARGET_FUNCTION_NAME"]),
            cfn_physical_id(stack, cdk_logical(pick(["ApiHandler", "Worker", "TokenRefresher"])))[:64],
            "config", "cfn-generated-name")
    for _ in range(3):
        add(pick(["QUEUE_URL", "SQS_QUEUE_URL", "JOBS_QUEUE_URL"]),
            f"https://sqs.{region()}.amazonaws.com/{account()}/"
            + cfn_physical_id(f"{pick(APPS)}-{pick(STAGES)}", cdk_logical("JobsQueue")),
            "config", "cfn-generated-name")


def plain_config():
    for name, value in [("TABLE_NAME", f"{pick(APPS)}-{pick(STAGES)}"), ("BUCKET", f"{pick(APPS)}-uploads-{account()}"),
                        ("POWERTOOLS_SERVICE_NAME", pick(APPS)), ("POWERTOOLS_METRICS_NAMESPACE", pick(APPS).capitalize()),
                        ("SERVICE_NAME", f"{pick(APPS)}-api"), ("STAGE", pick(STAGES)), ("ENVIRONMENT", "production"),
                        ("APP_ENV", "staging"), ("NODE_ENV", "production"), ("REGION", region()),
                        ("TZ", "UTC"), ("LANG", "en_US.UTF-8"), ("CURRENCY", "EUR"), ("DEFAULT_LOCALE", "de-DE"),
                        ("CLUSTER_NAME", f"{pick(APPS)}-cluster"), ("DB_NAME", pick(APPS)), ("DB_USER", "app_user"),
                        ("DB_USERNAME", "lambda_ro"), ("DB_SCHEMA", "public"), ("INDEX_NAME", f"{pick(APPS)}-v2"),
                        ("EVENT_SOURCE", f"com.example.{pick(APPS)}"), ("FROM_EMAIL", f"no-reply@{pick(APPS)}.example.com"),
                        ("ADMIN_EMAIL", "ops@example.com"), ("SCHEDULE", "cron(0 3 * * ? *)"), ("RATE", "rate(5 minutes)"),
                        ("ALLOWED_ORIGINS", "https://app.example.com,https://admin.example.com"),
                        ("FEATURE_FLAGS", '{"newCheckout": true, "betaSearch": false}'),
                        ("RETRY_POLICY", '{"maxAttempts": 3, "backoff": "exponential"}'),
                        ("USER_AGENT", "secretslab-demo/1.0"), ("APP_VERSION", "2.14.3"), ("RELEASE", "v2026.09.1"),
                        ("BUILD_DATE", "2026-09-12T08:30:00Z"), ("OWNER_TEAM", "platform"), ("COST_CENTER", "cc-4412"),
                        ("CONTENT_TYPE", "application/json"), ("DATE_FORMAT", "%Y-%m-%d"), ("DELIMITER", ","),
                        ("KEY_PREFIX", "uploads/"), ("S3_KEY", "config/settings.json"), ("PARTITION_KEY", "pk"),
                        ("SORT_KEY", "sk"), ("PRIMARY_KEY", "order_id"), ("CACHE_KEY_PREFIX", "orders:v2:"),
                        ("IDEMPOTENCY_KEY_HEADER", "Idempotency-Key"), ("ROUTING_KEY", "orders.created"),
                        ("OBJECT_KEY", "exports/daily/report.csv"), ("HASH_KEY", "tenantId"),
                        ("AWS_LAMBDA_EXEC_WRAPPER", "/opt/otel-instrument"), ("NODE_OPTIONS", "--enable-source-maps"),
                        ("JAVA_TOOL_OPTIONS", "-XX:+TieredCompilation -XX:TieredStopAtLevel=1"),
                        ("PYTHONPATH", "/var/task:/opt/python"), ("LD_LIBRARY_PATH", "/opt/lib"),
                        ("PWD", "/var/task"), ("HOME", "/tmp"), ("TMP_DIR", "/tmp/work"),
                        ("CONFIG_FILE", "/var/task/config.yaml"), ("LOG_FORMAT", "json"),
                        ("OTEL_SERVICE_NAME", pick(APPS)), ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
                        ("DD_SITE", "datadoghq.eu"), ("DD_ENV", "prod"), ("SENTRY_ENVIRONMENT", "production"),
                        ("MODEL_ID", "anthropic.claude-sonnet-4-5-20250929-v1:0"), ("EMBEDDING_MODEL", "amazon.titan-embed-text-v2:0"),
                        ("HTTP_METHOD", "POST"), ("PAGE_SIZE", "100"), ("ROLE_SESSION_NAME", f"{pick(APPS)}-lambda"),
                        ("SES_CONFIGURATION_SET", f"{pick(APPS)}-transactional"), ("EVENT_BUS_NAME", "default"),
                        ("SECRETS_MANAGER_ENDPOINT", f"https://secretsmanager.{region()}.amazonaws.com"),
                        ("STAGE_NAME", "v1"), ("COUNTRY_CODES", "DE,FR,IT,ES,NL"), ("IP_ALLOWLIST", "10.0.0.0/8,192.168.1.0/24"),
                        ("NAT_IP", "203.0.113.45"), ("WORKER_NAME", f"{pick(WORDS)}-{pick(WORDS)}-{rng.randint(10, 99)}")]:
        add(name, value, "config", "plain-config")
    for name, value in [("API_URL", f"https://api.{pick(APPS)}.example.com/v1"), ("BASE_URL", "https://example.com"),
                        ("CALLBACK_URL", f"https://{rand(LOWER_DIGITS, 10)}.execute-api.{region()}.amazonaws.com/prod/callback"),
                        ("FUNCTION_URL", f"https://{rand(LOWER_DIGITS, 32)}.lambda-url.{region()}.on.aws/"),
                        ("ASSETS_URL", f"https://d{rand(LOWER_DIGITS, 13)}.cloudfront.net"),
                        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318"), ("WEBHOOK_URL", f"https://hooks.{pick(APPS)}.example.com/incoming"),
                        ("S3_URL", f"s3://{pick(APPS)}-artifacts/builds/"), ("PRESIGN_HOST", f"{pick(APPS)}-uploads.s3.{region()}.amazonaws.com"),
                        ("ELASTICSEARCH_ENDPOINT", f"https://search-{pick(APPS)}-{rand(LOWER_DIGITS, 26)}.{region()}.es.amazonaws.com"),
                        ("GRAPHQL_ENDPOINT", f"https://{rand(LOWER_DIGITS, 26)}.appsync-api.{region()}.amazonaws.com/graphql"),
                        ("AUTH_URL", "https://login.example.com/oauth2/authorize"), ("HEALTHCHECK_URL", "http://127.0.0.1:8080/health"),
                        ("DATABASE_URL", f"postgresql://{host('rds')}:5432/{pick(APPS)}"),
                        ("READER_URL", f"postgres://readonly@{host('rds')}:5432/{pick(APPS)}"),
                        ("MONGO_URL", f"mongodb+srv://{host('atlas')}/?authMechanism=MONGODB-AWS&authSource=%24external"),
                        ("REDIS_URL", f"rediss://{host('redis')}:6379"), ("AMQP_ENDPOINT", f"amqps://{host('mq')}:5671"),
                        ("JDBC_URL", f"jdbc:postgresql://{host('rds')}:5432/{pick(APPS)}?ssl=true&sslmode=require"),
                        ("JDBC_READER_URL", f"jdbc:mysql://{host('rds')}:3306/{pick(APPS)}?useSSL=true"),
                        ("SQS_ENDPOINT", f"https://sqs.{region()}.amazonaws.com"), ("SMTP_URL", f"smtp://email-smtp.{region()}.amazonaws.com:587"),
                        ("SQLSERVER_CONNECTION", f"Server=tcp:{host('plain')},1433;Database={pick(APPS)};Authentication=Active Directory Managed Identity;Encrypt=True;")]:
        add(name, value, "config", "url")
    for name, value in [("DB_HOST", host("rds")), ("REDIS_HOST", host("redis")), ("MQ_HOST", host("mq")),
                        ("ES_HOST", f"search-{pick(APPS)}.{region()}.es.amazonaws.com"), ("SMTP_HOST", f"email-smtp.{region()}.amazonaws.com"),
                        ("DB_PORT", "5432"), ("REDIS_PORT", "6379"), ("HOSTNAME", host("internal"))]:
        add(name, value, "config", "hostname")
    for name, value in [("DEBUG", "false"), ("ENABLE_TRACING", "true"), ("DRY_RUN", "0"), ("USE_CACHE", "1"),
                        ("VERBOSE", "no"), ("CORS_ENABLED", "True"), ("FEATURE_NEW_UI", "off"), ("MAINTENANCE_MODE", "FALSE"),
                        ("POWERTOOLS_TRACE_DISABLED", "true"), ("POWERTOOLS_LOGGER_LOG_EVENT", "false")]:
        add(name, value, "config", "boolean")
    for name, value in [("TIMEOUT_SECONDS", "30"), ("MAX_RETRIES", "3"), ("BATCH_SIZE", "25"), ("MEMORY_MB", "1024"),
                        ("SAMPLE_RATE", "0.1"), ("POWERTOOLS_LOGGER_SAMPLE_RATE", "0.01"), ("CONCURRENCY", "10"),
                        ("CACHE_TTL", "300"), ("PORT", "8080"), ("MAX_PAYLOAD_BYTES", "6291456"), ("RATE_LIMIT", "100"),
                        ("TIMEOUT", "2.5s")]:
        add(name, value, "config", "number")
    for name, value in [("LOG_LEVEL", "INFO"), ("POWERTOOLS_LOG_LEVEL", "DEBUG"), ("LOGLEVEL", "warn"),
                        ("AWS_LAMBDA_LOG_LEVEL", "ERROR"), ("RUST_LOG", "info,aws_config=warn"), ("LOG_LEVEL", "debug"),
                        ("PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL", "info"), ("SENTRY_LOG_LEVEL", "warning")]:
        add(name, value, "config", "log-level")


