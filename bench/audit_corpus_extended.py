"""The extended part of the audit corpus: kinds the original corpus does not hold, each with
clean look-alikes, so the classifier is measured on shapes it was not built beside.

Imported by bench/audit_corpus.py, which writes these rows after the original ones with
"set": "extended" (the original rows carry "set": "original"), so the two parts can be scored
apart. Every value is fake: random bytes in the documented layout of each format (DER headers,
SSH wire format, vendor prefixes and lengths), nothing copied from a real credential.
"""

import base64
import gzip
import json
import string
import struct

HEX = "0123456789abcdef"
ALNUM = string.ascii_letters + string.digits
LOWER_DIGITS = string.ascii_lowercase + string.digits
UPPER_DIGITS = string.ascii_uppercase + string.digits
B64URL = string.ascii_letters + string.digits + "-_"
BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
BECH32 = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"

c = None  # the generator module (bench/audit_corpus.py): add, rand, pick, rng and friends


def rbytes(n):
    return bytes(c.rng.getrandbits(8) for _ in range(n))


def b64(data):
    return base64.b64encode(data).decode()


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


# --------------------------------------------------------------------------------------
# DER, SSH and JWK encodings, built by hand from their published layouts
# --------------------------------------------------------------------------------------

def tlv(tag, content):
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    elif n < 0x100:
        length = bytes([0x81, n])
    else:
        length = bytes([0x82, n >> 8, n & 0xFF])
    return bytes([tag]) + length + content


def seq(*parts):
    return tlv(0x30, b"".join(parts))


def integer(body):
    return tlv(0x02, body)


RSA_OID = bytes.fromhex("06092a864886f70d0101010500")
EC_P256_OID = bytes.fromhex("06072a8648ce3d020106082a8648ce3d030107")
SHA256_RSA = seq(bytes.fromhex("06092a864886f70d01010b0500"))


def rsa_spki(bits=2048):
    modulus = b"\x00" + bytes([0x80 | c.rng.getrandbits(7)]) + rbytes(bits // 8 - 1)
    return seq(seq(RSA_OID), tlv(0x03, b"\x00" + seq(integer(modulus), integer(b"\x01\x00\x01"))))


def ec_spki():
    return seq(seq(EC_P256_OID), tlv(0x03, b"\x00\x04" + rbytes(64)))


def name(common_name):
    return seq(tlv(0x31, seq(bytes.fromhex("0603550403"), tlv(0x0C, common_name.encode()))))


def certificate(common_name):
    tbs = seq(tlv(0xA0, integer(b"\x02")), integer(rbytes(16)), SHA256_RSA, name("Example Fake CA"),
              seq(tlv(0x17, b"260101000000Z"), tlv(0x17, b"270101000000Z")), name(common_name),
              pick_spki())
    return seq(tbs, SHA256_RSA, tlv(0x03, b"\x00" + rbytes(256)))


def pick_spki():
    return rsa_spki() if c.rng.random() < 0.6 else ec_spki()


def pkcs8_rsa():
    inner = seq(integer(b"\x00"), integer(b"\x00" + rbytes(256)), integer(b"\x01\x00\x01"),
                integer(b"\x00" + rbytes(256)), integer(rbytes(128)), integer(rbytes(128)),
                integer(rbytes(128)), integer(rbytes(128)), integer(rbytes(128)))
    return seq(integer(b"\x00"), seq(RSA_OID), tlv(0x04, inner))


def pkcs8_ec():
    inner = seq(integer(b"\x01"), tlv(0x04, rbytes(32)), tlv(0xA1, tlv(0x03, b"\x00\x04" + rbytes(64))))
    return seq(integer(b"\x00"), seq(EC_P256_OID), tlv(0x04, inner))


def armour(label, der, escaped=False):
    body = b64(der)
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    text = "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"])
    return text.replace("\n", "\\n") if escaped else text


def ssh_string(data):
    return struct.pack(">I", len(data)) + data


def ssh_public(kind, comment=None):
    if kind == "ssh-rsa":
        blob = ssh_string(b"ssh-rsa") + ssh_string(b"\x01\x00\x01") + ssh_string(b"\x00" + rbytes(256))
    elif kind == "ssh-ed25519":
        blob = ssh_string(b"ssh-ed25519") + ssh_string(rbytes(32))
    else:
        blob = ssh_string(b"ecdsa-sha2-nistp256") + ssh_string(b"nistp256") + ssh_string(b"\x04" + rbytes(64))
    text = f"{kind} {b64(blob)}"
    return f"{text} {comment}" if comment else text


def jwk(kty, private=False):
    if kty == "RSA":
        key = {"kty": "RSA", "kid": c.rand(ALNUM, 16), "use": "sig", "alg": "RS256",
               "n": b64url(b"\xc1" + rbytes(255)), "e": "AQAB"}
        if private:
            key |= {"d": b64url(rbytes(256)), "p": b64url(rbytes(128)), "q": b64url(rbytes(128))}
    else:
        key = {"kty": "EC", "kid": c.rand(ALNUM, 16), "crv": "P-256", "x": b64url(rbytes(32)),
               "y": b64url(rbytes(32))}
        if private:
            key["d"] = b64url(rbytes(32))
    return key


def pgp_block(label):
    body = b64(b"\x99\x01\x0d\x04" + rbytes(300))
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "\\n".join([f"-----BEGIN PGP {label}-----", "", *lines, "=" + c.rand(ALNUM, 4),
                       f"-----END PGP {label}-----"])


# --------------------------------------------------------------------------------------
# Encoded configuration, and credentials encoded the same way
# --------------------------------------------------------------------------------------

