"""Generates the labelled corpus of Lambda environment variables that `secretslab audit`'s
classifier is measured on: tests/data/audit-corpus.jsonl, one JSON object per line with
"name", "value", "class" (secret | suspect | reference | config) and "kind".

Every value is fake. Secrets are random strings drawn in the documented shape of each vendor's
token (prefix, alphabet, length and, where the format has one, a valid checksum); nothing is
copied from a real credential. AWS's and Azurite's published example keys appear only as
placeholders (class config).

Deterministic: a fixed seed, stdlib only.

Each row also carries "set": "original" or "extended" (bench/audit_corpus_extended.py: kinds
the original part does not hold, scored apart).

usage: python3 bench/audit_corpus.py [OUTPUT]   (default tests/data/audit-corpus.jsonl)
"""

import json
import sys
from pathlib import Path

import audit_corpus_base as base
import audit_corpus_clean as clean
import audit_corpus_extended
import audit_corpus_secrets as secrets


def main():
    for section in [secrets.aws_keys, secrets.github, secrets.gitlab, secrets.slack,
                    secrets.stripe, secrets.sendgrid, secrets.twilio, secrets.google,
                    secrets.azure, secrets.npm, secrets.pypi, secrets.openai, secrets.anthropic,
                    secrets.jwts, secrets.private_keys, secrets.passwords,
                    secrets.generic_api_keys, secrets.base64_blobs, secrets.json_credentials,
                    secrets.urls_with_credentials, secrets.hard_positive_vendor_values,
                    clean.suspects, clean.references, clean.flags_and_numbers_under_secret_names,
                    clean.placeholders, clean.identifiers, clean.generated_names, clean.plain_config]:
        section()
    # The extended part comes last, so the original rows keep their values.
    base.part = "extended"
    audit_corpus_extended.generate(base)
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/data/audit-corpus.jsonl")
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w") as f:
        for row in base.rows:
            f.write(json.dumps(row) + "\n")
    counts = {}
    for row in base.rows:
        counts[row["class"]] = counts.get(row["class"], 0) + 1
    print(f"wrote {len(base.rows)} variables to {out}: "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), file=sys.stderr)


if __name__ == "__main__":
    main()

