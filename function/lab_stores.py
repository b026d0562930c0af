"""The two stores the lab's credentials can live in, and what their answers
mean: Secrets Manager and Parameter Store, asked through the extension (JSON
text) or directly with boto3, the SDK the Lambda runtime ships.

Both answers become one secret-shaped body (Name, ARN, VersionId,
VersionStages, SecretString or base64 SecretBinary). Bodies hold secrets:
no message here ever quotes one.
"""

import base64
import json
import os
import urllib.parse

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

REQUEST_TIMEOUT_S = 5.0
ERROR_SNIPPET_CHARS = 200
# One attempt, as through the extension: the lab counts and times each one.
SDK_CONFIG = Config(
    retries={"total_max_attempts": 1},
    connect_timeout=REQUEST_TIMEOUT_S,
    read_timeout=REQUEST_TIMEOUT_S,
)

# Clients are built once per execution environment (building one takes far
# longer than a call), keyed by what they were built from.
_clients = {}


class FetchError(Exception):
    """An expected failure, turned into the structured error answer."""

    def __init__(self, code, message, status=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


class Store:
    """Where the credentials live, and how each way of fetching asks it."""

    def __init__(self, label, kind, service, permission, call, shape):
        self.label = label
        self.kind = kind
        self.service = service
        self.permission = permission
        self.call = call
        self.shape = shape

    def parse_text(self, text, source):
        """The extension's answer (JSON text) as a secret-shaped body."""
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise bad_response(source, "was not a JSON object")
        return self.shape(body, source)


def _secret_shape(body, source):
    binary = body.get("SecretBinary")
    if isinstance(binary, (bytes, bytearray)):  # boto3 decodes the base64
        body = {**body, "SecretBinary": base64.b64encode(binary).decode()}
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


def _parameter_shape(body, source):
    parameter = body.get("Parameter")
    if not isinstance(parameter, dict) or not isinstance(
        parameter.get("Value"), str
    ):
        raise bad_response(source, "had no Parameter.Value")
    version = parameter.get("Version")
    return {
        "Name": parameter.get("Name"),
        "ARN": parameter.get("ARN"),
        "VersionId": None if version is None else str(version),
        "VersionStages": [],
        "SecretString": parameter["Value"],
    }


def bad_response(source, what):
    return FetchError(
        "bad_response",
        f"{source} answered HTTP 200 but the body {what}; check that the "
        "port belongs to the Parameters and Secrets extension.",
        200,
    )


SECRETS_MANAGER = Store(
    "Secrets Manager",
    "secret",
    "secretsmanager",
    "secretsmanager:GetSecretValue",
    lambda client, secret_id: client.get_secret_value(SecretId=secret_id),
    _secret_shape,
)
PARAMETER_STORE = Store(
    "Parameter Store",
    "parameter",
    "ssm",
    "ssm:GetParameter",
    lambda client, name: client.get_parameter(Name=name, WithDecryption=True),
    _parameter_shape,
)


def fetch_direct(store, reference, attempts):
    """Ask the store itself, signed with the execution role's credentials."""
    client = _client(store.service)
    attempts.count += 1
    try:
        answer = store.call(client, reference)
    except ClientError as err:
        status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        error = err.response.get("Error", {})
        text = f"{error.get('Code', '')}: {error.get('Message', '')}"
        raise FetchError(
            "direct_error",
            f"{store.label} answered HTTP {status} ({error_snippet(text)}); "
            f"check the name and that the role allows {store.permission}.",
            status,
        ) from None
    except BotoCoreError as err:
        # Refused, timeout, TLS, not HTTP.
        host = urllib.parse.urlsplit(client.meta.endpoint_url).netloc
        raise FetchError(
            "direct_error",
            f"Could not reach {store.label} at {host} "
            f"({type(err).__name__}); check AWS_ENDPOINT_URL, the network "
            "path and the region.",
        ) from None
    return store.shape(answer, store.label)


def prepare_clients():
    """Build both stores' clients now, when the environment allows it."""
    for store in (SECRETS_MANAGER, PARAMETER_STORE):
        try:
            _client(store.service)
        except FetchError:
            pass  # reported by the fetch itself


def _client(service):
    env = os.environ
    settings = {
        "region_name": env.get("AWS_REGION", "").strip(),
        "aws_access_key_id": env.get("AWS_ACCESS_KEY_ID", "").strip(),
        "aws_secret_access_key": env.get("AWS_SECRET_ACCESS_KEY", "").strip(),
    }
    names = ("AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
    missing = [n for n, v in zip(names, settings.values()) if not v]
    if missing:
        raise FetchError(
            "not_configured",
            f"Direct mode needs {', '.join(missing)} in the environment, "
            "which Lambda normally provides from the execution role.",
        )
    settings["aws_session_token"] = env.get("AWS_SESSION_TOKEN") or None
    # As the SDK itself does: AWS_ENDPOINT_URL points it at an emulator.
    settings["endpoint_url"] = env.get("AWS_ENDPOINT_URL", "").strip() or None
    key = (service, *settings.values())
    if key not in _clients:
        try:
            client = boto3.client(service, config=SDK_CONFIG, **settings)
            _clients[key] = client
        except (BotoCoreError, ValueError) as err:
            raise FetchError(
                "not_configured",
                f"Could not set up the {service} client "
                f"({type(err).__name__}); check AWS_REGION and "
                "AWS_ENDPOINT_URL.",
            ) from None
    return _clients[key]


def secret_values(body):
    """Map key -> value: a JSON object gives its members, else one value."""
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


def error_snippet(text):
    """A short, single-line excerpt of an error, safe to show and log.

    Errors describe the failure (e.g. {"__type": "...", "message": "..."});
    one that looks like a secret payload is withheld entirely.
    """
    if "SecretString" in text or "SecretBinary" in text:
        return "body withheld"
    text = " ".join(text.split())
    if not text:
        return "empty body"
    if len(text) > ERROR_SNIPPET_CHARS:
        text = text[:ERROR_SNIPPET_CHARS] + "..."
    return text
