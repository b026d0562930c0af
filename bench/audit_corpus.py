"""Generates the labelled corpus of Lambda environment variables that `secretslab audit`'s
classifier is measured on: tests/data/audit-corpus.jsonl, one JSON object per line with
"name", "value", "class" (secret | suspect | reference | config) and "kind".

Every value is fake. Secrets are random strings drawn in the documented shape of each vendor's
token (prefix, alphabet, length and, where the format has one, a valid checksum); nothing is
copied from a real credential. AWS's and Azurite's published example keys appear only as
placeholders (class config).

Deterministic: a fixed seed, stdlib only.

Each row also carries "set": "original" or "extended" (bench/audit_corpus_extended.py: kinds
the original part does not hold, scored apart).

usage: python3 bench/audit_corpus.py [OUTPUT]   (default tests/data/audit-corpus.jsonl)
"""

import base64
import json
import random
import string
import sys
import uuid
import zlib
from pathlib import Path

SEED = 20260914
rng = random.Random(SEED)

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits
UPPER_DIGITS = string.ascii_uppercase + string.digits
LOWER_DIGITS = string.ascii_lowercase + string.digits
HEX = "0123456789abcdef"
B64 = string.ascii_letters + string.digits + "+/"
B64URL = string.ascii_letters + string.digits + "-_"
PASSWORD_SYMBOLS = "!#$%&*+-.=?@^_~"

REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2", "ap-northeast-1"]
ACCOUNTS = ["123456789012", "210987654321", "555566667777", "409876512345", "998877665544"]
STAGES = ["prod", "staging", "dev", "qa", "live"]
APPS = ["payments", "orders", "billing", "checkout", "users", "search", "notifications",
        "inventory", "reporting", "auth", "catalog", "shipping", "ledger", "webhooks"]
WORDS = ["falcon", "river", "orange", "planet", "summer", "winter", "copper", "maple",
         "tiger", "harbor", "meadow", "silver", "rocket", "cobalt", "velvet", "lantern"]

rows = []
# Which part of the corpus a row belongs to: "original", or "extended" for the kinds added
# later by bench/audit_corpus_extended.py (scored apart, as the rules were not built beside them).
part = "original"


def add(name, value, klass, kind):
    rows.append({"name": name, "value": value, "class": klass, "kind": kind, "set": part})


def rand(alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def pick(items):
    return rng.choice(items)


def region():
    return pick(REGIONS)


def account():
    return pick(ACCOUNTS)


def base62_checksum(body):
    """CRC32 of the random part as 6 base62 digits, as GitHub and npm tokens carry it."""
    n = zlib.crc32(body.encode())
    digits = ""
    while n:
        n, r = divmod(n, 62)
        digits = BASE62[r] + digits
    return digits.rjust(6, "0")


def checksummed_token(prefix):
    body = rand(BASE62, 30)
    return prefix + body + base62_checksum(body)


def random_password(length=None):
    length = length or rng.randint(12, 32)
    alphabet = ALNUM + PASSWORD_SYMBOLS
    while True:
        value = rand(alphabet, length)
        if (any(c.islower() for c in value) and any(c.isupper() for c in value)
                and any(c.isdigit() for c in value)):
            return value


def memorable_password():
    return pick(WORDS).capitalize() + pick(WORDS) + str(rng.randint(10, 9999)) + pick("!#$%&*?@")


def b64(data):
    return base64.b64encode(data).decode()


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def host(kind):
    app, stage, r = pick(APPS), pick(STAGES), region()
    suffix = rand(LOWER_DIGITS, 12)
    return {
        "rds": f"{app}-{stage}.cluster-{suffix}.{r}.rds.amazonaws.com",
        "docdb": f"{app}-{stage}.cluster-{suffix}.{r}.docdb.amazonaws.com",
        "redis": f"master.{app}-{stage}.{rand(LOWER_DIGITS, 6)}.{r[:3]}{r[-1]}.cache.amazonaws.com",
        "mq": f"b-{uuid.UUID(int=rng.getrandbits(128))}-1.mq.{r}.amazonaws.com",
        "atlas": f"{app}-{stage}.{rand(LOWER_DIGITS, 5)}.mongodb.net",
        "internal": f"{app}.{stage}.internal",
        "plain": f"{app}-db.{stage}.example.com",
    }[kind]


def uuid4():
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def pem(label, nbytes, escaped=False):
    # A DER SEQUENCE header then random bytes: the body starts "MII…" like a real key.
    der = bytes([0x30, 0x82, nbytes >> 8 & 0xFF, nbytes & 0xFF]) + bytes(
        rng.getrandbits(8) for _ in range(nbytes))
    body = b64(der)
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    text = "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"])
    return text.replace("\n", "\\n") if escaped else text


def jwt(claims=None):
    header = {"alg": pick(["HS256", "RS256", "ES256"]), "typ": "JWT"}
    claims = claims or {
        "sub": pick(["service-account", "lambda", "integration"]) + "-" + rand(LOWER_DIGITS, 6),
        "iss": f"https://auth.{pick(APPS)}.example.com/",
        "iat": 1767225600 + rng.randint(0, 10_000_000),
        "exp": 1798761600 + rng.randint(0, 10_000_000),
        "scope": pick(["read", "read write", "admin"]),
    }
    sig_len = {"HS256": 32, "RS256": 256, "ES256": 64}[header["alg"]]
    sig = bytes(rng.getrandbits(8) for _ in range(sig_len))
    return ".".join([b64url(json.dumps(header, separators=(",", ":")).encode()),
                     b64url(json.dumps(claims, separators=(",", ":")).encode()), b64url(sig)])


def cfn_physical_id(stack, logical):
    return f"{stack}-{logical}-{rand(UPPER_DIGITS, rng.choice([12, 13]))}"


def cdk_logical(name):
    return name + rand("0123456789ABCDEF", 8)


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


def main():
    for section in [aws_keys, github, gitlab, slack, stripe, sendgrid, twilio, google, azure, npm, pypi,
                    openai, anthropic, jwts, private_keys, passwords, generic_api_keys, base64_blobs,
                    json_credentials, urls_with_credentials, hard_positive_vendor_values, suspects,
                    references, flags_and_numbers_under_secret_names, placeholders, identifiers,
                    generated_names, plain_config]:
        section()
    # The extended part comes last, so the original rows keep their values.
    global part
    part = "extended"
    import audit_corpus_extended
    audit_corpus_extended.generate(sys.modules[__name__])
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/data/audit-corpus.jsonl")
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")
    counts = {}
    for row in rows:
        counts[row["class"]] = counts.get(row["class"], 0) + 1
    print(f"wrote {len(rows)} variables to {out}: "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), file=sys.stderr)


if __name__ == "__main__":
    main()
