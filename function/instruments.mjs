// The lab's measuring instruments around index.mjs's lesson: the Node.js twin
// of lab_instruments.py, building the same answer `secretslab test` reads.
//
// One invocation at a time: it takes the event's options, times the fetch,
// counts HTTP attempts, and answers ok, mode, cold_start, fetch_ms, attempts,
// then source and secret, or error ({code, status, message}); and the login
// fields: "login" ("ok" | "refused" | "unchecked" | "error", with
// "login_error"), "served_version_id" (the version the first fetch was
// served), "from_cache" (a guess from the first fetch's time: true, false or
// null), "retried" and "retry_via" ("extension_refresh" | "direct" | null):
// with event.retry_on_refused true, a refused login is retried once with a
// value fetched past the cache.
//
// event.mode "direct" fetches with the runtime's own SDK instead of the
// extension, so the two paths can be compared (cache vs no cache). Without
// SECRET_ID or PARAMETER_NAME the legacy variables are read (legacy.mjs). The
// lab's simulated database is an SSM parameter (SIMULATED_DB_PARAMETER) of
// salted SHA-256 digests of the credentials it accepts now, read directly,
// never through the extension's cache.

import { createHash, timingSafeEqual } from "node:crypto";

import { fetchLegacy } from "./legacy.mjs";
import {
  FetchError,
  PARAMETER_STORE,
  SECRETS_MANAGER,
  errorSnippet,
  fetchDirect,
  isObject,
  prepareClients,
  secretValues,
} from "./stores.mjs";

export { FetchError } from "./stores.mjs";

export const MASK = "********"; // fixed width, so the mask leaks nothing about length
const NOT_READY_TEXT = "not ready";
const SUPPORTED_MODES = ["extension", "direct"];
const SOURCE_STORE = "store";

const SIMULATED_DB_ENV = "SIMULATED_DB_PARAMETER";
const LOGIN_OK = "ok";
const LOGIN_REFUSED = "refused";
const LOGIN_UNCHECKED = "unchecked";
const LOGIN_ERROR = "error";
// A warm fetch under this many milliseconds is taken as a cache hit.
const CACHE_HIT_MS = 10.0;
const RETRY_VIA_REFRESH = "extension_refresh";
const RETRY_VIA_DIRECT = "direct";

/**
 * The instruments of one execution environment, given the handler's ways of
 * asking the extension ({getSecret, getParameter}).
 */
export function instrumentsFor(extension) {
  let coldStart = true; // until the first invocation here has started
  return {
    invocation(event) {
      const wasCold = coldStart;
      coldStart = false;
      return new Invocation(event, wasCold, extension);
    },
  };
}

/** One call of the handler: its options, its timing, its answer. */
class Invocation {
  constructor(event, coldStart, { getSecret, getParameter }) {
    const ev = isObject(event) ? event : {};
    this.coldStart = coldStart;
    this.mode = String(ev.mode || "extension").slice(0, 40);
    this.reveal = ev.reveal === true; // only a real boolean true reveals
    this.retry = ev.retry_on_refused === true;
    this.viaExtension = new Map([
      [SECRETS_MANAGER, getSecret],
      [PARAMETER_STORE, getParameter],
    ]);
    this.attempts = { count: 0 };
    this.source = null;
    this.started = process.hrtime.bigint();
    this.fetchMs = null;
  }

  /** The configured secret or parameter (or the legacy variables), timed. */
  async fetchCredentials() {
    // Built outside the timing, as a function builds clients at init.
    if (this.mode === "direct") prepareClients();
    this.started = process.hrtime.bigint();
    try {
      const { store, reference } = configuredStore();
      if (store === null) {
        const { body, source } = await fetchLegacy(this, process.env);
        this.source = source;
        return body;
      }
      this.checkMode();
      const body = await this.fetch(store, reference);
      this.source = SOURCE_STORE;
      return body;
    } finally {
      this.fetchMs = this.msSinceStart();
    }
  }

  msSinceStart() {
    return Number(process.hrtime.bigint() - this.started) / 1e6;
  }

  checkMode() {
    if (!SUPPORTED_MODES.includes(this.mode)) {
      throw new FetchError(
        "not_configured",
        `Event mode ${JSON.stringify(this.mode)} is not supported; use "extension" or "direct".`,
      );
    }
  }

