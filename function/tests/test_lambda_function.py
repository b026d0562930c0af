"""Behaviour of lambda_function against local HTTP servers playing AWS."""

import hashlib
import hmac
import json
import re
import threading
import time

import pytest
from fakes import (
    PARAMETER_NAME,
    SECRET,
    SECRET_ID,
    SESSION_TOKEN,
    free_port,
    parameter_body,
    secret_body,
)

NOT_READY = "not ready to serve traffic, please wait"
NOT_FOUND_BODY = json.dumps(
    {
        "__type": "ResourceNotFoundException",
        "message": "Secrets Manager can't find the specified secret.",
    }
)
SUCCESS_KEYS = {
    "ok", "mode", "cold_start", "fetch_ms", "attempts", "source", "secret",
    "login", "retried", "retry_via", "served_version_id", "from_cache",
}
FAILURE_KEYS = {"ok", "mode", "cold_start", "fetch_ms", "attempts", "error"}
SECRET_KEYS = {"name", "arn", "version_id", "version_stages", "keys", "values"}


def log_lines(capsys):
    return capsys.readouterr().out.splitlines()


def assert_no_secret_in(text):
    for value in SECRET.values():
        assert value not in text


# ------------------------------------------------------------ success path


def test_success_response_shape_and_masking(fn, extension, capsys):
    extension([(200, secret_body())])

    result = fn.lambda_handler({}, None)

    assert set(result) == SUCCESS_KEYS
    assert result["ok"] is True
    assert result["mode"] == "extension"
    assert result["attempts"] == 1
    assert result["source"] == "store"
    assert isinstance(result["fetch_ms"], float)
    assert result["fetch_ms"] == round(result["fetch_ms"], 3)
    secret = result["secret"]
    assert set(secret) == SECRET_KEYS
    assert secret["name"] == SECRET_ID
    assert secret["arn"].endswith(":secret:secretslab/demo-AbCdEf")
    assert secret["version_id"] == "EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE"
    assert secret["version_stages"] == ["AWSCURRENT"]
    assert secret["keys"] == ["password", "username"]
    assert secret["values"] == {"password": "********", "username": "********"}
    assert_no_secret_in(json.dumps(result))
    assert_no_secret_in(capsys.readouterr().out)


def test_warm_invocations_reuse_one_connection(fn, extension):
    server = extension([(200, secret_body())], keep_alive=True)

    first = fn.lambda_handler({}, None)
    second = fn.lambda_handler({}, None)

    assert first["ok"] and second["ok"]
    assert len(server.requests) == 2
    assert server.connections == 1


def test_a_connection_closed_between_invocations_is_replaced(fn, extension):
    server = extension([(200, secret_body())], keep_alive=True)
    assert fn.lambda_handler({}, None)["ok"]
    server.drop_connections()  # the kept connection is now dead
    time.sleep(0.05)

    result = fn.lambda_handler({}, None)

    assert result["ok"] is True
    assert result["attempts"] == 1
    assert len(server.requests) == 2
    assert server.connections == 2


def test_masks_non_string_values_with_the_same_fixed_mask(fn, extension):
    secret = {"port": 5432, "tls": True, "hosts": ["a", "b"], "pin": ""}
    extension([(200, secret_body(json.dumps(secret)))])

    values = fn.lambda_handler({}, None)["secret"]["values"]

    assert values == dict.fromkeys(secret, "********")


def test_reveal_returns_real_values(fn, extension, capsys):
    extension([(200, secret_body())])

    result = fn.lambda_handler({"reveal": True}, None)

    assert result["secret"]["values"] == SECRET
    assert_no_secret_in(capsys.readouterr().out)  # still never logged


@pytest.mark.parametrize("reveal", ["true", 1, "yes", False, None])
def test_only_boolean_true_reveals(fn, extension, reveal):
    extension([(200, secret_body())])

    result = fn.lambda_handler({"reveal": reveal}, None)

    assert result["secret"]["values"] == {"password": "********", "username": "********"}


def test_cold_start_only_on_first_invocation(fn, extension):
    extension([(200, secret_body())])

    first = fn.lambda_handler({}, None)
    second = fn.lambda_handler({}, None)
    third = fn.lambda_handler({"mode": "extension"}, None)

    assert (first["cold_start"], second["cold_start"], third["cold_start"]) == (True, False, False)


def test_cold_start_flag_is_spent_even_by_a_failed_invocation(fn, env, extension):
    env.delenv("SECRET_ID")
    assert fn.lambda_handler({}, None)["cold_start"] is True
    env.setenv("SECRET_ID", SECRET_ID)
    extension([(200, secret_body())])
    assert fn.lambda_handler({}, None)["cold_start"] is False


def test_prints_exactly_one_safe_log_line(fn, extension, capsys):
    extension([(200, secret_body())])

    fn.lambda_handler({"reveal": True}, None)
    lines = log_lines(capsys)

    assert len(lines) == 1
    assert re.fullmatch(
        r"secretslab: mode=extension ok=true cold_start=true fetch_ms=\d+\.\d{3} attempts=1",
        lines[0],
    )


def test_failure_log_line_names_the_error(fn, extension, capsys):
    extension([(403, "Bad Token")])

    fn.lambda_handler({}, None)
    lines = log_lines(capsys)

    assert len(lines) == 1
    assert lines[0].startswith("secretslab: mode=extension ok=false cold_start=true ")
    assert lines[0].endswith(" attempts=1 error=bad_token status=403")


