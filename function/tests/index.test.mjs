// Behaviour of index.mjs against local HTTP servers playing AWS: the same
// cases as test_lambda_function.py, so both handlers answer alike.

import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { test } from "node:test";

import {
  PARAMETER_NAME,
  SECRET,
  SECRET_ID,
  SESSION_TOKEN,
  freePort,
  parameterBody,
  secretBody,
  setup,
} from "./fakes.mjs";

const NOT_READY = "not ready to serve traffic, please wait";
const NOT_FOUND_BODY = JSON.stringify({
  __type: "ResourceNotFoundException",
  message: "Secrets Manager can't find the specified secret.",
});
const SUCCESS_KEYS = [
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
const FAILURE_KEYS = ["attempts", "cold_start", "error", "fetch_ms", "mode", "ok"];
const SECRET_KEYS = ["arn", "keys", "name", "values", "version_id", "version_stages"];
const MASKED = { password: "********", username: "********" };

const keysOf = (object) => Object.keys(object).sort();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function assertNoSecretIn(text) {
  for (const value of Object.values(SECRET)) assert.ok(!text.includes(value));
}

// ------------------------------------------------------------ success path

test("success response shape and masking", async (t) => {
  const { fn, logs, extension } = await setup(t);
  await extension([[200, secretBody()]]);

  const result = await fn.handler({});

  assert.deepEqual(keysOf(result), SUCCESS_KEYS);
  assert.equal(result.ok, true);
  assert.equal(result.mode, "extension");
  assert.equal(result.attempts, 1);
  assert.equal(result.source, "store");
  assert.equal(typeof result.fetch_ms, "number");
  assert.equal(result.fetch_ms, Math.round(result.fetch_ms * 1000) / 1000);
  const secret = result.secret;
  assert.deepEqual(keysOf(secret), SECRET_KEYS);
  assert.equal(secret.name, SECRET_ID);
  assert.ok(secret.arn.endsWith(":secret:secretslab/demo-AbCdEf"));
  assert.equal(secret.version_id, "EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE");
  assert.deepEqual(secret.version_stages, ["AWSCURRENT"]);
  assert.deepEqual(secret.keys, ["password", "username"]);
  assert.deepEqual(secret.values, MASKED);
  assertNoSecretIn(JSON.stringify(result) + logs.join("\n"));
});

test("warm invocations reuse one connection", async (t) => {
  const { fn, extension } = await setup(t);
  const server = await extension([[200, secretBody()]], { keepAlive: true });

  const first = await fn.handler({});
  const second = await fn.handler({});

  assert.ok(first.ok && second.ok);
  assert.equal(server.requests.length, 2);
  assert.equal(server.connections, 1);
});

test("a connection closed between invocations is replaced", async (t) => {
  const { fn, extension } = await setup(t);
  const server = await extension([[200, secretBody()]], { keepAlive: true });
  assert.ok((await fn.handler({})).ok);
  server.dropConnections(); // the kept connection is now dead
  await sleep(50);

  const result = await fn.handler({});

  assert.equal(result.ok, true);
  assert.equal(result.attempts, 1);
  assert.equal(server.requests.length, 2);
  assert.equal(server.connections, 2);
});

test("a connection dropped without notice is retried once on a fresh one", async (t) => {
  const { fn, extension } = await setup(t);
  const server = await extension([[200, secretBody()]], { keepAlive: true });
  assert.ok((await fn.handler({})).ok);
  server.dropConnections();

  const result = await fn.handler({}); // no pause: the client may not have noticed yet

  assert.equal(result.ok, true, JSON.stringify(result));
  assert.equal(result.attempts, 1);
});

test("masks non-string values with the same fixed mask", async (t) => {
  const { fn, extension } = await setup(t);
  const secret = { port: 5432, tls: true, hosts: ["a", "b"], pin: "" };
  await extension([[200, secretBody(JSON.stringify(secret))]]);

  const { values } = (await fn.handler({})).secret;

  assert.deepEqual(values, { hosts: "********", pin: "********", port: "********", tls: "********" });
});

test("reveal returns real values, never logged", async (t) => {
  const { fn, logs, extension } = await setup(t);
  await extension([[200, secretBody()]]);

  const result = await fn.handler({ reveal: true });

  assert.deepEqual(result.secret.values, SECRET);
  assertNoSecretIn(logs.join("\n"));
});

for (const reveal of ["true", 1, "yes", false, null]) {
  test(`only boolean true reveals (${JSON.stringify(reveal)})`, async (t) => {
    const { fn, extension } = await setup(t);
    await extension([[200, secretBody()]]);

    const result = await fn.handler({ reveal });

    assert.deepEqual(result.secret.values, MASKED);
  });
}

test("cold start only on the first invocation", async (t) => {
  const { fn, extension } = await setup(t);
  await extension([[200, secretBody()]]);

  const first = await fn.handler({});
  const second = await fn.handler({});
  const third = await fn.handler({ mode: "extension" });

  assert.deepEqual([first.cold_start, second.cold_start, third.cold_start], [true, false, false]);
});

test("the cold start flag is spent even by a failed invocation", async (t) => {
  const { fn, extension } = await setup(t);
  delete process.env.SECRET_ID;
  assert.equal((await fn.handler({})).cold_start, true);
  process.env.SECRET_ID = SECRET_ID;
  await extension([[200, secretBody()]]);
  assert.equal((await fn.handler({})).cold_start, false);
});

test("prints exactly one safe log line", async (t) => {
  const { fn, logs, extension } = await setup(t);
  await extension([[200, secretBody()]]);

  await fn.handler({ reveal: true });

  assert.equal(logs.length, 1);
  assert.match(
    logs[0],
    /^secretslab: mode=extension ok=true cold_start=true fetch_ms=\d+\.\d{3} attempts=1$/,
  );
});

test("a failure's log line names the error", async (t) => {
  const { fn, logs, extension } = await setup(t);
  await extension([[403, "Bad Token"]]);

  await fn.handler({});

  assert.equal(logs.length, 1);
  assert.ok(logs[0].startsWith("secretslab: mode=extension ok=false cold_start=true "));
  assert.ok(logs[0].endsWith(" attempts=1 error=bad_token status=403"), logs[0]);
});

test("the log line stays one line for an odd mode", async (t) => {
  const { fn, logs, extension } = await setup(t);
  await extension([[200, secretBody()]]);

  await fn.handler({ mode: "a\nb c" });

  assert.equal(logs.length, 1);
  assert.ok(logs[0].startsWith("secretslab: mode=a_b_c ok=false "));
});

// --------------------------------------------------------- request details

test("sends the session token header on a GET", async (t) => {
  const { fn, extension } = await setup(t);
  const server = await extension([[200, secretBody()]]);

  await fn.handler({});

  assert.equal(server.requests.length, 1);
  assert.equal(server.requests[0].method, "GET");
  assert.equal(server.requests[0].headers["x-aws-parameters-secrets-token"], SESSION_TOKEN);
});

test("the secret id is URL-encoded", async (t) => {
  const { fn, extension } = await setup(t);
  process.env.SECRET_ID =
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:lab/db creds+x-AbCdEf";
  const server = await extension([[200, secretBody()]]);

  await fn.handler({});

  assert.equal(
    server.requests[0].path,
    "/secretsmanager/get?secretId=" +
      "arn%3Aaws%3Asecretsmanager%3Aus-east-1%3A123456789012%3Asecret%3Alab%2Fdb%20creds%2Bx-AbCdEf",
  );
});

test("a slash in the secret id is percent-encoded", async (t) => {
  const { fn, extension } = await setup(t);
  const server = await extension([[200, secretBody()]]);

  await fn.handler({});

  assert.equal(server.requests[0].path, "/secretsmanager/get?secretId=secretslab%2Fdemo");
});

// ------------------------------------------------------------------ retries

test("retries while the extension is not ready", async (t) => {
  const { fn, extension } = await setup(t);
  const server = await extension([[400, NOT_READY], [400, NOT_READY], [200, secretBody()]]);

  const result = await fn.handler({});

  assert.equal(result.ok, true);
  assert.equal(result.attempts, 3);
  assert.equal(server.requests.length, 3);
  assert.ok(result.fetch_ms >= 50 + 100 - 5); // the two back-off pauses are timed
});

test("retries on connection refused until the extension starts", async (t) => {
  const { fn, server } = await setup(t);
  const port = await freePort();
  process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT = String(port);
  let started;
  const timer = setTimeout(async () => {
    started = await server([[200, secretBody()]], { port });
  }, 120);

  const result = await fn.handler({});
  clearTimeout(timer);

  assert.equal(result.ok, true, JSON.stringify(result));
  assert.ok(result.attempts >= 2 && result.attempts <= 5);
  assert.equal(started.requests.length, 1);
});

test("gives up after five not-ready answers and caches no failure", async (t) => {
  const { fn, extension } = await setup(t);
  const server = await extension([[400, NOT_READY]]);

  const result = await fn.handler({});

  assert.equal(result.ok, false);
  assert.equal(result.attempts, 5);
  assert.equal(server.requests.length, 5);
  assert.equal(result.error.code, "extension_error");
  assert.equal(result.error.status, 400);
  // The next invocation asks again: nothing of the failure is kept.
  const again = await fn.handler({});
  assert.equal(again.attempts, 5);
  assert.equal(server.requests.length, 10);
});

test("an unreachable extension fails within bounded time", async (t) => {
  const { fn } = await setup(t);
  const port = await freePort();
  process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT = String(port);

  const started = performance.now();
  const result = await fn.handler({});
  const elapsed = performance.now() - started;

  assert.deepEqual(keysOf(result), FAILURE_KEYS);
  assert.equal(result.ok, false);
  assert.equal(result.attempts, 5);
  assert.equal(result.error.code, "extension_unreachable");
  assert.equal(result.error.status, null);
  assert.ok(result.error.message.includes(String(port)));
  assert.ok(result.error.message.includes("layer"));
  assert.ok(elapsed >= 700 && elapsed < 1500, `${elapsed} ms`);
  assert.ok(result.fetch_ms >= 700);
});

test("the default port is 2773", async (t) => {
  const { fn } = await setup(t);
  assert.equal(fn.extensionPort({}), 2773);
  assert.equal(
    fn.extensionUrl("a/b", 2773),
    "http://localhost:2773/secretsmanager/get?secretId=a%2Fb",
  );
});

test("a bad port is not configured", async (t) => {
  const { fn } = await setup(t);
  process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT = "http";

  const result = await fn.handler({});

  assert.equal(result.error.code, "not_configured");
  assert.ok(result.error.message.includes("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT"));
});

test("a hung extension times out without retry", async (t) => {
  const { fn, extension } = await setup(t);
  fn.limits.requestTimeoutMs = 200; // the module is loaded afresh for every test
  const server = await extension([[200, secretBody()]], { replyDelayMs: 1000 });

  const result = await fn.handler({});

  assert.equal(result.error.code, "extension_unreachable");
  assert.equal(result.attempts, 1);
  assert.equal(server.requests.length, 1);
  assert.ok(result.fetch_ms >= 200 && result.fetch_ms < 900, `${result.fetch_ms}`);
});

// ------------------------------------------------------------- HTTP errors

test("403 is bad_token and not retried", async (t) => {
  const { fn, extension } = await setup(t);
  const server = await extension([[403, "Bad Token"], [200, secretBody()]]);

  const result = await fn.handler({});

  assert.equal(result.ok, false);
  assert.equal(result.attempts, 1);
  assert.equal(server.requests.length, 1);
  assert.equal(result.error.code, "bad_token");
  assert.equal(result.error.status, 403);
  assert.ok(result.error.message.includes("AWS_SESSION_TOKEN"));
  assert.ok(!JSON.stringify(result).includes(SESSION_TOKEN));
});

for (const status of [400, 404, 500]) {
  test(`HTTP ${status} is an extension error with its status`, async (t) => {
    const { fn, extension } = await setup(t);
    const server = await extension([[status, NOT_FOUND_BODY], [200, secretBody()]]);

    const result = await fn.handler({});

    assert.equal(result.ok, false);
    assert.equal(result.attempts, 1);
    assert.equal(server.requests.length, 1);
    assert.equal(result.error.code, "extension_error");
    assert.equal(result.error.status, status);
    assert.ok(result.error.message.includes(`HTTP ${status}`));
    assert.ok(result.error.message.includes("ResourceNotFoundException"));
    assert.ok(!result.error.message.includes("\n"));
  });
}

test("a long error body is truncated", async (t) => {
  const { fn, extension } = await setup(t);
  await extension([[400, "x".repeat(5000)]]);

  const { message } = (await fn.handler({})).error;

  assert.ok(message.includes("x".repeat(200)));
  assert.ok(!message.includes("x".repeat(201)));
  assert.ok(message.length < 400);
});

test("an error body that looks like a secret is withheld", async (t) => {
  const { fn, extension } = await setup(t);
  await extension([[500, secretBody()]]);

  const result = await fn.handler({});

  assert.equal(result.error.code, "extension_error");
  assert.ok(result.error.message.includes("withheld"));
  assertNoSecretIn(JSON.stringify(result));
});

// ------------------------------------------------------------- body shapes

test("a non-JSON SecretString is a single value", async (t) => {
  const { fn, extension } = await setup(t);
  await extension([[200, secretBody("plain-text-secret")]]);

  const masked = (await fn.handler({})).secret;
  const revealed = (await fn.handler({ reveal: true })).secret;

  assert.deepEqual(masked.keys, ["value"]);
  assert.deepEqual(masked.values, { value: "********" });
  assert.deepEqual(revealed.values, { value: "plain-text-secret" });
});

for (const secretString of ['["a", "b"]', "42", '"quoted"', "{not json", "null"]) {
  test(`JSON that is not an object is a single value (${secretString})`, async (t) => {
    const { fn, extension } = await setup(t);
    await extension([[200, secretBody(secretString)]]);

    const { secret } = await fn.handler({ reveal: true });

    assert.deepEqual(secret.keys, ["value"]);
    assert.deepEqual(secret.values, { value: secretString });
  });
}

test("a binary-only secret", async (t) => {
  const { fn, extension } = await setup(t);
  await extension([[200, secretBody(null, { SecretBinary: "AAECAwQ=" })]]);

  const masked = (await fn.handler({})).secret;
  const revealed = (await fn.handler({ reveal: true })).secret;

  assert.deepEqual(masked.keys, ["binary"]);
  assert.deepEqual(masked.values, { binary: "********" });
  assert.deepEqual(revealed.values, { binary: "AAECAwQ=" });
});

for (const body of [
  `definitely not json ${SECRET.password}`,
  JSON.stringify(["ARN", SECRET.password]),
  JSON.stringify({ ARN: "arn", Name: "n" }),
]) {
  test(`an unexpected 200 body is bad_response (${body.slice(0, 12)})`, async (t) => {
    const { fn, extension } = await setup(t);
    await extension([[200, body]]);

    const result = await fn.handler({});

    assert.equal(result.ok, false);
    assert.equal(result.error.code, "bad_response");
    assert.equal(result.error.status, 200);
    assertNoSecretIn(JSON.stringify(result));
  });
}

test("a missing SECRET_ID is not configured", async (t) => {
  const { fn, extension } = await setup(t);
  delete process.env.SECRET_ID;
  const server = await extension([[200, secretBody()]]);

  const result = await fn.handler({});

  assert.deepEqual(keysOf(result), FAILURE_KEYS);
  assert.deepEqual(result.error, {
    code: "not_configured",
    status: null,
    message: result.error.message,
  });
  for (const name of ["SECRET_ID", "DB_PASSWORD", "DB_PASSWORD_SECRET_ID", "DB_PASSWORD_PARAMETER_NAME"]) {
    assert.ok(result.error.message.includes(name), name);
  }
  assert.equal(result.attempts, 0);
  assert.equal(server.requests.length, 0);
});

test("Parameter Store reads the decrypted parameter", async (t) => {
  const { fn, logs, extension } = await setup(t);
  delete process.env.SECRET_ID;
  process.env.PARAMETER_NAME = PARAMETER_NAME;
  const server = await extension([[200, parameterBody()]]);

  const result = await fn.handler({ reveal: true });

  assert.equal(result.ok, true, JSON.stringify(result));
  assert.equal(result.secret.name, PARAMETER_NAME);
  assert.ok(result.secret.arn.endsWith(":parameter/secretslab-demo/credentials"));
  assert.equal(result.secret.version_id, "3");
  assert.deepEqual(result.secret.values, SECRET);
  assert.equal(server.requests.length, 1);
  assert.equal(server.requests[0].method, "GET");
  assert.equal(
    server.requests[0].path,
    "/systemsmanager/parameters/get?name=%2Fsecretslab-demo%2Fcredentials&withDecryption=true",
  );
  assert.equal(server.requests[0].headers["x-aws-parameters-secrets-token"], SESSION_TOKEN);
  const masked = await fn.handler({});
  assertNoSecretIn(JSON.stringify(masked) + logs.join("\n"));
});

test("a Parameter Store body without a value is bad_response", async (t) => {
  const { fn, extension } = await setup(t);
  delete process.env.SECRET_ID;
  process.env.PARAMETER_NAME = PARAMETER_NAME;
  await extension([[200, JSON.stringify({ Parameter: { Name: PARAMETER_NAME } })]]);

  const result = await fn.handler({});

  assert.equal(result.ok, false);
  assert.equal(result.error.code, "bad_response");
});

test("an unknown mode is reported, not thrown", async (t) => {
  const { fn, extension } = await setup(t);
  const server = await extension([[200, secretBody()]]);

  const result = await fn.handler({ mode: "carrier-pigeon" });

  assert.equal(result.ok, false);
  assert.equal(result.error.code, "not_configured");
  assert.equal(server.requests.length, 0);
});

for (const event of [null, undefined, [], "x"]) {
  test(`odd events mean defaults (${JSON.stringify(event)})`, async (t) => {
    const { fn, extension } = await setup(t);
    await extension([[200, secretBody()]]);

    const result = await fn.handler(event);

    assert.equal(result.ok, true);
    assert.equal(result.mode, "extension");
  });
}

// ---------------------------------------------------------------- direct mode

const AKID = "AKIDEXAMPLE";
const SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const AUTH_RE =
  /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/(?<date>20\d{6})\/us-east-1\/(?<service>[a-z]+)\/aws4_request, SignedHeaders=(?<signed>[a-z0-9;-]+), Signature=(?<signature>[0-9a-f]{64})$/;

/** Direct mode's credentials, and a fake store endpoint as AWS_ENDPOINT_URL. */
async function directSetup(t, replies) {
  const context = await setup(t);
  process.env.AWS_REGION = "us-east-1";
  process.env.AWS_ACCESS_KEY_ID = AKID;
  process.env.AWS_SECRET_ACCESS_KEY = SECRET_ACCESS_KEY;
  if (!replies) return context;
  const store = await context.server(replies);
  process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${store.port}`;
  return { ...context, store };
}

/** Recompute the SigV4 signature from the request as it arrived on the wire. */
function expectedSignature(request, secretKey, region, service) {
  const match = AUTH_RE.exec(request.headers.authorization);
  const amzDate = request.headers["x-amz-date"];
  const canonical = [
    request.method,
    request.path,
    "",
    match.groups.signed
      .split(";")
      .map((name) => `${name}:${request.headers[name].trim()}\n`)
      .join(""),
    match.groups.signed,
    createHash("sha256").update(request.body).digest("hex"),
  ].join("\n");
  const scope = `${amzDate.slice(0, 8)}/${region}/${service}/aws4_request`;
  const toSign = [
    "AWS4-HMAC-SHA256",
    amzDate,
    scope,
    createHash("sha256").update(canonical).digest("hex"),
  ].join("\n");
  let key = Buffer.from(`AWS4${secretKey}`);
  for (const part of [amzDate.slice(0, 8), region, service, "aws4_request"]) {
    key = createHmac("sha256", key).update(part).digest();
  }
  return createHmac("sha256", key).update(toSign).digest("hex");
}

test("direct mode sends a signed GetSecretValue", async (t) => {
  const { fn, logs, store } = await directSetup(t, [[200, secretBody()]]);

  const result = await fn.handler({ mode: "direct" });

  assert.equal(result.ok, true, JSON.stringify(result));
  assert.equal(result.mode, "direct");
  assert.equal(result.attempts, 1);
  assert.equal(result.source, "store");
  assert.deepEqual(result.secret.keys, ["password", "username"]);
  assert.deepEqual(result.secret.values, MASKED);
  assertNoSecretIn(JSON.stringify(result) + logs.join("\n"));

  assert.equal(store.requests.length, 1);
  const [request] = store.requests;
  assert.equal(request.method, "POST");
  assert.equal(request.path, "/");
  assert.deepEqual(JSON.parse(request.body), { SecretId: SECRET_ID });
  assert.equal(request.headers["x-amz-target"], "secretsmanager.GetSecretValue");
  assert.equal(request.headers["content-type"], "application/x-amz-json-1.1");
  assert.equal(request.headers["x-amz-security-token"], SESSION_TOKEN);
  assert.equal(request.headers.host, `127.0.0.1:${store.port}`);
  assert.match(request.headers["x-amz-date"], /^20\d{6}T\d{6}Z$/);
  const match = AUTH_RE.exec(request.headers.authorization);
  assert.ok(match, request.headers.authorization);
  assert.equal(match.groups.date, request.headers["x-amz-date"].slice(0, 8));
  assert.equal(match.groups.signed, "content-type;host;x-amz-date;x-amz-security-token;x-amz-target");
  assert.equal(
    match.groups.signature,
    expectedSignature(request, SECRET_ACCESS_KEY, "us-east-1", "secretsmanager"),
  );
});

test("direct mode sends a signed GetParameter", async (t) => {
  const { fn, store } = await directSetup(t, [[200, parameterBody()]]);
  delete process.env.SECRET_ID;
  process.env.PARAMETER_NAME = PARAMETER_NAME;

  const result = await fn.handler({ mode: "direct", reveal: true });

  assert.equal(result.ok, true, JSON.stringify(result));
  assert.deepEqual(result.secret.values, SECRET);
  const [request] = store.requests;
  assert.deepEqual(JSON.parse(request.body), { Name: PARAMETER_NAME, WithDecryption: true });
  assert.equal(request.headers["x-amz-target"], "AmazonSSM.GetParameter");
  const match = AUTH_RE.exec(request.headers.authorization);
  assert.equal(match.groups.service, "ssm");
  assert.equal(match.groups.signature, expectedSignature(request, SECRET_ACCESS_KEY, "us-east-1", "ssm"));
});

test("direct mode without a session token signs no token", async (t) => {
  const { fn, store } = await directSetup(t, [[200, secretBody()]]);
  delete process.env.AWS_SESSION_TOKEN;

  assert.deepEqual((await fn.handler({ mode: "direct", reveal: true })).secret.values, SECRET);

  const [request] = store.requests;
  assert.equal(request.headers["x-amz-security-token"], undefined);
  assert.equal(
    AUTH_RE.exec(request.headers.authorization).groups.signed,
    "content-type;host;x-amz-date;x-amz-target",
  );
});

test("a service error in direct mode is direct_error", async (t) => {
  const body = JSON.stringify({ __type: "AccessDeniedException", Message: "not authorized" });
  const { fn } = await directSetup(t, [[400, body]]);

  const result = await fn.handler({ mode: "direct" });

  assert.equal(result.ok, false);
  assert.equal(result.attempts, 1);
  assert.equal(result.error.code, "direct_error");
  assert.equal(result.error.status, 400);
  assert.ok(result.error.message.includes("AccessDeniedException"));
});

test("an unreachable endpoint in direct mode is direct_error", async (t) => {
  const { fn } = await directSetup(t);
  process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${await freePort()}`;

  const result = await fn.handler({ mode: "direct" });

  assert.equal(result.error.code, "direct_error");
  assert.equal(result.error.status, null);
  assert.equal(result.attempts, 1);
});

