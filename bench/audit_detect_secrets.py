"""Runs detect-secrets over Lambda environments the way Prowler's check
`awslambda_function_no_secrets_in_variables` ran it before it moved to Kingfisher: each
function's variables dumped as indented JSON into a file, scanned in-process with Prowler's
plugin list and filters.

Used by `cargo bench --bench audit_quality`; runs in the benchmark venv (target/audit-peers-venv).

usage: python audit_detect_secrets.py DIR RUNS
prints one JSON document: {"hits": {"FILE": [line, ...]}, "seconds": [per-run scan time]}
"""

import json
import os
import sys
import time

from detect_secrets import SecretsCollection
from detect_secrets.settings import transient_settings

# Prowler's default `detect_secrets_plugins` (prowler/config/config.yaml) and the filters its
# `detect_secrets_scan` applied, as of the last release that used detect-secrets.
SETTINGS = {
    "plugins_used": [
        {"name": "ArtifactoryDetector"},
        {"name": "AWSKeyDetector"},
        {"name": "AzureStorageKeyDetector"},
        {"name": "BasicAuthDetector"},
        {"name": "CloudantDetector"},
        {"name": "DiscordBotTokenDetector"},
        {"name": "GitHubTokenDetector"},
        {"name": "GitLabTokenDetector"},
        {"name": "Base64HighEntropyString", "limit": 6.0},
        {"name": "HexHighEntropyString", "limit": 3.0},
        {"name": "IbmCloudIamDetector"},
        {"name": "IbmCosHmacDetector"},
        {"name": "JwtTokenDetector"},
        {"name": "KeywordDetector"},
        {"name": "MailchimpDetector"},
        {"name": "NpmDetector"},
        {"name": "OpenAIDetector"},
        {"name": "PrivateKeyDetector"},
        {"name": "PypiTokenDetector"},
        {"name": "SendGridDetector"},
        {"name": "SlackDetector"},
        {"name": "SoftlayerDetector"},
        {"name": "SquareOAuthDetector"},
        {"name": "StripeDetector"},
        {"name": "TwilioKeyDetector"},
    ],
    "filters_used": [
        {"path": "detect_secrets.filters.common.is_invalid_file"},
        {"path": "detect_secrets.filters.common.is_known_false_positive"},
        {"path": "detect_secrets.filters.heuristic.is_likely_id_string"},
        {"path": "detect_secrets.filters.heuristic.is_potential_secret"},
    ],
}


def scan(paths):
    hits = {}
    for path in paths:
        secrets = SecretsCollection()
        with transient_settings(SETTINGS):
            secrets.scan_file(path)
        found = secrets.json().get(path, [])
        if found:
            hits[os.path.basename(path)] = sorted({s["line_number"] for s in found})
    return hits


def main():
    directory, runs = sys.argv[1], int(sys.argv[2])
    paths = sorted(os.path.join(directory, f) for f in os.listdir(directory))
    seconds = []
    hits = {}
    for _ in range(runs):
        start = time.perf_counter()
        hits = scan(paths)
        seconds.append(time.perf_counter() - start)
    json.dump({"hits": hits, "seconds": seconds}, sys.stdout)


if __name__ == "__main__":
    main()