def test_log_line_stays_one_line_for_an_odd_mode(fn, extension, capsys):
    extension([(200, secret_body())])

    fn.lambda_handler({"mode": "a\nb c"}, None)
    lines = log_lines(capsys)

    assert len(lines) == 1
    assert lines[0].startswith("secretslab: mode=a_b_c ok=false ")


# --------------------------------------------------------- request details


def test_sends_session_token_header_and_get(fn, extension):
    server = extension([(200, secret_body())])

    fn.lambda_handler({}, None)

    (request,) = server.requests
    assert request.method == "GET"
    assert request.headers["X-Aws-Parameters-Secrets-Token"] == SESSION_TOKEN


def test_secret_id_is_url_encoded(fn, env, extension):
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:lab/db creds+x-AbCdEf"
    env.setenv("SECRET_ID", arn)
    server = extension([(200, secret_body())])

    fn.lambda_handler({}, None)

    assert server.requests[0].path == (
        "/secretsmanager/get?secretId="
        "arn%3Aaws%3Asecretsmanager%3Aus-east-1%3A123456789012%3Asecret%3Alab%2Fdb%20creds%2Bx-AbCdEf"
    )


def test_slash_in_secret_id_is_percent_encoded(fn, extension):
    server = extension([(200, secret_body())])

    fn.lambda_handler({}, None)

    assert server.requests[0].path == "/secretsmanager/get?secretId=secretslab%2Fdemo"


# ------------------------------------------------------------------ retries


def test_retries_while_extension_is_not_ready(fn, extension):
    server = extension([(400, NOT_READY), (400, NOT_READY), (200, secret_body())])

    result = fn.lambda_handler({}, None)

    assert result["ok"] is True
    assert result["attempts"] == 3
    assert len(server.requests) == 3
    assert result["fetch_ms"] >= 50 + 100 - 5  # the two back-off pauses are timed


def test_retries_on_connection_refused_until_extension_starts(fn, env, servers):
    port = free_port()
    env.setenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", str(port))
    started = []
    starter = threading.Timer(0.12, lambda: started.append(servers([(200, secret_body())], port=port)))
    starter.start()
    try:
        result = fn.lambda_handler({}, None)
    finally:
        starter.join()

    assert result["ok"] is True, result
    assert 2 <= result["attempts"] <= 5
    assert len(started[0].requests) == 1


def test_gives_up_after_five_not_ready_answers(fn, extension):
    server = extension([(400, NOT_READY)])

    result = fn.lambda_handler({}, None)

    assert result["ok"] is False
    assert result["attempts"] == 5
    assert len(server.requests) == 5
    assert result["error"]["code"] == "extension_error"
    assert result["error"]["status"] == 400


def test_unreachable_extension_within_bounded_time(fn, env):
    port = free_port()
    env.setenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", str(port))

    started = time.perf_counter()
    result = fn.lambda_handler({}, None)
    elapsed = time.perf_counter() - started

    assert set(result) == FAILURE_KEYS
    assert result["ok"] is False
    assert result["attempts"] == 5
    assert result["error"]["code"] == "extension_unreachable"
    assert result["error"]["status"] is None
    assert str(port) in result["error"]["message"]
    assert "layer" in result["error"]["message"]
    assert 0.7 <= elapsed < 1.5
    assert result["fetch_ms"] >= 700


def test_default_port_is_2773(fn):
    assert fn.extension_port({}) == 2773
    assert fn.extension_url("a/b", 2773) == "http://localhost:2773/secretsmanager/get?secretId=a%2Fb"


def test_bad_port_is_not_configured(fn, env):
    env.setenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", "http")

    result = fn.lambda_handler({}, None)

    assert result["error"]["code"] == "not_configured"
    assert "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT" in result["error"]["message"]


def test_hung_extension_times_out_without_retry(fn, extension):
    fn.REQUEST_TIMEOUT_S = 0.2  # the module is reloaded for every test
    server = extension([(200, secret_body())], reply_delay_s=1.0)

    result = fn.lambda_handler({}, None)

    assert result["error"]["code"] == "extension_unreachable"
    assert result["attempts"] == 1
    assert len(server.requests) == 1
    assert 200 <= result["fetch_ms"] < 900


# ------------------------------------------------------------- HTTP errors


def test_403_is_bad_token_and_not_retried(fn, extension):
    server = extension([(403, "Bad Token"), (200, secret_body())])

    result = fn.lambda_handler({}, None)

    assert result["ok"] is False
    assert result["attempts"] == 1
    assert len(server.requests) == 1
    assert result["error"]["code"] == "bad_token"
    assert result["error"]["status"] == 403
    assert "AWS_SESSION_TOKEN" in result["error"]["message"]
    assert SESSION_TOKEN not in json.dumps(result)


@pytest.mark.parametrize("status", [400, 404, 500])
def test_other_errors_are_extension_errors_with_status(fn, extension, status):
    server = extension([(status, NOT_FOUND_BODY), (200, secret_body())])

    result = fn.lambda_handler({}, None)

    assert result["ok"] is False
    assert result["attempts"] == 1
    assert len(server.requests) == 1
    error = result["error"]
    assert error["code"] == "extension_error"
    assert error["status"] == status
    assert f"HTTP {status}" in error["message"]
    assert "ResourceNotFoundException" in error["message"]
    assert "\n" not in error["message"]


def test_long_error_body_is_truncated(fn, extension):
    extension([(400, "x" * 5000)])

    message = fn.lambda_handler({}, None)["error"]["message"]

    assert "x" * 200 in message
    assert "x" * 201 not in message
    assert len(message) < 400


