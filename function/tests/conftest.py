"""Shared fixtures: a fresh handler module and small local HTTP servers."""

import importlib
import sys
from pathlib import Path

import pytest

FUNCTION_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(FUNCTION_DIR))

import lab_instruments  # noqa: E402
import lab_stores  # noqa: E402
import lambda_function  # noqa: E402
from fakes import (  # noqa: E402
    AKID,
    SECRET_ACCESS_KEY,
    SECRET_ID,
    SESSION_TOKEN,
    FakeServer,
)

ENV_VARS = (
    "SECRET_ID",
    "PARAMETER_NAME",
    "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_ENDPOINT_URL",
    "AWS_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "SIMULATED_DB_PARAMETER",
    # Legacy mode: the plaintext variables and the references beside them.
    "DB_USER",
    "DB_PASSWORD",
    "DB_USER_SECRET_ID",
    "DB_PASSWORD_SECRET_ID",
    "DB_USER_PARAMETER_NAME",
    "DB_PASSWORD_PARAMETER_NAME",
)
PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture
def env(monkeypatch):
    """A clean environment like Lambda's, with SECRET_ID and a session token."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("SECRET_ID", SECRET_ID)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    return monkeypatch


@pytest.fixture
def fn(env):
    """The handler module, reloaded so each test starts as a new environment.

    The instruments hold the cold-start flag and the SDK clients; the
    handler its kept-alive connections.
    """
    lab_stores._clients.clear()
    importlib.reload(lab_instruments)
    return importlib.reload(lambda_function)


@pytest.fixture
def servers():
    started = []

    def start(replies, **kwargs):
        server = FakeServer(replies, **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


@pytest.fixture
def extension(env, servers):
    """Start a fake extension and point PARAMETERS_SECRETS_EXTENSION_HTTP_PORT at it."""

    def start(replies, **kwargs):
        server = servers(replies, **kwargs)
        env.setenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", str(server.port))
        return server

    return start


@pytest.fixture
def direct_env(env):
    """The execution role's credentials and region, as Lambda sets them."""
    env.setenv("AWS_REGION", "us-east-1")
    env.setenv("AWS_ACCESS_KEY_ID", AKID)
    env.setenv("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
    return env


@pytest.fixture
def secretsmanager(direct_env, servers):
    """A fake AWS endpoint (Secrets Manager and SSM), set as AWS_ENDPOINT_URL."""

    def start(replies):
        server = servers(replies)
        direct_env.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{server.port}")
        return server

    return start
