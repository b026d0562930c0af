// Direct mode: the store itself, asked with the AWS SDK for JavaScript v3,
// against a fake AWS endpoint. The same cases as test_direct.py.

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  AKID,
  MASKED,
  PARAMETER_NAME,
  SECRET,
  SECRET_ID,
  SESSION_TOKEN,
  assertNoSecretIn,
  directSetup,
  freePort,
  parameterBody,
  secretBody,
  setup,
} from "./fakes.mjs";

const CREDENTIAL_RE = new RegExp(
  `^AWS4-HMAC-SHA256 Credential=${AKID}/20\\d{6}/us-east-1/(?<service>[a-z]+)/aws4_request, ` +
    "SignedHeaders=(?<signed>[a-z0-9;-]+), Signature=[0-9a-f]{64}$",
);

/** {service, signed header names} of a request the SDK signed. */
function signedFor(request) {
  const match = CREDENTIAL_RE.exec(request.headers.authorization);
  assert.ok(match, request.headers.authorization);
  return { service: match.groups.service, signed: match.groups.signed.split(";") };
}

test("direct mode sends a signed GetSecretValue", async (t) => {
  const { fn, logs, store } = await directSetup(t, [[200, secretBody()]]);

  const result = await fn.handler({ mode: "direct" });

  assert.equal(result.ok, true, JSON.stringify(result));
  assert.equal(result.mode, "direct");
  assert.equal(result.attempts, 1);
  assert.equal(result.source, "store");
  assert.equal(result.from_cache, false);
  assert.deepEqual(result.secret.keys, ["password", "username"]);
  assert.deepEqual(result.secret.values, MASKED);
  assert.equal(result.secret.version_id, "EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE");
  assert.deepEqual(result.secret.version_stages, ["AWSCURRENT"]);
  assertNoSecretIn(JSON.stringify(result) + logs.join("\n"));

  assert.equal(store.requests.length, 1);
  const [request] = store.requests;
  assert.equal(request.method, "POST");
  assert.equal(request.path, "/");
  assert.deepEqual(JSON.parse(request.body), { SecretId: SECRET_ID });
  assert.equal(request.headers["x-amz-target"], "secretsmanager.GetSecretValue");
  assert.equal(request.headers["x-amz-security-token"], SESSION_TOKEN);
  const { service, signed } = signedFor(request);
  assert.equal(service, "secretsmanager");
  for (const name of ["host", "x-amz-date", "x-amz-security-token", "x-amz-target"]) {
    assert.ok(signed.includes(name), name);
  }
});

test("direct mode sends a signed GetParameter", async (t) => {
  const { fn, store } = await directSetup(t, [[200, parameterBody()]]);
  delete process.env.SECRET_ID;
  process.env.PARAMETER_NAME = PARAMETER_NAME;

  const result = await fn.handler({ mode: "direct", reveal: true });

  assert.equal(result.ok, true, JSON.stringify(result));
  assert.deepEqual(result.secret.values, SECRET);
  assert.equal(result.secret.version_id, "3");
  const [request] = store.requests;
  assert.deepEqual(JSON.parse(request.body), { Name: PARAMETER_NAME, WithDecryption: true });
  assert.equal(request.headers["x-amz-target"], "AmazonSSM.GetParameter");
  assert.equal(signedFor(request).service, "ssm");
});

test("direct mode reads a binary secret as base64 text", async (t) => {
  const body = secretBody(null, { SecretBinary: "AAECAwQ=" });
  const { fn } = await directSetup(t, [[200, body]]);

  const result = await fn.handler({ mode: "direct", reveal: true });

  assert.deepEqual(result.secret.values, { binary: "AAECAwQ=" });
});

test("direct mode without a session token signs no token", async (t) => {
  const { fn, store } = await directSetup(t, [[200, secretBody()]]);
  delete process.env.AWS_SESSION_TOKEN;

  assert.deepEqual((await fn.handler({ mode: "direct", reveal: true })).secret.values, SECRET);

  const [request] = store.requests;
  assert.equal(request.headers["x-amz-security-token"], undefined);
  assert.ok(!signedFor(request).signed.includes("x-amz-security-token"));
});

test("a service error in direct mode is direct_error", async (t) => {
  const body = JSON.stringify({ __type: "AccessDeniedException", Message: "not authorized" });
  const { fn, store } = await directSetup(t, [[400, body]]);

  const result = await fn.handler({ mode: "direct" });

  assert.equal(result.ok, false);
  assert.equal(result.attempts, 1);
  assert.equal(store.requests.length, 1); // the SDK does not retry behind the count
  assert.equal(result.error.code, "direct_error");
  assert.equal(result.error.status, 400);
  assert.ok(result.error.message.includes("AccessDeniedException"), result.error.message);
  assert.ok(result.error.message.includes("secretsmanager:GetSecretValue"));
});

test("a server error in direct mode is not retried", async (t) => {
  const body = JSON.stringify({ __type: "InternalServiceError" });
  const { fn, store } = await directSetup(t, [[500, body]]);

  const result = await fn.handler({ mode: "direct" });

  assert.equal(result.error.status, 500);
  assert.equal(result.attempts, 1);
  assert.equal(store.requests.length, 1);
});

test("an unreachable endpoint in direct mode is direct_error", async (t) => {
  const { fn } = await directSetup(t);
  const port = await freePort();
  process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${port}`;

  const result = await fn.handler({ mode: "direct" });

  assert.equal(result.error.code, "direct_error");
  assert.equal(result.error.status, null);
  assert.ok(result.error.message.includes(`127.0.0.1:${port}`), result.error.message);
  assert.equal(result.attempts, 1);
});

test("a malformed endpoint in direct mode is an error, not a throw", async (t) => {
  const { fn } = await directSetup(t);
  process.env.AWS_ENDPOINT_URL = "not a url";

  const result = await fn.handler({ mode: "direct" });

  assert.equal(result.ok, false);
  assert.equal(result.error.status, null);
});

test("an unreadable answer in direct mode is bad_response", async (t) => {
  const { fn } = await directSetup(t, [[200, `not json ${SECRET.password}`]]);

  const result = await fn.handler({ mode: "direct" });

  assert.equal(result.error.code, "bad_response");
  assertNoSecretIn(JSON.stringify(result));
});

test("direct mode needs credentials", async (t) => {
  const { fn } = await setup(t);
  process.env.AWS_REGION = "us-east-1";

  const result = await fn.handler({ mode: "direct" });

  assert.equal(result.error.code, "not_configured");
  assert.ok(result.error.message.includes("AWS_ACCESS_KEY_ID"));
  assert.ok(result.error.message.includes("AWS_SECRET_ACCESS_KEY"));
  assert.ok(!result.error.message.includes("AWS_REGION"));
});