def app(): return c.pick(c.APPS)
def stage(): return c.pick(c.STAGES)


def encoded_config():
    docs = [
        ("APP_CONFIG_B64", json.dumps({"service": app(), "stage": stage(), "timeoutMs": 3000,
                                       "retries": {"max": 3, "backoff": "exponential"}})),
        ("FEATURE_FLAGS_B64", json.dumps({"flags": {"newCheckout": True, "betaSearch": False,
                                                    "rollout": 0.25}})),
        ("SETTINGS", json.dumps({"region": c.region(), "table": f"{app()}-{stage()}", "batchSize": 25})),
        ("ROUTING_TABLE", json.dumps([{"path": "/orders", "target": f"{app()}-svc:8080"},
                                      {"path": "/users", "target": f"{app()}-svc:8081"}])),
        ("CONFIG", json.dumps({"logging": {"level": "info", "format": "json"}, "cache": {"ttl": 300}})),
        ("OTEL_RESOURCE_CONFIG", json.dumps({"service.name": app(), "deployment.environment": stage()})),
        ("TENANT_MAP", json.dumps({c.rand(LOWER_DIGITS, 8): c.region() for _ in range(4)})),
        ("CORS_CONFIG", json.dumps({"allowOrigins": ["https://app.example.com"], "maxAge": 600})),
    ]
    for name_, doc in docs:
        c.add(name_, b64(doc.encode()), "config", "encoded-config-json")
    yamls = [
        ("APP_YAML", f"service: {app()}\nstage: {stage()}\nreplicas: 3\nlogLevel: info\n"),
        ("PIPELINE_CONFIG", f"steps:\n  - name: build\n    image: node:20\n  - name: deploy\n    region: {c.region()}\n"),
        ("RULES_YAML", "rules:\n  - match: /health\n    action: allow\n  - match: /admin\n    action: deny\n"),
        ("LOGGING_CONFIG", "version: 1\nhandlers:\n  console:\n    class: logging.StreamHandler\nroot:\n  level: INFO\n"),
        ("CLOUD_INIT", f"#cloud-config\npackages:\n  - jq\n  - awscli\nruncmd:\n  - echo {app()} > /etc/app\n"),
    ]
    for name_, doc in yamls:
        c.add(name_, b64(doc.encode()), "config", "encoded-config-yaml")
    for name_, text in [("USER_DATA", f"#!/bin/bash\nyum install -y jq\necho 'stage={stage()}' >> /etc/environment\n"),
                        ("BOOTSTRAP_SCRIPT", "#!/bin/sh\nset -e\nexport PATH=/opt/bin:$PATH\nexec /opt/bin/app\n"),
                        ("NGINX_CONF", "server {\n  listen 8080;\n  location / { proxy_pass http://127.0.0.1:3000; }\n}\n")]:
        c.add(name_, b64(text.encode()), "config", "encoded-config-text")
    for name_, doc in [("COMPRESSED_CONFIG", json.dumps({"service": app(), "endpoints": [f"https://{app()}.example.com/v{i}" for i in range(1, 6)]})),
                       ("SCHEMA_GZ_B64", json.dumps({"type": "object", "properties": {"id": {"type": "string"}, "amount": {"type": "number"}}})),
                       ("MANIFEST", json.dumps({"version": 3, "files": [f"chunk-{c.rand(HEX, 8)}.js" for _ in range(6)]})),
                       ("POLICY_DOC_GZ", json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))]:
        c.add(name_, b64(gzip.compress(doc.encode(), mtime=0)), "config", "encoded-config-gzip")
    # The same encodings around credentials.
    for name_, doc in [("APP_CONFIG_B64", {"db": {"host": c.host("rds"), "user": "app", "password": c.random_password()}}),
                       ("SERVICE_CONFIG", {"endpoint": f"https://{app()}.example.com", "apiKey": c.rand(ALNUM, 32)}),
                       ("DOCKER_AUTH_CONFIG", {"auths": {"registry.example.com": {"auth": b64(f"ci:{c.random_password()}".encode())}}})]:
        c.add(name_, b64(json.dumps(doc).encode()), "secret", "encoded-credentials")
    for name_, text in [("APP_YAML", f"database:\n  host: {c.host('rds')}\n  user: app\n  password: {c.random_password()}\n"),
                        ("KUBECONFIG_B64", f"apiVersion: v1\nkind: Config\nusers:\n- name: ci\n  user:\n    token: {c.rand(ALNUM, 40)}\n"),
                        ("NETRC", f"machine api.example.com\nlogin ci\npassword {c.random_password()}\n")]:
        c.add(name_, b64(text.encode()), "secret", "encoded-credentials")
    c.add("BUNDLE", b64(gzip.compress(json.dumps({"client_id": c.rand(LOWER_DIGITS, 20),
                                                   "client_secret": c.rand(ALNUM, 40)}).encode(), mtime=0)),
          "secret", "encoded-credentials")


# --------------------------------------------------------------------------------------
# Certificates and public keys, and the private halves that are secrets
# --------------------------------------------------------------------------------------