test("a malformed endpoint in direct mode is direct_error", async (t) => {
  const { fn } = await directSetup(t);
  process.env.AWS_ENDPOINT_URL = "not a url";

  const result = await fn.handler({ mode: "direct" });

  assert.equal(result.error.code, "direct_error");
  assert.equal(result.error.status, null);
});

test("direct mode needs credentials", async (t) => {
  const { fn } = await setup(t);
  process.env.AWS_REGION = "us-east-1";

  const result = await fn.handler({ mode: "direct" });

  assert.equal(result.error.code, "not_configured");
  assert.ok(result.error.message.includes("AWS_ACCESS_KEY_ID"));
  assert.ok(result.error.message.includes("AWS_SECRET_ACCESS_KEY"));
});

// ---------------------------------------------------------------- legacy mode

const PLAINTEXT = { DB_USER: "legacy_app_user", DB_PASSWORD: "Plaintext-Pa55word-before" };
const MIGRATED = { DB_USER: "migrated_app_user", DB_PASSWORD: "St0red-Pa55word-after" };
const OTHER_SECRET_ID = "secretslab/demo-password";
const LEGACY_SUCCESS_LOG =
  /^secretslab: mode=(extension|direct) ok=true cold_start=(true|false) fetch_ms=\d+\.\d{3} attempts=\d+$/;
