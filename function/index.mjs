// Read the lab's credentials and report how long it took: the Node.js twin
// of lambda_function.py, with the same behaviour and the same answer.
//
// The credentials live in a Secrets Manager secret (SECRET_ID) or in a
// Parameter Store SecureString parameter (PARAMETER_NAME). Two ways to fetch,
// chosen per invocation by event.mode:
//
// * "extension" (default): ask the AWS Parameters and Secrets Lambda
//   Extension, a layer that runs a caching HTTP server inside this execution
//   environment.
// * "direct": call Secrets Manager GetSecretValue (or SSM GetParameter) over
//   HTTPS, signed with SigV4 by node:crypto, so the two paths can be compared
//   (cache vs no cache). No AWS SDK is needed, so nothing has to be bundled.
//
// When neither SECRET_ID nor PARAMETER_NAME is set, the handler runs in
// legacy mode: DB_USER and DB_PASSWORD from the environment, each replaced by
// the member of the same name of the JSON object that K_SECRET_ID (a secret)
// or else K_PARAMETER_NAME (a SecureString parameter) names, once `secretslab
// migrate` has added those references. The result's "source" is
// "environment", "store" or "mixed" accordingly.
//
// After reading the credentials the handler "logs in" to the lab's simulated
// database: an SSM parameter (SIMULATED_DB_PARAMETER) holding salted SHA-256
// digests of the username/password pairs it accepts now, never the
// passwords. `secretslab rotate` changes it the way a database changes. The
// handler reads it directly (signed GetParameter), never through the
// extension's cache. The answer adds, as lambda_function.py's does: "login"
// ("ok" | "refused" | "unchecked" | "error", with "login_error"),
// "served_version_id" (the version the first fetch was served), "from_cache"
// (a guess from the first fetch's time: true, false or null), "retried" and
// "retry_via" ("extension_refresh" | "direct" | null): with
// event.retry_on_refused true, a refused login is retried once with a value
// fetched past the cache.
//
// Only Node's built-in modules are used, so the deployment package is this
// file. Secret values are masked unless event.reveal is true, and they never
// appear in logs or error messages.

import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import https from "node:https";

export const MASK = "********"; // fixed width, so the mask leaks nothing about length

// AWS documents "localhost"; a refused address is skipped at once.
export const EXTENSION_HOST = "localhost";
export const DEFAULT_EXTENSION_PORT = 2773;
export const TOKEN_HEADER = "X-Aws-Parameters-Secrets-Token";

// Mutable so the tests can shorten them: a miss makes the extension call
// the store first, so allow a slow upstream, well inside the 15 s timeout;
// while the extension starts, at most 5 attempts and 0.75 s of sleeping.
export const limits = {
  requestTimeoutMs: 5000,
  retryDelaysMs: [50, 100, 200, 400],
};
const NOT_READY_TEXT = "not ready";
const ERROR_SNIPPET_CHARS = 200;

// Legacy mode: the plaintext variables a function kept before migration, in
// the order they are resolved, and the suffixes of the references beside them.
export const LEGACY_KEYS = ["DB_USER", "DB_PASSWORD"];
const LEGACY_SECRET_SUFFIX = "_SECRET_ID";
const LEGACY_PARAMETER_SUFFIX = "_PARAMETER_NAME";
const SOURCE_ENVIRONMENT = "environment";
const SOURCE_STORE = "store";
const SOURCE_MIXED = "mixed";
const SUPPORTED_MODES = ["extension", "direct"];

// The lab's simulated database: an SSM parameter of accepted digests.
const SIMULATED_DB_ENV = "SIMULATED_DB_PARAMETER";
const LOGIN_OK = "ok";
const LOGIN_REFUSED = "refused";
const LOGIN_UNCHECKED = "unchecked";
const LOGIN_ERROR = "error";
// A warm fetch under this many milliseconds is taken as a cache hit.
const CACHE_HIT_MS = 10.0;
const RETRY_VIA_REFRESH = "extension_refresh";
const RETRY_VIA_DIRECT = "direct";

