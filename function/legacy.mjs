// Legacy mode: the "before" state of a function, and `secretslab migrate`'s;
// the Node.js twin of lab_legacy.py.
//
// When neither SECRET_ID nor PARAMETER_NAME is set, the handler reads the
// plaintext DB_USER and DB_PASSWORD a function kept before migration, each
// replaced by the member of the same name of the JSON object that K_SECRET_ID
// (a secret) or else K_PARAMETER_NAME (a SecureString parameter) names. The
// answer's "source" is "environment", "store" or "mixed" accordingly.

import { FetchError, PARAMETER_STORE, SECRETS_MANAGER, isObject, parseJson } from "./stores.mjs";

// The plaintext variables, in the order they are resolved, and the suffixes
// of the references beside them.
export const LEGACY_KEYS = ["DB_USER", "DB_PASSWORD"];
const LEGACY_SECRET_SUFFIX = "_SECRET_ID";
const LEGACY_PARAMETER_SUFFIX = "_PARAMETER_NAME";
const SOURCE_ENVIRONMENT = "environment";
const SOURCE_STORE = "store";
const SOURCE_MIXED = "mixed";

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

/** {body, source}: the legacy values, each document fetched by `run`. */
export async function fetchLegacy(run, env) {
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
  run.checkMode();

  const values = {};
  const documents = new Map(); // "label\0reference" -> {reference, body}, once each
  for (const [key, origin] of plan) {
    if (origin === null) {
      values[key] = env[key];
      continue;
    }
    const { store, reference } = origin;
    const cacheKey = `${store.label}\0${reference}`;
    if (!documents.has(cacheKey)) {
      const body = await run.fetch(store, reference);
      documents.set(cacheKey, { reference, body });
    }
    values[key] = member(documents.get(cacheKey).body, key, origin);
  }

  const referenced = [...plan.values()].filter((origin) => origin !== null).length;
  let source = SOURCE_MIXED;
  if (referenced === 0) source = SOURCE_ENVIRONMENT;
  else if (referenced === plan.size) source = SOURCE_STORE;
  return { body: legacyBody(values, [...documents.values()]), source };
}

function member(body, key, { store, variable, reference }) {
  // The document holds secrets: never quote it, or a member, in a message.
  const parsed = parseJson(body.SecretString);
  const named = `${variable} names the ${store.label} ${store.kind} ${JSON.stringify(reference)}`;
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
  const arns = documents.map((d) => (d.body.ARN === undefined || d.body.ARN === null ? "" : String(d.body.ARN)));
  return {
    Name: documents.map((d) => d.reference).join(",") || SOURCE_ENVIRONMENT,
    ARN: arns.some(Boolean) ? arns.join(",") : null,
    VersionId: single.VersionId ?? null,
    VersionStages: single.VersionStages || [],
    SecretString: JSON.stringify(values),
  };
}