const LEGACY_MASKED = { DB_PASSWORD: "********", DB_USER: "********" };

function assertNoLegacyValueIn(text) {
  for (const value of [...Object.values(PLAINTEXT), ...Object.values(MIGRATED)]) {
    assert.ok(!text.includes(value), "a legacy value leaked");
  }
}

/** Neither SECRET_ID nor PARAMETER_NAME: the handler is in legacy mode. */
async function legacySetup(t, variables) {
  const context = await setup(t);
  delete process.env.SECRET_ID;
  Object.assign(process.env, variables);
  return context;
}

const migratedBody = (document = MIGRATED) => secretBody(JSON.stringify(document));

test("the legacy keys are DB_USER and DB_PASSWORD", async (t) => {
  const { fn } = await setup(t);
  assert.deepEqual(fn.LEGACY_KEYS, ["DB_USER", "DB_PASSWORD"]);
});

test("legacy plaintext only is environment, and masked", async (t) => {
  const { fn, logs, extension } = await legacySetup(t, PLAINTEXT);
  const server = await extension([[200, migratedBody()]]);

  const result = await fn.handler({});

  assert.deepEqual(keysOf(result), SUCCESS_KEYS);
  assert.equal(result.ok, true, JSON.stringify(result));
  assert.equal(result.source, "environment");
  assert.equal(result.attempts, 0);
  assert.equal(server.requests.length, 0);
  const secret = result.secret;
  assert.deepEqual(keysOf(secret), SECRET_KEYS);
  assert.equal(secret.name, "environment");
  assert.equal(secret.arn, "");
  assert.equal(secret.version_id, "");
  assert.deepEqual(secret.version_stages, []);
  assert.deepEqual(secret.keys, ["DB_PASSWORD", "DB_USER"]);
  assert.deepEqual(secret.values, LEGACY_MASKED);
  assertNoLegacyValueIn(JSON.stringify(result) + logs.join("\n"));

  const revealed = await fn.handler({ reveal: true });
  assert.deepEqual(revealed.secret.values, PLAINTEXT);
});