def keys_and_certificates():
    for name_ in ["JWT_PUBLIC_KEY", "TOKEN_VERIFY_KEY", "AUTH0_PUBLIC_KEY", "SIGNATURE_VERIFICATION_KEY",
                  "COGNITO_PUBLIC_KEY", "WEBHOOK_VERIFY_KEY"]:
        c.add(name_, armour("PUBLIC KEY", pick_spki(), escaped=c.rng.random() < 0.5), "config", "public-key-pem")
    for name_ in ["RSA_PUBLIC_KEY", "LICENSE_VERIFY_KEY", "PAYLOAD_KEY"]:
        c.add(name_, armour("RSA PUBLIC KEY", seq(integer(b"\x00" + rbytes(256)), integer(b"\x01\x00\x01")), escaped=True),
              "config", "public-key-pem")
    # The same keys without armour: base64 DER SubjectPublicKeyInfo, as many services paste them.
    for name_ in ["JWT_VERIFICATION_KEY", "PUBLIC_KEY", "SIGNING_CERT_KEY", "PARTNER_KEY", "OIDC_KEY",
                  "APPLE_PAY_KEY"]:
        c.add(name_, b64(pick_spki()), "config", "public-key-der")
    for name_ in ["TLS_CERT", "CA_CERT", "CLIENT_CERTIFICATE", "SAML_IDP_CERT", "MTLS_CA_BUNDLE", "ROOT_CA"]:
        c.add(name_, armour("CERTIFICATE", certificate(f"{app()}.example.com"), escaped=c.rng.random() < 0.5),
              "config", "certificate-pem")
    for name_ in ["SAML_CERT", "IDP_SIGNING_CERTIFICATE", "X509_CERT", "TRUST_ANCHOR"]:
        c.add(name_, b64(certificate(f"{app()}.example.com")), "config", "certificate-der")
    ssh = [("DEPLOY_PUBLIC_KEY", "ssh-ed25519", "deploy@ci"), ("AUTHORIZED_KEY", "ssh-rsa", "ops@bastion"),
           ("SSH_PUBLIC_KEY", "ssh-rsa", None), ("SFTP_USER_KEY", "ssh-ed25519", None),
           ("BASTION_KEY", "ecdsa-sha2-nistp256", "bastion"), ("GIT_SSH_KEY_PUB", "ssh-ed25519", "git@example.com"),
           ("SSH_KNOWN_HOST", "ssh-ed25519", None), ("HOST_KEY", "ssh-rsa", None)]
    for name_, kind, comment in ssh:
        value = ssh_public(kind, comment)
        if name_ == "SSH_KNOWN_HOST":
            value = f"github.example.com {value}"
        c.add(name_, value, "config", "ssh-public-key")
    for name_ in ["JWKS", "JWT_JWKS", "OIDC_JWKS_JSON"]:
        c.add(name_, json.dumps({"keys": [jwk("RSA"), jwk("EC")]}), "config", "jwk-public")
    for name_ in ["JWK", "VERIFY_JWK"]:
        c.add(name_, json.dumps(jwk(c.pick(["RSA", "EC"]))), "config", "jwk-public")
    c.add("PGP_PUBLIC_KEY", pgp_block("PUBLIC KEY BLOCK"), "config", "pgp-public-key")
    c.add("RELEASE_SIGNING_PUBKEY", pgp_block("PUBLIC KEY BLOCK"), "config", "pgp-public-key")
    # VAPID: the public key (65 bytes) is published to browsers, the private key (32 bytes) is not.
    c.add("VAPID_PUBLIC_KEY", b64url(b"\x04" + rbytes(64)), "config", "vapid-public-key")
    c.add("WEB_PUSH_PUBLIC", b64url(b"\x04" + rbytes(64)), "config", "vapid-public-key")
    # Private halves.
    for name_, value in [("JWK_PRIVATE", json.dumps(jwk("RSA", private=True))),
                         ("SIGNING_JWK", json.dumps(jwk("EC", private=True))),
                         ("JWKS_PRIVATE", json.dumps({"keys": [jwk("EC", private=True)]}))]:
        c.add(name_, value, "secret", "jwk-private")
    for name_, der in [("APNS_P8", pkcs8_ec()), ("SIGNING_KEY_DER", pkcs8_rsa()), ("SERVICE_CERT_KEY", pkcs8_rsa()),
                       ("TLS_KEY_B64", pkcs8_ec())]:
        c.add(name_, b64(der), "secret", "private-key-der")
    c.add("PGP_SECRET_KEY", pgp_block("PRIVATE KEY BLOCK"), "secret", "pgp-private-key")
    c.add("GPG_SIGNING_KEY", pgp_block("PRIVATE KEY BLOCK"), "secret", "pgp-private-key")
    c.add("VAPID_PRIVATE_KEY", b64url(rbytes(32)), "secret", "vapid-private-key")
    c.add("AGE_IDENTITY", "AGE-SECRET-KEY-1" + c.rand(BECH32, 58), "secret", "vendor-token")


# --------------------------------------------------------------------------------------
# Versions, build ids and digests
# --------------------------------------------------------------------------------------

