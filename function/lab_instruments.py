"""The lab's measuring instruments around lambda_function.py's lesson.

One Invocation per call: it takes the event's options, times the fetch,
counts HTTP attempts, and builds the answer `secretslab test` reads (the
same in both runtimes; see index.mjs's instruments.mjs):

ok, mode, cold_start, fetch_ms, attempts, then source and secret, or error
({code, status, message}); and the login fields:

* "login": "ok" | "refused" | "unchecked" (no simulated database set, or
  credentials with no "password" member) | "error" ("login_error" says why);
* "served_version_id": the version the first fetch was served (with the
  extension, possibly a cached one); "secret.version_id" is the one that
  logged in (different after a retry);
* "from_cache": true/false inferred from the first fetch's time (warm and
  under 10 ms), false when nothing cached it, null when unknown;
* "retried" / "retry_via": a refused login was retried once with a value
  fetched past the cache (event["retry_on_refused"] true): the extension's
  refreshNow=true ("extension_refresh"), or the store itself where
  refreshNow is not served ("direct").

event["mode"] "direct" fetches with the runtime's own SDK (boto3) instead
of the extension, so the two paths can be compared (cache vs no cache).
Without SECRET_ID or PARAMETER_NAME the legacy variables are read (see
lab_legacy.py). The lab's simulated database is an SSM parameter
(SIMULATED_DB_PARAMETER) of salted SHA-256 digests of the credentials it
accepts now, read directly, never through the extension's cache.
"""

import hashlib
import hmac
import json
import os
import time

import lab_legacy
from lab_stores import (
    PARAMETER_STORE,
    SECRETS_MANAGER,
    FetchError,
    error_snippet,
    fetch_direct,
    prepare_clients,
    secret_values,
)

MASK = "********"  # fixed width, so the mask leaks nothing about length
NOT_READY_TEXT = "not ready"
SUPPORTED_MODES = ("extension", "direct")
SOURCE_STORE = "store"

SIMULATED_DB_ENV = "SIMULATED_DB_PARAMETER"
LOGIN_OK = "ok"
LOGIN_REFUSED = "refused"
LOGIN_UNCHECKED = "unchecked"
LOGIN_ERROR = "error"
# A warm fetch under this many milliseconds is taken as a cache hit.
CACHE_HIT_MS = 10.0
RETRY_VIA_REFRESH = "extension_refresh"
RETRY_VIA_DIRECT = "direct"

# True until the first invocation in this execution environment has started.
_cold_start = True


class Attempts:
    """Counts HTTP attempts, so failures can report them too."""

    def __init__(self):
        self.count = 0


class Invocation:
    """One call of the handler: its options, its timing, its answer."""

    def __init__(self, event, get_secret, get_parameter):
        global _cold_start
        self.cold_start, _cold_start = _cold_start, False
        event = event if isinstance(event, dict) else {}
        self.mode = str(event.get("mode") or "extension")[:40]
        self.reveal = event.get("reveal") is True  # only a real true reveals
        self.retry = event.get("retry_on_refused") is True
        self.via_extension = {
            SECRETS_MANAGER: get_secret,
            PARAMETER_STORE: get_parameter,
        }
        self.attempts = Attempts()
        self.source = None
        self.started = time.perf_counter()
        self.fetch_ms = None

    def fetch_credentials(self):
        """The configured secret or parameter (or legacy variables), timed."""
        if self.mode == "direct":
            # Built outside the timing, as a function builds clients at init.
            prepare_clients()
        self.started = time.perf_counter()
        try:
            store, reference = configured_store()
            if store is None:
                body, self.source = lab_legacy.fetch(self, os.environ)
            else:
                self.check_mode()
                body, self.source = self.fetch(store, reference), SOURCE_STORE
        finally:
            self.fetch_ms = _ms_since(self.started)
        return body

    def check_mode(self):
        if self.mode not in SUPPORTED_MODES:
            raise FetchError(
                "not_configured",
                f"Event mode {self.mode!r} is not supported; "
                "use \"extension\" or \"direct\".",
            )

    def fetch(self, store, reference):
        """One document, through the extension or (direct mode) the SDK."""
        if self.mode == "extension":
            text = self.via_extension[store](reference, self.attempts)
            return store.parse_text(text, "The extension")
        return fetch_direct(store, reference, self.attempts)

    def log_in(self, body, log_in):
        """The login fields; a refused login is retried once past the cache.

        "body" among them is the value that logged in.
        """
        login, error = check_login(body, log_in)
        fields = {"body": body, "login": login, "retried": False,
                  "retry_via": None}
        if login == LOGIN_REFUSED and self.retry and self.mode == "extension":
            fresh = self.fetch_fresh()
            if fresh is not None:
                fields["body"], fields["retry_via"] = fresh
                fields["retried"] = True
                login, error = check_login(fields["body"], log_in)
                fields["login"] = login
        if error:
            fields["login_error"] = error
        return fields

    def fetch_fresh(self):
        """(body, via) fetched past the cache, or None if not configured.

        Secrets Manager: the extension's refreshNow=true (served by the
        Secrets Manager Agent and the lab's stand-in); where the extension
        refuses it, and for Parameter Store, the store itself.
        """
        store, reference = configured_store()
        if store is None:
            return None
        if store is SECRETS_MANAGER:
            try:
                text = self.via_extension[store](
                    reference, self.attempts, refresh=True
                )
                body = store.parse_text(text, "The extension")
                return body, RETRY_VIA_REFRESH
            except FetchError:
                pass
        try:
            body = fetch_direct(store, reference, self.attempts)
            return body, RETRY_VIA_DIRECT
        except FetchError:
            return None

    def answer(self, body, login):
        outcome = {"source": self.source, **login}
        outcome["secret"] = describe_secret(outcome.pop("body"), self.reveal)
        outcome["served_version_id"] = _as_text(body.get("VersionId"))
        outcome["from_cache"] = self.from_cache()
        return self.finish(outcome)

    def failed(self, err):
        if self.fetch_ms is None:
            self.fetch_ms = _ms_since(self.started)
        error = {"code": err.code, "status": err.status,
                 "message": err.message}
        return self.finish({"error": error})

    def finish(self, outcome):
        result = {
            "ok": "secret" in outcome,
            "mode": self.mode,
            "cold_start": self.cold_start,
            "fetch_ms": self.fetch_ms,
            "attempts": self.attempts.count,
            **outcome,
        }
        print(log_line(result), flush=True)
        return result

    def from_cache(self):
        if self.mode != "extension":
            return False
        if self.cold_start:
            return None  # a shared stand-in may hit even here; unknown
        return self.fetch_ms < CACHE_HIT_MS


