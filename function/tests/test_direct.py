"""Direct mode: the store itself, asked with boto3, against a fake AWS endpoint."""

import json
import re

import lab_stores
from fakes import (
    AKID,
    PARAMETER_NAME,
    SECRET,
    SECRET_ID,
    SESSION_TOKEN,
    assert_no_secret_in,
    free_port,
    parameter_body,
    secret_body,
)

CREDENTIAL_RE = re.compile(
    rf"AWS4-HMAC-SHA256 Credential={AKID}/20\d{{6}}/us-east-1/(?P<service>[a-z]+)/aws4_request, "
    r"SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=[0-9a-f]{64}"
)


def signed_for(request):
    """(service, signed header names) of a request boto3 signed."""
    match = CREDENTIAL_RE.fullmatch(request.headers["Authorization"])
    assert match, request.headers["Authorization"]
    return match["service"], match["signed"].split(";")


def test_direct_mode_sends_a_signed_get_secret_value(fn, secretsmanager, capsys):
    server = secretsmanager([(200, secret_body())])

    result = fn.lambda_handler({"mode": "direct"}, None)

    assert result["ok"] is True, result
    assert result["mode"] == "direct"
    assert result["attempts"] == 1
    assert result["source"] == "store"
    assert result["from_cache"] is False
    assert result["secret"]["keys"] == ["password", "username"]
    assert result["secret"]["values"] == {"password": "********", "username": "********"}
    assert result["secret"]["version_id"] == "EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE"
    assert result["secret"]["version_stages"] == ["AWSCURRENT"]
    assert_no_secret_in(json.dumps(result) + capsys.readouterr().out)

    (request,) = server.requests
    assert request.method == "POST"
    assert request.path == "/"
    assert json.loads(request.body) == {"SecretId": SECRET_ID}
    assert request.headers["X-Amz-Target"] == "secretsmanager.GetSecretValue"
    assert request.headers["X-Amz-Security-Token"] == SESSION_TOKEN
    service, signed = signed_for(request)
    assert service == "secretsmanager"
    assert {"host", "x-amz-date", "x-amz-security-token", "x-amz-target"} <= set(signed)


def test_direct_mode_sends_a_signed_get_parameter(fn, env, secretsmanager):
    env.delenv("SECRET_ID")
    env.setenv("PARAMETER_NAME", PARAMETER_NAME)
    server = secretsmanager([(200, parameter_body())])

    result = fn.lambda_handler({"mode": "direct", "reveal": True}, None)

    assert result["ok"] is True, result
    assert result["secret"]["values"] == SECRET
    assert result["secret"]["version_id"] == "3"
    (request,) = server.requests
    assert json.loads(request.body) == {"Name": PARAMETER_NAME, "WithDecryption": True}
    assert request.headers["X-Amz-Target"] == "AmazonSSM.GetParameter"
    assert signed_for(request)[0] == "ssm"


def test_direct_mode_reads_a_binary_secret_as_base64_text(fn, secretsmanager):
    secretsmanager([(200, secret_body(SecretString=None, SecretBinary="AAECAwQ="))])

    result = fn.lambda_handler({"mode": "direct", "reveal": True}, None)

    assert result["secret"]["values"] == {"binary": "AAECAwQ="}


def test_direct_mode_without_session_token_signs_no_token(fn, env, secretsmanager):
    env.delenv("AWS_SESSION_TOKEN")
    server = secretsmanager([(200, secret_body())])

    assert fn.lambda_handler({"mode": "direct", "reveal": True}, None)["secret"]["values"] == SECRET

    (request,) = server.requests
    assert "X-Amz-Security-Token" not in request.headers
    assert "x-amz-security-token" not in signed_for(request)[1]


def test_direct_mode_reuses_its_client_across_invocations(fn, secretsmanager):
    server = secretsmanager([(200, secret_body())])

    for _ in range(3):
        assert fn.lambda_handler({"mode": "direct"}, None)["ok"]

    assert len(lab_stores._clients) == 2  # one per store, built once
    assert len(server.requests) == 3


def test_direct_mode_service_error_is_direct_error(fn, secretsmanager):
    body = json.dumps({"__type": "AccessDeniedException", "Message": "not authorized"})
    server = secretsmanager([(400, body)])

    result = fn.lambda_handler({"mode": "direct"}, None)

    assert result["ok"] is False
    assert result["attempts"] == 1
    assert len(server.requests) == 1  # the SDK does not retry behind the count
    assert result["error"]["code"] == "direct_error"
    assert result["error"]["status"] == 400
    assert "AccessDeniedException" in result["error"]["message"]
    assert "secretsmanager:GetSecretValue" in result["error"]["message"]


def test_direct_mode_server_error_is_not_retried(fn, secretsmanager):
    server = secretsmanager([(500, json.dumps({"__type": "InternalServiceError"}))])

    result = fn.lambda_handler({"mode": "direct"}, None)

    assert result["error"]["status"] == 500
    assert result["attempts"] == 1
    assert len(server.requests) == 1


def test_direct_mode_unreachable_endpoint_is_direct_error(fn, direct_env):
    port = free_port()
    direct_env.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")

    result = fn.lambda_handler({"mode": "direct"}, None)

    assert result["error"]["code"] == "direct_error"
    assert result["error"]["status"] is None
    assert f"127.0.0.1:{port}" in result["error"]["message"]
    assert result["attempts"] == 1


def test_direct_mode_unreadable_answer_is_bad_response(fn, secretsmanager):
    secretsmanager([(200, "not json " + SECRET["password"])])

    result = fn.lambda_handler({"mode": "direct"}, None)

    assert result["error"]["code"] == "bad_response"
    assert_no_secret_in(json.dumps(result))


def test_direct_mode_needs_credentials(fn, env):
    env.setenv("AWS_REGION", "us-east-1")

    result = fn.lambda_handler({"mode": "direct"}, None)

    assert result["error"]["code"] == "not_configured"
    assert "AWS_ACCESS_KEY_ID" in result["error"]["message"]
    assert "AWS_SECRET_ACCESS_KEY" in result["error"]["message"]
    assert "AWS_REGION" not in result["error"]["message"]
