"""Test doubles: a scripted local HTTP server and sample secret bodies."""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE-session-token"
SECRET_ID = "secretslab/demo"
SECRET = {"username": "lab_admin", "password": "Sup3r-S3cret-Pa55word!"}


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
# Direct mode signs with these, as Lambda's environment would hold them.
AKID = "AKIDEXAMPLE"
SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


def log_lines(capsys):
    return capsys.readouterr().out.splitlines()


def assert_no_secret_in(text):
    for value in SECRET.values():
        assert value not in text


def secret_body(secret_string=None, **overrides):
    """A GetSecretValue-shaped JSON body, as the extension returns it."""
    body = {
        "ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:secretslab/demo-AbCdEf",
        "Name": SECRET_ID,
        "VersionId": "EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE",
        "VersionStages": ["AWSCURRENT"],
        "SecretString": json.dumps(SECRET) if secret_string is None else secret_string,
        "SecretBinary": None,
        "CreatedDate": 1767225600,  # epoch seconds, as the JSON protocol sends them
        "ResultMetadata": {},
    }
    body.update(overrides)
    return json.dumps(body)


PARAMETER_NAME = "/secretslab-demo/credentials"


def parameter_body(value=None):
    """A GetParameter-shaped JSON body (a decrypted SecureString), as the extension returns it."""
    return json.dumps(
        {
            "Parameter": {
                "ARN": "arn:aws:ssm:us-east-1:123456789012:parameter/secretslab-demo/credentials",
                "DataType": "text",
                "LastModifiedDate": 1767225600,
                "Name": PARAMETER_NAME,
                "Selector": None,
                "SourceResult": None,
                "Type": "SecureString",
                "Value": json.dumps(SECRET) if value is None else value,
                "Version": 3,
            },
            "ResultMetadata": {},
        }
    )


class Recorded:
    def __init__(self, handler, body):
        self.method = handler.command
        self.path = handler.path  # raw request target, still percent-encoded
        self.headers = handler.headers
        self.body = body


class FakeServer:
    """HTTP server on 127.0.0.1 that replies from a script and records requests.

    `replies` is a list of (status, body) pairs used in order; the last one
    repeats. `reply_delay_s` makes every reply slow (for timeout tests).
    """

    def __init__(self, replies, port=0, reply_delay_s=0.0, keep_alive=False):
        self.replies = list(replies)
        self.requests = []
        self.connections = 0
        self.sockets = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            # HTTP/1.1 keeps connections open, as the real extension does.
            protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"

            def setup(self):
                server.connections += 1
                server.sockets.append(self.request)
                super().setup()

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                server.requests.append(Recorded(self, self.rfile.read(length)))
                if reply_delay_s:
                    time.sleep(reply_delay_s)
                index = min(len(server.requests), len(server.replies)) - 1
                status, body = server.replies[index]
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = _answer
            do_POST = _answer

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, address: None  # client gave up
        self.port = self.httpd.server_address[1]
        # A short poll interval keeps shutdown (and so each test) fast.
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def drop_connections(self):
        """Close every open connection from the server side (an idle timeout)."""
        for sock in self.sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def free_port():
    """A port nothing listens on (bound once by the OS, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
