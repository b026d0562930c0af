"""Logging in to the lab's simulated database, and the retry past the cache."""

import hashlib
import json

import lab_instruments
import pytest
from fakes import SECRET, assert_no_secret_in, parameter_body, secret_body

DB_NAME = "/secretslab-demo/simulated-db"
NEW_SECRET = {"username": "lab_admin", "password": "N3w-R0tated-Pa55word!"}


def database_body(*credentials, salt="5a17"):
    """The simulated database parameter, accepting these credentials."""
    accepted = [
        {"digest": lab_instruments.login_digest(salt, c["username"], c["password"])}
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

    a = lab_instruments.login_digest("s1", "u", "p")
    assert a != lab_instruments.login_digest("s2", "u", "p")
    assert a == hashlib.sha256(b"s1\nu\np").hexdigest()


def test_credentials_without_a_password_are_unchecked(fn, extension, database):
    extension([(200, secret_body(json.dumps({"api_key": "k"})))])
    db = database([])

    result = fn.lambda_handler({"retry_on_refused": True}, None)

    assert result["login"] == "unchecked"
    assert db.requests == []