def versions_and_build_ids():
    sha = lambda n=40: c.rand(HEX, n)  # noqa: E731
    for name_, value in [("APP_VERSION", sha()), ("VERSION", sha()), ("BUILD_VERSION", sha(12)),
                         ("DEPLOYED_REF", sha()), ("IMAGE_TAG", sha(7)), ("RELEASE_VERSION", f"v3.4.1-17-g{sha(7)}"),
                         ("BUILD_ID", f"{app()}-build:{c.uuid4()}"), ("CODE_VERSION", f"2026.09.12-{sha(8)}"),
                         ("ARTIFACT_VERSION", f"1.8.0+{sha(8)}"), ("SOURCE_REF", f"main@{sha(12)}"),
                         ("VERSION_ID", f"{c.rand(ALNUM + '._', 32)}"), ("SCHEMA_VERSION", f"{c.rng.randint(1, 9)}.{c.rng.randint(0, 20)}.{c.rng.randint(0, 40)}"),
                         ("LIB_VERSION", f"2.0.0-rc.{c.rng.randint(1, 5)}+build.{c.rng.randint(100, 999)}"),
                         ("RUNTIME_VERSION", "python3.12"), ("API_VERSION", "2016-06-01"),
                         ("BUILD_NUMBER", str(c.rng.randint(1000, 99999))), ("GITHUB_RUN_ID", str(c.rng.randint(10**9, 10**10))),
                         ("DEPLOY_ID", f"d-{c.rand(UPPER_DIGITS, 9)}"), ("RELEASE", f"{app()}@{c.rng.randint(1, 9)}.{c.rng.randint(0, 20)}.0"),
                         ("CONTENT_HASH", f"{c.rand(HEX, 20)}"), ("BUNDLE_VERSION", c.rand(LOWER_DIGITS, 20)),
                         ("ASSET_VERSION", b64url(rbytes(16))), ("LAYER_VERSION_HASH", b64(rbytes(32))),
                         ("OBJECT_VERSION", c.rand(ALNUM + "._", 32)), ("TEMPLATE_VERSION", c.rand(ALNUM, 32))]:
        c.add(name_, value, "config", "version-or-build-id")
    for name_ in ["IMAGE", "IMAGE_URI", "CONTAINER_IMAGE", "SIDECAR_IMAGE", "BASE_IMAGE"]:
        repo = c.pick([f"{c.account()}.dkr.ecr.{c.region()}.amazonaws.com/{app()}",
                       f"ghcr.io/example/{app()}", f"public.ecr.aws/example/{app()}-{stage()}"])
        c.add(name_, f"{repo}@sha256:{sha(64)}", "config", "image-digest")
    c.add("IMAGE_ID", f"sha256:{sha(64)}", "config", "image-digest")
    c.add("SRI_HASH", f"sha384-{b64(rbytes(48))}", "config", "image-digest")
    c.add("CODE_SHA256", b64(rbytes(32)), "config", "image-digest")


# --------------------------------------------------------------------------------------
# Names that services generate, with random suffixes
# --------------------------------------------------------------------------------------

def generated_resource_names():
    for name_ in ["FUNCTION_NAME", "HANDLER_FUNCTION", "TARGET_LAMBDA", "AUTHORIZER_FUNCTION"]:
        logical = c.cdk_logical(c.pick(["ApiHandler", "Worker", "Authorizer", "Processor"]))
        c.add(name_, f"{app().capitalize()}Stack-{logical}-{c.rand(ALNUM, 12)}", "config", "generated-resource-name")
    for name_ in ["TABLE", "QUEUE", "TOPIC_NAME", "STATE_MACHINE"]:
        c.add(name_, f"{app()}-{stage()}-{c.pick(['Orders', 'Events', 'Jobs'])}{c.pick(['Table', 'Queue', 'Topic'])}-{c.rand(UPPER_DIGITS, 13)}",
              "config", "generated-resource-name")
    for name_ in ["POD_NAME", "HOSTNAME", "K8S_POD", "WORKER_POD"]:
        c.add(name_, f"{app()}-{c.pick(['api', 'worker', 'consumer'])}-{c.rand('bcdfghjklmnpqrstvwxz2456789', 10)}-{c.rand('bcdfghjklmnpqrstvwxz2456789', 5)}",
              "config", "generated-resource-name")
    c.add("JOB_POD", f"migrate-{c.rng.randint(10**7, 10**8)}-{c.rand('bcdfghjklmnpqrstvwxz2456789', 5)}", "config", "generated-resource-name")
    for name_, value in [
        ("ASSETS_BUCKET", f"cdk-hnb659fds-assets-{c.account()}-{c.region()}"),
        ("BUCKET_NAME", f"{app()}-{stage()}-uploadsbucket{c.rand(HEX, 8)}-{c.rand(LOWER_DIGITS, 12)}"),
        ("SAM_BUCKET", f"aws-sam-cli-managed-default-samclisourcebucket-{c.rand(LOWER_DIGITS, 12)}"),
        ("ARTIFACT_BUCKET", f"{app()}-artifacts-{c.rand(HEX, 16)}"),
        ("DATA_BUCKET", f"{app()}-{c.rand(LOWER_DIGITS, 24)}"),
        ("AMPLIFY_BUCKET", f"amplify-{app()}-{stage()}-{c.rand(LOWER_DIGITS, 5)}-deployment"),
        ("LOG_STREAM", f"2026/09/12/[$LATEST]{c.rand(HEX, 32)}"),
        ("ECS_TASK", c.rand(HEX, 32)),
        ("EMR_CLUSTER", f"j-{c.rand(UPPER_DIGITS, 13)}"),
        ("GLUE_RUN", f"jr_{c.rand(HEX, 64)}"),
        ("EXECUTION_NAME", f"{app()}-{c.uuid4()}"),
        ("AMPLIFY_APP", f"d{c.rand(LOWER_DIGITS, 13)}"),
        ("USER_POOL_CLIENT", c.rand(LOWER_DIGITS, 26)),
        ("CLOUDFRONT_DISTRIBUTION", "E" + c.rand(UPPER_DIGITS, 13)),
        ("SAGEMAKER_ENDPOINT", f"{app()}-endpoint-2026-09-12-08-30-{c.rng.randint(10, 59)}-{c.rng.randint(100, 999)}"),
        ("SHARD", f"shardId-{c.rng.randint(0, 10**12):012d}"),
        ("FIREBASE_APP", f"1:{c.rng.randint(10**11, 10**12)}:web:{c.rand(HEX, 22)}"),
        ("TRACE_HEADER", f"Root=1-{c.rand(HEX, 8)}-{c.rand(HEX, 24)};Sampled=1"),
        ("CONTAINER_NAME", f"ecs-{app()}-{c.rng.randint(1, 40)}-{app()}-{c.rand(HEX, 16)}"),
        ("HEROKU_APP", f"{c.pick(c.WORDS)}-{c.pick(c.WORDS)}-{c.rng.randint(10000, 99999)}"),
    ]:
        c.add(name_, value, "config", "generated-resource-name")


