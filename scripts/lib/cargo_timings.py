"""Read the unit data out of a `cargo build --timings` HTML report.

usage: cargo_timings.py REPORT.html [TOP [NAME@VERSION-PREFIX...]]
prints: `units N`, `crates N`, `unit_seconds S` (all units' time added up), then one `slowest SECONDS NAME VERSION TARGET` line per unit,
slowest first (build scripts and their runs appear as their own units, as in cargo's table),
then, when crates are named, `group UNITS SECONDS CRATES-FOUND` for the units of those crates.
"""

import json
import re
import sys


def units(html: str) -> list:
    # Cargo embeds the table's data as a JavaScript constant in the report.
    match = re.search(r"const UNIT_DATA = (\[.*?\]);\s*\n", html, re.S)
    if not match:
        raise SystemExit("no UNIT_DATA in the timings report (did cargo change its format?)")
    return json.loads(match.group(1))


def kind(unit: dict) -> str:
    """lib, bin, build-script (compiling it) or build-script-run, without spaces."""
    target, mode = unit.get("target", ""), unit.get("mode", "")
    if "custom-build" in target:
        return "build-script-run" if "run" in mode else "build-script"
    if '"bin"' in target:
        return "bin"
    return "lib"


def main() -> None:
    report, top = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10
    group = [spec.split("@", 1) for spec in sys.argv[3:]]
    data = units(open(report, encoding="utf-8").read())
    print(f"units {len(data)}")
    print(f"crates {len({(u['name'], u['version']) for u in data})}")
    print(f"unit_seconds {sum(u['duration'] for u in data):.1f}")
    for unit in sorted(data, key=lambda u: u["duration"], reverse=True)[:top]:
        print(f"slowest {unit['duration']:.1f} {unit['name']} {unit['version']} {kind(unit)}")
    if group:
        members = [
            u for u in data
            if any(u["name"] == name and u["version"].startswith(prefix) for name, prefix in group)
        ]
        found = sorted({f"{u['name']} {u['version']}" for u in members})
        seconds = sum(u["duration"] for u in members)
        print(f"group {len(members)} {seconds:.1f} {', '.join(found) or 'none'}")


if __name__ == "__main__":
    main()
