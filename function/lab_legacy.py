"""Legacy mode: the "before" state of a function, and `secretslab migrate`'s.

When neither SECRET_ID nor PARAMETER_NAME is set, the handler reads the
plaintext DB_USER and DB_PASSWORD a function kept before migration. For each
key K, K_SECRET_ID (a secret) or else K_PARAMETER_NAME (a SecureString
parameter) names a JSON object whose member K wins over the plaintext K; the
answer's "source" is "environment", "store" or "mixed" accordingly.
"""

import json

from lab_stores import PARAMETER_STORE, SECRETS_MANAGER, FetchError

# The plaintext credential variables, in the order they are resolved.
LEGACY_KEYS = ("DB_USER", "DB_PASSWORD")
# Suffixes of the references that `secretslab migrate` adds beside them.
LEGACY_SECRET_SUFFIX = "_SECRET_ID"
LEGACY_PARAMETER_SUFFIX = "_PARAMETER_NAME"
SOURCE_ENVIRONMENT = "environment"
SOURCE_STORE = "store"
SOURCE_MIXED = "mixed"


def legacy_plan(env):
    """Map each available legacy key to where its value comes from.

    A key maps to (store, reference variable, reference) when a reference
    is set beside it, else to None when only the plaintext value is set;
    a key with neither is left out.
    """
    plan = {}
    for key in LEGACY_KEYS:
        secret_var = key + LEGACY_SECRET_SUFFIX
        parameter_var = key + LEGACY_PARAMETER_SUFFIX
        secret_id = env.get(secret_var, "").strip()
        parameter_name = env.get(parameter_var, "").strip()
        if secret_id:
            plan[key] = (SECRETS_MANAGER, secret_var, secret_id)
        elif parameter_name:
            plan[key] = (PARAMETER_STORE, parameter_var, parameter_name)
        elif key in env:
            plan[key] = None
    return plan


def fetch(run, env):
    """(body, source): the legacy values, each document fetched by `run`."""
    plan = legacy_plan(env)
    if not plan:
        password = LEGACY_KEYS[-1]
        raise FetchError(
            "not_configured",
            "Neither SECRET_ID nor PARAMETER_NAME is set; set one on the "
            "function to the secret's name or ARN, or the parameter's, or "
            f"set {password} (or {password}{LEGACY_SECRET_SUFFIX} / "
            f"{password}{LEGACY_PARAMETER_SUFFIX} referring to a JSON "
            "object with that member) for legacy mode.",
        )
    run.check_mode()

    values = {}
    documents = {}  # (store label, reference) -> fetched body, once each
    for key, origin in plan.items():
        if origin is None:
            values[key] = env[key]
            continue
        store, variable, reference = origin
        cache_key = (store.label, reference)
        if cache_key not in documents:
            documents[cache_key] = run.fetch(store, reference)
        values[key] = _member(
            documents[cache_key], key, store, variable, reference
        )

    referenced = [origin for origin in plan.values() if origin is not None]
    if not referenced:
        source = SOURCE_ENVIRONMENT
    elif len(referenced) == len(plan):
        source = SOURCE_STORE
    else:
        source = SOURCE_MIXED
    references = [reference for _, reference in documents]
    return _body(values, list(documents.values()), references), source


def _member(body, key, store, variable, reference):
    # The document holds secrets: never quote it, or a member, in a message.
    text = body.get("SecretString")
    try:
        parsed = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        parsed = None
    named = f"{variable} names the {store.label} {store.kind} {reference!r}"
    if not isinstance(parsed, dict):
        raise FetchError(
            "not_configured",
            f"{named}, whose value is not a JSON object; {key} must be a "
            "member of one.",
        )
    if key not in parsed:
        raise FetchError(
            "not_configured",
            f"{named}, whose JSON object has no member {key}; add it, or "
            f"remove {variable}.",
        )
    return parsed[key]


def _body(values, documents, references):
    """A secret-shaped body holding the resolved legacy values."""
    single = documents[0] if len(documents) == 1 else {}
    arns = ["" if d.get("ARN") is None else str(d["ARN"]) for d in documents]
    return {
        "Name": ",".join(references) or SOURCE_ENVIRONMENT,
        "ARN": ",".join(arns) if any(arns) else None,
        "VersionId": single.get("VersionId"),
        "VersionStages": single.get("VersionStages") or [],
        "SecretString": json.dumps(values),
    }