# --------------------------------------------------------------------------------------
# Credentials inside argument strings and DSNs, and arguments that hold none
# --------------------------------------------------------------------------------------

def arguments():
    pw = lambda: c.random_password(rng_len())  # noqa: E731
    for name_, value in [
        ("JAVA_OPTS", f"-Xmx512m -Dspring.datasource.password={pw()} -Dfile.encoding=UTF-8"),
        ("JAVA_TOOL_OPTIONS", f"-Djavax.net.ssl.keyStorePassword={pw()} -XX:+UseG1GC"),
        ("CATALINA_OPTS", f"-Ddb.user=app -Ddb.pass={pw()}"),
        ("JVM_ARGS", f"-Dapp.api.key={c.rand(ALNUM, 32)} -Xss1m"),
        ("CMD", f"/opt/app/server --port 8080 --password={pw()}"),
        ("ARGS", f"--db-host {c.host('rds')} --db-password {pw()}"),
        ("ENTRYPOINT_ARGS", f"mysql -h {c.host('rds')} -u admin -p{c.rand(ALNUM, 14)} {app()}"),
        ("STARTUP_COMMAND", f"redis-cli -h {c.host('redis')} -a {c.rand(ALNUM, 24)} PING"),
        ("HEALTHCHECK_CMD", f"curl -fsS -u monitor:{pw()} https://{app()}.example.com/health"),
        ("WORKER_FLAGS", f"--concurrency=4 --api-key={c.rand(ALNUM, 40)} --queue={app()}"),
        ("EXTRA_ARGS", f"--client-id {c.rand(LOWER_DIGITS, 20)} --client-secret {c.rand(ALNUM, 40)}"),
        ("SYNC_COMMAND", f"sshpass -p '{pw()}' rsync -a /data backup@{app()}.example.com:/backup"),
        ("PSQL_COMMAND", f"PGPASSWORD={pw()} psql -h {c.host('rds')} -U app {app()}"),
        ("OPTIONS", f"--user=admin --password '{pw()}' --verbose"),
    ]:
        c.add(name_, value, "secret", "credential-in-arguments")
    for name_, value in [
        ("MYSQL_DSN", f"app:{c.rand(ALNUM, 20)}@tcp({c.host('rds')}:3306)/{app()}?parseTime=true"),
        ("GO_DSN", f"{app()}_rw:{pw()}@tcp(db:3306)/{app()}"),
        ("PG_DSN", f"host={c.host('rds')} port=5432 user=app password={c.rand(ALNUM, 20)} dbname={app()} sslmode=require"),
        ("ORACLE_CONNECT", f"app/{c.rand(ALNUM, 16)}@{c.host('plain')}:1521/ORCL"),
        ("PROXY", f"admin:{c.rand(ALNUM, 16)}@proxy.{stage()}.example.com:3128"),
        ("GIT_REMOTE", f"https://x-access-token:{c.rand(ALNUM, 40)}@github.com/example/{app()}.git"),
        ("NEO4J_URI", f"neo4j+s://neo4j:{c.rand(ALNUM, 24)}@{c.rand(HEX, 8)}.databases.neo4j.io"),
        ("CLICKHOUSE", f"clickhouse://default:{c.rand(ALNUM, 20)}@{app()}.clickhouse.example.com:9440/default?secure=true"),
        ("SNOWFLAKE_CONN", f"svc_{app()}:{pw()}@xy{c.rand(LOWER_DIGITS, 5)}.eu-west-1/{app().upper()}"),
        ("ELASTIC_AUTH", f"elastic:{c.rand(ALNUM, 24)}"),
        ("SMTP_CREDENTIALS", f"AKIA{c.rand(BASE32, 16)}:{c.rand(ALNUM + '/+', 44)}"),
        ("MEMCACHED_SERVERS", f"cache:{c.rand(ALNUM, 16)}@mc1.{stage()}.internal:11211"),
    ]:
        c.add(name_, value, "secret", "credential-in-dsn")
    for name_, value in [
        ("JAVA_OPTS", "-Xmx1g -XX:+UseG1GC -Dspring.profiles.active=prod -Dfile.encoding=UTF-8"),
        ("JAVA_OPTS_SECURE", "-Dspring.datasource.password=${DB_PASSWORD} -Xmx512m"),
        ("CMD", "/opt/app/server --port 8080 --password-file=/run/secrets/db_password"),
        ("LOGIN_COMMAND", "docker login --username ci --password-stdin registry.example.com"),
        ("ARGS", "--token-ttl=3600 --api-key-header=X-Api-Key --secret-store=ssm"),
        ("ENTRYPOINT_ARGS", f"psql -h {c.host('rds')} -p 5432 -U app {app()}"),
        ("MYSQL_ARGS", "--host=db --port=3306 --user=app --ssl-mode=REQUIRED"),
        ("WORKER_FLAGS", "--concurrency=4 --max-tasks-per-child=100 --without-gossip"),
        ("EXTRA_ARGS", "--no-password --read-only --timeout=30"),
        ("CATALINA_OPTS", "-Dpassword.policy=strong -Dtoken.expiry=15m"),
        ("SSH_COMMAND", f"ssh -i /var/task/id_ed25519 -o StrictHostKeyChecking=yes deploy@{app()}.example.com"),
        ("GIT_REMOTE", f"git@github.com:example/{app()}.git"),
        ("MYSQL_DSN", f"app@tcp({c.host('rds')}:3306)/{app()}?tls=true"),
        ("PG_DSN", f"host={c.host('rds')} port=5432 user=app dbname={app()} sslmode=verify-full"),
        ("PROXY", f"proxy.{stage()}.example.com:3128"),
        ("CRON_COMMAND", "python -m jobs.cleanup --days 30 --dry-run"),
        ("REPORT_RECIPIENT", f"mailto:finance@{app()}.example.com"),
        ("NODE_OPTIONS", "--max-old-space-size=2048 --require /opt/otel/register.js"),
    ]:
        c.add(name_, value, "config", "arguments-without-credential")