test("legacy: only the password in plaintext is enough", async (t) => {
  const { fn } = await legacySetup(t, { DB_PASSWORD: PLAINTEXT.DB_PASSWORD });

  const result = await fn.handler({ reveal: true });

  assert.equal(result.source, "environment");
  assert.deepEqual(result.secret.values, { DB_PASSWORD: PLAINTEXT.DB_PASSWORD });
});

test("legacy: references beside the plaintext win", async (t) => {
  const { fn, logs, extension } = await legacySetup(t, {
    ...PLAINTEXT,
    DB_USER_SECRET_ID: SECRET_ID,
    DB_PASSWORD_SECRET_ID: SECRET_ID,
  });
  const server = await extension([[200, migratedBody()]]);

  const result = await fn.handler({ reveal: true });

  assert.equal(result.ok, true, JSON.stringify(result));
  assert.equal(result.source, "store");
  assert.deepEqual(result.secret.values, MIGRATED);
  assert.equal(result.secret.name, SECRET_ID);
  assert.ok(result.secret.arn.endsWith(":secret:secretslab/demo-AbCdEf"));
  assert.equal(result.secret.version_id, "EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE");
  assert.deepEqual(result.secret.version_stages, ["AWSCURRENT"]);
  for (const value of Object.values(PLAINTEXT)) assert.ok(!JSON.stringify(result).includes(value));
  assert.equal(server.requests.length, 1);
  assert.equal(server.requests[0].path, "/secretsmanager/get?secretId=secretslab%2Fdemo");
  assert.equal(server.requests[0].headers["x-aws-parameters-secrets-token"], SESSION_TOKEN);

  const masked = await fn.handler({});
  assert.deepEqual(masked.secret.values, LEGACY_MASKED);
  assertNoLegacyValueIn(JSON.stringify(masked) + logs.join("\n"));
});