  /** One document, through the extension or (direct mode) the SDK. */
  async fetch(store, reference) {
    if (this.mode === "extension") {
      const text = await this.viaExtension.get(store)(reference, this.attempts);
      return store.parseText(text, "The extension");
    }
    return fetchDirect(store, reference, this.attempts);
  }

  /**
   * The login fields; a refused login is retried once past the cache when
   * asked. "body" among them is the value that logged in.
   */
  async logIn(body, logIn) {
    let { login, error } = await checkLogin(body, logIn);
    const fields = { body, login, retried: false, retry_via: null };
    if (login === LOGIN_REFUSED && this.retry && this.mode === "extension") {
      const fresh = await this.fetchFresh();
      if (fresh !== null) {
        fields.body = fresh.body;
        fields.retry_via = fresh.via;
        fields.retried = true;
        ({ login, error } = await checkLogin(fresh.body, logIn));
        fields.login = login;
      }
    }
    if (error) fields.login_error = error;
    return fields;
  }

  /**
   * {body, via} fetched past the cache, or null if that is not possible.
   * Secrets Manager: the extension's refreshNow=true (served by the Secrets
   * Manager Agent and the lab's stand-in); where the extension refuses it, and
   * for Parameter Store, the store itself.
   */
  async fetchFresh() {
    const { store, reference } = configuredStore();
    if (store === null) return null;
    if (store === SECRETS_MANAGER) {
      try {
        const text = await this.viaExtension.get(store)(reference, this.attempts, true);
        return { body: store.parseText(text, "The extension"), via: RETRY_VIA_REFRESH };
      } catch (err) {
        if (!(err instanceof FetchError)) throw err;
      }
    }
    try {
      const body = await fetchDirect(store, reference, this.attempts);
      return { body, via: RETRY_VIA_DIRECT };
    } catch (err) {
      if (!(err instanceof FetchError)) throw err;
      return null;
    }
  }

  answer(body, login) {
    const { body: loggedIn, ...fields } = login;
    return this.finish({
      source: this.source,
      ...fields,
      secret: describeSecret(loggedIn, this.reveal),
      served_version_id: asText(body.VersionId),
      from_cache: this.fromCache(),
    });
  }

  failed(err) {
    if (this.fetchMs === null) this.fetchMs = this.msSinceStart();
    return this.finish({ error: { code: err.code, status: err.status, message: err.message } });
  }

  finish(outcome) {
    const result = {
      ok: "secret" in outcome,
      mode: this.mode,
      cold_start: this.coldStart,
      fetch_ms: Math.round(this.fetchMs * 1000) / 1000,
      attempts: this.attempts.count,
      ...outcome,
    };
    console.log(logLine(result));
    return result;
  }

  fromCache() {
    if (this.mode !== "extension") return false;
    if (this.coldStart) return null; // a shared stand-in may hit even here; unknown
    return this.fetchMs < CACHE_HIT_MS;
  }
}

/** {store, reference} from SECRET_ID / PARAMETER_NAME, or store null. */
function configuredStore() {
  const parameterName = (process.env.PARAMETER_NAME ?? "").trim();
  const secretId = (process.env.SECRET_ID ?? "").trim();
  if (parameterName) return { store: PARAMETER_STORE, reference: parameterName };
  if (secretId) return { store: SECRETS_MANAGER, reference: secretId };
  return { store: null, reference: null };
}

/** Status only: no keys, no values, no error bodies; one line, always. */
function logLine(result) {
  const parts = [
    `mode=${result.mode.split(/\s+/).filter(Boolean).join("_")}`,
    `ok=${result.ok}`,
    `cold_start=${result.cold_start}`,
    `fetch_ms=${result.fetch_ms.toFixed(3)}`,
    `attempts=${result.attempts}`,
  ];
  if (result.ok && result.login !== LOGIN_UNCHECKED) {
    parts.push(`login=${result.login}`);
    if (result.retried) parts.push(`retried=${result.retry_via}`);
  }
  if (!result.ok) {
    parts.push(`error=${result.error.code}`);
    if (result.error.status !== null) parts.push(`status=${result.error.status}`);
  }
  return `secretslab: ${parts.join(" ")}`;
}

// ------------------------------------------------------ the extension's failures

// The extension registers with Lambda asynchronously, so early in a cold
// start it may not listen yet, or may answer 400 "not ready to serve".
export function extensionStarting({ status, text }) {
  return status === null || (status === 400 && text.toLowerCase().includes(NOT_READY_TEXT));
}

