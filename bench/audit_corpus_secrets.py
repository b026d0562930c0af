"""Rows labelled `secret`: vendor formats, then generic values under secret-ish names and
credentials inside URLs and strings.
"""

from audit_corpus_base import *  # noqa: F403 (the shared shapes and `add`)


# --------------------------------------------------------------------------------------
# secrets: vendor formats
# --------------------------------------------------------------------------------------

def aws_keys():
    # Deployed in pairs, the id right before its secret key.
    for id_name, secret_name in [("S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"),
                                 ("MY_AWS_ACCESS_KEY_ID", "MY_AWS_SECRET_ACCESS_KEY"),
                                 ("AWS_KEY", "AWS_SECRET_KEY"), ("UPLOADER_ACCESS_KEY", "UPLOADER_SECRET_KEY"),
                                 ("BACKUP_AWS_ACCESS_KEY_ID", "BACKUP_AWS_SECRET_ACCESS_KEY"),
                                 ("SES_ACCESS_KEY", "SES_SECRET_KEY"), ("PARTNER_AWS_KEY_ID", "PARTNER_AWS_SECRET"),
                                 ("CROSS_ACCOUNT_ACCESS_KEY", "CROSS_ACCOUNT_SECRET_KEY")]:
        add(id_name, pick(["AKIA", "AKIA", "ASIA"]) + rand("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16),
            "secret", "aws-access-key-id")
        add(secret_name, rand(B64, 40), "secret", "aws-secret-access-key")


def github():
    names = ["GITHUB_TOKEN", "GH_TOKEN", "GITHUB_PAT", "GITHUB_APP_TOKEN", "REPO_TOKEN",
             "GH_API_TOKEN", "RELEASE_BOT_TOKEN", "GITHUB_OAUTH_TOKEN"]
    for prefix in ["ghp_", "ghp_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "ghp_", "ghs_", "ghp_"]:
        add(pick(names), checksummed_token(prefix), "secret", "github-token")
    for _ in range(3):
        add(pick(names), "github_pat_" + rand(ALNUM, 22) + "_" + rand(ALNUM, 59),
            "secret", "github-token")


def gitlab():
    names = ["GITLAB_TOKEN", "GL_TOKEN", "GITLAB_API_TOKEN", "GITLAB_PAT", "CI_DEPLOY_TOKEN"]
    for _ in range(6):
        add(pick(names), "glpat-" + rand(ALNUM + "-_", 20), "secret", "gitlab-token")
    add("GITLAB_RUNNER_TOKEN", "glrt-" + rand(ALNUM + "-_", 20), "secret", "gitlab-token")
    add("GITLAB_DEPLOY_TOKEN", "gldt-" + rand(ALNUM + "-_", 20), "secret", "gitlab-token")


def slack():
    names = ["SLACK_BOT_TOKEN", "SLACK_TOKEN", "SLACK_APP_TOKEN", "SLACK_USER_TOKEN", "BOT_TOKEN"]
    for prefix in ["xoxb", "xoxb", "xoxb", "xoxp", "xoxb", "xoxp"]:
        if prefix == "xoxb":
            value = f"xoxb-{rng.randint(10**10, 10**12)}-{rng.randint(10**11, 10**13)}-{rand(ALNUM, 24)}"
        else:
            value = (f"xoxp-{rng.randint(10**10, 10**12)}-{rng.randint(10**10, 10**12)}-"
                     f"{rng.randint(10**11, 10**13)}-{rand(HEX, 32)}")
        add(pick(names), value, "secret", "slack-token")
    add("SLACK_APP_LEVEL_TOKEN", f"xapp-1-A{rand(UPPER_DIGITS, 10)}-{rng.randint(10**12, 10**13)}-{rand(HEX, 64)}",
        "secret", "slack-token")
    hook_names = ["SLACK_WEBHOOK_URL", "SLACK_WEBHOOK", "ALERTS_WEBHOOK_URL", "NOTIFY_URL",
                  "SLACK_HOOK", "ALARM_CHANNEL_URL"]
    for _ in range(8):
        value = (f"https://hooks.slack.com/services/T{rand(UPPER_DIGITS, rng.choice([8, 10]))}/"
                 f"B{rand(UPPER_DIGITS, rng.choice([8, 10]))}/{rand(ALNUM, 24)}")
        add(pick(hook_names), value, "secret", "slack-webhook")


def stripe():
    names = ["STRIPE_SECRET_KEY", "STRIPE_API_KEY", "STRIPE_KEY", "PAYMENTS_API_KEY", "STRIPE_SK"]
    for prefix in ["sk_live_", "sk_live_", "sk_live_", "sk_test_", "rk_live_", "sk_live_", "rk_test_"]:
        add(pick(names), prefix + rand(ALNUM, pick([24, 99])), "secret", "stripe-key")
    for _ in range(2):
        add(pick(["STRIPE_WEBHOOK_SECRET", "STRIPE_ENDPOINT_SECRET"]), "whsec_" + rand(ALNUM, 32),
            "secret", "stripe-key")


def sendgrid():
    for name in ["SENDGRID_API_KEY", "SENDGRID_KEY", "SG_API_KEY", "EMAIL_API_KEY", "MAIL_KEY"]:
        add(name, f"SG.{rand(B64URL, 22)}.{rand(B64URL, 43)}", "secret", "sendgrid-key")


def twilio():
    for name in ["TWILIO_AUTH_TOKEN", "TWILIO_TOKEN", "SMS_AUTH_TOKEN", "TWILIO_AUTH_TOKEN"]:
        add(name, rand(HEX, 32), "secret", "twilio-auth-token")
    for name in ["TWILIO_API_SECRET", "TWILIO_API_KEY_SECRET"]:
        add(name, rand(ALNUM, 32), "secret", "twilio-auth-token")


def google():
    for name in ["GOOGLE_API_KEY", "GOOGLE_MAPS_API_KEY", "MAPS_KEY", "FIREBASE_API_KEY",
                 "YOUTUBE_API_KEY", "GEOCODER_KEY", "GCP_API_KEY"]:
        add(name, "AIza" + rand(B64URL, 35), "secret", "google-api-key")


def azure():
    def account_key():
        return b64(bytes(rng.getrandbits(8) for _ in range(64)))

    for name in ["AZURE_STORAGE_KEY", "AZURE_STORAGE_ACCOUNT_KEY", "STORAGE_ACCOUNT_KEY",
                 "BLOB_ACCOUNT_KEY", "AZURE_KEY"]:
        add(name, account_key(), "secret", "azure-storage-key")
    for name in ["AZURE_STORAGE_CONNECTION_STRING", "AzureWebJobsStorage", "BLOB_CONNECTION_STRING",
                 "STORAGE_CONN", "AZURE_CONN_STR"]:
        acct = pick(APPS) + pick(STAGES) + rand(LOWER_DIGITS, 4)
        add(name, f"DefaultEndpointsProtocol=https;AccountName={acct};AccountKey={account_key()};"
                  "EndpointSuffix=core.windows.net", "secret", "azure-connection-string")
    for name in ["SERVICEBUS_CONNECTION_STRING", "EVENTHUB_CONNECTION"]:
        ns = pick(APPS) + "-" + pick(STAGES)
        add(name, f"Endpoint=sb://{ns}.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;"
                  f"SharedAccessKey={b64(bytes(rng.getrandbits(8) for _ in range(32)))}",
            "secret", "azure-connection-string")


def npm():
    for name in ["NPM_TOKEN", "NPM_AUTH_TOKEN", "NODE_AUTH_TOKEN", "NPM_PUBLISH_TOKEN", "REGISTRY_TOKEN"]:
        add(name, checksummed_token("npm_"), "secret", "npm-token")


def pypi():
    for name in ["PYPI_TOKEN", "PYPI_API_TOKEN", "TWINE_PASSWORD", "UV_PUBLISH_TOKEN"]:
        # A macaroon: the fixed "pypi.org" caveat header, then a random body.
        add(name, "pypi-AgEIcHlwaS5vcmc" + rand(B64URL, rng.randint(140, 180)), "secret", "pypi-token")


def openai():
    names = ["OPENAI_API_KEY", "OPENAI_KEY", "LLM_API_KEY", "GPT_KEY", "OPENAI_TOKEN"]
    for _ in range(3):
        add(pick(names), "sk-proj-" + rand(B64URL, 74) + "T3BlbkFJ" + rand(B64URL, 74),
            "secret", "openai-key")
    add(pick(names), "sk-" + rand(ALNUM, 20) + "T3BlbkFJ" + rand(ALNUM, 20), "secret", "openai-key")
    add("OPENAI_SERVICE_KEY", "sk-svcacct-" + rand(B64URL, 74) + "T3BlbkFJ" + rand(B64URL, 74),
        "secret", "openai-key")


def anthropic():
    for name in ["ANTHROPIC_API_KEY", "CLAUDE_API_KEY", "LLM_KEY", "ANTHROPIC_KEY"]:
        add(name, "sk-ant-api03-" + rand(B64URL, 93) + "AA", "secret", "anthropic-key")
    add("ANTHROPIC_ADMIN_KEY", "sk-ant-admin01-" + rand(B64URL, 93) + "AA", "secret", "anthropic-key")


def jwts():
    names = ["SERVICE_TOKEN", "API_JWT", "AUTH_TOKEN", "ACCESS_TOKEN", "INTERNAL_JWT",
             "PARTNER_BEARER_TOKEN", "HASURA_ADMIN_JWT", "SUPABASE_SERVICE_ROLE_KEY"]
    for name in names:
        add(name, jwt(), "secret", "jwt")
    add("AUTHORIZATION_HEADER", "Bearer " + jwt(), "secret", "jwt")


def private_keys():
    labels = ["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY",
              "ENCRYPTED PRIVATE KEY"]
    names = ["PRIVATE_KEY", "JWT_PRIVATE_KEY", "SSH_PRIVATE_KEY", "SIGNING_KEY", "TLS_KEY",
             "GITHUB_APP_PRIVATE_KEY", "SAML_SP_KEY", "CLOUDFRONT_PRIVATE_KEY", "DEPLOY_KEY",
             "APNS_KEY"]
    for i, name in enumerate(names):
        label = labels[i % len(labels)]
        size = 120 if label.startswith("EC") else pick([600, 1190])
        add(name, pem(label, size, escaped=False), "secret", "private-key")
    for name in ["JWT_SIGNING_KEY", "PRIVATE_KEY_PEM", "SNOWFLAKE_PRIVATE_KEY", "GCP_SA_KEY",
                 "APP_KEY_PEM", "OAUTH_PRIVATE_KEY"]:
        add(name, pem(pick(labels[:3]), pick([120, 600, 1190]), escaped=True), "secret",
            "private-key-escaped")


# --------------------------------------------------------------------------------------
# secrets: generic values under secret-ish names, credentials in URLs and strings
# --------------------------------------------------------------------------------------

def passwords():
    names = ["DB_PASSWORD", "DATABASE_PASSWORD", "POSTGRES_PASSWORD", "MYSQL_ROOT_PASSWORD",
             "REDIS_PASSWORD", "SMTP_PASSWORD", "ADMIN_PASSWORD", "RDS_PASSWORD", "MONGO_PASSWORD",
             "RABBITMQ_PASSWORD", "LDAP_PASSWORD", "SFTP_PASSWORD", "ELASTIC_PASSWORD",
             "KEYSTORE_PASSWORD", "MASTER_PASSWORD", "SERVICE_ACCOUNT_PASSWORD", "PG_PASSWORD"]
    for name in names:
        add(name, random_password(), "secret", "generic-password")
    # Innocuous spellings of password names.
    for name in ["DB_PASS", "PWD", "ADMIN_PW", "MYSQL_PWD", "DB_PASSWD", "PG_PASS", "ROOT_PW",
                 "SMTP_PASS", "FTP_PASSWD", "DbPassword", "dbPassword", "REDIS_AUTH", "PASS",
                 "PASSPHRASE", "KEY_PASSPHRASE", "DB_PWD"]:
        add(name, random_password(), "secret", "generic-password")
    for name in ["DB_PASSWORD", "ADMIN_PASSWORD", "SMTP_PASSWORD", "DB_PASS", "APP_PASSWORD",
                 "WIFI_PASSWORD", "PORTAL_PASSWORD", "REPORTS_DB_PASSWORD"]:
        add(name, memorable_password(), "secret", "generic-password")


def generic_api_keys():
    hexkeys = [("DD_API_KEY", 32), ("DATADOG_API_KEY", 32), ("NEW_RELIC_LICENSE_KEY", 40),
               ("MAILGUN_API_KEY", 32), ("ALGOLIA_ADMIN_KEY", 32), ("SEGMENT_WRITE_KEY", 32),
               ("HONEYCOMB_API_KEY", 32), ("ROLLBAR_ACCESS_TOKEN", 32), ("PAGERDUTY_ROUTING_KEY", 32),
               ("LAUNCHDARKLY_SDK_KEY", 36), ("OPSGENIE_API_KEY", 36)]
    for name, n in hexkeys:
        value = rand(HEX, n) if n != 36 else uuid4()
        add(name, value, "secret", "generic-api-key")
    alnum = ["API_KEY", "SERVICE_API_KEY", "PARTNER_API_KEY", "X_API_KEY", "INTERNAL_API_TOKEN",
             "CLIENT_SECRET", "OAUTH_CLIENT_SECRET", "AUTH0_CLIENT_SECRET", "COGNITO_CLIENT_SECRET",
             "WEBHOOK_SECRET", "SIGNING_SECRET", "JWT_SECRET", "SESSION_SECRET", "APP_SECRET",
             "SECRET_KEY", "DJANGO_SECRET_KEY", "FLASK_SECRET_KEY", "NEXTAUTH_SECRET", "SHOPIFY_API_SECRET",
             "MAPBOX_TOKEN", "CONTENTFUL_ACCESS_TOKEN", "AIRTABLE_API_KEY", "HUBSPOT_TOKEN",
             "ZENDESK_API_TOKEN", "OKTA_API_TOKEN", "CLOUDFLARE_API_TOKEN", "VERCEL_TOKEN",
             "TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN", "MAILCHIMP_API_KEY", "API_TOKEN",
             "ACCESS_KEY", "apiKey", "clientSecret", "SecretKey", "TOKEN", "SECRET", "AUTH_KEY",
             "LICENSE_KEY", "APP_KEY", "ENCRYPTION_SECRET", "HMAC_KEY", "INGEST_KEY",
             "SUBSCRIPTION_KEY", "CONSUMER_SECRET", "REFRESH_TOKEN"]
    for name in alnum:
        if name == "TELEGRAM_BOT_TOKEN":
            value = f"{rng.randint(10**8, 10**10)}:AA{rand(B64URL, 33)}"
        elif name == "DISCORD_BOT_TOKEN":
            value = f"M{rand(B64URL, 23)}.{rand(B64URL, 6)}.{rand(B64URL, 38)}"
        elif name == "MAILCHIMP_API_KEY":
            value = rand(HEX, 32) + "-us" + str(rng.randint(1, 21))
        elif name == "DJANGO_SECRET_KEY":
            value = "django-insecure-" + rand(string.ascii_lowercase + string.digits + "!@#$%^&*(-_=+)", 50)
        elif name == "COGNITO_CLIENT_SECRET":
            value = rand(LOWER_DIGITS, 52)
        elif name == "MAPBOX_TOKEN":
            value = "pk." + b64url(json.dumps({"u": pick(WORDS), "a": rand(LOWER_DIGITS, 25)}).encode()) + "." + rand(B64URL, 22)
        else:
            value = rand(pick([ALNUM, B64URL, HEX + "ABCDEF", ALNUM + "-_."]), pick([24, 32, 40, 48, 64]))
        add(name, value, "secret", "generic-api-key")
    # Heroku-style keys are UUIDs: random, and a credential under a key name.
    for name in ["HEROKU_API_KEY", "SERVICE_API_KEY_V2"]:
        add(name, uuid4(), "secret", "generic-api-key")


def base64_blobs():
    for name, n in [("ENCRYPTION_KEY", 32), ("DATA_KEY", 32), ("MASTER_KEY", 32), ("FERNET_KEY", 32),
                    ("COOKIE_SECRET", 48), ("AES_KEY", 16), ("HMAC_SECRET", 64), ("SIGNING_SECRET_B64", 32),
                    ("ENCRYPTION_KEY_BASE64", 32), ("SESSION_KEY", 32)]:
        raw = bytes(rng.getrandbits(8) for _ in range(n))
        value = base64.urlsafe_b64encode(raw).decode() if name == "FERNET_KEY" else b64(raw)
        add(name, value, "secret", "base64-blob")
    # Whole credential documents, base64-encoded to fit one variable.
    sa = {"type": "service_account", "project_id": f"{pick(APPS)}-{rand(LOWER_DIGITS, 6)}",
          "private_key_id": rand(HEX, 40), "private_key": pem("PRIVATE KEY", 600),
          "client_email": f"lambda@{pick(APPS)}.iam.gserviceaccount.com"}
    add("GOOGLE_CREDENTIALS_BASE64", b64(json.dumps(sa).encode()), "secret", "base64-blob")
    add("GCP_SERVICE_ACCOUNT", b64(json.dumps(sa | {"private_key": pem("PRIVATE KEY", 600)}).encode()),
        "secret", "base64-blob")
    creds = {"username": "svc_" + pick(APPS), "password": random_password()}
    add("DB_CREDENTIALS_B64", b64(json.dumps(creds).encode()), "secret", "base64-blob")
    add("BASIC_AUTH", "Basic " + b64(f"svc_{pick(APPS)}:{random_password()}".encode()), "secret",
        "base64-blob")


def json_credentials():
    for name in ["DB_CREDENTIALS", "CREDENTIALS", "SMTP_CONFIG", "PARTNER_AUTH"]:
        doc = {"username": "app_" + pick(APPS), "password": random_password(),
               "host": host("rds"), "port": 5432}
        if name == "PARTNER_AUTH":
            doc = {"client_id": rand(LOWER_DIGITS, 20), "client_secret": rand(ALNUM, 40)}
        add(name, json.dumps(doc), "secret", "json-credentials")


def urls_with_credentials():
    def user():
        return pick(["app", "admin", "svc_" + pick(APPS), pick(APPS) + "_rw", "lambda", "root"])

    for name in ["DATABASE_URL", "POSTGRES_URL", "DB_URL", "PG_CONNECTION_STRING", "SQLALCHEMY_DATABASE_URI",
                 "READER_DATABASE_URL", "DB_DSN"]:
        scheme = pick(["postgres", "postgresql", "postgresql+psycopg2"])
        add(name, f"{scheme}://{user()}:{random_password(20).replace('@', 'a').replace('/', 'b')}@"
                  f"{host('rds')}:5432/{pick(APPS)}?sslmode=require", "secret", "postgres-url")
    for name in ["MYSQL_URL", "DATABASE_URL", "DB_CONNECTION", "PRISMA_DATABASE_URL"]:
        scheme = pick(["mysql", "mysql+pymysql", "mysql2"])
        add(name, f"{scheme}://{user()}:{rand(ALNUM, 24)}@{host('rds')}:3306/{pick(APPS)}",
            "secret", "mysql-url")
    for name in ["MONGODB_URI", "MONGO_URL", "MONGO_CONNECTION_STRING", "ATLAS_URI", "DOCDB_URI"]:
        if name == "DOCDB_URI":
            value = (f"mongodb://{user()}:{rand(ALNUM, 24)}@{host('docdb')}:27017/?tls=true"
                     "&replicaSet=rs0&readPreference=secondaryPreferred&retryWrites=false")
        else:
            value = (f"mongodb+srv://{user()}:{rand(ALNUM, 16)}@{host('atlas')}/{pick(APPS)}"
                     "?retryWrites=true&w=majority")
        add(name, value, "secret", "mongodb-url")
    for name in ["REDIS_URL", "CACHE_URL", "CELERY_RESULT_BACKEND", "REDIS_TLS_URL", "SESSION_STORE"]:
        if rng.random() < 0.5:
            value = f"rediss://:{rand(ALNUM, 32)}@{host('redis')}:6379/0"
        else:
            value = f"redis://default:{rand(ALNUM, 32)}@{host('redis')}:6379"
        add(name, value, "secret", "redis-url")
    for name in ["AMQP_URL", "RABBITMQ_URL", "CELERY_BROKER_URL", "BROKER_URL", "CLOUDAMQP_URL"]:
        scheme = pick(["amqps", "amqp"])
        add(name, f"{scheme}://{user()}:{rand(ALNUM, 20)}@{host('mq')}:5671/{pick(['%2F', 'vhost', ''])}",
            "secret", "amqp-url")
    for name in ["JDBC_URL", "SPRING_DATASOURCE_URL", "DB_JDBC_URL", "JDBC_CONNECTION_STRING", "REPORTING_JDBC"]:
        pw = rand(ALNUM, 20)
        value = pick([
            f"jdbc:postgresql://{host('rds')}:5432/{pick(APPS)}?user=app&password={pw}&ssl=true",
            f"jdbc:mysql://{host('rds')}:3306/{pick(APPS)}?user=admin&password={pw}&useSSL=true",
            f"jdbc:sqlserver://{host('plain')}:1433;databaseName={pick(APPS)};user=sa;password={pw};encrypt=true",
            f"jdbc:oracle:thin:app/{pw}@{host('plain')}:1521/ORCL",
        ])
        add(name, value, "secret", "jdbc-url")
    for name in ["SQLSERVER_CONNECTION_STRING", "ConnectionStrings__Default", "DB_CONNECTION_STRING"]:
        add(name, f"Server=tcp:{host('plain')},1433;Database={pick(APPS)};User ID=app;"
                  f"Password={random_password(20).replace(';', ',')};Encrypt=True;", "secret",
            "connection-string")
    for name in ["ELASTICSEARCH_URL", "OPENSEARCH_URL", "PROXY_URL", "SMTP_URL", "FTP_URL",
                 "UPSTREAM", "BACKEND", "WEBDAV_URL", "HTTPS_PROXY"]:
        scheme = {"SMTP_URL": "smtps", "FTP_URL": "ftp", "PROXY_URL": "http", "HTTPS_PROXY": "http"}.get(name, "https")
        port = {"SMTP_URL": ":465", "PROXY_URL": ":3128", "HTTPS_PROXY": ":8080"}.get(name, "")
        add(name, f"{scheme}://{user()}:{rand(ALNUM, 20)}@{pick(APPS)}.{pick(STAGES)}.example.com{port}/",
            "secret", "url-credentials")
    # Innocuous names carrying a connection string.
    for name in ["DSN", "STORE", "PRIMARY", "TARGET"]:
        add(name, f"postgresql://{user()}:{rand(ALNUM, 24)}@{host('rds')}/{pick(APPS)}", "secret", "postgres-url")


def hard_positive_vendor_values():
    """Vendor-format values under names that say nothing about secrets."""
    add("CONFIG_VALUE", "AKIA" + rand("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16), "secret", "aws-access-key-id")
    add("GH", checksummed_token("ghp_"), "secret", "github-token")
    add("CI_VAR_1", checksummed_token("ghs_"), "secret", "github-token")
    add("UPSTREAM_HEADER", "Bearer " + checksummed_token("gho_"), "secret", "github-token")
    add("REGISTRY", checksummed_token("npm_"), "secret", "npm-token")
    add("CHANNEL", f"https://hooks.slack.com/services/T{rand(UPPER_DIGITS, 8)}/B{rand(UPPER_DIGITS, 10)}/{rand(ALNUM, 24)}",
        "secret", "slack-webhook")
    add("PROVIDER", "sk_live_" + rand(ALNUM, 24), "secret", "stripe-key")
    add("MAIL_SETTINGS", f"SG.{rand(B64URL, 22)}.{rand(B64URL, 43)}", "secret", "sendgrid-key")
    add("MODEL_ENDPOINT_AUTH", "sk-ant-api03-" + rand(B64URL, 93) + "AA", "secret", "anthropic-key")
    add("INIT", pem("RSA PRIVATE KEY", 600), "secret", "private-key")
    add("CERT_BUNDLE", pem("PRIVATE KEY", 600, escaped=True), "secret", "private-key-escaped")
    add("GEO", "AIza" + rand(B64URL, 35), "secret", "google-api-key")
    add("X_CONTEXT", jwt(), "secret", "jwt")
    add("VALUE", "glpat-" + rand(ALNUM + "-_", 20), "secret", "gitlab-token")
    add("OPTS", "sk-proj-" + rand(B64URL, 74) + "T3BlbkFJ" + rand(B64URL, 74), "secret", "openai-key")
    add("UPLOAD", "pypi-AgEIcHlwaS5vcmc" + rand(B64URL, 150), "secret", "pypi-token")
    add("SINK", f"DefaultEndpointsProtocol=https;AccountName={pick(APPS)}{rand(LOWER_DIGITS, 6)};"
                f"AccountKey={b64(bytes(rng.getrandbits(8) for _ in range(64)))};EndpointSuffix=core.windows.net",
        "secret", "azure-connection-string")
    add("QUEUE", f"amqps://worker:{rand(ALNUM, 20)}@{host('mq')}:5671", "secret", "amqp-url")
    add("CACHE", f"redis://:{rand(ALNUM, 28)}@{host('redis')}:6379/1", "secret", "redis-url")


