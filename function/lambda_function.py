"""Read the lab's credentials and report how long it took.

The credentials live in a Secrets Manager secret (SECRET_ID) or in a
Parameter Store SecureString parameter (PARAMETER_NAME). Two ways to fetch,
chosen per invocation by event["mode"]:

* "extension" (default): ask the AWS Parameters and Secrets Lambda
  Extension, a layer that runs a caching HTTP server inside this execution
  environment.
* "direct": call Secrets Manager GetSecretValue (or SSM GetParameter) over
  HTTPS, signed with SigV4, so the two paths can be compared (cache vs no
  cache).

When neither SECRET_ID nor PARAMETER_NAME is set, the handler runs in
legacy mode, so the lab can show the "before" state of a function that
keeps DB_USER and DB_PASSWORD in plaintext, and the state after `secretslab
migrate` has added references beside them. For each key K, K_SECRET_ID (a
secret) or else K_PARAMETER_NAME (a SecureString parameter) names a JSON
object whose member K wins over the plaintext K; the result's "source" is
"environment", "store" or "mixed" accordingly.

After reading the credentials the handler "logs in" to the lab's simulated
database: an SSM parameter (SIMULATED_DB_PARAMETER) that holds salted SHA-256
digests of the username/password pairs it accepts now, never the passwords.
`secretslab rotate` changes it the way a database changes: a single-user
rotation accepts only the new password, an alternating-users rotation the new
user's and the previous one's. The handler reads it directly (signed
GetParameter), never through the extension's cache. Answer fields, besides
ok/mode/cold_start/fetch_ms/attempts/source/secret (or error):

* "login": "ok" | "refused" | "unchecked" (no simulated database set, or
  credentials with no "password" member) |
  "error" (it could not be read; "login_error" says why);
* "served_version_id": the version the first fetch was served (with the
  extension, possibly a cached one); "secret.version_id" is the one that
  logged in (different after a retry);
* "from_cache": true/false inferred from the first fetch's time (warm and
  under 10 ms), false when nothing cached it, null when unknown;
* "retried": a refused login was retried once with a value fetched past the
  cache (event["retry_on_refused"] true): the extension's refreshNow=true,
  or the store itself where refreshNow is not served ("retry_via" says which:
  "extension_refresh" | "direct" | null).

Only the standard library is used, so the deployment package is this file.
Secret values are masked unless event["reveal"] is true, and they never
appear in logs or error messages.
"""

import datetime
import hashlib
import hmac
import http.client
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request

MASK = "********"  # fixed width, so the mask leaks nothing about length

# AWS documents "localhost". Here /etc/hosts maps it to 127.0.0.1 and
# lookup is fast; and should a resolver return ::1 first, a refused
# connection on loopback fails at once and the next address is tried, so
# no delay is added.
EXTENSION_HOST = "localhost"
DEFAULT_EXTENSION_PORT = 2773
TOKEN_HEADER = "X-Aws-Parameters-Secrets-Token"

# A miss makes the extension call Secrets Manager first: allow a slow
# upstream, well inside the function's 15 s timeout.
REQUEST_TIMEOUT_S = 5.0
# Pauses between attempts while the extension starts: at most 5 attempts
# and 0.75 s of sleeping, well inside a short Lambda timeout.
RETRY_DELAYS_S = (0.05, 0.1, 0.2, 0.4)
NOT_READY_TEXT = "not ready"

ERROR_SNIPPET_CHARS = 200

# Legacy mode: the plaintext credential variables a function kept before
# migration, in the order they are resolved.
LEGACY_KEYS = ("DB_USER", "DB_PASSWORD")
# Suffixes of the references that `secretslab migrate` adds beside them.
LEGACY_SECRET_SUFFIX = "_SECRET_ID"
LEGACY_PARAMETER_SUFFIX = "_PARAMETER_NAME"
SOURCE_ENVIRONMENT = "environment"
SOURCE_STORE = "store"
SOURCE_MIXED = "mixed"
SUPPORTED_MODES = ("extension", "direct")