export function notAPort(raw) {
  return new FetchError(
    "not_configured",
    `PARAMETERS_SECRETS_EXTENSION_HTTP_PORT is ${JSON.stringify(raw.slice(0, 20))}, which ` +
      "is not a port number from 1 to 65535.",
  );
}

export function unreachable(err, port, { requestTimeoutMs }) {
  if (err.code === "ETIMEDOUT") {
    return new FetchError(
      "extension_unreachable",
      `The extension on localhost port ${port} did not answer within ` +
        `${requestTimeoutMs / 1000} s; check the layer and the function's logs.`,
    );
  }
  return new FetchError(
    "extension_unreachable",
    `Could not talk to the extension on localhost port ${port} ` +
      `(${err.code || err.name}); check that the extension layer is attached.`,
  );
}

export function extensionFailure(answer, port, attemptCount) {
  const { status, text } = answer;
  if (status === null) {
    return new FetchError(
      "extension_unreachable",
      `Nothing answered on localhost port ${port} after ${attemptCount} attempts; the ` +
        "Parameters and Secrets extension layer may be missing or not started.",
    );
  }
  if (status === 403) {
    return new FetchError(
      "bad_token",
      "The extension rejected the request token (HTTP 403); check that the " +
        "X-Aws-Parameters-Secrets-Token header carries the function's AWS_SESSION_TOKEN.",
      status,
    );
  }
  if (extensionStarting(answer)) {
    return new FetchError(
      "extension_error",
      `The extension was still not ready to serve after ${attemptCount} attempts ` +
        "(HTTP 400); invoke again, and check its start-up in the function's logs.",
      status,
    );
  }
  return new FetchError(
    "extension_error",
    `The extension answered HTTP ${status} (${errorSnippet(text)}); check the secret ` +
      "or parameter name and that the role allows secretsmanager:GetSecretValue or " +
      "ssm:GetParameter on it.",
    status,
  );
}

// ------------------------------------------- the lab's simulated database

/** What the simulated database keeps for one accepted login. */
export function loginDigest(salt, username, password) {
  return createHash("sha256").update(`${salt}\n${username}\n${password}`).digest("hex");
}

/** The simulated database is not the lab's JSON document. */
class DatabaseError extends Error {}

/** Whether the simulated database accepts these credentials now. */
export async function databaseAccepts(username, password) {
  const name = (process.env[SIMULATED_DB_ENV] ?? "").trim();
  const database = await fetchDirect(PARAMETER_STORE, name, { count: 0 });
  let salt;
  let accepted;
  try {
    const document = JSON.parse(database.SecretString);
    salt = String(document.salt);
    accepted = document.accepted.map((entry) => String(entry.digest));
  } catch {
    throw new DatabaseError(name);
  }
  const digest = Buffer.from(loginDigest(salt, username, password));
  return accepted.some((d) => {
    const other = Buffer.from(d);
    return other.length === digest.length && timingSafeEqual(other, digest);
  });
}

/** {login, error}: `logIn` with the fetched credentials, classified. */
async function checkLogin(body, logIn) {
  const name = (process.env[SIMULATED_DB_ENV] ?? "").trim();
  const values = secretValues(body);
  // No database, or credentials with no password: nothing to log in with.
  if (!name || typeof values.password !== "string") return { login: LOGIN_UNCHECKED, error: null };
  try {
    const accepted = await logIn(values);
    return { login: accepted ? LOGIN_OK : LOGIN_REFUSED, error: null };
  } catch (err) {
    if (err instanceof FetchError) return { login: LOGIN_ERROR, error: err.message };
    if (!(err instanceof DatabaseError)) throw err;
    return {
      login: LOGIN_ERROR,
      error:
        `The simulated database ${JSON.stringify(name)} is not the lab's JSON ` +
        "document; run `secretslab up` to recreate it.",
    };
  }
}

// ------------------------------------------------------------------- answer

const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/** The "secret" part of the answer; values are masked unless revealed. */
export function describeSecret(body, reveal) {
  const values = secretValues(body);
  const keys = Object.keys(values).sort(cmp);
  const stages = body.VersionStages;
  return {
    name: asText(body.Name),
    arn: asText(body.ARN),
    version_id: asText(body.VersionId),
    version_stages: Array.isArray(stages) ? stages.map(String) : [],
    keys,
    values: Object.fromEntries(keys.map((k) => [k, reveal ? values[k] : MASK])),
  };
}

export function asText(value) {
  return value === undefined || value === null ? "" : String(value);
}
