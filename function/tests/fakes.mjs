// Test doubles for index.mjs: a scripted HTTP server on loopback, sample
// bodies, and a fresh copy of the handler module with a clean environment.

import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";

export const SESSION_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE-session-token";
export const SECRET_ID = "secretslab/demo";
export const SECRET = { username: "lab_admin", password: "Sup3r-S3cret-Pa55word!" };
export const PARAMETER_NAME = "/secretslab-demo/credentials";

export const NOT_READY = "not ready to serve traffic, please wait";
export const NOT_FOUND_BODY = JSON.stringify({
  __type: "ResourceNotFoundException",
  message: "Secrets Manager can't find the specified secret.",
});
export const SUCCESS_KEYS = [
  "attempts",
  "cold_start",
  "fetch_ms",
  "from_cache",
  "login",
  "mode",
  "ok",
  "retried",
  "retry_via",
  "secret",
  "served_version_id",
  "source",
];
export const FAILURE_KEYS = ["attempts", "cold_start", "error", "fetch_ms", "mode", "ok"];
export const SECRET_KEYS = ["arn", "keys", "name", "values", "version_id", "version_stages"];
export const MASKED = { password: "********", username: "********" };
// Direct mode signs with these, as Lambda's environment would hold them.
export const AKID = "AKIDEXAMPLE";
export const SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

export const keysOf = (object) => Object.keys(object).sort();
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function assertNoSecretIn(text) {
  for (const value of Object.values(SECRET)) assert.ok(!text.includes(value));
}

/** A GetSecretValue-shaped JSON body, as the extension returns it. */
export function secretBody(secretString, overrides = {}) {
  return JSON.stringify({
    ARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:secretslab/demo-AbCdEf",
    Name: SECRET_ID,
    VersionId: "EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE",
    VersionStages: ["AWSCURRENT"],
    SecretString: secretString === undefined ? JSON.stringify(SECRET) : secretString,
    SecretBinary: null,
    CreatedDate: 1767225600, // epoch seconds, as the JSON protocol sends them
    ResultMetadata: {},
    ...overrides,
  });
}

/** A GetParameter-shaped JSON body (a decrypted SecureString). */
export function parameterBody(value) {
  return JSON.stringify({
    Parameter: {
      ARN: "arn:aws:ssm:us-east-1:123456789012:parameter/secretslab-demo/credentials",
      DataType: "text",
      LastModifiedDate: 1767225600,
      Name: PARAMETER_NAME,
      Selector: null,
      SourceResult: null,
      Type: "SecureString",
      Value: value === undefined ? JSON.stringify(SECRET) : value,
      Version: 3,
    },
    ResultMetadata: {},
  });
}

/**
 * An HTTP server on 127.0.0.1 that replies from a script and records
 * requests. `replies` is a list of [status, body] used in order; the last
 * one repeats. Without keepAlive every answer closes its connection.
 */
export async function fakeServer(replies, { port = 0, replyDelayMs = 0, keepAlive = false } = {}) {
  const server = {
    requests: [],
    connections: 0,
    sockets: new Set(),
    port: 0,
  };
  const httpServer = http.createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks);
      server.requests.push({
        method: request.method,
        path: request.url, // raw request target, still percent-encoded
        headers: request.headers,
        body,
      });
      const index = Math.min(server.requests.length, replies.length) - 1;
      const [status, text] = replies[index];
      setTimeout(() => {
        if (response.destroyed) return;
        const data = Buffer.from(text);
        const headers = { "Content-Type": "application/json", "Content-Length": data.length };
        if (!keepAlive) headers.Connection = "close";
        response.writeHead(status, headers);
        response.end(data);
      }, replyDelayMs);
    });
  });
  httpServer.on("connection", (socket) => {
    server.connections += 1;
    server.sockets.add(socket);
    socket.on("close", () => server.sockets.delete(socket));
  });
  await new Promise((resolve) => httpServer.listen(port, "127.0.0.1", resolve));
  server.port = httpServer.address().port;
  /** Close every open connection from the server side (an idle timeout). */
  server.dropConnections = () => {
    for (const socket of server.sockets) socket.destroy();
  };
  server.close = () =>
    new Promise((resolve) => {
      server.dropConnections();
      httpServer.close(() => resolve());
    });
  return server;
}

/** A port nothing listens on (bound once by the OS, then released). */
export async function freePort() {
  const probe = net.createServer();
  await new Promise((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const ENV_VARS = [
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
  "DB_USER",
  "DB_PASSWORD",
  "DB_USER_SECRET_ID",
  "DB_PASSWORD_SECRET_ID",
  "DB_USER_PARAMETER_NAME",
  "DB_PASSWORD_PARAMETER_NAME",
  "SIMULATED_DB_PARAMETER",
];

let loads = 0;

/**
 * A clean environment like Lambda's (SECRET_ID and a session token) and a
 * fresh handler module, as in a new execution environment. Servers started
 * through the returned `server` are closed when the test ends; `logs` holds
 * what the handler printed.
 */
export async function setup(t) {
  for (const name of ENV_VARS) delete process.env[name];
  process.env.SECRET_ID = SECRET_ID;
  process.env.AWS_SESSION_TOKEN = SESSION_TOKEN;
  loads += 1;
  const fn = await import(`../index.mjs?environment=${loads}`);
  const logs = [];
  t.mock.method(console, "log", (...args) => logs.push(args.join(" ")));
  const started = [];
  t.after(() => Promise.all(started.map((s) => s.close())));
  const server = async (replies, options) => {
    const s = await fakeServer(replies, options);
    started.push(s);
    return s;
  };
  /** A fake extension, with PARAMETERS_SECRETS_EXTENSION_HTTP_PORT pointing at it. */
  const extension = async (replies, options) => {
    const s = await server(replies, options);
    process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT = String(s.port);
    return s;
  };
  return { fn, logs, server, extension };
}

/** Direct mode's credentials, and a fake store endpoint as AWS_ENDPOINT_URL. */
export async function directSetup(t, replies) {
  const context = await setup(t);
  process.env.AWS_REGION = "us-east-1";
  process.env.AWS_ACCESS_KEY_ID = AKID;
  process.env.AWS_SECRET_ACCESS_KEY = SECRET_ACCESS_KEY;
  if (!replies) return context;
  const store = await context.server(replies);
  process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${store.port}`;
  return { ...context, store };
}