# The lab's simulated database: an SSM parameter of accepted digests.
SIMULATED_DB_ENV = "SIMULATED_DB_PARAMETER"
LOGIN_OK = "ok"
LOGIN_REFUSED = "refused"
LOGIN_UNCHECKED = "unchecked"
LOGIN_ERROR = "error"
# A warm fetch under this many milliseconds is taken as a cache hit.
CACHE_HIT_MS = 10.0
RETRY_VIA_REFRESH = "extension_refresh"
RETRY_VIA_DIRECT = "direct"

SIGV4_ALGORITHM = "AWS4-HMAC-SHA256"
GET_SECRET_VALUE_TARGET = "secretsmanager.GetSecretValue"
GET_PARAMETER_TARGET = "AmazonSSM.GetParameter"
AMZ_JSON_CONTENT_TYPE = "application/x-amz-json-1.1"

# True until the first invocation in this execution environment has started.
_cold_start = True

# Warm invocations reuse one keep-alive connection to the extension, so a
# cache hit costs one local round trip and no new TCP connection. Plain
# http.client never goes through an HTTP proxy: the token stays local.
_extension_connections = {}


class FetchError(Exception):
    """An expected failure, turned into the structured error response."""

    def __init__(self, code, message, status=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


class Attempts:
    """Counts HTTP attempts, so failures can report them too."""

    def __init__(self):
        self.count = 0


# ---------------------------------------------------------------- handler


def lambda_handler(event, context):
    cold_start = _take_cold_start_flag()
    event = event if isinstance(event, dict) else {}
    mode = str(event.get("mode") or "extension")[:40]
    reveal = event.get("reveal") is True  # only a real boolean true reveals
    retry = event.get("retry_on_refused") is True

    attempts = Attempts()
    started = time.perf_counter()
    try:
        body, source = _fetch(mode, os.environ, attempts)
        fetch_ms = _ms_since(started)
        outcome = {"source": source}
        outcome.update(_log_in(body, mode, os.environ, attempts, retry))
        outcome["secret"] = describe_secret(outcome.pop("body"), reveal)
        outcome["served_version_id"] = _as_text(body.get("VersionId"))
        outcome["from_cache"] = _from_cache(mode, cold_start, fetch_ms)
    except FetchError as err:
        fetch_ms = _ms_since(started)
        outcome = {
            "error": {
                "code": err.code,
                "status": err.status,
                "message": err.message,
            }
        }

    result = {
        "ok": "secret" in outcome,
        "mode": mode,
        "cold_start": cold_start,
        "fetch_ms": fetch_ms,
        "attempts": attempts.count,
        **outcome,
    }
    print(_log_line(result), flush=True)
    return result


def _ms_since(started):
    return round((time.perf_counter() - started) * 1000, 3)


def _from_cache(mode, cold_start, fetch_ms):
    if mode != "extension":
        return False
    if cold_start:
        return None  # a shared stand-in may hit even here; unknown
    return fetch_ms < CACHE_HIT_MS


def _take_cold_start_flag():
    global _cold_start
    was_cold, _cold_start = _cold_start, False
    return was_cold


def _fetch(mode, env, attempts):
    """Return (body, source) for the configured store or legacy variables."""
    parameter_name = env.get("PARAMETER_NAME", "").strip()
    secret_id = env.get("SECRET_ID", "").strip()
    if not (parameter_name or secret_id):
        return _fetch_legacy(mode, env, attempts)
    store = PARAMETER_STORE if parameter_name else SECRETS_MANAGER
    reference = parameter_name or secret_id
    _check_mode(mode)
    body = _fetch_document(mode, store, reference, env, attempts)
    return body, SOURCE_STORE


def _check_mode(mode):
    if mode not in SUPPORTED_MODES:
        raise FetchError(
            "not_configured",
            f"Event mode {mode!r} is not supported; "
            "use \"extension\" or \"direct\".",
        )


def _fetch_document(mode, store, reference, env, attempts):
    if mode == "extension":
        payload = fetch_via_extension(store.path(reference), env, attempts)
        return store.parse(payload, "The extension")
    return fetch_direct(store, reference, env, attempts)


def _log_line(result):
    # Status only: no keys, no values, no error bodies; one line, always.
    parts = [
        f"mode={'_'.join(result['mode'].split())}",
        f"ok={'true' if result['ok'] else 'false'}",
        f"cold_start={'true' if result['cold_start'] else 'false'}",
        f"fetch_ms={result['fetch_ms']:.3f}",
        f"attempts={result['attempts']}",
    ]
    if result.get("login", LOGIN_UNCHECKED) != LOGIN_UNCHECKED:
        parts.append(f"login={result['login']}")
        if result["retried"]:
            parts.append(f"retried={result['retry_via']}")
    if not result["ok"]:
        parts.append(f"error={result['error']['code']}")
        if result["error"]["status"] is not None:
            parts.append(f"status={result['error']['status']}")
    return "secretslab: " + " ".join(parts)


# -------------------------------------------- the lab's simulated database


def login_digest(salt, username, password):
    """What the simulated database keeps for one accepted login."""
    text = f"{salt}\n{username}\n{password}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _log_in(body, mode, env, attempts, retry):
    """Log in with the fetched credentials; retry once past the cache.

    Returns the answer's login fields, and "body": the value that logged in.
    """
    login, error = check_login(body, env)
    fields = {"body": body, "login": login, "retried": False,
              "retry_via": None}
    if login == LOGIN_REFUSED and retry and mode == "extension":
        fresh = _fetch_fresh(env, attempts)
        if fresh is not None:
            fields["body"], fields["retry_via"] = fresh
            fields["retried"] = True
            login, error = check_login(fields["body"], env)
            fields["login"] = login
    if error:
        fields["login_error"] = error
    return fields


def check_login(body, env):
    """Return (login, error): the credentials against the accepted digests."""
    name = env.get(SIMULATED_DB_ENV, "").strip()
    values = secret_values(body)
    password = values.get("password")
    # No database, or credentials with no password: nothing to log in with.
    if not name or not isinstance(password, str):
        return LOGIN_UNCHECKED, None
    try:
        database = fetch_direct(PARAMETER_STORE, name, env, Attempts())
        document = json.loads(database["SecretString"])
        salt = str(document["salt"])
        accepted = {str(entry["digest"]) for entry in document["accepted"]}
    except FetchError as err:
        return LOGIN_ERROR, err.message
    except (ValueError, KeyError, TypeError):
        return LOGIN_ERROR, (
            f"The simulated database {name!r} is not the lab's JSON "
            "document; run `secretslab up` to recreate it."
        )
    digest = login_digest(salt, str(values.get("username", "")), password)
    matched = any(hmac.compare_digest(digest, d) for d in accepted)
    return (LOGIN_OK if matched else LOGIN_REFUSED), None


def _fetch_fresh(env, attempts):
    """(body, via) fetched past the cache, or None if not configured.

    Secrets Manager: the extension's refreshNow=true (served by the Secrets
    Manager Agent and the lab's stand-in); where the extension refuses it,
    and for Parameter Store, the store itself.
    """
    parameter_name = env.get("PARAMETER_NAME", "").strip()
    secret_id = env.get("SECRET_ID", "").strip()
    if not (parameter_name or secret_id):
        return None
    if secret_id and not parameter_name:
        path = extension_path(secret_id) + "&refreshNow=true"
        try:
            payload = fetch_via_extension(path, env, attempts)
            body = SECRETS_MANAGER.parse(payload, "The extension")
            return body, RETRY_VIA_REFRESH
        except FetchError:
            pass
    store = PARAMETER_STORE if parameter_name else SECRETS_MANAGER
    reference = parameter_name or secret_id
    try:
        return fetch_direct(store, reference, env, attempts), RETRY_VIA_DIRECT
    except FetchError:
        return None


# ------------------------------------------------------------ legacy mode


def legacy_plan(env):
    """Map each available legacy key to where its value comes from.

    A key maps to (store, reference variable, reference) when a reference
    is set beside it, else to None when only the plaintext value is set;
    a key with neither is left out.
    """
    plan = {}
    for key in LEGACY_KEYS:
        secret_var = key + LEGACY_SECRET_SUFFIX
        parameter_var = key + LEGACY_PARAMETER_SUFFIX
        secret_id = env.get(secret_var, "").strip()
        parameter_name = env.get(parameter_var, "").strip()
        if secret_id:
            plan[key] = (SECRETS_MANAGER, secret_var, secret_id)
        elif parameter_name:
            plan[key] = (PARAMETER_STORE, parameter_var, parameter_name)
        elif key in env:
            plan[key] = None
    return plan


def _fetch_legacy(mode, env, attempts):
    plan = legacy_plan(env)
    if not plan:
        password = LEGACY_KEYS[-1]
        raise FetchError(
            "not_configured",
            "Neither SECRET_ID nor PARAMETER_NAME is set; set one on the "
            "function to the secret's name or ARN, or the parameter's, or "
            f"set {password} (or {password}{LEGACY_SECRET_SUFFIX} / "
            f"{password}{LEGACY_PARAMETER_SUFFIX} referring to a JSON "
            "object with that member) for legacy mode.",
        )
    _check_mode(mode)

    values = {}
    documents = {}  # (store label, reference) -> fetched body, once each
    for key, origin in plan.items():
        if origin is None:
            values[key] = env[key]
            continue
        store, variable, reference = origin
        cache_key = (store.label, reference)
        if cache_key not in documents:
            documents[cache_key] = _fetch_document(
                mode, store, reference, env, attempts
            )
        values[key] = _legacy_member(
            documents[cache_key], key, store, variable, reference
        )

    referenced = [origin for origin in plan.values() if origin is not None]
    if not referenced:
        source = SOURCE_ENVIRONMENT
    elif len(referenced) == len(plan):
        source = SOURCE_STORE
    else:
        source = SOURCE_MIXED
    references = [reference for _, reference in documents]
    body = _legacy_body(values, list(documents.values()), references)
    return body, source


def _legacy_member(body, key, store, variable, reference):
    # The document holds secrets: never quote it, or a member, in a message.
    text = body.get("SecretString")
    try:
        parsed = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        parsed = None
    kind = "secret" if store is SECRETS_MANAGER else "parameter"
    if not isinstance(parsed, dict):
        raise FetchError(
            "not_configured",
            f"{variable} names the {store.label} {kind} {reference!r}, "
            f"whose value is not a JSON object; {key} must be a member of "
            "one.",
        )
    if key not in parsed:
        raise FetchError(
            "not_configured",
            f"{variable} names the {store.label} {kind} {reference!r}, "
            f"whose JSON object has no member {key}; add it, or remove "
            f"{variable}.",
        )
    return parsed[key]


def _legacy_body(values, documents, references):
    """A secret-shaped body holding the resolved legacy values."""
    single = documents[0] if len(documents) == 1 else {}
    arns = [_as_text(d.get("ARN")) for d in documents]
    return {
        "Name": ",".join(references) or SOURCE_ENVIRONMENT,
        "ARN": ",".join(arns) if any(arns) else None,
        "VersionId": single.get("VersionId"),
        "VersionStages": single.get("VersionStages") or [],
        "SecretString": json.dumps(values),
    }


# ------------------------------------------------------- extension mode


# tour:start
def extension_path(secret_id):
    # safe="" so "/" and ":" in names and ARNs are percent-encoded too.
    query = urllib.parse.quote(secret_id, safe="")
    return f"/secretsmanager/get?secretId={query}"


def parameter_path(name):
    # Without decryption a SecureString comes back encrypted.
    query = urllib.parse.quote(name, safe="")
    return (
        f"/systemsmanager/parameters/get?name={query}"
        "&withDecryption=true"
    )


def extension_url(secret_id, port):
    return f"http://{EXTENSION_HOST}:{port}{extension_path(secret_id)}"


def extension_port(env):
    raw = env.get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", "").strip()
    if not raw:
        return DEFAULT_EXTENSION_PORT
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 65535:
        return int(raw)
    raise FetchError(
        "not_configured",
        "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT is "
        f"{raw[:20]!r}, which is not a port number from 1 to 65535.",
    )


def fetch_via_extension(path, env, attempts):
    port = extension_port(env)
    headers = {TOKEN_HEADER: env.get("AWS_SESSION_TOKEN", "")}
    for delay in (*RETRY_DELAYS_S, None):
        attempts.count += 1
        try:
            status, payload = _get_from_extension(port, path, headers)
        except (ConnectionRefusedError, ConnectionResetError):
            status, payload = None, ""  # nobody listening (yet)
        except TimeoutError:
            raise FetchError(
                "extension_unreachable",
                f"The extension on localhost port {port} did not answer "
                f"within {REQUEST_TIMEOUT_S:g} s; check the layer and the "
                "function's logs.",
            ) from None
        except (OSError, http.client.HTTPException) as err:
            raise FetchError(
                "extension_unreachable",
                "Could not talk to the extension on localhost port "
                f"{port} ({type(err).__name__}); check that the extension "
                "layer is attached.",
            ) from None
        if status == 200:
            return payload
        if delay is None or not _extension_starting(status, payload):
            break
        time.sleep(delay)
    raise _extension_failure(status, payload, port, attempts.count)
# tour:end


def _get_from_extension(port, path, headers):
    """GET on the kept-alive connection; return (status, body text)."""
    for reused in (True, False):
        connection = _extension_connections.get(port) if reused else None
        if connection is None:
            reused = False
            connection = http.client.HTTPConnection(
                EXTENSION_HOST, port, timeout=REQUEST_TIMEOUT_S
            )
            _extension_connections[port] = connection
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read().decode("utf-8", "replace")
            return response.status, body
        except (http.client.RemoteDisconnected, BrokenPipeError,
                ConnectionResetError, ConnectionRefusedError):
            connection.close()
            _extension_connections.pop(port, None)
            if not reused:
                raise
            # The kept connection went stale between invocations: once more
            # on a fresh one.
        except BaseException:
            connection.close()
            _extension_connections.pop(port, None)
            raise
    raise ConnectionResetError("the extension closed the connection")


def _extension_starting(status, payload):
    # The extension registers with Lambda asynchronously, so early in a
    # cold start it may not listen yet, or may answer 400 "not ready to
    # serve".
    return status is None or (
        status == 400 and NOT_READY_TEXT in payload.lower()
    )


def _extension_failure(status, payload, port, attempt_count):
    if status is None:
        return FetchError(
            "extension_unreachable",
            f"Nothing answered on localhost port {port} after "
            f"{attempt_count} attempts; the Parameters and Secrets "
            "extension layer may be missing or not started.",
        )
    if status == 403:
        return FetchError(
            "bad_token",
            "The extension rejected the request token (HTTP 403); check "
            f"that the {TOKEN_HEADER} header carries the function's "
            "AWS_SESSION_TOKEN.",
            status,
        )
    if _extension_starting(status, payload):
        return FetchError(
            "extension_error",
            "The extension was still not ready to serve after "
            f"{attempt_count} attempts (HTTP 400); invoke again, and check "
            "its start-up in the function's logs.",
            status,
        )
    return FetchError(
        "extension_error",
        f"The extension answered HTTP {status} "
        f"({error_snippet(payload)}); check the secret or parameter name "
        "and that the role allows secretsmanager:GetSecretValue or "
        "ssm:GetParameter on it.",
        status,
    )


# ---------------------------------------------------------- direct mode


def fetch_direct(store, reference, env, attempts):
    region = env.get("AWS_REGION", "").strip()
    access_key = env.get("AWS_ACCESS_KEY_ID", "").strip()
    secret_key = env.get("AWS_SECRET_ACCESS_KEY", "").strip()
    missing = [
        name
        for name, value in (
            ("AWS_REGION", region),
            ("AWS_ACCESS_KEY_ID", access_key),
            ("AWS_SECRET_ACCESS_KEY", secret_key),
        )
        if not value
    ]
    if missing:
        raise FetchError(
            "not_configured",
            f"Direct mode needs {', '.join(missing)} in the environment, "
            "which Lambda normally provides from the execution role.",
        )

    endpoint = env.get("AWS_ENDPOINT_URL", "").strip() or (
        f"https://{store.service}.{region}.amazonaws.com/"
    )
    body = json.dumps(store.request(reference)).encode()
    headers = sign_request(
        "POST",
        endpoint,
        {
            "Content-Type": AMZ_JSON_CONTENT_TYPE,
            "X-Amz-Target": store.target,
        },
        body,
        access_key=access_key,
        secret_key=secret_key,
        session_token=env.get("AWS_SESSION_TOKEN") or None,
        region=region,
        service=store.service,
    )
    request = urllib.request.Request(
        endpoint, data=body, headers=headers, method="POST"
    )

    attempts.count += 1
    try:
        # The default opener honours HTTPS_PROXY/NO_PROXY, as the AWS SDKs
        # do.
        status, payload = _send(urllib.request.build_opener(), request)
    except (OSError, ValueError, http.client.HTTPException) as err:
        # Refused, timeout, TLS, not HTTP; ValueError for a malformed URL.
        host = urllib.parse.urlsplit(endpoint).netloc or endpoint[:80]
        raise FetchError(
            "direct_error",
            f"Could not reach {store.label} at {host} "
            f"({type(err).__name__}); check AWS_ENDPOINT_URL, the network "
            "path and the region.",
        ) from None
    if status != 200:
        raise FetchError(
            "direct_error",
            f"{store.label} answered HTTP {status} "
            f"({error_snippet(payload)}); check the name and that the role "
            f"allows {store.permission}.",
            status,
        )
    return store.parse(payload, store.label)


# ------------------------------------------------------------------ SigV4


def derive_signing_key(secret_key, date_stamp, region, service):
    key = ("AWS4" + secret_key).encode()
    for part in (date_stamp, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def sign_request(
    method,
    url,
    headers,
    body,
    *,
    access_key,
    secret_key,
    session_token,
    region,
    service,
    amz_date=None,
):
    """Return `headers` plus Host, X-Amz-Date, the token and Authorization.

    Every returned header is signed, and Host is set explicitly so the value
    sent on the wire is exactly the one that was signed.
    """
    if amz_date is None:
        now = datetime.datetime.now(datetime.timezone.utc)
        amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    parts = urllib.parse.urlsplit(url)
    signed = dict(headers)
    signed["Host"] = parts.netloc
    signed["X-Amz-Date"] = amz_date
    if session_token:
        signed["X-Amz-Security-Token"] = session_token

    canonical_headers = sorted(
        (name.lower(), " ".join(str(value).split()))
        for name, value in signed.items()
    )
    signed_header_names = ";".join(name for name, _ in canonical_headers)
    canonical_request = "\n".join(
        [
            method.upper(),
            urllib.parse.quote(parts.path or "/", safe="/~"),
            _canonical_query(parts.query),
            "".join(
                f"{name}:{value}\n" for name, value in canonical_headers
            ),
            signed_header_names,
            hashlib.sha256(body).hexdigest(),
        ]
    )
    date_stamp = amz_date[:8]
    scope = f"{date_stamp}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(
        [
            SIGV4_ALGORITHM,
            amz_date,
            scope,
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    key = derive_signing_key(secret_key, date_stamp, region, service)
    signature = hmac.new(
        key, string_to_sign.encode(), hashlib.sha256
    ).hexdigest()
    signed["Authorization"] = (
        f"{SIGV4_ALGORITHM} Credential={access_key}/{scope}, "
        f"SignedHeaders={signed_header_names}, Signature={signature}"
    )
    return signed


def _canonical_query(query):
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    encoded = sorted(
        (
            urllib.parse.quote(k, safe="-_.~"),
            urllib.parse.quote(v, safe="-_.~"),
        )
        for k, v in pairs
    )
    return "&".join(f"{k}={v}" for k, v in encoded)


# ------------------------------------------------------- shared helpers


def _send(opener, request):
    """Return (status, body text).

    HTTP errors are answers, not exceptions.
    """
    try:
        with opener.open(request, timeout=REQUEST_TIMEOUT_S) as response:
            text = response.read().decode("utf-8", "replace")
            return response.status, text
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.read().decode("utf-8", "replace")
    except urllib.error.URLError as err:
        # Unwrap so callers can tell "refused" (retry) from other failures.
        if isinstance(err.reason, OSError):
            raise err.reason from None
        raise


def _parse_secret_body(payload, source):
    # The body holds the secret: never quote it in a message.
    try:
        body = json.loads(payload)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise FetchError(
            "bad_response",
            f"{source} answered HTTP 200 but the body was not a JSON "
            "object; check that the port belongs to the Parameters and "
            "Secrets extension.",
            200,
        )
    if not isinstance(body.get("SecretString"), str) and not isinstance(
        body.get("SecretBinary"), str
    ):
        raise FetchError(
            "bad_response",
            f"{source} answered HTTP 200 but the body had neither "
            "SecretString nor SecretBinary; check that the secret has a "
            "current value.",
            200,
        )
    return body


def _parse_parameter_body(payload, source):
    """A GetParameter answer, shaped like a secret's for describe_secret."""
    try:
        body = json.loads(payload)
    except ValueError:
        body = None
    parameter = body.get("Parameter") if isinstance(body, dict) else None
    if not isinstance(parameter, dict) or not isinstance(
        parameter.get("Value"), str
    ):
        raise FetchError(
            "bad_response",
            f"{source} answered HTTP 200 but the body had no "
            "Parameter.Value; check that the port belongs to the Parameters "
            "and Secrets extension.",
            200,
        )
    version = parameter.get("Version")
    return {
        "Name": parameter.get("Name"),
        "ARN": parameter.get("ARN"),
        "VersionId": None if version is None else str(version),
        "VersionStages": [],
        "SecretString": parameter["Value"],
    }


class Store:
    """Where the credentials live, and how each way of fetching asks it."""

    def __init__(self, label, service, target, permission, path, request,
                 parse):
        self.label = label
        self.service = service
        self.target = target
        self.permission = permission
        self.path = path
        self.request = request
        self.parse = parse


SECRETS_MANAGER = Store(
    "Secrets Manager",
    "secretsmanager",
    GET_SECRET_VALUE_TARGET,
    "secretsmanager:GetSecretValue",
    extension_path,
    lambda secret_id: {"SecretId": secret_id},
    _parse_secret_body,
)
PARAMETER_STORE = Store(
    "Parameter Store",
    "ssm",
    GET_PARAMETER_TARGET,
    "ssm:GetParameter",
    parameter_path,
    lambda name: {"Name": name, "WithDecryption": True},
    _parse_parameter_body,
)


def describe_secret(body, reveal):
    """Build the "secret" part of the response.

    Values are masked unless revealed.
    """
    values = secret_values(body)
    stages = body.get("VersionStages")
    return {
        "name": _as_text(body.get("Name")),
        "arn": _as_text(body.get("ARN")),
        "version_id": _as_text(body.get("VersionId")),
        "version_stages": (
            [str(s) for s in stages] if isinstance(stages, list) else []
        ),
        "keys": sorted(values),
        "values": {
            k: (values[k] if reveal else MASK) for k in sorted(values)
        },
    }


def secret_values(body):
    """Map key -> value for the secret.

    A JSON object gives its members; anything else is one value.
    """
    text = body.get("SecretString")
    if isinstance(text, str):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            return {str(k): v for k, v in parsed.items()}
        return {"value": text}
    # base64 text, as the API returns it
    return {"binary": body["SecretBinary"]}


def _as_text(value):
    return "" if value is None else str(value)


def error_snippet(payload):
    """A short, single-line excerpt of an error body, safe to show and log.

    Error bodies describe the failure (e.g. {"__type": "...", "message":
    "..."}); one that looks like a secret payload is withheld entirely.
    """
    if "SecretString" in payload or "SecretBinary" in payload:
        return "body withheld"
    text = " ".join(payload.split())
    if not text:
        return "empty body"
    if len(text) > ERROR_SNIPPET_CHARS:
        text = text[:ERROR_SNIPPET_CHARS] + "..."
    return text
