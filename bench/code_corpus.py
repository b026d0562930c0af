"""Writes the labelled corpus of code files `cargo bench --bench audit_quality` scores code
scanning on: tests/data/code-corpus/package/ (the files of a fake deployment package, vendored
trees included) and tests/data/code-corpus/labels.jsonl (one line per file: what it holds and
where each planted secret is, by line and kind).

Every value is fake. Planted values are drawn from the audit corpus's fake secrets
(tests/data/audit-corpus.jsonl) and planted in the forms code holds them; decoys are the
look-alikes real packages are full of (lock-file hashes, certificates, documentation keys,
minified code, source maps, ids, placeholders).

usage: python3 bench/code_corpus.py
"""

import base64
import hashlib
import json
import os
import random
import shutil

ROOT = os.path.join(os.path.dirname(__file__), "..")
OUT = os.path.join(ROOT, "tests/data/code-corpus")
rng = random.Random(11)

SECRETS = {}
for line in open(os.path.join(ROOT, "tests/data/audit-corpus.jsonl")):
    if line.strip():
        row = json.loads(line)
        if row["class"] == "secret":
            SECRETS.setdefault(row["kind"], []).append(row["value"])
USED = {}


def s(kind):
    """The next unused fake secret of a kind."""
    n = USED.get(kind, 0)
    USED[kind] = n + 1
    return SECRETS[kind][n % len(SECRETS[kind])]


def b64(n):
    return base64.b64encode(bytes(rng.randrange(256) for _ in range(n))).decode()


def hexs(n):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def ident(n):
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$") for _ in range(n))


