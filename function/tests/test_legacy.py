"""Legacy mode: plaintext DB_USER / DB_PASSWORD, and the references migrate adds."""

import json
import re
import threading
import time

import lab_legacy
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


def test_legacy_keys_are_db_user_and_db_password():
    assert lab_legacy.LEGACY_KEYS == ("DB_USER", "DB_PASSWORD")


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