def test_error_body_that_looks_like_a_secret_is_withheld(fn, extension):
    extension([(500, secret_body())])

    result = fn.lambda_handler({}, None)

    assert result["error"]["code"] == "extension_error"
    assert "withheld" in result["error"]["message"]
    assert_no_secret_in(json.dumps(result))


# ------------------------------------------------------------- body shapes


def test_non_json_secret_string_is_a_single_value(fn, extension):
    extension([(200, secret_body("plain-text-secret"))])

    masked = fn.lambda_handler({}, None)["secret"]
    revealed = fn.lambda_handler({"reveal": True}, None)["secret"]

    assert masked["keys"] == ["value"]
    assert masked["values"] == {"value": "********"}
    assert revealed["values"] == {"value": "plain-text-secret"}


@pytest.mark.parametrize("secret_string", ['["a", "b"]', "42", '"quoted"', "{not json"])
def test_json_that_is_not_an_object_is_a_single_value(fn, extension, secret_string):
    extension([(200, secret_body(secret_string))])

    secret = fn.lambda_handler({"reveal": True}, None)["secret"]

    assert secret["keys"] == ["value"]
    assert secret["values"] == {"value": secret_string}


def test_binary_only_secret(fn, extension):
    extension([(200, secret_body(SecretString=None, SecretBinary="AAECAwQ="))])

    masked = fn.lambda_handler({}, None)["secret"]
    revealed = fn.lambda_handler({"reveal": True}, None)["secret"]

    assert masked["keys"] == ["binary"]
    assert masked["values"] == {"binary": "********"}
    assert revealed["values"] == {"binary": "AAECAwQ="}


@pytest.mark.parametrize(
    "body",
    [
        "definitely not json " + SECRET["password"],
        json.dumps(["ARN", SECRET["password"]]),
        json.dumps({"ARN": "arn", "Name": "n"}),
    ],
)
def test_unexpected_200_body_is_bad_response(fn, extension, body):
    extension([(200, body)])

    result = fn.lambda_handler({}, None)

    assert result["ok"] is False
    assert result["error"]["code"] == "bad_response"
    assert result["error"]["status"] == 200
    assert_no_secret_in(json.dumps(result))


def test_missing_secret_id_is_not_configured(fn, env, extension):
    env.delenv("SECRET_ID")
    server = extension([(200, secret_body())])

    result = fn.lambda_handler({}, None)

    assert set(result) == FAILURE_KEYS
    assert result["error"] == {
        "code": "not_configured",
        "status": None,
        "message": result["error"]["message"],
    }
    assert "SECRET_ID" in result["error"]["message"]
    for name in ("DB_PASSWORD", "DB_PASSWORD_SECRET_ID", "DB_PASSWORD_PARAMETER_NAME"):
        assert name in result["error"]["message"]
    assert result["attempts"] == 0
    assert server.requests == []


def test_parameter_store_reads_the_decrypted_parameter(fn, env, extension, capsys):
    env.delenv("SECRET_ID")
    env.setenv("PARAMETER_NAME", PARAMETER_NAME)
    server = extension([(200, parameter_body())])

    result = fn.lambda_handler({"reveal": True}, None)

    assert result["ok"] is True, result
    assert result["secret"]["name"] == PARAMETER_NAME
    assert result["secret"]["arn"].endswith(":parameter/secretslab-demo/credentials")
    assert result["secret"]["version_id"] == "3"
    assert result["secret"]["values"] == SECRET
    (request,) = server.requests
    assert request.method == "GET"
    assert request.path == (
        "/systemsmanager/parameters/get"
        "?name=%2Fsecretslab-demo%2Fcredentials&withDecryption=true"
    )
    assert request.headers["X-Aws-Parameters-Secrets-Token"] == SESSION_TOKEN
    masked = fn.lambda_handler({}, None)
    assert_no_secret_in(json.dumps(masked) + capsys.readouterr().out)


def test_parameter_store_body_without_a_value_is_bad_response(fn, env, extension):
    env.delenv("SECRET_ID")
    env.setenv("PARAMETER_NAME", PARAMETER_NAME)
    extension([(200, json.dumps({"Parameter": {"Name": PARAMETER_NAME}}))])

    result = fn.lambda_handler({}, None)

    assert result["ok"] is False
    assert result["error"]["code"] == "bad_response"


def test_unknown_mode_is_reported_not_raised(fn, extension):
    server = extension([(200, secret_body())])

    result = fn.lambda_handler({"mode": "carrier-pigeon"}, None)

    assert result["ok"] is False
    assert result["error"]["code"] == "not_configured"
    assert server.requests == []


@pytest.mark.parametrize("event", [None, [], "x"])
def test_odd_events_mean_defaults(fn, extension, event):
    extension([(200, secret_body())])

    result = fn.lambda_handler(event, None)

    assert result["ok"] is True
    assert result["mode"] == "extension"


# ---------------------------------------------------------------- direct mode

AKID = "AKIDEXAMPLE"
SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
AUTH_RE = re.compile(
    r"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/(?P<date>20\d{6})/us-east-1/secretsmanager/aws4_request, "
    r"SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})"
)