def uuid():
    h = hexs(32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def pem(label, lines=12):
    body = b64(48 * lines)
    rows = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join([f"-----BEGIN {label}-----", *rows, f"-----END {label}-----"])


FILES = []


class File:
    def __init__(self, path, holds):
        self.path, self.holds, self.lines, self.secrets = path, holds, [], []
        FILES.append(self)

    def add(self, text):
        self.lines.extend(text.split("\n"))
        return self

    def plant(self, kind, text):
        """`text`'s first line holds (or starts) a planted secret of `kind`."""
        self.secrets.append({"line": len(self.lines) + 1, "kind": kind})
        return self.add(text)


def planted():
    f = File("app/settings.py", "planted: Python assignments and a dict of credentials")
    f.add('"""Settings for the orders service."""\nimport os\n\nDEBUG = os.environ.get("DEBUG", "false") == "true"\nREGION = "eu-west-1"')
    f.plant("generic-api-key", f'DD_API_KEY = "{s("generic-api-key")}"')
    f.plant("generic-password", f"DB_PASSWORD = '{s('generic-password')}'")
    f.add("DATABASES = {\n    \"default\": {\n        \"ENGINE\": \"django.db.backends.postgresql\",\n        \"NAME\": \"orders\",")
    f.plant("generic-password", f'        "PASSWORD": "{s("generic-password")}",')
    f.add('        "HOST": "orders.cluster-abc.eu-west-1.rds.amazonaws.com",\n    }\n}')
    f.plant("aws-access-key-id", f'AWS_ACCESS_KEY_ID = "{s("aws-access-key-id")}"')
    f.plant("aws-secret-access-key", f'AWS_SECRET_ACCESS_KEY = "{s("aws-secret-access-key")}"')
    f.plant("stripe-key", f'stripe.api_key = "{s("stripe-key")}"')

    f = File("app/handler.py", "planted: keyword arguments, a fallback default, a header and a webhook")
    f.add("import json\nimport os\n\nimport requests\n\n\ndef handler(event, context):")
    f.plant("generic-password", f'    conn = psycopg2.connect(host=HOST, user="app", password="{s("generic-password")}")')
    f.plant("github-token", f'    token = os.environ.get("GITHUB_TOKEN", "{s("github-token")}")')
    f.plant("slack-token", f'    headers = {{"Authorization": "Bearer {s("slack-token")}"}}')
    f.plant("slack-webhook", f'    requests.post("{s("slack-webhook")}", json={{"text": "done"}})')
    f.add('    return {"statusCode": 200, "body": json.dumps({"ok": True})}')

    f = File("app/db.py", "planted: connection strings in code")
    f.add("from sqlalchemy import create_engine\n")
    f.plant("postgres-url", f'engine = create_engine("{s("postgres-url")}")')
    f.plant("redis-url", f'REDIS = "{s("redis-url")}"')
    f.plant("mongodb-url", f'client = MongoClient("{s("mongodb-url")}")')
    f.plant("amqp-url", f"BROKER_URL = '{s('amqp-url')}'")
    f.add("\n\ndef session():\n    return engine.connect()")

    f = File(".env", "planted: dotenv lines, quoted and not, with export")
    f.add("# local settings\nNODE_ENV=production\nLOG_LEVEL=info\nPORT=3000")
    f.plant("postgres-url", f"DATABASE_URL={s('postgres-url')}")
    f.plant("openai-key", f'OPENAI_API_KEY="{s("openai-key")}"')
    f.plant("sendgrid-key", f"export SENDGRID_API_KEY={s('sendgrid-key')}")
    f.plant("short-secret", f"API_SECRET={s('short-secret')}")
    f.plant("twilio-auth-token", f"TWILIO_AUTH_TOKEN='{s('twilio-auth-token')}'")
    f.add("FEATURE_FLAGS=checkout,search")

    f = File("src/config.js", "planted: JavaScript constants and object keys")
    f.add("'use strict';\n\nconst region = process.env.AWS_REGION || 'us-east-1';")
    f.plant("stripe-key", f"const stripeKey = '{s('stripe-key')}';")
    f.plant("google-api-key", f'const maps = {{ apiKey: "{s("google-api-key")}", zoom: 12 }};')
    f.plant("anthropic-key", f"  anthropicKey: `{s('anthropic-key')}`,")
    f.plant("generic-api-key", f'exports.segmentWriteKey = "{s("generic-api-key")}";')
    f.plant("jwt", f"const serviceToken = '{s('jwt')}';")
    f.add("module.exports = { region, stripeKey, maps };")

    f = File("src/clients/discord.ts", "planted: a webhook URL and a token in TypeScript")
    f.add("import axios from 'axios';\n")
    f.plant("webhook-url", f"const WEBHOOK: string = '{s('webhook-url')}';")
    f.plant("gitlab-token", f'const gitlab = new Gitlab({{ token: "{s("gitlab-token")}" }});')
    f.add("export async function notify(text: string): Promise<void> {\n  await axios.post(WEBHOOK, { content: text });\n}")

    f = File("config/production.json", "planted: JSON config keys")
    f.add('{\n  "service": "billing",\n  "port": 8080,\n  "db": {\n    "host": "billing-db.internal",\n    "user": "billing",')
    f.plant("generic-password", f'    "password": "{s("generic-password")}"')
    f.add("  },\n  \"auth\": {")
    f.plant("generic-api-key", f'    "client_secret": "{s("generic-api-key")}",')
    f.add('    "client_id": "billing-service"\n  },')
    f.plant("azure-connection-string", f'  "storage": "{s("azure-connection-string")}",')
    f.plant("connection-string", f'  "sqlServer": "{s("connection-string")}",')
    f.add('  "logLevel": "warn"\n}')

    f = File("config/app.yaml", "planted: YAML keys, plain and quoted")
    f.add("service: search\nreplicas: 3\nelasticsearch:")
    f.plant("url-credentials", f"  url: {s('url-credentials')}")
    f.add("smtp:\n  host: smtp.example.com\n  user: mailer")
    f.plant("short-password", f"  password: \"{s('short-password')}\"")
    f.plant("npm-token", f"npm_token: {s('npm-token')}")
    f.plant("mysql-url", f"mysql: '{s('mysql-url')}'")
    f.add("timeout: 30s")

    f = File("src/main/resources/application.properties", "planted: Java properties with a JDBC URL and a password")
    f.add("server.port=8080\nspring.application.name=ledger")
    f.plant("jdbc-url", f"spring.datasource.url={s('jdbc-url')}")
    f.add("spring.datasource.username=ledger")
    f.plant("generic-password", f"spring.datasource.password={s('generic-password')}")
    f.plant("credential-in-dsn", f"app.mysql.dsn={s('credential-in-dsn')}")

    f = File("deploy/settings.toml", "planted: TOML keys")
    f.add("[server]\nport = 9000\n\n[tokens]")
    f.plant("pypi-token", f'pypi = "{s("pypi-token")}"')
    f.plant("vendor-token", f'age_identity = "{s("vendor-token")}"')
    f.add("\n[limits]\nrate = 100")

    f = File("scripts/deploy.sh", "planted: shell with a credential on a command line")
    f.add("#!/bin/sh\nset -eu")
    f.plant("credential-in-arguments", f'JAVA_OPTS="{s("credential-in-arguments")}"')
    f.plant("github-token", f"curl -H 'Authorization: token {s('github-token')}' https://api.github.com/user")
    f.add('echo "deployed"')

    f = File("keys/deploy.pem", "planted: a PEM private key file")
    f.plant("private-key", s("private-key"))

    f = File("keys/id_ed25519", "planted: an OpenSSH-format PEM private key")
    f.plant("private-key", pem("OPENSSH PRIVATE KEY", 6))

    f = File("keys/signing.key", "planted: an EC private key after a comment")
    f.add("# signing key for webhooks")
    f.plant("private-key", pem("EC PRIVATE KEY", 3))

    f = File("keys/putty.ppk", "planted: a PuTTY private key file")
    pub, priv = b64(51), b64(48)
    f.plant("ppk-private-key", f"PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: deploy@ci\nPublic-Lines: 2\n{pub[:64]}\n{pub[64:]}\nPrivate-Lines: 1\n{priv}\nPrivate-MAC: {hexs(64)}")

    f = File("src/jwt.js", "planted: a PEM key inside a string literal with \\n escapes")
    f.add("const jwt = require('jsonwebtoken');")
    f.plant("private-key-escaped", f"const PRIVATE_KEY = \"{s('private-key-escaped')}\";")
    f.add("module.exports = (claims) => jwt.sign(claims, PRIVATE_KEY, { algorithm: 'RS256' });")

    f = File("src/keys.py", "planted: a PEM key in a triple-quoted Python string")
    f.add("SIGNING_KEY = \"\"\"")
    f.plant("private-key", pem("PRIVATE KEY", 8))
    f.add('"""')

    f = File("dist/bundle.min.js", "planted: vendor tokens inside a minified bundle line")
    tokens = [("slack-token", s("slack-token")), ("stripe-key", s("stripe-key")), ("github-token", s("github-token"))]
    for kind, token in tokens:
        filler = ",".join(f'{ident(2)}="{ident(rng.randrange(6, 30))}"' for _ in range(40))
        f.plant(kind, f'!function(e){{var {filler};e.k="{token}";{filler}}}(window);')

    f = File("dist/app.js.map", "planted: a token inside a source map's sourcesContent")
    mapping = ";".join(",".join(ident(4).upper() for _ in range(8)) for _ in range(30))
    src = f"const key = \\\"{s('openai-key')}\\\";\\nexport default key;"
    f.add('{"version":3,"file":"app.js","sources":["../src/app.ts"],')
    f.plant("openai-key", f'"sourcesContent":["{src}"],')
    f.add(f'"names":[],"mappings":"{mapping}"}}')

    f = File("node_modules/analytics-lite/index.js", "planted: a vendored dependency that ships a live key")
    f.add("module.exports = function track(event) {")
    f.plant("generic-api-key", f"  var writeKey = '{s('generic-api-key')}';")
    f.add("  return send(writeKey, event);\n};")

    f = File("python/lib/python3.12/site-packages/internal_sdk/config.py", "planted: a vendored package with a credential")
    f.add('"""Internal SDK defaults."""')
    f.plant("jwk-private", f"DEFAULT_JWK = '{s('jwk-private')}'")
    f.plant("json-credentials", f"CREDENTIALS = '{s('json-credentials')}'")
    f.plant("encoded-credentials", f'BOOTSTRAP = "{s("encoded-credentials")}"')

    f = File("app/notify.go", "planted: Go constants")
    f.add("package app\n\nconst (")
    f.plant("slack-webhook", f'\tslackURL = "{s("slack-webhook")}"')
    f.plant("azure-storage-key", f'\tstorageKey = "{s("azure-storage-key")}"')
    f.plant("short-pin", f'\tsimPin = "{s("short-pin")}"')
    f.add(")")

    f = File("app/Program.cs", "planted: C# string with a connection string")
    f.add("namespace Orders;\n\npublic static class Settings\n{")
    f.plant("connection-string", f'    public const string Db = "{s("connection-string")}";')
    f.plant("base64-blob", f'    public const string EncryptionKey = "{s("base64-blob")}";')
    f.add("}")

    f = File("app/.env.production", "planted: a second dotenv file")
    f.plant("vendor-token", f"AGE_IDENTITY={s('vendor-token')}")
    f.plant("private-key-der", f"APNS_P8={s('private-key-der')}")
    f.plant("pgp-private-key", f"PGP_SECRET_KEY=\"{s('pgp-private-key')}\"")
    f.plant("vapid-private-key", f"VAPID_PRIVATE_KEY={s('vapid-private-key')}")


def lock_files():
    f = File("package-lock.json", "decoy: npm lock file integrity hashes and resolved URLs")
    f.add('{\n  "name": "orders",\n  "lockfileVersion": 3,\n  "packages": {')
    for name in ["axios", "lodash", "uuid", "jsonwebtoken", "ms", "debug", "semver", "qs"]:
        digest = base64.b64encode(hashlib.sha512(name.encode()).digest()).decode()
        f.add(f'    "node_modules/{name}": {{\n      "version": "1.{rng.randrange(9)}.{rng.randrange(20)}",\n      "resolved": "https://registry.npmjs.org/{name}/-/{name}-1.0.0.tgz",\n      "integrity": "sha512-{digest}"\n    }},')
    f.add("    \"\": {}\n  }\n}")

    f = File("yarn.lock", "decoy: yarn lock file")
    for name in ["react", "scheduler", "loose-envify"]:
        sha1 = hashlib.sha1(name.encode()).hexdigest()
        digest = base64.b64encode(hashlib.sha512(name.encode()).digest()).decode()
        f.add(f'{name}@^1.0.0:\n  version "1.0.0"\n  resolved "https://registry.yarnpkg.com/{name}/-/{name}-1.0.0.tgz#{sha1}"\n  integrity sha512-{digest}\n')

    f = File("poetry.lock", "decoy: Python lock file hashes")
    for name in ["boto3", "urllib3"]:
        f.add(f'[[package]]\nname = "{name}"\nversion = "1.0.0"\nfiles = [\n    {{file = "{name}-1.0.0-py3-none-any.whl", hash = "sha256:{hashlib.sha256(name.encode()).hexdigest()}"}},\n]\n')

    f = File("go.sum", "decoy: Go module checksums")
    for name in ["github.com/aws/aws-lambda-go", "golang.org/x/net"]:
        h = base64.b64encode(hashlib.sha256(name.encode()).digest()).decode()
        f.add(f"{name} v1.0.0 h1:{h}\n{name} v1.0.0/go.mod h1:{b64(32)}")

    f = File("python/lib/python3.12/site-packages/requests-2.32.0.dist-info/RECORD", "decoy: a wheel's RECORD of file hashes")
    for name in ["__init__.py", "api.py", "auth.py", "sessions.py", "adapters.py"]:
        h = base64.urlsafe_b64encode(hashlib.sha256(name.encode()).digest()).decode().rstrip("=")
        f.add(f"requests/{name},sha256={h},{rng.randrange(1000, 30000)}")


def certificates():
    f = File("python/lib/python3.12/site-packages/certifi/cacert.pem", "decoy: a CA bundle of public certificates")
    for n in range(3):
        f.add(f"\n# Issuer: CN=Example Root CA {n}\n# Label: \"Example Root CA {n}\"")
        f.add(pem("CERTIFICATE", 10))

    f = File("certs/server.crt", "decoy: a public certificate and a public key")
    f.add(pem("CERTIFICATE", 8))
    f.add(pem("PUBLIC KEY", 4))

    f = File("src/tls.js", "decoy: a pinned certificate in a string literal")
    cert = pem("CERTIFICATE", 6).replace("\n", "\\n")
    f.add(f"const CA = '{cert}';\nmodule.exports = {{ ca: CA }};")

    f = File("keys/id_ed25519.pub", "decoy: an SSH public key")
    blob = base64.b64encode(b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + bytes(rng.randrange(256) for _ in range(32))).decode()
    f.add(f"ssh-ed25519 {blob} deploy@ci")


def documentation():
    f = File("node_modules/aws-sdk/README.md", "decoy: documentation example credentials")
    f.add("# AWS SDK\n\nConfigure credentials:\n\n```ini\n[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n```")
    f.add("\nOr in code: `new AWS.Config({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' })`")

    f = File("python/lib/python3.12/site-packages/botocore/docs/credentials.rst", "decoy: more documentation placeholders")
    f.add("Set ``AWS_SECRET_ACCESS_KEY=<your secret key>`` and ``AWS_SESSION_TOKEN=<token>``.\n\n    password = \"your-password-here\"\n    api_key = \"YOUR_API_KEY\"\n    token = \"xxxxxxxxxxxxxxxxxxxxxxxx\"")

    f = File("node_modules/stripe/README.md", "decoy: a library README with template keys")
    f.add("```js\nconst stripe = require('stripe')('sk_test_...');\nconst client = new Client({ apiKey: process.env.STRIPE_SECRET_KEY });\n```\nUse `https://user:password@proxy.example.com` with your own values.")


def minified():
    f = File("dist/vendor.min.js", "decoy: minified code with random-looking identifiers and chunk hashes")
    for _ in range(4):
        parts = ",".join(f'{ident(2)}="{ident(rng.randrange(8, 40))}"' for _ in range(30))
        chunks = ",".join(f'{n}:"{hexs(20)}"' for n in range(8))
        f.add(f"!function(){{var {parts};window.__chunks={{{chunks}}}}}();")

    f = File("dist/styles.css", "decoy: a base64 font in CSS")
    f.add(f"@font-face{{font-family:Inter;src:url(data:font/woff2;base64,{b64(900)}) format('woff2')}}\nbody{{font-family:Inter}}")

    f = File("dist/vendor.min.js.map", "decoy: a source map")
    mapping = ";".join(",".join(ident(5).upper() for _ in range(10)) for _ in range(40))
    f.add(f'{{"version":3,"sources":["webpack://app/./src/index.js"],"names":["e","t","n"],"mappings":"{mapping}","sourceRoot":""}}')


def identifiers():
    f = File("node_modules/left-pad/package.json", "decoy: package metadata with commit hashes")
    f.add(f'{{\n  "name": "left-pad",\n  "version": "1.3.0",\n  "gitHead": "{hexs(40)}",\n  "_id": "left-pad@1.3.0",\n  "_shasum": "{hexs(40)}",\n  "_integrity": "sha512-{b64(64)}"\n}}')

    f = File("app/constants.py", "decoy: UUIDs, commit ids, hashes and secret-ish names that are not secrets")
    f.add(f'TENANT_ID = "{uuid()}"\nBUILD_COMMIT = "{hexs(40)}"\nREQUEST_NAMESPACE = "{uuid()}"\nEMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"')
    f.add('PASSWORD_FIELD = "password"\nSECRET_NAME = "prod/orders/db"\nTOKEN_URL = "https://oauth2.googleapis.com/token"\nSECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/orders-AbCdEf"')
    f.add('KMS_KEY_ID = "alias/orders"\nAUTH_HEADER = "Authorization"\npassword_min_length = 12\napi_key_param = "/prod/orders/api-key"')

    f = File("locales/fr.json", "decoy: translated labels under credential-ish keys")
    f.add('{\n  "password": "Mot de passe",\n  "password_confirm": "Confirmez le mot de passe",\n  "token_expired": "Votre session a expiré",\n  "api_key": "Clé d\'API",\n  "secret": "Secret"\n}')

    f = File("node_modules/crypto-js/sha256.js", "decoy: hash constants and test vectors in a crypto library")
    f.add("var K = [0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5];")
    f.add(f'// sha256("abc") = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"\nvar TEST_VECTOR = "{hexs(64)}";\nvar HMAC_KEY_LENGTH = 64;')

    f = File("tests/test_auth.py", "decoy: test fixtures with obvious dummy credentials")
    f.add('def test_login(client):\n    resp = client.post("/login", data={"username": "alice", "password": "password"})\n    assert resp.status_code == 401\n    token = "test-token"\n    assert check(token) is False')


def placeholders():
    f = File(".env.example", "decoy: a dotenv template with placeholders")
    f.add("DATABASE_URL=postgres://user:password@localhost:5432/app\nAPI_KEY=your-api-key-here\nDB_PASSWORD=changeme\nSECRET_KEY=<generate-with-openssl>")
    f.add("STRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx\nSLACK_WEBHOOK_URL=\nGITHUB_TOKEN=${GITHUB_TOKEN}\nJWT_SECRET={{ jwt_secret }}")

    f = File("config/default.yaml", "decoy: config that refers to secrets instead of holding them")
    f.add("database:\n  password: ${DB_PASSWORD}\n  password_secret_arn: arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf\napi:\n  key: '{{resolve:secretsmanager:prod/api:SecretString:key}}'\n  token_ttl: 3600")

    f = File("template.yaml", "decoy: a SAM template with parameter references")
    f.add("Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Environment:\n        Variables:\n          DB_PASSWORD: !Ref DbPassword\n          API_TOKEN: '{{resolve:ssm:/prod/api/token}}'")


def binary():
    """Binary files: compiled code named like source, an image."""
    rng2 = random.Random(5)
    content = b"\x7fELF\x02\x01\x01\x00" + bytes(rng2.randrange(256) for _ in range(3000))
    return {
        "python/lib/python3.12/site-packages/_cffi_backend.py": content,
        "static/logo.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(rng2.randrange(256) for _ in range(1500)),
    }


def main():
    planted()
    lock_files()
    certificates()
    documentation()
    minified()
    identifiers()
    placeholders()
    package = os.path.join(OUT, "package")
    if os.path.exists(package):
        shutil.rmtree(package)
    labels = []
    for f in FILES:
        path = os.path.join(package, f.path)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as out:
            out.write("\n".join(f.lines) + "\n")
        labels.append({"path": f.path, "holds": f.holds, "secrets": f.secrets})
    for name, content in binary().items():
        path = os.path.join(package, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as out:
            out.write(content)
        labels.append({"path": name, "holds": "decoy: binary content", "secrets": []})
    with open(os.path.join(OUT, "labels.jsonl"), "w") as out:
        for label in labels:
            out.write(json.dumps(label) + "\n")
    total = sum(len(f.secrets) for f in FILES)
    print(f"{len(labels)} files, {total} planted secrets")


main()