def configured_store():
    """(store, reference) from SECRET_ID / PARAMETER_NAME, or (None, None)."""
    parameter_name = os.environ.get("PARAMETER_NAME", "").strip()
    secret_id = os.environ.get("SECRET_ID", "").strip()
    if parameter_name:
        return PARAMETER_STORE, parameter_name
    if secret_id:
        return SECRETS_MANAGER, secret_id
    return None, None


def _ms_since(started):
    return round((time.perf_counter() - started) * 1000, 3)


def log_line(result):
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


# ---------------------------------------------- the extension's failures


def extension_starting(status, text):
    # The extension registers with Lambda asynchronously, so early in a cold
    # start it may not listen yet, or may answer 400 "not ready to serve".
    return status is None or (
        status == 400 and NOT_READY_TEXT in text.lower()
    )


def not_a_port(raw):
    return FetchError(
        "not_configured",
        "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT is "
        f"{raw[:20]!r}, which is not a port number from 1 to 65535.",
    )


def unreachable(err, port, timeout_s):
    if isinstance(err, TimeoutError):
        return FetchError(
            "extension_unreachable",
            f"The extension on localhost port {port} did not answer "
            f"within {timeout_s:g} s; check the layer and the function's "
            "logs.",
        )
    return FetchError(
        "extension_unreachable",
        "Could not talk to the extension on localhost port "
        f"{port} ({type(err).__name__}); check that the extension "
        "layer is attached.",
    )


def extension_failure(status, text, port, attempt_count):
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
            "that the X-Aws-Parameters-Secrets-Token header carries the "
            "function's AWS_SESSION_TOKEN.",
            status,
        )
    if extension_starting(status, text):
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
        f"({error_snippet(text)}); check the secret or parameter name "
        "and that the role allows secretsmanager:GetSecretValue or "
        "ssm:GetParameter on it.",
        status,
    )


# -------------------------------------------- the lab's simulated database


def login_digest(salt, username, password):
    """What the simulated database keeps for one accepted login."""
    text = f"{salt}\n{username}\n{password}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class DatabaseError(Exception):
    """The simulated database is not the lab's JSON document."""


def database_accepts(username, password):
    """Whether the simulated database accepts these credentials now."""
    name = os.environ.get(SIMULATED_DB_ENV, "").strip()
    database = fetch_direct(PARAMETER_STORE, name, Attempts())
    try:
        document = json.loads(database["SecretString"])
        salt = str(document["salt"])
        accepted = [str(entry["digest"]) for entry in document["accepted"]]
    except (ValueError, KeyError, TypeError):
        raise DatabaseError(name) from None
    digest = login_digest(salt, username, password)
    return any(hmac.compare_digest(digest, d) for d in accepted)


def check_login(body, log_in):
    """(login, error): `log_in` with the fetched credentials, classified."""
    name = os.environ.get(SIMULATED_DB_ENV, "").strip()
    values = secret_values(body)
    # No database, or credentials with no password: nothing to log in with.
    if not name or not isinstance(values.get("password"), str):
        return LOGIN_UNCHECKED, None
    try:
        accepted = log_in(values)
    except FetchError as err:
        return LOGIN_ERROR, err.message
    except DatabaseError:
        return LOGIN_ERROR, (
            f"The simulated database {name!r} is not the lab's JSON "
            "document; run `secretslab up` to recreate it."
        )
    return (LOGIN_OK if accepted else LOGIN_REFUSED), None


# ---------------------------------------------------------------- answer


def describe_secret(body, reveal):
    """The "secret" part of the answer; values are masked unless revealed."""
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


def _as_text(value):
    return "" if value is None else str(value)
