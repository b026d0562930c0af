// Read the lab's database credentials through the AWS Parameters and Secrets
// Lambda Extension, and log in with them: the Node.js twin of
// lambda_function.py, with the same behaviour and the same answer.
//
// The extension is a layer that serves http://localhost:2773 inside this
// execution environment (PARAMETERS_SECRETS_EXTENSION_HTTP_PORT moves it). It
// answers from its cache, asks Secrets Manager (or Parameter Store) only on a
// miss, and serves only a caller that shows this function's own
// AWS_SESSION_TOKEN in the X-Aws-Parameters-Secrets-Token header.
//
// What the lab measures around these lines is in instruments.mjs, beside this
// file: the timing and the answer `secretslab test` reads, the direct fetch it
// compares with (event.mode "direct"), the legacy variables `secretslab
// migrate` replaces, the retry in rotation's stale window, and the lab's
// simulated database. Secret values never appear in logs or answers unless
// event.reveal is true.

import http from "node:http";

import * as lab from "./instruments.mjs";

// AWS documents "localhost"; a refused address is skipped at once.
export const EXTENSION_HOST = "localhost";
export const DEFAULT_EXTENSION_PORT = 2773;
export const TOKEN_HEADER = "X-Aws-Parameters-Secrets-Token";

// Mutable so the tests can shorten them: a miss makes the extension call the
// store first, so allow a slow upstream; early in a cold start the extension
// may not listen yet, or may answer 400 "not ready to serve": at most 5
// attempts and 0.75 s of sleeping.
export const limits = {
  requestTimeoutMs: 5000,
  retryDelaysMs: [50, 100, 200, 400],
};

// One kept-alive connection: a warm cache hit costs one local round trip.
const extensionAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });

// The lab's instruments for this execution environment (they remember its
// first invocation, the cold start).
const instruments = lab.instrumentsFor({ getSecret, getParameter });

// tour:start
export async function handler(event) {
  const run = instruments.invocation(event);
  try {
    // Timed; through the extension unless event.mode says otherwise.
    const secret = await run.fetchCredentials();
    const login = await run.logIn(secret, logIn);
    return run.answer(secret, login);
  } catch (err) {
    if (!(err instanceof lab.FetchError)) throw err;
    return run.failed(err);
  }
}

/** Use the value: true when the lab's database accepts it. */
function logIn(credentials) {
  const username = String(credentials.username ?? "");
  return lab.databaseAccepts(username, credentials.password);
}

/** GetSecretValue's answer (JSON text), from the extension's cache. */
export function getSecret(secretId, attempts, refresh = false) {
  // encodeURIComponent leaves "/" and ":" encoded in names and ARNs.
  const query = encodeURIComponent(secretId);
  let path = `/secretsmanager/get?secretId=${query}`;
  // Past the cache, once: rotation's stale window.
  if (refresh) path += "&refreshNow=true";
  return fetchViaExtension(path, attempts);
}

/** GetParameter's answer (JSON text), decrypted, from the extension. */
export function getParameter(name, attempts) {
  const query = encodeURIComponent(name);
  return fetchViaExtension(
    `/systemsmanager/parameters/get?name=${query}&withDecryption=true`,
    attempts,
  );
}

export function extensionPort() {
  const env = process.env;
  const raw = (env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? "").trim();
  if (!raw) return DEFAULT_EXTENSION_PORT;
  const port = Number(raw);
  if (/^[0-9]+$/.test(raw) && port >= 1 && port <= 65535) return port;
  throw lab.notAPort(raw);
}

async function fetchViaExtension(path, attempts) {
  const port = extensionPort();
  const headers = { [TOKEN_HEADER]: process.env.AWS_SESSION_TOKEN ?? "" };
  let answer = { status: null, text: "" };
  for (const delay of [...limits.retryDelaysMs, null]) {
    attempts.count += 1;
    try {
      answer = await getFromExtension(port, path, headers);
    } catch (err) {
      if (!NOBODY_LISTENING.has(err.code)) {
        throw lab.unreachable(err, port, limits);
      }
      answer = { status: null, text: "" }; // nobody listening (yet)
    }
    if (answer.status === 200) return answer.text;
    if (delay === null || !lab.extensionStarting(answer)) break;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  throw lab.extensionFailure(answer, port, attempts.count);
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

/** Resolve {status, text}; HTTP errors are answers, not exceptions. */
function httpGet(port, path, headers) {
  const options = { host: EXTENSION_HOST, port, path, headers, agent: extensionAgent };
  return new Promise((resolve, reject) => {
    const request = http.get(options, (response) => {
      const chunks = [];
      response.on("data", (chunk) => chunks.push(chunk));
      response.on("end", () =>
        resolve({ status: response.statusCode, text: Buffer.concat(chunks).toString("utf8") }),
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
  });
}