def rng_len():
    return c.rng.randint(12, 20)


# --------------------------------------------------------------------------------------
# Webhook URLs whose path is the credential, and webhook-ish URLs that carry none
# --------------------------------------------------------------------------------------

def webhooks():
    for name_ in ["DISCORD_WEBHOOK_URL", "ALERTS_HOOK", "DEPLOY_NOTIFY_URL"]:
        host = c.pick(["discord.com", "discordapp.com"])
        c.add(name_, f"https://{host}/api/webhooks/{c.rng.randint(10**17, 10**19)}/{c.rand(B64URL, 68)}",
              "secret", "webhook-url")
    for name_ in ["TEAMS_WEBHOOK_URL", "MS_TEAMS_HOOK", "INCIDENT_CHANNEL"]:
        c.add(name_, f"https://{c.pick(['contoso', 'example', 'acme'])}.webhook.office.com/webhookb2/{c.uuid4()}@{c.uuid4()}"
                     f"/IncomingWebhook/{c.rand(HEX, 32)}/{c.uuid4()}", "secret", "webhook-url")
    c.add("FLOW_TRIGGER_URL", f"https://prod-{c.rng.randint(10, 99)}.westeurope.logic.azure.com:443/workflows/{c.rand(HEX, 32)}"
                              f"/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={c.rand(B64URL, 43)}",
          "secret", "webhook-url")
    for name_ in ["ZAPIER_HOOK", "CRM_SYNC_URL"]:
        c.add(name_, f"https://hooks.zapier.com/hooks/catch/{c.rng.randint(10**6, 10**8)}/{c.rand(LOWER_DIGITS, 6)}/",
              "secret", "webhook-url")
    c.add("MAKE_WEBHOOK", f"https://hook.eu1.make.com/{c.rand(LOWER_DIGITS, 32)}", "secret", "webhook-url")
    c.add("MATTERMOST_HOOK", f"https://chat.{app()}.example.com/hooks/{c.rand(LOWER_DIGITS, 26)}", "secret", "webhook-url")
    c.add("ROCKETCHAT_URL", f"https://rocket.example.com/hooks/{c.rand(ALNUM, 17)}/{c.rand(ALNUM, 48)}", "secret", "webhook-url")
    c.add("IFTTT_URL", f"https://maker.ifttt.com/trigger/deploy_done/with/key/{c.rand(B64URL, 22)}", "secret", "webhook-url")
    c.add("GOOGLE_CHAT_WEBHOOK", f"https://chat.googleapis.com/v1/spaces/AAAA{c.rand(B64URL, 7)}/messages?key=AIza{c.rand(B64URL, 35)}"
                                 f"&token={c.rand(B64URL, 43)}", "secret", "webhook-url")
    c.add("TELEGRAM_SEND_URL", f"https://api.telegram.org/bot{c.rng.randint(10**8, 10**10)}:AA{c.rand(B64URL, 33)}/sendMessage",
          "secret", "webhook-url")
    c.add("NOTIFY", f"https://hooks.slack.com/workflows/T{c.rand(UPPER_DIGITS, 10)}/A{c.rand(UPPER_DIGITS, 10)}/"
                    f"{c.rng.randint(10**17, 10**18)}/{c.rand(ALNUM, 24)}", "secret", "webhook-url")
    c.add("ALERTMANAGER_RECEIVER", f"https://events.pagerduty.example.com/integration/{c.rand(HEX, 32)}/enqueue", "secret", "webhook-url")
    for name_, value in [
        ("WEBHOOK_URL", f"https://{app()}.example.com/webhooks/stripe"),
        ("DISCORD_INVITE", f"https://discord.gg/{c.rand(ALNUM, 8)}"),
        ("TEAMS_TENANT_URL", "https://example.webhook.office.com/"),
        ("SLACK_API_URL", "https://slack.com/api/chat.postMessage"),
        ("ZAPIER_URL", "https://hooks.zapier.com/"),
        ("TELEGRAM_API", "https://api.telegram.org"),
        ("CALLBACK_URL", f"https://{app()}.example.com/callbacks/{c.uuid4()}/status"),
        ("SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/${SLACK_WEBHOOK_PATH}"),
        ("STATUS_PAGE", f"https://status.{app()}.example.com/incidents/{c.rand(LOWER_DIGITS, 12)}"),
        ("DOCS_URL", f"https://docs.example.com/{app()}/guides/webhooks#signing-secrets"),
        ("ORDER_API", f"https://{c.rand(LOWER_DIGITS, 10)}.execute-api.{c.region()}.amazonaws.com/{stage()}/orders"),
        ("ARTIFACT_URL", f"https://{app()}-artifacts.s3.{c.region()}.amazonaws.com/builds/{c.rand(HEX, 40)}/bundle.zip"),
    ]:
        c.add(name_, value, "config", "webhook-lookalike")


