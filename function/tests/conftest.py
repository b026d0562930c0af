"""Shared fixtures: a fresh handler module and small local HTTP servers."""

import importlib
import sys
from pathlib import Path

import pytest

FUNCTION_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(FUNCTION_DIR))

import lambda_function  # noqa: E402
from fakes import SECRET_ID, SESSION_TOKEN, FakeServer  # noqa: E402

ENV_VARS = (
    "SECRET_ID",
    "PARAMETER_NAME",
    "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_ENDPOINT_URL",
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
    """The handler module, reloaded so each test starts as a new environment."""
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
