// index.mjs through a fake extension: the answer, the request, retries, errors.
// The same cases as test_extension.py, so both handlers answer alike.

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  FAILURE_KEYS,
  MASKED,
  NOT_FOUND_BODY,
  NOT_READY,
  PARAMETER_NAME,
  SECRET,
  SECRET_ID,
  SECRET_KEYS,
  SESSION_TOKEN,
  SUCCESS_KEYS,
  assertNoSecretIn,
  freePort,
  keysOf,
  parameterBody,
  secretBody,
  setup,
  sleep,
} from "./fakes.mjs";

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
  assert.equal(fn.extensionPort(), 2773);
  assert.equal(fn.EXTENSION_HOST, "localhost");
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