test("legacy: one key referenced and one in plaintext is mixed", async (t) => {
  const { fn, extension } = await legacySetup(t, { ...PLAINTEXT, DB_PASSWORD_SECRET_ID: SECRET_ID });
  const server = await extension([[200, migratedBody()]]);

  const result = await fn.handler({ reveal: true });

  assert.equal(result.ok, true, JSON.stringify(result));
  assert.equal(result.source, "mixed");
  assert.deepEqual(result.secret.values, {
    DB_USER: PLAINTEXT.DB_USER,
    DB_PASSWORD: MIGRATED.DB_PASSWORD,
  });
  assert.equal(result.secret.name, SECRET_ID);
  assert.equal(server.requests.length, 1);
});

test("legacy: a reference without plaintext beside it counts as store", async (t) => {
  const { fn, extension } = await legacySetup(t, { DB_PASSWORD_SECRET_ID: SECRET_ID });
  await extension([[200, migratedBody()]]);

  const result = await fn.handler({ reveal: true });

  assert.equal(result.source, "store");
  assert.deepEqual(result.secret.values, { DB_PASSWORD: MIGRATED.DB_PASSWORD });
});

test("legacy: two keys referencing one secret fetch it once (direct)", async (t) => {
  const { fn, store } = await directSetup(t, [[200, migratedBody()]]);
  delete process.env.SECRET_ID;
  Object.assign(process.env, { DB_USER_SECRET_ID: SECRET_ID, DB_PASSWORD_SECRET_ID: SECRET_ID });

  const result = await fn.handler({ mode: "direct", reveal: true });

  assert.equal(result.ok, true, JSON.stringify(result));
  assert.equal(result.mode, "direct");
  assert.equal(result.source, "store");
  assert.equal(result.attempts, 1);
  assert.deepEqual(result.secret.values, MIGRATED);
  assert.equal(store.requests.length, 1);
  assert.deepEqual(JSON.parse(store.requests[0].body), { SecretId: SECRET_ID });
  assert.equal(store.requests[0].headers["x-amz-target"], "secretsmanager.GetSecretValue");
});

