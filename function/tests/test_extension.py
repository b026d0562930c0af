"""lambda_function through a fake extension: the answer, the request, retries, errors."""

import json
import re
import threading
import time

import pytest
from fakes import (
    FAILURE_KEYS,
    NOT_FOUND_BODY,
    NOT_READY,
    PARAMETER_NAME,
    SECRET,
    SECRET_ID,
    SECRET_KEYS,
    SESSION_TOKEN,
    SUCCESS_KEYS,
    assert_no_secret_in,
    free_port,
    log_lines,
    parameter_body,
    secret_body,
)


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
    assert fn.extension_port() == 2773
    assert fn.EXTENSION_HOST == "localhost"


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


