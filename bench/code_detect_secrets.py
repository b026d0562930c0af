"""Runs detect-secrets over a directory of code files with the plugin list and filters Prowler
used (bench/audit_detect_secrets.py), file by file, as a scanner of an unpacked package does.

Used by `cargo bench --bench audit_quality`; runs in the benchmark venv (target/audit-peers-venv).

usage: python code_detect_secrets.py DIR RUNS
prints one JSON document: {"hits": {"RELATIVE/PATH": [line, ...]}, "seconds": [per-run scan time]}
"""

import json
import os
import sys
import time

from detect_secrets import SecretsCollection
from detect_secrets.settings import transient_settings

sys.path.insert(0, os.path.dirname(__file__))
from audit_detect_secrets import SETTINGS  # noqa: E402


def scan(directory, paths):
    hits = {}
    for path in paths:
        secrets = SecretsCollection()
        with transient_settings(SETTINGS):
            secrets.scan_file(path)
        found = secrets.json().get(path, [])
        if found:
            hits[os.path.relpath(path, directory)] = sorted({s["line_number"] for s in found})
    return hits


def main():
    directory, runs = sys.argv[1], int(sys.argv[2])
    paths = sorted(
        os.path.join(root, name) for root, _, names in os.walk(directory) for name in names
    )
    seconds = []
    hits = {}
    for _ in range(runs):
        start = time.perf_counter()
        hits = scan(directory, paths)
        seconds.append(time.perf_counter() - start)
    json.dump({"hits": hits, "seconds": seconds}, sys.stdout)


main()
