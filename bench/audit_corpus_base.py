"""The corpus generator's ground: the seeded generator, the rows and how one is added, and
the value shapes every section draws from (tokens, passwords, hosts, PEM blocks, JWTs).
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