@pytest.fixture
def direct_env(env):
    env.setenv("AWS_REGION", "us-east-1")
    env.setenv("AWS_ACCESS_KEY_ID", AKID)
    env.setenv("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
    return env


@pytest.fixture
def secretsmanager(direct_env, servers):
    """A fake Secrets Manager endpoint, set as AWS_ENDPOINT_URL."""

    def start(replies):
        server = servers(replies)
        direct_env.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{server.port}")
        return server

    return start


def expected_signature(request, secret_key, region, service):
    """Recompute the SigV4 signature from the request as it arrived on the wire."""
    match = AUTH_RE.fullmatch(request.headers["Authorization"])
    signed_names = match["signed"].split(";")
    amz_date = request.headers["X-Amz-Date"]
    canonical_request = "\n".join(
        [
            request.method,
            request.path,
            "",
            "".join(f"{name}:{request.headers[name].strip()}\n" for name in signed_names),
            match["signed"],
            hashlib.sha256(request.body).hexdigest(),
        ]
    )
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = ("AWS4" + secret_key).encode()
    for part in (amz_date[:8], region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def test_direct_mode_sends_a_signed_get_secret_value(fn, secretsmanager, capsys):
    server = secretsmanager([(200, secret_body())])

    result = fn.lambda_handler({"mode": "direct"}, None)

    assert result["ok"] is True, result
    assert result["mode"] == "direct"
    assert result["attempts"] == 1
    assert result["source"] == "store"
    assert result["secret"]["keys"] == ["password", "username"]
    assert result["secret"]["values"] == {"password": "********", "username": "********"}
    assert_no_secret_in(json.dumps(result) + capsys.readouterr().out)

    (request,) = server.requests
    assert request.method == "POST"
    assert request.path == "/"
    assert json.loads(request.body) == {"SecretId": SECRET_ID}
    assert request.headers["X-Amz-Target"] == "secretsmanager.GetSecretValue"
    assert request.headers["Content-Type"] == "application/x-amz-json-1.1"
    assert request.headers["X-Amz-Security-Token"] == SESSION_TOKEN
    assert request.headers["Host"] == f"127.0.0.1:{server.port}"
    assert re.fullmatch(r"20\d{6}T\d{6}Z", request.headers["X-Amz-Date"])

    match = AUTH_RE.fullmatch(request.headers["Authorization"])
    assert match, request.headers["Authorization"]
    assert match["date"] == request.headers["X-Amz-Date"][:8]
    assert match["signed"] == "content-type;host;x-amz-date;x-amz-security-token;x-amz-target"
    assert match["signature"] == expected_signature(
        request, SECRET_ACCESS_KEY, "us-east-1", "secretsmanager"
    )


def test_direct_mode_sends_a_signed_get_parameter(fn, env, secretsmanager):
    env.delenv("SECRET_ID")
    env.setenv("PARAMETER_NAME", PARAMETER_NAME)
    server = secretsmanager([(200, parameter_body())])

    result = fn.lambda_handler({"mode": "direct", "reveal": True}, None)

    assert result["ok"] is True, result
    assert result["secret"]["values"] == SECRET
    (request,) = server.requests
    assert json.loads(request.body) == {"Name": PARAMETER_NAME, "WithDecryption": True}
    assert request.headers["X-Amz-Target"] == "AmazonSSM.GetParameter"
    authorization = request.headers["Authorization"]
    assert "/us-east-1/ssm/aws4_request," in authorization
    signature = re.search(r"Signature=([0-9a-f]{64})$", authorization)[1]
    ssm_auth = authorization.replace("/ssm/", "/secretsmanager/")
    request.headers.replace_header("Authorization", ssm_auth)  # AUTH_RE's scope shape
    assert signature == expected_signature(request, SECRET_ACCESS_KEY, "us-east-1", "ssm")


def test_direct_mode_without_session_token_signs_no_token(fn, env, secretsmanager):
    env.delenv("AWS_SESSION_TOKEN")
    server = secretsmanager([(200, secret_body())])

    assert fn.lambda_handler({"mode": "direct", "reveal": True}, None)["secret"]["values"] == SECRET

    (request,) = server.requests
    assert "X-Amz-Security-Token" not in request.headers
    assert AUTH_RE.fullmatch(request.headers["Authorization"])["signed"] == (
        "content-type;host;x-amz-date;x-amz-target"
    )


def test_direct_mode_service_error_is_direct_error(fn, secretsmanager):
    body = json.dumps({"__type": "AccessDeniedException", "Message": "not authorized"})
    secretsmanager([(400, body)])

    result = fn.lambda_handler({"mode": "direct"}, None)

    assert result["ok"] is False
    assert result["attempts"] == 1
    assert result["error"]["code"] == "direct_error"
    assert result["error"]["status"] == 400
    assert "AccessDeniedException" in result["error"]["message"]


def test_direct_mode_unreachable_endpoint_is_direct_error(fn, direct_env):
    direct_env.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")

    result = fn.lambda_handler({"mode": "direct"}, None)

    assert result["error"]["code"] == "direct_error"
    assert result["error"]["status"] is None
    assert result["attempts"] == 1


def test_direct_mode_needs_credentials(fn, env):
    env.setenv("AWS_REGION", "us-east-1")

    result = fn.lambda_handler({"mode": "direct"}, None)

    assert result["error"]["code"] == "not_configured"
    assert "AWS_ACCESS_KEY_ID" in result["error"]["message"]
    assert "AWS_SECRET_ACCESS_KEY" in result["error"]["message"]


# ---------------------------------------------------------------- legacy mode

PLAINTEXT = {"DB_USER": "legacy_app_user", "DB_PASSWORD": "Plaintext-Pa55word-before"}
MIGRATED = {"DB_USER": "migrated_app_user", "DB_PASSWORD": "St0red-Pa55word-after"}
OTHER_SECRET_ID = "secretslab/demo-password"
LEGACY_SUCCESS_LOG = (
    r"secretslab: mode=(extension|direct) ok=true cold_start=(true|false) "
    r"fetch_ms=\d+\.\d{3} attempts=\d+"
)


def assert_no_legacy_value_in(text):
    for value in (*PLAINTEXT.values(), *MIGRATED.values()):
        assert value not in text


@pytest.fixture
def legacy(env):
    """Neither SECRET_ID nor PARAMETER_NAME: the handler is in legacy mode."""
    env.delenv("SECRET_ID")

    def set_vars(**variables):
        for name, value in variables.items():
            env.setenv(name, value)

    return set_vars


def migrated_body(document=None):
    """A secret whose SecretString is the JSON object migrate writes."""
    return secret_body(json.dumps(MIGRATED if document is None else document))


def test_legacy_keys_are_db_user_and_db_password(fn):
    assert fn.LEGACY_KEYS == ("DB_USER", "DB_PASSWORD")


def test_legacy_plaintext_only_is_environment_and_masked(fn, legacy, extension, capsys):
    legacy(**PLAINTEXT)
    server = extension([(200, migrated_body())])

    result = fn.lambda_handler({}, None)

    assert set(result) == SUCCESS_KEYS
    assert result["ok"] is True, result
    assert result["source"] == "environment"
    assert result["attempts"] == 0
    assert server.requests == []
    secret = result["secret"]
    assert set(secret) == SECRET_KEYS
    assert secret["name"] == "environment"
    assert secret["arn"] == ""
    assert secret["version_id"] == ""
    assert secret["version_stages"] == []
    assert secret["keys"] == ["DB_PASSWORD", "DB_USER"]
    assert secret["values"] == {"DB_PASSWORD": "********", "DB_USER": "********"}
    assert_no_legacy_value_in(json.dumps(result) + capsys.readouterr().out)

    revealed = fn.lambda_handler({"reveal": True}, None)
    assert revealed["secret"]["values"] == PLAINTEXT


def test_legacy_only_the_password_in_plaintext_is_enough(fn, legacy):
    legacy(DB_PASSWORD=PLAINTEXT["DB_PASSWORD"])

    result = fn.lambda_handler({"reveal": True}, None)

    assert result["source"] == "environment"
    assert result["secret"]["values"] == {"DB_PASSWORD": PLAINTEXT["DB_PASSWORD"]}


def test_legacy_references_beside_plaintext_win(fn, legacy, extension, capsys):
    legacy(**PLAINTEXT, DB_USER_SECRET_ID=SECRET_ID, DB_PASSWORD_SECRET_ID=SECRET_ID)
    server = extension([(200, migrated_body())])

    result = fn.lambda_handler({"reveal": True}, None)

    assert result["ok"] is True, result
    assert result["source"] == "store"
    assert result["secret"]["values"] == MIGRATED
    assert result["secret"]["name"] == SECRET_ID
    assert result["secret"]["arn"].endswith(":secret:secretslab/demo-AbCdEf")
    assert result["secret"]["version_id"] == "EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE"
    assert result["secret"]["version_stages"] == ["AWSCURRENT"]
    for value in PLAINTEXT.values():
        assert value not in json.dumps(result)
    (request,) = server.requests
    assert request.path == "/secretsmanager/get?secretId=secretslab%2Fdemo"
    assert request.headers["X-Aws-Parameters-Secrets-Token"] == SESSION_TOKEN

    masked = fn.lambda_handler({}, None)
    assert masked["secret"]["values"] == {"DB_PASSWORD": "********", "DB_USER": "********"}
    assert_no_legacy_value_in(json.dumps(masked) + capsys.readouterr().out)


def test_legacy_one_key_referenced_and_one_plaintext_is_mixed(fn, legacy, extension):
    legacy(**PLAINTEXT, DB_PASSWORD_SECRET_ID=SECRET_ID)
    server = extension([(200, migrated_body())])

    result = fn.lambda_handler({"reveal": True}, None)

    assert result["ok"] is True, result
    assert result["source"] == "mixed"
    assert result["secret"]["values"] == {
        "DB_USER": PLAINTEXT["DB_USER"],
        "DB_PASSWORD": MIGRATED["DB_PASSWORD"],
    }
    assert result["secret"]["name"] == SECRET_ID
    assert len(server.requests) == 1


def test_legacy_reference_without_plaintext_beside_it_counts_as_store(fn, legacy, extension):
    legacy(DB_PASSWORD_SECRET_ID=SECRET_ID)
    extension([(200, migrated_body())])

    result = fn.lambda_handler({"reveal": True}, None)

    assert result["source"] == "store"
    assert result["secret"]["values"] == {"DB_PASSWORD": MIGRATED["DB_PASSWORD"]}


def test_legacy_two_keys_referencing_one_secret_fetch_it_once(fn, legacy, secretsmanager):
    legacy(DB_USER_SECRET_ID=SECRET_ID, DB_PASSWORD_SECRET_ID=SECRET_ID)
    server = secretsmanager([(200, migrated_body())])

    result = fn.lambda_handler({"mode": "direct", "reveal": True}, None)

    assert result["ok"] is True, result
    assert result["mode"] == "direct"
    assert result["source"] == "store"
    assert result["attempts"] == 1
    assert result["secret"]["values"] == MIGRATED
    (request,) = server.requests
    assert json.loads(request.body) == {"SecretId": SECRET_ID}
    assert request.headers["X-Amz-Target"] == "secretsmanager.GetSecretValue"


def test_legacy_each_invocation_fetches_again(fn, legacy, extension):
    legacy(DB_USER_SECRET_ID=SECRET_ID, DB_PASSWORD_SECRET_ID=SECRET_ID)
    server = extension([(200, migrated_body())])

    fn.lambda_handler({}, None)
    fn.lambda_handler({}, None)

    assert len(server.requests) == 2  # once per invocation, not once forever


def test_legacy_two_secrets_are_both_fetched_and_named(fn, legacy, extension):
    legacy(DB_USER_SECRET_ID=SECRET_ID, DB_PASSWORD_SECRET_ID=OTHER_SECRET_ID)
    server = extension([(200, migrated_body())])

    result = fn.lambda_handler({"reveal": True}, None)

    assert result["ok"] is True, result
    assert result["attempts"] == 2
    assert result["secret"]["name"] == f"{SECRET_ID},{OTHER_SECRET_ID}"
    assert result["secret"]["version_id"] == ""
    assert result["secret"]["values"] == MIGRATED
    assert [r.path for r in server.requests] == [
        "/secretsmanager/get?secretId=secretslab%2Fdemo",
        "/secretsmanager/get?secretId=secretslab%2Fdemo-password",
    ]


def test_legacy_parameter_reference(fn, legacy, extension, capsys):
    legacy(
        **PLAINTEXT,
        DB_USER_PARAMETER_NAME=PARAMETER_NAME,
        DB_PASSWORD_PARAMETER_NAME=PARAMETER_NAME,
    )
    server = extension([(200, parameter_body(json.dumps(MIGRATED)))])

    result = fn.lambda_handler({"reveal": True}, None)

    assert result["ok"] is True, result
    assert result["source"] == "store"
    assert result["secret"]["values"] == MIGRATED
    assert result["secret"]["name"] == PARAMETER_NAME
    assert result["secret"]["arn"].endswith(":parameter/secretslab-demo/credentials")
    assert result["secret"]["version_id"] == "3"
    (request,) = server.requests
    assert request.path == (
        "/systemsmanager/parameters/get"
        "?name=%2Fsecretslab-demo%2Fcredentials&withDecryption=true"
    )
    assert_no_legacy_value_in(capsys.readouterr().out)


def test_legacy_parameter_reference_in_direct_mode(fn, legacy, secretsmanager):
    legacy(DB_PASSWORD_PARAMETER_NAME=PARAMETER_NAME, DB_USER=PLAINTEXT["DB_USER"])
    server = secretsmanager([(200, parameter_body(json.dumps(MIGRATED)))])

    result = fn.lambda_handler({"mode": "direct", "reveal": True}, None)

    assert result["ok"] is True, result
    assert result["source"] == "mixed"
    assert result["secret"]["values"] == {
        "DB_USER": PLAINTEXT["DB_USER"],
        "DB_PASSWORD": MIGRATED["DB_PASSWORD"],
    }
    (request,) = server.requests
    assert json.loads(request.body) == {"Name": PARAMETER_NAME, "WithDecryption": True}
    assert request.headers["X-Amz-Target"] == "AmazonSSM.GetParameter"


def test_legacy_secret_reference_wins_over_parameter_reference(fn, legacy, extension):
    legacy(DB_PASSWORD_SECRET_ID=SECRET_ID, DB_PASSWORD_PARAMETER_NAME=PARAMETER_NAME)
    server = extension([(200, migrated_body())])

    result = fn.lambda_handler({}, None)

    assert result["ok"] is True, result
    assert [r.path for r in server.requests] == ["/secretsmanager/get?secretId=secretslab%2Fdemo"]


def test_legacy_blank_reference_falls_back_to_plaintext(fn, legacy, extension):
    legacy(DB_PASSWORD=PLAINTEXT["DB_PASSWORD"], DB_PASSWORD_SECRET_ID="  ")
    server = extension([(200, migrated_body())])

    result = fn.lambda_handler({"reveal": True}, None)

    assert result["source"] == "environment"
    assert result["secret"]["values"] == {"DB_PASSWORD": PLAINTEXT["DB_PASSWORD"]}
    assert server.requests == []


def test_legacy_missing_member_is_not_configured(fn, legacy, extension, capsys):
    legacy(**PLAINTEXT, DB_USER_SECRET_ID=SECRET_ID, DB_PASSWORD_SECRET_ID=SECRET_ID)
    document = {"DB_USER": MIGRATED["DB_USER"], "note": MIGRATED["DB_PASSWORD"]}
    extension([(200, migrated_body(document))])

    result = fn.lambda_handler({"reveal": True}, None)

    assert set(result) == FAILURE_KEYS
    assert result["ok"] is False
    error = result["error"]
    assert error["code"] == "not_configured"
    assert error["status"] is None
    assert "DB_PASSWORD_SECRET_ID" in error["message"]
    assert SECRET_ID in error["message"]
    assert "member DB_PASSWORD" in error["message"]
    assert_no_legacy_value_in(json.dumps(result) + capsys.readouterr().out)


@pytest.mark.parametrize(
    "secret_string",
    [
        MIGRATED["DB_PASSWORD"],
        json.dumps([MIGRATED["DB_PASSWORD"]]),
        "{broken " + MIGRATED["DB_PASSWORD"],
    ],
    ids=["plain", "array", "broken-json"],
)
def test_legacy_document_that_is_not_an_object_is_not_configured(
    fn, legacy, extension, secret_string
):
    legacy(DB_PASSWORD_SECRET_ID=SECRET_ID)
    extension([(200, secret_body(secret_string))])

    result = fn.lambda_handler({"reveal": True}, None)

    assert result["error"]["code"] == "not_configured"
    assert "DB_PASSWORD_SECRET_ID" in result["error"]["message"]
    assert "not a JSON object" in result["error"]["message"]
    assert_no_legacy_value_in(json.dumps(result))


def test_legacy_binary_secret_is_not_configured(fn, legacy, extension):
    legacy(DB_PASSWORD_SECRET_ID=SECRET_ID)
    extension([(200, secret_body(SecretString=None, SecretBinary="AAECAwQ="))])

    result = fn.lambda_handler({"reveal": True}, None)

    assert result["error"]["code"] == "not_configured"
    assert "AAECAwQ=" not in json.dumps(result)


def test_legacy_missing_parameter_member_names_the_parameter(fn, legacy, extension):
    legacy(DB_USER_PARAMETER_NAME=PARAMETER_NAME)
    extension([(200, parameter_body(json.dumps({"DB_PASSWORD": MIGRATED["DB_PASSWORD"]})))])

    result = fn.lambda_handler({}, None)

    message = result["error"]["message"]
    assert result["error"]["code"] == "not_configured"
    assert "DB_USER_PARAMETER_NAME" in message
    assert PARAMETER_NAME in message
    assert "member DB_USER" in message
    assert_no_legacy_value_in(json.dumps(result))


def test_legacy_fetch_failure_is_reported_as_usual(fn, legacy, extension):
    legacy(**PLAINTEXT, DB_PASSWORD_SECRET_ID=SECRET_ID)
    extension([(404, NOT_FOUND_BODY)])

    result = fn.lambda_handler({}, None)

    assert result["error"]["code"] == "extension_error"
    assert result["error"]["status"] == 404
    assert_no_legacy_value_in(json.dumps(result))


def test_legacy_unknown_mode_is_not_configured(fn, legacy, extension):
    legacy(**PLAINTEXT, DB_PASSWORD_SECRET_ID=SECRET_ID)
    server = extension([(200, migrated_body())])

    result = fn.lambda_handler({"mode": "carrier-pigeon"}, None)

    assert result["error"]["code"] == "not_configured"
    assert "carrier-pigeon" in result["error"]["message"]
    assert server.requests == []


def test_secret_id_turns_legacy_mode_off(fn, env, extension):
    for name, value in PLAINTEXT.items():
        env.setenv(name, value)
    env.setenv("DB_PASSWORD_SECRET_ID", OTHER_SECRET_ID)
    server = extension([(200, secret_body())])

    result = fn.lambda_handler({"reveal": True}, None)

    assert result["source"] == "store"
    assert result["secret"]["values"] == SECRET
    assert [r.path for r in server.requests] == ["/secretsmanager/get?secretId=secretslab%2Fdemo"]


@pytest.mark.parametrize(
    "variables",
    [
        PLAINTEXT,
        {**PLAINTEXT, "DB_USER_SECRET_ID": SECRET_ID, "DB_PASSWORD_SECRET_ID": SECRET_ID},
        {**PLAINTEXT, "DB_PASSWORD_SECRET_ID": SECRET_ID},
    ],
    ids=["environment", "store", "mixed"],
)
def test_legacy_log_line_holds_no_value(fn, legacy, extension, capsys, variables):
    legacy(**variables)
    extension([(200, migrated_body())])

    result = fn.lambda_handler({"reveal": True}, None)
    lines = log_lines(capsys)

    assert result["ok"] is True, result
    assert len(lines) == 1
    assert re.fullmatch(LEGACY_SUCCESS_LOG, lines[0])
    assert_no_legacy_value_in(lines[0])


# ---------------------------------------------------------------- SigV4 vectors

SUITE_DATE = "20150830T123600Z"


def suite_authorization(fn, method, url, headers=None, body=b"", service="service"):
    signed = fn.sign_request(
        method,
        url,
        headers or {},
        body,
        access_key=AKID,
        secret_key=SECRET_ACCESS_KEY,
        session_token=None,
        region="us-east-1",
        service=service,
        amz_date=SUITE_DATE,
    )
    assert signed["X-Amz-Date"] == SUITE_DATE
    return signed["Authorization"]


def test_signing_key_matches_documented_example(fn):
    key = fn.derive_signing_key(SECRET_ACCESS_KEY, "20150830", "us-east-1", "iam")
    assert key.hex() == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"


@pytest.mark.parametrize(
    "method,headers,body,signed,signature",
    [
        ("GET", {}, b"", "host;x-amz-date",
         "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        ("POST", {}, b"", "host;x-amz-date",
         "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        ("POST", {"Content-Type": "application/x-www-form-urlencoded"}, b"Param1=value1",
         "content-type;host;x-amz-date",
         "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
    ],
    ids=["get-vanilla", "post-vanilla", "post-x-www-form-urlencoded"],
)
def test_sigv4_test_suite_vectors(fn, method, headers, body, signed, signature):
    assert suite_authorization(fn, method, "https://example.amazonaws.com/", headers, body) == (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        f"SignedHeaders={signed}, Signature={signature}"
    )


def test_sigv4_documented_iam_example_with_query(fn):
    authorization = suite_authorization(
        fn,
        "GET",
        "https://iam.amazonaws.com/?Version=2010-05-08&Action=ListUsers",
        {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        service="iam",
    )
    assert authorization == (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date, "
        "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
    )


def test_session_token_is_signed(fn):
    signed = fn.sign_request(
        "POST", "https://secretsmanager.us-east-1.amazonaws.com/", {}, b"{}",
        access_key=AKID, secret_key=SECRET_ACCESS_KEY, session_token="TOKEN",
        region="us-east-1", service="secretsmanager", amz_date=SUITE_DATE,
    )
    assert signed["X-Amz-Security-Token"] == "TOKEN"
    assert "SignedHeaders=host;x-amz-date;x-amz-security-token," in signed["Authorization"]
    assert signed["Host"] == "secretsmanager.us-east-1.amazonaws.com"


# ------------------------------------------- the lab's simulated database

DB_NAME = "/secretslab-demo/simulated-db"
NEW_SECRET = {"username": "lab_admin", "password": "N3w-R0tated-Pa55word!"}


def database_body(*credentials, salt="5a17"):
    """The simulated database parameter, accepting these credentials."""
    import lambda_function as handler

    accepted = [
        {"digest": handler.login_digest(salt, c["username"], c["password"])}
        for c in credentials
    ]
    return parameter_body(json.dumps({"salt": salt, "accepted": accepted}))


@pytest.fixture
def database(secretsmanager, env):
    """A fake SSM endpoint for the simulated database, set as AWS_ENDPOINT_URL."""

    def start(replies):
        env.setenv("SIMULATED_DB_PARAMETER", DB_NAME)
        return secretsmanager(replies)

    return start


def test_login_ok_with_accepted_credentials(fn, extension, database, capsys):
    extension([(200, secret_body())])
    db = database([(200, database_body(SECRET))])

    result = fn.lambda_handler({}, None)

    assert result["login"] == "ok"
    assert result["retried"] is False and result["retry_via"] is None
    assert result["served_version_id"] == result["secret"]["version_id"]
    (request,) = db.requests
    assert request.headers["X-Amz-Target"] == "AmazonSSM.GetParameter"
    assert json.loads(request.body)["Name"] == DB_NAME
    out = json.dumps(result) + capsys.readouterr().out
    assert_no_secret_in(out)
    assert "login=ok" in out


def test_login_refused_with_a_stale_password(fn, extension, database):
    extension([(200, secret_body())])
    database([(200, database_body(NEW_SECRET))])

    result = fn.lambda_handler({}, None)

    assert result["ok"] is True
    assert result["login"] == "refused"
    assert result["retried"] is False


def test_retry_on_refused_refreshes_past_the_cache(fn, extension, database, capsys):
    new_body = secret_body(json.dumps(NEW_SECRET), VersionId="NEW-VERSION")
    server = extension([(200, secret_body()), (200, new_body)])
    database([(200, database_body(NEW_SECRET))])

    result = fn.lambda_handler({"retry_on_refused": True}, None)

    assert result["login"] == "ok"
    assert result["retried"] is True
    assert result["retry_via"] == "extension_refresh"
    assert result["served_version_id"] == "EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE"
    assert result["secret"]["version_id"] == "NEW-VERSION"
    assert "refreshNow=true" not in server.requests[0].path
    assert server.requests[1].path.endswith("&refreshNow=true")
    out = json.dumps(result) + capsys.readouterr().out
    assert NEW_SECRET["password"] not in out
    assert "retried=extension_refresh" in out


def test_retry_falls_back_to_the_store_when_refresh_is_refused(fn, extension, database):
    extension([(200, secret_body()), (400, "unknown parameter: refreshNow")])
    # One endpoint plays SSM (the database) and Secrets Manager (the retry).
    db = database(
        [
            (200, database_body(NEW_SECRET)),
            (200, secret_body(json.dumps(NEW_SECRET), VersionId="NEW-VERSION")),
            (200, database_body(NEW_SECRET)),
        ]
    )

    result = fn.lambda_handler({"retry_on_refused": True}, None)

    assert result["retry_via"] == "direct"
    assert result["login"] == "ok"
    assert db.requests[1].headers["X-Amz-Target"] == "secretsmanager.GetSecretValue"


def test_no_retry_unless_asked_or_when_accepted(fn, extension, database):
    server = extension([(200, secret_body())])
    database([(200, database_body(SECRET))])

    result = fn.lambda_handler({"retry_on_refused": True}, None)

    assert result["login"] == "ok" and result["retried"] is False
    assert len(server.requests) == 1


def test_an_unreadable_database_is_a_login_error(fn, extension, database):
    extension([(200, secret_body())])
    database([(400, json.dumps({"__type": "ParameterNotFound"}))])

    result = fn.lambda_handler({}, None)

    assert result["ok"] is True
    assert result["login"] == "error"
    assert "ParameterNotFound" in result["login_error"]


def test_without_a_database_login_is_unchecked(fn, extension):
    extension([(200, secret_body())])

    result = fn.lambda_handler({"retry_on_refused": True}, None)

    assert result["login"] == "unchecked"
    assert "login_error" not in result


def test_login_digest_is_salted():
    import lambda_function as handler

    a = handler.login_digest("s1", "u", "p")
    assert a != handler.login_digest("s2", "u", "p")
    assert a == hashlib.sha256(b"s1\nu\np").hexdigest()


def test_credentials_without_a_password_are_unchecked(fn, extension, database):
    extension([(200, secret_body(json.dumps({"api_key": "k"})))])
    db = database([])

    result = fn.lambda_handler({"retry_on_refused": True}, None)

    assert result["login"] == "unchecked"
    assert db.requests == []