# --------------------------------------------------------------------------------------
# Short secrets under secret-ish names, and short settings under the same names
# --------------------------------------------------------------------------------------

def short_secrets():
    for name_, value in [("SIM_PIN", str(c.rng.randint(1000, 9999))), ("ADMIN_PIN", str(c.rng.randint(100000, 999999))),
                         ("DOOR_PIN_CODE", str(c.rng.randint(1000, 9999))), ("KIOSK_PIN", str(c.rng.randint(10000, 99999)))]:
        c.add(name_, value, "secret", "short-pin")
    for name_, n in [("DB_PASSWORD", 8), ("ADMIN_PASS", 9), ("REDIS_AUTH", 10), ("MQ_PASSWORD", 11),
                     ("SMTP_PASS", 12), ("FTP_PASSWORD", 8), ("KEYSTORE_PASSWORD", 10), ("VPN_PSK", 12)]:
        c.add(name_, c.random_password(n), "secret", "short-password")
    for name_, value in [("MQ_PASSWORD", "rabbit" + str(c.rng.randint(1000, 9999))),
                         ("DB_PASS", c.pick(c.WORDS) + str(c.rng.randint(10, 99)) + c.pick(c.WORDS)),
                         ("LDAP_BIND_PASSWORD", c.rand(string.ascii_lowercase, 10)),
                         ("ROUTER_PASSWORD", c.rand(string.ascii_lowercase + string.digits, 9))]:
        c.add(name_, value, "secret", "short-password")
    for name_, value in [("API_SECRET", c.rand(ALNUM, 10)), ("WEBHOOK_TOKEN", c.rand(ALNUM, 8)),
                         ("CLIENT_SECRET", c.rand(ALNUM, 12)), ("SHARED_SECRET", c.rand(ALNUM, 9)),
                         ("TOTP_SECRET", c.rand(BASE32, 16)), ("HMAC_KEY", c.rand(HEX, 12)),
                         ("ADMIN_TOKEN", c.rand(LOWER_DIGITS, 11)), ("ENCRYPTION_PASSPHRASE", c.rand(ALNUM, 10))]:
        c.add(name_, value, "secret", "short-secret")
    for name_, value in [("PIN_LENGTH", "6"), ("PASSWORD_CHARSET", "alnum"), ("SECRET_TYPE", "generic"),
                         ("TOKEN_PREFIX", "Bearer"), ("PASSWORD_ENCODER", "bcrypt"), ("PIN_ATTEMPTS", "3"),
                         ("SECRET_ENGINE", "kv-v2"), ("TOKEN_STORE", "redis"), ("API_KEY_LOCATION", "header"),
                         ("AUTH_TYPE", "AWS_IAM")]:
        c.add(name_, value, "config", "secret-name-setting")


# --------------------------------------------------------------------------------------
# More vendor tokens in documented formats, and public keys those vendors publish
# --------------------------------------------------------------------------------------

