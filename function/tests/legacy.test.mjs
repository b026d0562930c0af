// Legacy mode: plaintext DB_USER / DB_PASSWORD, and the references migrate adds.
// The same cases as test_legacy.py.

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
import { directSetup } from "./fakes.mjs";
import { LEGACY_KEYS } from "../legacy.mjs";

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

test("the legacy keys are DB_USER and DB_PASSWORD", () => {
  assert.deepEqual(LEGACY_KEYS, ["DB_USER", "DB_PASSWORD"]);
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