const SIGV4_ALGORITHM = "AWS4-HMAC-SHA256";
const AMZ_JSON_CONTENT_TYPE = "application/x-amz-json-1.1";

// True until the first invocation in this execution environment has started.
let coldStart = true;

// Warm invocations reuse one keep-alive connection to the extension, so a
// cache hit costs one local round trip and no new TCP connection.
const extensionAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** An expected failure, turned into the structured error response. */
export class FetchError extends Error {
  constructor(code, message, status = null) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

// ------------------------------------------------------------------ handler

export async function handler(event) {
  const wasCold = coldStart;
  coldStart = false;
  const ev = isObject(event) ? event : {};
  const mode = String(ev.mode || "extension").slice(0, 40);
  const reveal = ev.reveal === true; // only a real boolean true reveals
  const retry = ev.retry_on_refused === true;

  const attempts = { count: 0 };
  const started = process.hrtime.bigint();
  const msSince = () => Number(process.hrtime.bigint() - started) / 1e6;
  let outcome;
  let elapsedMs;
  try {
    const { body, source } = await fetchCredentials(mode, process.env, attempts);
    elapsedMs = msSince();
    const login = await logIn(body, mode, process.env, attempts, retry);
    const { body: loggedIn, ...fields } = login;
    outcome = {
      source,
      ...fields,
      secret: describeSecret(loggedIn, reveal),
      served_version_id: asText(body.VersionId),
      from_cache: fromCache(mode, wasCold, elapsedMs),
    };
  } catch (err) {
    if (!(err instanceof FetchError)) throw err;
    elapsedMs = msSince();
    outcome = { error: { code: err.code, status: err.status, message: err.message } };
  }

  const result = {
    ok: "secret" in outcome,
    mode,
    cold_start: wasCold,
    fetch_ms: Math.round(elapsedMs * 1000) / 1000,
    attempts: attempts.count,
    ...outcome,
  };
  console.log(logLine(result));
  return result;
}

async function fetchCredentials(mode, env, attempts) {
  const parameterName = (env.PARAMETER_NAME ?? "").trim();
  const secretId = (env.SECRET_ID ?? "").trim();
  if (!parameterName && !secretId) return fetchLegacy(mode, env, attempts);
  const store = parameterName ? PARAMETER_STORE : SECRETS_MANAGER;
  checkMode(mode);
  const body = await fetchDocument(mode, store, parameterName || secretId, env, attempts);
  return { body, source: SOURCE_STORE };
}

function checkMode(mode) {
  if (!SUPPORTED_MODES.includes(mode)) {
    throw new FetchError(
      "not_configured",
      `Event mode ${JSON.stringify(mode)} is not supported; use "extension" or "direct".`,
    );
  }
}

async function fetchDocument(mode, store, reference, env, attempts) {
  if (mode === "extension") {
    const payload = await fetchViaExtension(store.path(reference), env, attempts);
    return store.parse(payload, "The extension");
  }
  return fetchDirect(store, reference, env, attempts);
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

function fromCache(mode, wasCold, fetchMs) {
  if (mode !== "extension") return false;
  if (wasCold) return null; // a shared stand-in may hit even here; unknown
  return fetchMs < CACHE_HIT_MS;
}

// ------------------------------------------- the lab's simulated database

/** What the simulated database keeps for one accepted login. */
export function loginDigest(salt, username, password) {
  return sha256Hex(`${salt}\n${username}\n${password}`);
}

/**
 * Log in with the fetched credentials; retry once past the cache when asked.
 * Returns the answer's login fields, and "body": the value that logged in.
 */
async function logIn(body, mode, env, attempts, retry) {
  let { login, error } = await checkLogin(body, env);
  const fields = { body, login, retried: false, retry_via: null };
  if (login === LOGIN_REFUSED && retry && mode === "extension") {
    const fresh = await fetchFresh(env, attempts);
    if (fresh !== null) {
      fields.body = fresh.body;
      fields.retry_via = fresh.via;
      fields.retried = true;
      ({ login, error } = await checkLogin(fresh.body, env));
      fields.login = login;
    }
  }
  if (error) fields.login_error = error;
  return fields;
}

/** {login, error}: the credentials against the accepted digests. */
export async function checkLogin(body, env) {
  const name = (env[SIMULATED_DB_ENV] ?? "").trim();
  const values = secretValues(body);
  const password = values.password;
  // No database, or credentials with no password: nothing to log in with.
  if (!name || typeof password !== "string") return { login: LOGIN_UNCHECKED, error: null };
  let salt;
  let accepted;
  try {
    const database = await fetchDirect(PARAMETER_STORE, name, env, { count: 0 });
    const document = JSON.parse(database.SecretString);
    salt = String(document.salt);
    accepted = document.accepted.map((entry) => String(entry.digest));
  } catch (err) {
    if (err instanceof FetchError) return { login: LOGIN_ERROR, error: err.message };
    return {
      login: LOGIN_ERROR,
      error:
        `The simulated database ${JSON.stringify(name)} is not the lab's JSON ` +
        "document; run `secretslab up` to recreate it.",
    };
  }
  const digest = Buffer.from(loginDigest(salt, String(values.username ?? ""), password));
  const matched = accepted.some((d) => {
    const other = Buffer.from(d);
    return other.length === digest.length && timingSafeEqual(other, digest);
  });
  return { login: matched ? LOGIN_OK : LOGIN_REFUSED, error: null };
}

/**
 * {body, via} fetched past the cache, or null if that is not possible.
 * Secrets Manager: the extension's refreshNow=true (served by the Secrets
 * Manager Agent and the lab's stand-in); where the extension refuses it, and
 * for Parameter Store, the store itself.
 */
async function fetchFresh(env, attempts) {
  const parameterName = (env.PARAMETER_NAME ?? "").trim();
  const secretId = (env.SECRET_ID ?? "").trim();
  if (!parameterName && !secretId) return null;
  if (secretId && !parameterName) {
    try {
      const payload = await fetchViaExtension(
        `${extensionPath(secretId)}&refreshNow=true`,
        env,
        attempts,
      );
      return { body: SECRETS_MANAGER.parse(payload, "The extension"), via: RETRY_VIA_REFRESH };
    } catch (err) {
      if (!(err instanceof FetchError)) throw err;
    }
  }
  const store = parameterName ? PARAMETER_STORE : SECRETS_MANAGER;
  try {
    const body = await fetchDirect(store, parameterName || secretId, env, attempts);
    return { body, via: RETRY_VIA_DIRECT };
  } catch (err) {
    if (!(err instanceof FetchError)) throw err;
    return null;
  }
}

// -------------------------------------------------------------- legacy mode

/**
 * Map each available legacy key to where its value comes from: an object
 * {store, variable, reference} when a reference is set beside it, else null
 * when only the plaintext value is set; a key with neither is left out.
 */
export function legacyPlan(env) {
  const plan = new Map();
  for (const key of LEGACY_KEYS) {
    const secretVar = key + LEGACY_SECRET_SUFFIX;
    const parameterVar = key + LEGACY_PARAMETER_SUFFIX;
    const secretId = (env[secretVar] ?? "").trim();
    const parameterName = (env[parameterVar] ?? "").trim();
    if (secretId) {
      plan.set(key, { store: SECRETS_MANAGER, variable: secretVar, reference: secretId });
    } else if (parameterName) {
      plan.set(key, { store: PARAMETER_STORE, variable: parameterVar, reference: parameterName });
    } else if (key in env) {
      plan.set(key, null);
    }
  }
  return plan;
}

async function fetchLegacy(mode, env, attempts) {
  const plan = legacyPlan(env);
  if (plan.size === 0) {
    const password = LEGACY_KEYS[LEGACY_KEYS.length - 1];
    throw new FetchError(
      "not_configured",
      "Neither SECRET_ID nor PARAMETER_NAME is set; set one on the function to the " +
        "secret's name or ARN, or the parameter's, or set " +
        `${password} (or ${password}${LEGACY_SECRET_SUFFIX} / ` +
        `${password}${LEGACY_PARAMETER_SUFFIX} referring to a JSON object with that ` +
        "member) for legacy mode.",
    );
  }
  checkMode(mode);

  const values = {};
  const documents = new Map(); // "label\0reference" -> {reference, body}, once each
  for (const [key, origin] of plan) {
    if (origin === null) {
      values[key] = env[key];
      continue;
    }
    const { store, variable, reference } = origin;
    const cacheKey = `${store.label}\0${reference}`;
    if (!documents.has(cacheKey)) {
      const body = await fetchDocument(mode, store, reference, env, attempts);
      documents.set(cacheKey, { reference, body });
    }
    values[key] = legacyMember(documents.get(cacheKey).body, key, origin, variable);
  }

  const referenced = [...plan.values()].filter((origin) => origin !== null).length;
  let source = SOURCE_MIXED;
  if (referenced === 0) source = SOURCE_ENVIRONMENT;
  else if (referenced === plan.size) source = SOURCE_STORE;
  return { body: legacyBody(values, [...documents.values()]), source };
}

function legacyMember(body, key, origin, variable) {
  // The document holds secrets: never quote it, or a member, in a message.
  const { store, reference } = origin;
  const parsed = parseJson(body.SecretString);
  const kind = store === SECRETS_MANAGER ? "secret" : "parameter";
  const named = `${variable} names the ${store.label} ${kind} ${JSON.stringify(reference)}`;
  if (!isObject(parsed)) {
    throw new FetchError(
      "not_configured",
      `${named}, whose value is not a JSON object; ${key} must be a member of one.`,
    );
  }
  if (!Object.hasOwn(parsed, key)) {
    throw new FetchError(
      "not_configured",
      `${named}, whose JSON object has no member ${key}; add it, or remove ${variable}.`,
    );
  }
  return parsed[key];
}

/** A secret-shaped body holding the resolved legacy values. */
function legacyBody(values, documents) {
  const single = documents.length === 1 ? documents[0].body : {};
  const arns = documents.map((d) => asText(d.body.ARN));
  return {
    Name: documents.map((d) => d.reference).join(",") || SOURCE_ENVIRONMENT,
    ARN: arns.some(Boolean) ? arns.join(",") : null,
    VersionId: single.VersionId ?? null,
    VersionStages: single.VersionStages || [],
    SecretString: JSON.stringify(values),
  };
}

// ----------------------------------------------------------- extension mode

// tour:start
export function extensionPath(secretId) {
  // encodeURIComponent leaves "/" and ":" encoded in names and ARNs.
  return `/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`;
}

export function parameterPath(name) {
  // Without decryption a SecureString comes back encrypted.
  const query = encodeURIComponent(name);
  const path = "/systemsmanager/parameters/get";
  return `${path}?name=${query}&withDecryption=true`;
}

export function extensionUrl(secretId, port) {
  return `http://${EXTENSION_HOST}:${port}${extensionPath(secretId)}`;
}

export function extensionPort(env) {
  const raw = (env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? "").trim();
  if (!raw) return DEFAULT_EXTENSION_PORT;
  if (/^[0-9]+$/.test(raw) && Number(raw) >= 1 && Number(raw) <= 65535) {
    return Number(raw);
  }
  const shown = JSON.stringify(raw.slice(0, 20));
  throw new FetchError(
    "not_configured",
    `PARAMETERS_SECRETS_EXTENSION_HTTP_PORT is ${shown}, which is not ` +
      "a port number from 1 to 65535.",
  );
}

async function fetchViaExtension(path, env, attempts) {
  const port = extensionPort(env);
  const headers = { [TOKEN_HEADER]: env.AWS_SESSION_TOKEN ?? "" };
  let answer = { status: null, payload: "" };
  for (const delay of [...limits.retryDelaysMs, null]) {
    attempts.count += 1;
    try {
      answer = await getFromExtension(port, path, headers);
    } catch (err) {
      if (!NOBODY_LISTENING.has(err.code)) throw unreachable(err, port);
      answer = { status: null, payload: "" }; // nobody listening (yet)
    }
    if (answer.status === 200) return answer.payload;
    if (delay === null || !extensionStarting(answer)) break;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  throw extensionFailure(answer, port, attempts.count);
}
// tour:end

const NOBODY_LISTENING = new Set(["ECONNREFUSED", "ECONNRESET"]);
// Errors that mean a reused keep-alive socket had gone stale.
const STALE_SOCKET = new Set(["ECONNRESET", "EPIPE", "ECONNREFUSED"]);

/** GET on the kept-alive connection, once more on a fresh one if it went stale. */
async function getFromExtension(port, path, headers) {
  try {
    return await httpGet(port, path, headers);
  } catch (err) {
    if (!(err.reusedSocket && STALE_SOCKET.has(err.code))) throw err;
    return httpGet(port, path, headers);
  }
}

function httpGet(port, path, headers) {
  const options = { host: EXTENSION_HOST, port, path, headers, agent: extensionAgent };
  return send(http, options, null);
}

/** Resolve {status, payload}; HTTP errors are answers, not exceptions. */
function send(transport, options, body) {
  return new Promise((resolve, reject) => {
    const request = transport.request(options, (response) => {
      const chunks = [];
      response.on("data", (chunk) => chunks.push(chunk));
      response.on("end", () =>
        resolve({ status: response.statusCode, payload: Buffer.concat(chunks).toString("utf8") }),
      );
      response.on("error", reject);
    });
    request.setTimeout(limits.requestTimeoutMs, () => {
      request.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" }));
    });
    request.on("error", (err) => {
      err.reusedSocket = request.reusedSocket;
      reject(err);
    });
    request.end(body ?? undefined);
  });
}

function unreachable(err, port) {
  if (err.code === "ETIMEDOUT") {
    return new FetchError(
      "extension_unreachable",
      `The extension on localhost port ${port} did not answer within ` +
        `${limits.requestTimeoutMs / 1000} s; check the layer and the function's logs.`,
    );
  }
  return new FetchError(
    "extension_unreachable",
    `Could not talk to the extension on localhost port ${port} ` +
      `(${err.code || err.name}); check that the extension layer is attached.`,
  );
}

// The extension registers with Lambda asynchronously, so early in a cold
// start it may not listen yet, or may answer 400 "not ready to serve".
function extensionStarting({ status, payload }) {
  return status === null || (status === 400 && payload.toLowerCase().includes(NOT_READY_TEXT));
}

function extensionFailure(answer, port, attemptCount) {
  const { status, payload } = answer;
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
      `The extension rejected the request token (HTTP 403); check that the ${TOKEN_HEADER} ` +
        "header carries the function's AWS_SESSION_TOKEN.",
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
    `The extension answered HTTP ${status} (${errorSnippet(payload)}); check the secret ` +
      "or parameter name and that the role allows secretsmanager:GetSecretValue or " +
      "ssm:GetParameter on it.",
    status,
  );
}

// -------------------------------------------------------------- direct mode

async function fetchDirect(store, reference, env, attempts) {
  const region = (env.AWS_REGION ?? "").trim();
  const accessKey = (env.AWS_ACCESS_KEY_ID ?? "").trim();
  const secretKey = (env.AWS_SECRET_ACCESS_KEY ?? "").trim();
  const missing = Object.entries({
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: accessKey,
    AWS_SECRET_ACCESS_KEY: secretKey,
  })
    .filter(([, value]) => !value)
    .map(([name]) => name);
  if (missing.length > 0) {
    throw new FetchError(
      "not_configured",
      `Direct mode needs ${missing.join(", ")} in the environment, which Lambda normally ` +
        "provides from the execution role.",
    );
  }

  const endpoint =
    (env.AWS_ENDPOINT_URL ?? "").trim() || `https://${store.service}.${region}.amazonaws.com/`;
  const body = Buffer.from(JSON.stringify(store.request(reference)));
  attempts.count += 1;
  let answer;
  try {
    const url = new URL(endpoint);
    const headers = signRequest(
      "POST",
      endpoint,
      { "Content-Type": AMZ_JSON_CONTENT_TYPE, "X-Amz-Target": store.target },
      body,
      {
        accessKey,
        secretKey,
        sessionToken: env.AWS_SESSION_TOKEN || null,
        region,
        service: store.service,
      },
    );
    headers["Content-Length"] = String(body.length); // not signed, as the SDKs do
    const transport = url.protocol === "https:" ? https : http;
    const options = { method: "POST", hostname: url.hostname, port: url.port, headers };
    answer = await send(transport, { ...options, path: url.pathname + url.search }, body);
  } catch (err) {
    // Refused, timeout, TLS, not HTTP; TypeError for a malformed URL.
    const host = hostOf(endpoint);
    throw new FetchError(
      "direct_error",
      `Could not reach ${store.label} at ${host} (${err.code || err.name}); check ` +
        "AWS_ENDPOINT_URL, the network path and the region.",
    );
  }
  if (answer.status !== 200) {
    throw new FetchError(
      "direct_error",
      `${store.label} answered HTTP ${answer.status} (${errorSnippet(answer.payload)}); ` +
        `check the name and that the role allows ${store.permission}.`,
      answer.status,
    );
  }
  return store.parse(answer.payload, store.label);
}

function hostOf(endpoint) {
  try {
    return new URL(endpoint).host || endpoint.slice(0, 80);
  } catch {
    return endpoint.slice(0, 80);
  }
}

// -------------------------------------------------------------------- SigV4

const sha256Hex = (data) => createHash("sha256").update(data).digest("hex");
const hmac = (key, data) => createHmac("sha256", key).update(data).digest();

export function deriveSigningKey(secretKey, dateStamp, region, service) {
  let key = Buffer.from(`AWS4${secretKey}`);
  for (const part of [dateStamp, region, service, "aws4_request"]) key = hmac(key, part);
  return key;
}

// RFC 3986 encoding, as SigV4 wants it.
const uriEncode = (text) =>
  encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );

function canonicalQuery(search) {
  const pairs = [...new URLSearchParams(search)].map(([k, v]) => [uriEncode(k), uriEncode(v)]);
  pairs.sort((a, b) => (a[0] === b[0] ? cmp(a[1], b[1]) : cmp(a[0], b[0])));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Return `headers` plus Host, X-Amz-Date, the token and Authorization. Every
 * returned header is signed, and Host is set explicitly so the value sent on
 * the wire is exactly the one that was signed.
 */
export function signRequest(method, url, headers, body, credentials) {
  const { accessKey, secretKey, sessionToken, region, service } = credentials;
  const amzDate =
    credentials.amzDate ?? new Date().toISOString().replace(/[-:]|\.\d{3}/g, "");
  const parts = new URL(url);
  const signed = { ...headers, Host: parts.host, "X-Amz-Date": amzDate };
  if (sessionToken) signed["X-Amz-Security-Token"] = sessionToken;

  const canonicalHeaders = Object.entries(signed)
    .map(([name, value]) => [name.toLowerCase(), String(value).trim().split(/\s+/).join(" ")])
    .sort((a, b) => cmp(a[0], b[0]));
  const signedNames = canonicalHeaders.map(([name]) => name).join(";");
  const path = (parts.pathname || "/").split("/").map((s) => uriEncode(decodeURIComponent(s)));
  const canonicalRequest = [
    method.toUpperCase(),
    path.join("/"),
    canonicalQuery(parts.search),
    canonicalHeaders.map(([name, value]) => `${name}:${value}\n`).join(""),
    signedNames,
    sha256Hex(body),
  ].join("\n");
  const scope = `${amzDate.slice(0, 8)}/${region}/${service}/aws4_request`;
  const stringToSign = [SIGV4_ALGORITHM, amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
  const key = deriveSigningKey(secretKey, amzDate.slice(0, 8), region, service);
  const signature = createHmac("sha256", key).update(stringToSign).digest("hex");
  signed.Authorization =
    `${SIGV4_ALGORITHM} Credential=${accessKey}/${scope}, ` +
    `SignedHeaders=${signedNames}, Signature=${signature}`;
  return signed;
}

// ----------------------------------------------------------- store answers

function parseSecretBody(payload, source) {
  // The body holds the secret: never quote it in a message.
  const body = parseJson(payload);
  if (!isObject(body)) {
    throw new FetchError(
      "bad_response",
      `${source} answered HTTP 200 but the body was not a JSON object; check that the ` +
        "port belongs to the Parameters and Secrets extension.",
      200,
    );
  }
  if (typeof body.SecretString !== "string" && typeof body.SecretBinary !== "string") {
    throw new FetchError(
      "bad_response",
      `${source} answered HTTP 200 but the body had neither SecretString nor ` +
        "SecretBinary; check that the secret has a current value.",
      200,
    );
  }
  return body;
}

/** A GetParameter answer, shaped like a secret's for describeSecret. */
function parseParameterBody(payload, source) {
  const body = parseJson(payload);
  const parameter = isObject(body) ? body.Parameter : null;
  if (!isObject(parameter) || typeof parameter.Value !== "string") {
    throw new FetchError(
      "bad_response",
      `${source} answered HTTP 200 but the body had no Parameter.Value; check that the ` +
        "port belongs to the Parameters and Secrets extension.",
      200,
    );
  }
  const version = parameter.Version;
  return {
    Name: parameter.Name,
    ARN: parameter.ARN,
    VersionId: version === undefined || version === null ? null : String(version),
    VersionStages: [],
    SecretString: parameter.Value,
  };
}

/** Where the credentials live, and how each way of fetching asks it. */
const SECRETS_MANAGER = Object.freeze({
  label: "Secrets Manager",
  service: "secretsmanager",
  target: "secretsmanager.GetSecretValue",
  permission: "secretsmanager:GetSecretValue",
  path: extensionPath,
  request: (secretId) => ({ SecretId: secretId }),
  parse: parseSecretBody,
});
const PARAMETER_STORE = Object.freeze({
  label: "Parameter Store",
  service: "ssm",
  target: "AmazonSSM.GetParameter",
  permission: "ssm:GetParameter",
  path: parameterPath,
  request: (name) => ({ Name: name, WithDecryption: true }),
  parse: parseParameterBody,
});

/** The "secret" part of the response; values are masked unless revealed. */
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

/** Key -> value: a JSON object gives its members; anything else is one value. */
export function secretValues(body) {
  if (typeof body.SecretString === "string") {
    const parsed = parseJson(body.SecretString);
    return isObject(parsed) ? { ...parsed } : { value: body.SecretString };
  }
  return { binary: body.SecretBinary }; // base64 text, as the API returns it
}

/**
 * A short, single-line excerpt of an error body, safe to show and log; one
 * that looks like a secret payload is withheld entirely.
 */
export function errorSnippet(payload) {
  if (payload.includes("SecretString") || payload.includes("SecretBinary")) {
    return "body withheld";
  }
  let text = payload.split(/\s+/).filter(Boolean).join(" ");
  if (!text) return "empty body";
  if (text.length > ERROR_SNIPPET_CHARS) text = `${text.slice(0, ERROR_SNIPPET_CHARS)}...`;
  return text;
}

function parseJson(text) {
  if (typeof text !== "string") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asText(value) {
  return value === undefined || value === null ? "" : String(value);
}