def vendor_tokens():
    neutral = iter(["SERVICE_CFG", "INTEGRATION", "CONNECTOR_VALUE", "PROVIDER_ARG", "PLUGIN_SETTING",
                    "UPSTREAM_CRED", "SYNC_OPTS", "EXPORTER", "BACKEND_2", "REMOTE", "TOOL_INPUT", "HOOK_CFG"])
    tokens = [
        ("ATLASSIAN_API_TOKEN", "ATATT3xFfGF0" + c.rand(B64URL, 170) + "=" + c.rand(HEX.upper(), 8)),
        ("LINEAR_API_KEY", "lin_api_" + c.rand(ALNUM, 40)),
        ("NOTION_TOKEN", "ntn_" + str(c.rng.randint(10**10, 10**11)) + c.rand(ALNUM, 35)),
        ("NOTION_API_KEY", "secret_" + c.rand(ALNUM, 43)),
        ("POSTMAN_API_KEY", "PMAK-" + c.rand(HEX, 24) + "-" + c.rand(HEX, 34)),
        ("DOPPLER_TOKEN", "dp.st." + stage() + "." + c.rand(ALNUM, 40)),
        ("DATABRICKS_TOKEN", "dapi" + c.rand(HEX, 32)),
        ("GRAFANA_SA_TOKEN", "glsa_" + c.rand(ALNUM, 32) + "_" + c.rand(HEX, 8)),
        ("NEW_RELIC_API_KEY", "NRAK-" + c.rand(UPPER_DIGITS, 27)),
        ("DYNATRACE_TOKEN", "dt0c01." + c.rand(UPPER_DIGITS, 24) + "." + c.rand(UPPER_DIGITS, 64)),
        ("PLANETSCALE_TOKEN", "pscale_tkn_" + c.rand(B64URL, 43)),
        ("SUPABASE_ACCESS_TOKEN", "sbp_" + c.rand(HEX, 40)),
        ("SENTRY_AUTH_TOKEN", "sntryu_" + c.rand(HEX, 64)),
        ("PULUMI_ACCESS_TOKEN", "pul-" + c.rand(HEX, 40)),
        ("TFC_TOKEN", c.rand(ALNUM, 14) + ".atlasv1." + c.rand(ALNUM, 67)),
        ("SQUARE_ACCESS_TOKEN", "EAAA" + c.rand(B64URL, 60)),
        ("MAILGUN_KEY", "key-" + c.rand(HEX, 32)),
        ("MAPBOX_SECRET_TOKEN", "sk.eyJ1Ijoi" + c.rand(B64URL, 30) + "." + c.rand(B64URL, 22)),
        ("AIRTABLE_PAT", "pat" + c.rand(ALNUM, 14) + "." + c.rand(HEX, 64)),
        ("FIGMA_TOKEN", "figd_" + c.rand(B64URL, 40)),
        ("BUILDKITE_TOKEN", "bkua_" + c.rand(HEX, 40)),
        ("DOCKERHUB_TOKEN", "dckr_pat_" + c.rand(B64URL, 27)),
        ("AZURE_CLIENT_SECRET", c.rand(ALNUM, 3) + "8Q~" + c.rand(ALNUM + "~._-", 34)),
        ("OKTA_TOKEN", "00" + c.rand(B64URL, 40)),
        ("ALIBABA_ACCESS_KEY_ID", "LTAI" + c.rand(ALNUM, 20)),
        ("GROQ_API_KEY", "gsk_" + c.rand(ALNUM, 52)),
        ("REPLICATE_API_TOKEN", "r8_" + c.rand(ALNUM, 37)),
        ("PERPLEXITY_API_KEY", "pplx-" + c.rand(ALNUM, 48)),
        ("XAI_API_KEY", "xai-" + c.rand(ALNUM, 80)),
        ("OPENROUTER_API_KEY", "sk-or-v1-" + c.rand(HEX, 64)),
        ("FB_PAGE_TOKEN", "EAA" + c.rand(ALNUM, 150)),
        ("LD_SDK_KEY", "sdk-" + c.uuid4()),
        ("NETLIFY_AUTH_TOKEN", "nfp_" + c.rand(ALNUM, 40)),
        ("CONTENTFUL_MGMT_TOKEN", "CFPAT-" + c.rand(B64URL, 43)),
        ("FCM_SERVER_KEY", "AAAA" + c.rand(B64URL, 7) + ":APA91b" + c.rand(B64URL, 134)),
        ("POSTHOG_PERSONAL_KEY", "phx_" + c.rand(ALNUM, 43)),
        ("BRAINTREE_TOKEN", f"access_token$production${c.rand(LOWER_DIGITS, 16)}${c.rand(HEX, 32)}"),
        ("HEROKU_TOKEN", "HRKU-" + c.uuid4()),
    ]
    for i, (name_, value) in enumerate(tokens):
        # Every third one under a name that says nothing, as it is found in the wild.
        c.add(next(neutral) if i % 3 == 2 else name_, value, "secret", "vendor-token")
    for name_, value in [("POSTHOG_KEY", "phc_" + c.rand(ALNUM, 43)),
                         ("CLERK_PUBLISHABLE_KEY", "pk_live_" + b64(f"clerk.{app()}.example.com$".encode()).rstrip("=")),
                         ("MAPBOX_PUBLIC_TOKEN", "pk.eyJ1Ijoi" + c.rand(B64URL, 30) + "." + c.rand(B64URL, 22)),
                         ("RECAPTCHA_SITE_KEY", "6L" + c.rand(B64URL, 38)),
                         ("LD_CLIENT_SIDE_ID", c.rand(HEX, 24)),
                         ("REVENUECAT_PUBLIC_KEY", "appl_" + c.rand(ALNUM, 27)),
                         ("SENTRY_PUBLIC_KEY", c.rand(HEX, 32)),
                         ("GOOGLE_OAUTH_CLIENT", f"{c.rng.randint(10**11, 10**12)}-{c.rand(LOWER_DIGITS, 32)}.apps.googleusercontent.com")]:
        c.add(name_, value, "config", "publishable-key")
    c.add("RECAPTCHA_SECRET_KEY", "6L" + c.rand(B64URL, 38), "secret", "vendor-token")


# --------------------------------------------------------------------------------------
# High-entropy values under neutral names: opaque configuration, and credentials nobody named
# --------------------------------------------------------------------------------------

def opaque_values():
    for name_, value in [("PAGINATION_CURSOR", b64(json.dumps({"page": 3, "after": c.uuid4()}).encode())),
                         ("EXCLUSIVE_START", b64url(json.dumps({"pk": {"S": f"ORDER#{c.rand(UPPER_DIGITS, 10)}"}}).encode())),
                         ("PROTO_DESCRIPTOR", b64(b"\n\x0borders.proto\x12\x06orders" + rbytes(8) + b"\"\x05Order")),
                         ("SAML_METADATA_B64", b64(f"<EntityDescriptor entityID=\"https://{app()}.example.com/saml\"/>".encode())),
                         ("CSP_HASH", "'sha256-" + b64(rbytes(32)) + "'"),
                         ("DD_RUM_APPLICATION", c.uuid4()),
                         ("CORRELATION_PREFIX", c.rand(HEX, 16)),
                         ("WASM_MODULE", b64(b"\x00asm\x01\x00\x00\x00" + rbytes(40)))]:
        c.add(name_, value, "config", "opaque-config")
    for name_ in ["SEAL", "X_ORIGIN_VERIFY", "UPSTREAM_SIG", "PARTNER_BLOB", "CF_HEADER_VALUE", "INTERNAL_HDR"]:
        c.add(name_, c.pick([c.rand(ALNUM, 32), b64(rbytes(32)), c.rand(B64URL, 43)]), "suspect", "high-entropy-neutral-name")


SECTIONS = [encoded_config, keys_and_certificates, versions_and_build_ids, generated_resource_names,
            arguments, webhooks, short_secrets, vendor_tokens, opaque_values]


def generate(generator):
    global c
    c = generator
    for section in SECTIONS:
        section()
