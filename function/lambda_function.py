"""Read the lab's database credentials through the AWS Parameters and Secrets
Lambda Extension, and log in with them.

The extension is a layer that serves http://localhost:2773 inside this
execution environment (PARAMETERS_SECRETS_EXTENSION_HTTP_PORT moves it). It
answers from its cache, asks Secrets Manager (or Parameter Store) only on a
miss, and serves only a caller that shows this function's own
AWS_SESSION_TOKEN in the X-Aws-Parameters-Secrets-Token header.

What the lab measures around these lines is in lab_instruments.py, beside
this file: the timing and the answer `secretslab test` reads, the direct
fetch it compares with (event["mode"] == "direct"), the legacy variables
`secretslab migrate` replaces, the retry in rotation's stale window, and the
lab's simulated database. Secret values never appear in logs or answers
unless event["reveal"] is true.
"""

import http.client
import os
import time
import urllib.parse

import lab_instruments as lab

# AWS documents "localhost"; a refused address is skipped at once.
EXTENSION_HOST = "localhost"
DEFAULT_EXTENSION_PORT = 2773
TOKEN_HEADER = "X-Aws-Parameters-Secrets-Token"
# A miss makes the extension call Secrets Manager first: allow a slow upstream.
REQUEST_TIMEOUT_S = 5.0
# Early in a cold start the extension may not listen yet, or may answer 400
# "not ready to serve": at most 5 attempts and 0.75 s of sleeping.
RETRY_DELAYS_S = (0.05, 0.1, 0.2, 0.4)

# One kept-alive connection per port: a warm cache hit costs one local round
# trip. http.client never goes through an HTTP proxy, so the token stays here.
_connections = {}


# tour:start
def lambda_handler(event, context):
    """Read the credentials, log in with them, answer (values masked)."""
    run = lab.Invocation(event, get_secret, get_parameter)
    try:
        # Timed; through the extension unless event["mode"] says else.
        secret = run.fetch_credentials()
        login = run.log_in(secret, log_in)
    except lab.FetchError as err:
        return run.failed(err)
    return run.answer(secret, login)


def log_in(credentials):
    """Use the value: True when the lab's database accepts it."""
    username = str(credentials.get("username", ""))
    return lab.database_accepts(username, credentials["password"])


def get_secret(secret_id, attempts, refresh=False):
    """GetSecretValue's answer (JSON text), from the extension's cache."""
    # safe="" so "/" and ":" in names and ARNs are percent-encoded too.
    query = urllib.parse.quote(secret_id, safe="")
    path = f"/secretsmanager/get?secretId={query}"
    if refresh:  # past the cache, once: rotation's stale window
        path += "&refreshNow=true"
    return fetch_via_extension(path, attempts)


def get_parameter(name, attempts):
    """GetParameter's answer (JSON text), decrypted, via the extension."""
    query = urllib.parse.quote(name, safe="")
    path = f"/systemsmanager/parameters/get?name={query}"
    return fetch_via_extension(path + "&withDecryption=true", attempts)


def extension_port():
    env = os.environ
    raw = env.get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", "").strip()
    if not raw:
        return DEFAULT_EXTENSION_PORT
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 65535:
        return int(raw)
    raise lab.not_a_port(raw)


def fetch_via_extension(path, attempts):
    port = extension_port()
    headers = {TOKEN_HEADER: os.environ.get("AWS_SESSION_TOKEN", "")}
    for delay in (*RETRY_DELAYS_S, None):
        attempts.count += 1
        try:
            status, text = _get(port, path, headers)
        except (ConnectionRefusedError, ConnectionResetError):
            status, text = None, ""  # nobody listening (yet)
        except (OSError, http.client.HTTPException) as err:
            raise lab.unreachable(err, port, REQUEST_TIMEOUT_S) from None
        if status == 200:
            return text
        if delay is None or not lab.extension_starting(status, text):
            break
        time.sleep(delay)
    raise lab.extension_failure(status, text, port, attempts.count)
# tour:end


def _get(port, path, headers):
    """GET on the kept-alive connection; (status, body text)."""
    for reused in (True, False):
        connection = _connections.get(port) if reused else None
        if connection is None:
            reused = False
            connection = http.client.HTTPConnection(
                EXTENSION_HOST, port, timeout=REQUEST_TIMEOUT_S
            )
            _connections[port] = connection
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        except (http.client.RemoteDisconnected, BrokenPipeError,
                ConnectionResetError, ConnectionRefusedError):
            connection.close()
            _connections.pop(port, None)
            if not reused:
                raise
            # The kept connection went stale between invocations: once more
            # on a fresh one.
        except BaseException:
            connection.close()
            _connections.pop(port, None)
            raise
    raise ConnectionResetError("the extension closed the connection")