test("legacy: each invocation fetches again", async (t) => {
  const { fn, extension } = await legacySetup(t, {
    DB_USER_SECRET_ID: SECRET_ID,
    DB_PASSWORD_SECRET_ID: SECRET_ID,
  });
  const server = await extension([[200, migratedBody()]]);

  await fn.handler({});
  await fn.handler({});

  assert.equal(server.requests.length, 2); // once per invocation, not once forever
});

test("legacy: two secrets are both fetched and named", async (t) => {
  const { fn, extension } = await legacySetup(t, {
    DB_USER_SECRET_ID: SECRET_ID,
    DB_PASSWORD_SECRET_ID: OTHER_SECRET_ID,
  });
  const server = await extension([[200, migratedBody()]]);

  const result = await fn.handler({ reveal: true });

  assert.equal(result.ok, true, JSON.stringify(result));
  assert.equal(result.attempts, 2);
  assert.equal(result.secret.name, `${SECRET_ID},${OTHER_SECRET_ID}`);
  assert.equal(result.secret.version_id, "");
  assert.deepEqual(result.secret.values, MIGRATED);
  assert.deepEqual(
    server.requests.map((r) => r.path),
    [
      "/secretsmanager/get?secretId=secretslab%2Fdemo",
      "/secretsmanager/get?secretId=secretslab%2Fdemo-password",
    ],
  );
});

test("legacy: a parameter reference", async (t) => {
  const { fn, logs, extension } = await legacySetup(t, {
    ...PLAINTEXT,
    DB_USER_PARAMETER_NAME: PARAMETER_NAME,
    DB_PASSWORD_PARAMETER_NAME: PARAMETER_NAME,
  });
  const server = await extension([[200, parameterBody(JSON.stringify(MIGRATED))]]);

  const result = await fn.handler({ reveal: true });

  assert.equal(result.ok, true, JSON.stringify(result));
  assert.equal(result.source, "store");
  assert.deepEqual(result.secret.values, MIGRATED);
  assert.equal(result.secret.name, PARAMETER_NAME);
  assert.ok(result.secret.arn.endsWith(":parameter/secretslab-demo/credentials"));
  assert.equal(result.secret.version_id, "3");
  assert.equal(server.requests.length, 1);
  assert.equal(
    server.requests[0].path,
    "/systemsmanager/parameters/get?name=%2Fsecretslab-demo%2Fcredentials&withDecryption=true",
  );
  assertNoLegacyValueIn(logs.join("\n"));
});

test("legacy: a parameter reference in direct mode", async (t) => {
  const { fn, store } = await directSetup(t, [[200, parameterBody(JSON.stringify(MIGRATED))]]);
  delete process.env.SECRET_ID;
  Object.assign(process.env, {
    DB_PASSWORD_PARAMETER_NAME: PARAMETER_NAME,
    DB_USER: PLAINTEXT.DB_USER,
  });

  const result = await fn.handler({ mode: "direct", reveal: true });

  assert.equal(result.ok, true, JSON.stringify(result));
  assert.equal(result.source, "mixed");
  assert.deepEqual(result.secret.values, {
    DB_USER: PLAINTEXT.DB_USER,
    DB_PASSWORD: MIGRATED.DB_PASSWORD,
  });
  assert.deepEqual(JSON.parse(store.requests[0].body), { Name: PARAMETER_NAME, WithDecryption: true });
  assert.equal(store.requests[0].headers["x-amz-target"], "AmazonSSM.GetParameter");
});

test("legacy: a secret reference wins over a parameter reference", async (t) => {
  const { fn, extension } = await legacySetup(t, {
    DB_PASSWORD_SECRET_ID: SECRET_ID,
    DB_PASSWORD_PARAMETER_NAME: PARAMETER_NAME,
  });
  const server = await extension([[200, migratedBody()]]);

  const result = await fn.handler({});

  assert.equal(result.ok, true, JSON.stringify(result));
  assert.deepEqual(
    server.requests.map((r) => r.path),
    ["/secretsmanager/get?secretId=secretslab%2Fdemo"],
  );
});

test("legacy: a blank reference falls back to the plaintext", async (t) => {
  const { fn, extension } = await legacySetup(t, {
    DB_PASSWORD: PLAINTEXT.DB_PASSWORD,
    DB_PASSWORD_SECRET_ID: "  ",
  });
  const server = await extension([[200, migratedBody()]]);

  const result = await fn.handler({ reveal: true });

  assert.equal(result.source, "environment");
  assert.deepEqual(result.secret.values, { DB_PASSWORD: PLAINTEXT.DB_PASSWORD });
  assert.equal(server.requests.length, 0);
});

test("legacy: a missing member is not configured", async (t) => {
  const { fn, logs, extension } = await legacySetup(t, {
    ...PLAINTEXT,
    DB_USER_SECRET_ID: SECRET_ID,
    DB_PASSWORD_SECRET_ID: SECRET_ID,
  });
  await extension([[200, migratedBody({ DB_USER: MIGRATED.DB_USER, note: MIGRATED.DB_PASSWORD })]]);

  const result = await fn.handler({ reveal: true });

  assert.deepEqual(keysOf(result), FAILURE_KEYS);
  assert.equal(result.ok, false);
  assert.equal(result.error.code, "not_configured");
  assert.equal(result.error.status, null);
  for (const part of ["DB_PASSWORD_SECRET_ID", SECRET_ID, "member DB_PASSWORD"]) {
    assert.ok(result.error.message.includes(part), part);
  }
  assertNoLegacyValueIn(JSON.stringify(result) + logs.join("\n"));
});

