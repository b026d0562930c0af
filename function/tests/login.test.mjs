// Logging in to the lab's simulated database, and the retry past the cache.
// The same cases as test_login.py.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";

import { loginDigest } from "../instruments.mjs";
import { SECRET, assertNoSecretIn, directSetup, parameterBody, secretBody, setup } from "./fakes.mjs";

const DB_NAME = "/secretslab-demo/simulated-db";
const NEW_SECRET = { username: "lab_admin", password: "N3w-R0tated-Pa55word!" };

/** The simulated database parameter, accepting these credentials. */
function databaseBody(_fn, credentials, salt = "5a17") {
  const accepted = credentials.map((c) => ({
    digest: loginDigest(salt, c.username, c.password),
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
  const a = loginDigest("s1", "u", "p");
  assert.notEqual(a, loginDigest("s2", "u", "p"));
  assert.equal(a, createHash("sha256").update("s1\nu\np").digest("hex"));
});
