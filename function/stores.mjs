// The two stores the lab's credentials can live in, and what their answers
// mean: Secrets Manager and Parameter Store, asked through the extension (JSON
// text) or directly with the AWS SDK for JavaScript v3, which the Lambda
// runtime ships. The Node.js twin of lab_stores.py.
//
// Both answers become one secret-shaped body (Name, ARN, VersionId,
// VersionStages, SecretString or base64 SecretBinary). Bodies hold secrets: no
// message here ever quotes one.

import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";

const REQUEST_TIMEOUT_MS = 5000;
const ERROR_SNIPPET_CHARS = 200;

/** An expected failure, turned into the structured error answer. */
export class FetchError extends Error {
  constructor(code, message, status = null) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

function secretShape(body, source) {
  let shaped = body;
  if (body.SecretBinary instanceof Uint8Array) {
    // The SDK decodes the base64; the answer keeps it as the API sends it.
    shaped = { ...body, SecretBinary: Buffer.from(body.SecretBinary).toString("base64") };
  }
  if (typeof shaped.SecretString !== "string" && typeof shaped.SecretBinary !== "string") {
    throw new FetchError(
      "bad_response",
      `${source} answered HTTP 200 but the body had neither SecretString nor ` +
        "SecretBinary; check that the secret has a current value.",
      200,
    );
  }
  return shaped;
}

function parameterShape(body, source) {
  const parameter = body.Parameter;
  if (!isObject(parameter) || typeof parameter.Value !== "string") {
    throw badResponse(source, "had no Parameter.Value");
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

function badResponse(source, what) {
  return new FetchError(
    "bad_response",
    `${source} answered HTTP 200 but the body ${what}; check that the port belongs to ` +
      "the Parameters and Secrets extension.",
    200,
  );
}

/** Where the credentials live, and how each way of fetching asks it. */
class Store {
  constructor({ label, kind, service, permission, Client, command, shape }) {
    Object.assign(this, { label, kind, service, permission, Client, command, shape });
    Object.freeze(this);
  }

  /** The extension's answer (JSON text) as a secret-shaped body. */
  parseText(text, source) {
    const body = parseJson(text);
    if (!isObject(body)) throw badResponse(source, "was not a JSON object");
    return this.shape(body, source);
  }
}

export const SECRETS_MANAGER = new Store({
  label: "Secrets Manager",
  kind: "secret",
  service: "secretsmanager",
  permission: "secretsmanager:GetSecretValue",
  Client: SecretsManagerClient,
  command: (secretId) => new GetSecretValueCommand({ SecretId: secretId }),
  shape: secretShape,
});
export const PARAMETER_STORE = new Store({
  label: "Parameter Store",
  kind: "parameter",
  service: "ssm",
  permission: "ssm:GetParameter",
  Client: SSMClient,
  command: (name) => new GetParameterCommand({ Name: name, WithDecryption: true }),
  shape: parameterShape,
});

// Clients are built once per execution environment, keyed by what they were
// built from.
const clients = new Map();

/** Ask the store itself, signed with the execution role's credentials. */
export async function fetchDirect(store, reference, attempts) {
  const client = clientFor(store);
  attempts.count += 1;
  let answer;
  try {
    answer = await client.send(store.command(reference));
  } catch (err) {
    throw directFailure(err, store);
  }
  return store.shape(answer, store.label);
}

function directFailure(err, store) {
  const status = err.$metadata?.httpStatusCode;
  // An answer the SDK could not read: its message may quote the body.
  if (status === 200) {
    return new FetchError(
      "bad_response",
      `${store.label} answered HTTP 200 but the SDK could not read the body; check ` +
        "that AWS_ENDPOINT_URL points at the store.",
      200,
    );
  }
  if (typeof status === "number") {
    const text = `${err.name}: ${err.message}`;
    return new FetchError(
      "direct_error",
      `${store.label} answered HTTP ${status} (${errorSnippet(text)}); check the name and ` +
        `that the role allows ${store.permission}.`,
      status,
    );
  }
  // Refused, timeout, TLS, not HTTP; TypeError for a malformed URL.
  const region = (process.env.AWS_REGION ?? "").trim();
  const endpoint =
    (process.env.AWS_ENDPOINT_URL ?? "").trim() || `https://${store.service}.${region}.amazonaws.com/`;
  return new FetchError(
    "direct_error",
    `Could not reach ${store.label} at ${hostOf(endpoint)} (${err.code || err.name}); ` +
      "check AWS_ENDPOINT_URL, the network path and the region.",
  );
}

/** Build both stores' clients now, when the environment allows it. */
export function prepareClients() {
  for (const store of [SECRETS_MANAGER, PARAMETER_STORE]) {
    try {
      clientFor(store);
    } catch (err) {
      if (!(err instanceof FetchError)) throw err; // reported by the fetch itself
    }
  }
}

function clientFor(store) {
  const env = process.env;
  const region = (env.AWS_REGION ?? "").trim();
  const accessKeyId = (env.AWS_ACCESS_KEY_ID ?? "").trim();
  const secretAccessKey = (env.AWS_SECRET_ACCESS_KEY ?? "").trim();
  const given = { AWS_REGION: region, AWS_ACCESS_KEY_ID: accessKeyId };
  given.AWS_SECRET_ACCESS_KEY = secretAccessKey;
  const missing = Object.keys(given).filter((name) => !given[name]);
  if (missing.length > 0) {
    throw new FetchError(
      "not_configured",
      `Direct mode needs ${missing.join(", ")} in the environment, which Lambda normally ` +
        "provides from the execution role.",
    );
  }
  const sessionToken = env.AWS_SESSION_TOKEN || undefined;
  // As the SDK itself does: AWS_ENDPOINT_URL points it at an emulator.
  const endpoint = (env.AWS_ENDPOINT_URL ?? "").trim() || undefined;
  const key = JSON.stringify([store.label, region, accessKeyId, secretAccessKey, sessionToken, endpoint]);
  if (!clients.has(key)) {
    try {
      const client = new store.Client({
        region,
        endpoint,
        credentials: { accessKeyId, secretAccessKey, sessionToken },
        // One attempt, as through the extension: the lab counts and times each one.
        maxAttempts: 1,
        requestHandler: { connectionTimeout: REQUEST_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS },
      });
      clients.set(key, client);
    } catch (err) {
      throw new FetchError(
        "not_configured",
        `Could not set up the ${store.label} client (${err.code || err.name}); check ` +
          "AWS_REGION and AWS_ENDPOINT_URL.",
      );
    }
  }
  return clients.get(key);
}

function hostOf(endpoint) {
  try {
    return new URL(endpoint).host || endpoint.slice(0, 80);
  } catch {
    return endpoint.slice(0, 80);
  }
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
 * A short, single-line excerpt of an error, safe to show and log; one that
 * looks like a secret payload is withheld entirely.
 */
export function errorSnippet(text) {
  if (text.includes("SecretString") || text.includes("SecretBinary")) return "body withheld";
  let line = text.split(/\s+/).filter(Boolean).join(" ");
  if (!line) return "empty body";
  if (line.length > ERROR_SNIPPET_CHARS) line = `${line.slice(0, ERROR_SNIPPET_CHARS)}...`;
  return line;
}

export function parseJson(text) {
  if (typeof text !== "string") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