for (const [label, secretString] of [
  ["plain", MIGRATED.DB_PASSWORD],
  ["array", JSON.stringify([MIGRATED.DB_PASSWORD])],
  ["broken-json", `{broken ${MIGRATED.DB_PASSWORD}`],
]) {
  test(`legacy: a document that is not an object is not configured (${label})`, async (t) => {
    const { fn, extension } = await legacySetup(t, { DB_PASSWORD_SECRET_ID: SECRET_ID });
    await extension([[200, secretBody(secretString)]]);

    const result = await fn.handler({ reveal: true });

    assert.equal(result.error.code, "not_configured");
    assert.ok(result.error.message.includes("DB_PASSWORD_SECRET_ID"));
    assert.ok(result.error.message.includes("not a JSON object"));
    assertNoLegacyValueIn(JSON.stringify(result));
  });
}

test("legacy: a binary secret is not configured", async (t) => {
  const { fn, extension } = await legacySetup(t, { DB_PASSWORD_SECRET_ID: SECRET_ID });
  await extension([[200, secretBody(null, { SecretBinary: "AAECAwQ=" })]]);

  const result = await fn.handler({ reveal: true });

  assert.equal(result.error.code, "not_configured");
  assert.ok(!JSON.stringify(result).includes("AAECAwQ="));
});

test("legacy: a missing parameter member names the parameter", async (t) => {
  const { fn, extension } = await legacySetup(t, { DB_USER_PARAMETER_NAME: PARAMETER_NAME });
  await extension([[200, parameterBody(JSON.stringify({ DB_PASSWORD: MIGRATED.DB_PASSWORD }))]]);

  const result = await fn.handler({});

  const { message } = result.error;
  assert.equal(result.error.code, "not_configured");
  for (const part of ["DB_USER_PARAMETER_NAME", PARAMETER_NAME, "member DB_USER"]) {
    assert.ok(message.includes(part), part);
  }
  assertNoLegacyValueIn(JSON.stringify(result));
});

test("legacy: a fetch failure is reported as usual", async (t) => {
  const { fn, extension } = await legacySetup(t, { ...PLAINTEXT, DB_PASSWORD_SECRET_ID: SECRET_ID });
  await extension([[404, NOT_FOUND_BODY]]);

  const result = await fn.handler({});

  assert.equal(result.error.code, "extension_error");
  assert.equal(result.error.status, 404);
  assertNoLegacyValueIn(JSON.stringify(result));
});

test("legacy: an unknown mode is not configured", async (t) => {
  const { fn, extension } = await legacySetup(t, { ...PLAINTEXT, DB_PASSWORD_SECRET_ID: SECRET_ID });
  const server = await extension([[200, migratedBody()]]);

  const result = await fn.handler({ mode: "carrier-pigeon" });

  assert.equal(result.error.code, "not_configured");
  assert.ok(result.error.message.includes("carrier-pigeon"));
  assert.equal(server.requests.length, 0);
});

test("SECRET_ID turns legacy mode off", async (t) => {
  const { fn, extension } = await setup(t);
  Object.assign(process.env, PLAINTEXT, { DB_PASSWORD_SECRET_ID: OTHER_SECRET_ID });
  const server = await extension([[200, secretBody()]]);

  const result = await fn.handler({ reveal: true });

  assert.equal(result.source, "store");
  assert.deepEqual(result.secret.values, SECRET);
  assert.deepEqual(
    server.requests.map((r) => r.path),
    ["/secretsmanager/get?secretId=secretslab%2Fdemo"],
  );
});

for (const [label, variables] of [
  ["environment", PLAINTEXT],
  ["store", { ...PLAINTEXT, DB_USER_SECRET_ID: SECRET_ID, DB_PASSWORD_SECRET_ID: SECRET_ID }],
  ["mixed", { ...PLAINTEXT, DB_PASSWORD_SECRET_ID: SECRET_ID }],
]) {
  test(`legacy: the log line holds no value (${label})`, async (t) => {
    const { fn, logs, extension } = await legacySetup(t, variables);
    await extension([[200, migratedBody()]]);

    const result = await fn.handler({ reveal: true });

    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(logs.length, 1);
    assert.match(logs[0], LEGACY_SUCCESS_LOG);
    assertNoLegacyValueIn(logs[0]);
  });
}

// ---------------------------------------------------------------- SigV4 vectors

const SUITE_DATE = "20150830T123600Z";

function suiteAuthorization(fn, method, url, headers = {}, body = "", service = "service") {
  const signed = fn.signRequest(method, url, headers, body, {
    accessKey: AKID,
    secretKey: SECRET_ACCESS_KEY,
    sessionToken: null,
    region: "us-east-1",
    service,
    amzDate: SUITE_DATE,
  });
  assert.equal(signed["X-Amz-Date"], SUITE_DATE);
  return signed.Authorization;
}

test("the signing key matches the documented example", async (t) => {
  const { fn } = await setup(t);
  const key = fn.deriveSigningKey(SECRET_ACCESS_KEY, "20150830", "us-east-1", "iam");
  assert.equal(key.toString("hex"), "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
});

for (const [label, method, headers, body, signed, signature] of [
  ["get-vanilla", "GET", {}, "", "host;x-amz-date",
    "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"],
  ["post-vanilla", "POST", {}, "", "host;x-amz-date",
    "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"],
  ["post-x-www-form-urlencoded", "POST", { "Content-Type": "application/x-www-form-urlencoded" },
    "Param1=value1", "content-type;host;x-amz-date",
    "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"],
]) {
  test(`SigV4 test suite vector ${label}`, async (t) => {
    const { fn } = await setup(t);
    assert.equal(
      suiteAuthorization(fn, method, "https://example.amazonaws.com/", headers, body),
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " +
        `SignedHeaders=${signed}, Signature=${signature}`,
    );
  });
}

test("SigV4: the documented IAM example with a query", async (t) => {
  const { fn } = await setup(t);
  const authorization = suiteAuthorization(
    fn,
    "GET",
    "https://iam.amazonaws.com/?Version=2010-05-08&Action=ListUsers",
    { "Content-Type": "application/x-www-form-urlencoded; charset=utf-8" },
    "",
    "iam",
  );
  assert.equal(
    authorization,
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, " +
      "SignedHeaders=content-type;host;x-amz-date, " +
      "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
  );
});

test("the session token is signed", async (t) => {
  const { fn } = await setup(t);
  const signed = fn.signRequest("POST", "https://secretsmanager.us-east-1.amazonaws.com/", {}, "{}", {
    accessKey: AKID,
    secretKey: SECRET_ACCESS_KEY,
    sessionToken: "TOKEN",
    region: "us-east-1",
    service: "secretsmanager",
    amzDate: SUITE_DATE,
  });
  assert.equal(signed["X-Amz-Security-Token"], "TOKEN");
  assert.ok(signed.Authorization.includes("SignedHeaders=host;x-amz-date;x-amz-security-token,"));
  assert.equal(signed.Host, "secretsmanager.us-east-1.amazonaws.com");
});

// ------------------------------------------- the lab's simulated database

const DB_NAME = "/secretslab-demo/simulated-db";
const NEW_SECRET = { username: "lab_admin", password: "N3w-R0tated-Pa55word!" };

/** The simulated database parameter, accepting these credentials. */
function databaseBody(fn, credentials, salt = "5a17") {
  const accepted = credentials.map((c) => ({
    digest: fn.loginDigest(salt, c.username, c.password),
  }));
  return parameterBody(JSON.stringify({ salt, accepted }));
}

/** A fake SSM endpoint for the simulated database, as AWS_ENDPOINT_URL. */
async function databaseSetup(t) {
  const context = await directSetup(t);
  process.env.SIMULATED_DB_PARAMETER = DB_NAME;
  const database = async (replies) => {
    const store = await context.server(replies);
    process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${store.port}`;
    return store;
  };
  t.after(() => delete process.env.SIMULATED_DB_PARAMETER);
  return { ...context, database };
}

test("login ok with accepted credentials", async (t) => {
  const { fn, logs, extension, database } = await databaseSetup(t);
  await extension([[200, secretBody()]]);
  const db = await database([[200, databaseBody(fn, [SECRET])]]);

  const result = await fn.handler({});

  assert.equal(result.login, "ok");
  assert.equal(result.retried, false);
  assert.equal(result.retry_via, null);
  assert.equal(result.served_version_id, result.secret.version_id);
  assert.equal(db.requests.length, 1);
  assert.equal(db.requests[0].headers["x-amz-target"], "AmazonSSM.GetParameter");
  assert.equal(JSON.parse(db.requests[0].body).Name, DB_NAME);
  const out = JSON.stringify(result) + logs.join("\n");
  assertNoSecretIn(out);
  assert.ok(out.includes("login=ok"));
});

test("login refused with a stale password", async (t) => {
  const { fn, extension, database } = await databaseSetup(t);
  await extension([[200, secretBody()]]);
  await database([[200, databaseBody(fn, [NEW_SECRET])]]);

  const result = await fn.handler({});

  assert.equal(result.ok, true);
  assert.equal(result.login, "refused");
  assert.equal(result.retried, false);
});

test("retry on refused refreshes past the cache", async (t) => {
  const { fn, logs, extension, database } = await databaseSetup(t);
  const fresh = secretBody(JSON.stringify(NEW_SECRET), { VersionId: "NEW-VERSION" });
  const server = await extension([
    [200, secretBody()],
    [200, fresh],
  ]);
  await database([[200, databaseBody(fn, [NEW_SECRET])]]);

  const result = await fn.handler({ retry_on_refused: true });

  assert.equal(result.login, "ok");
  assert.equal(result.retried, true);
  assert.equal(result.retry_via, "extension_refresh");
  assert.equal(result.served_version_id, "EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE");
  assert.equal(result.secret.version_id, "NEW-VERSION");
  assert.ok(!server.requests[0].path.includes("refreshNow=true"));
  assert.ok(server.requests[1].path.endsWith("&refreshNow=true"));
  const out = JSON.stringify(result) + logs.join("\n");
  assert.ok(!out.includes(NEW_SECRET.password));
  assert.ok(out.includes("retried=extension_refresh"));
});

test("the retry falls back to the store when refresh is refused", async (t) => {
  const { fn, extension, database } = await databaseSetup(t);
  await extension([
    [200, secretBody()],
    [400, "unknown parameter: refreshNow"],
  ]);
  // One endpoint plays SSM (the database) and Secrets Manager (the retry).
  const db = await database([
    [200, databaseBody(fn, [NEW_SECRET])],
    [200, secretBody(JSON.stringify(NEW_SECRET), { VersionId: "NEW-VERSION" })],
    [200, databaseBody(fn, [NEW_SECRET])],
  ]);

  const result = await fn.handler({ retry_on_refused: true });

  assert.equal(result.retry_via, "direct");
  assert.equal(result.login, "ok");
  assert.equal(db.requests[1].headers["x-amz-target"], "secretsmanager.GetSecretValue");
});

test("no retry unless asked or when accepted", async (t) => {
  const { fn, extension, database } = await databaseSetup(t);
  const server = await extension([[200, secretBody()]]);
  await database([[200, databaseBody(fn, [SECRET])]]);

  const result = await fn.handler({ retry_on_refused: true });

  assert.equal(result.login, "ok");
  assert.equal(result.retried, false);
  assert.equal(server.requests.length, 1);
});

test("an unreadable database is a login error", async (t) => {
  const { fn, extension, database } = await databaseSetup(t);
  await extension([[200, secretBody()]]);
  await database([[400, JSON.stringify({ __type: "ParameterNotFound" })]]);

  const result = await fn.handler({});

  assert.equal(result.ok, true);
  assert.equal(result.login, "error");
  assert.ok(result.login_error.includes("ParameterNotFound"));
});

test("without a database login is unchecked", async (t) => {
  const { fn, extension } = await setup(t);
  await extension([[200, secretBody()]]);

  const result = await fn.handler({ retry_on_refused: true });

  assert.equal(result.login, "unchecked");
  assert.ok(!("login_error" in result));
});

test("credentials without a password are unchecked", async (t) => {
  const { fn, extension, database } = await databaseSetup(t);
  await extension([[200, secretBody(JSON.stringify({ api_key: "k" }))]]);
  const db = await database([[200, "{}"]]);

  const result = await fn.handler({ retry_on_refused: true });

  assert.equal(result.login, "unchecked");
  assert.equal(db.requests.length, 0);
});

test("the login digest is salted, as lambda_function.py's", async (t) => {
  const { fn } = await setup(t);
  const a = fn.loginDigest("s1", "u", "p");
  assert.notEqual(a, fn.loginDigest("s2", "u", "p"));
  assert.equal(a, createHash("sha256").update("s1\nu\np").digest("hex"));
});
