#!/usr/bin/env bash
# The same lab, the same output: `tour --local --yes` with the first-run and the release
# binaries, each from a fresh HOME and SECRETSLAB_HOME, outputs compared once durations, counts,
# ports and generated names are masked. Prints a Markdown paragraph; exits 1 when they differ.
#
# usage: compare-tour.sh OUT_DIR WORK TOOLCHAIN_BIN FIRST_RUN_BINARY RELEASE_BINARY
#   (logs go to OUT_DIR, the tours' HOMEs under WORK)
set -euo pipefail
out_dir=$1 work=$2 toolchain=$3
declare -A binaries=([first-run]=$4 [release]=$5)
# shellcheck source=scripts/lib/bench-doc.sh
source "$(dirname "$0")/bench-doc.sh"

# Vary from run to run: each tour's own home, numbers (times, ports, counts) and generated ids
# (version ids, ARN suffixes: hexadecimal with digits), and the padding of columns that hold them.
mask() { sed -E "s#$work/tour-(first-run|release)#HOME#g; s/[0-9a-f]*[0-9][0-9a-f]*/N/g; s/ +/ /g"; }

declare -A took
for name in first-run release; do
    bin=${binaries[$name]}
    if [[ ! -x $bin ]]; then
        echo "error: the $name binary $bin is missing or not executable" >&2
        echo "help: build it first (scripts/measure-build-candidates first-run release)" >&2
        exit 2
    fi
    home=$work/tour-$name
    mkdir -p "$home"
    echo "== tour with the $name binary" >&2
    start=$EPOCHREALTIME
    run_fresh "$home" "$home/cargo" "$toolchain" env SECRETSLAB_HOME="$home/secretslab" NO_COLOR=1 \
        timeout 900 "$bin" tour --local --yes >"$out_dir/tour-$name.log" 2>&1 || true
    end=$EPOCHREALTIME
    took[$name]=$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')
    run_fresh "$home" "$home/cargo" "$toolchain" env SECRETSLAB_HOME="$home/secretslab" \
        "$bin" local stop >/dev/null 2>&1 || true
    mask <"$out_dir/tour-$name.log" >"$out_dir/tour-$name.masked"
done

echo
lines=$(wc -l <"$out_dir/tour-release.masked")
complete=$(grep -c "tour complete" "$out_dir/tour-first-run.log" || true)
if diff -u "$out_dir/tour-release.masked" "$out_dir/tour-first-run.masked" >"$out_dir/tour.diff"; then
    echo "The tour (\`tour --local --yes\`, MiniStack's install included) with each binary: the same"
    echo "$lines lines of output once numbers and generated names are masked$(
        ((complete)) && echo ", ending in \"tour complete\""); $(human_duration "${took[first-run]}") with"
    echo "the first-run binary, $(human_duration "${took[release]}") with the release one"
    echo "($(ratio "${took[first-run]}" "${took[release]}")×)."
elif diff <(sort "$out_dir/tour-release.masked") <(sort "$out_dir/tour-first-run.masked") >/dev/null; then
    moved=$(grep -c '^-[^-]' "$out_dir/tour.diff" || true)
    echo "The tour (\`tour --local --yes\`, MiniStack's install included) with each binary: the same"
    echo "$lines lines of output once numbers and generated names are masked, $moved of them in"
    echo "another order (steps that run concurrently, such as creating the role and the secret)$(
        ((complete)) && echo "; both end in \"tour complete\""); $(human_duration "${took[first-run]}")"
    echo "with the first-run binary, $(human_duration "${took[release]}") with the release one"
    echo "($(ratio "${took[first-run]}" "${took[release]}")×)."
else
    echo "The tour's output **differs** between the first-run and the release binary (after masking"
    echo "numbers and generated names); see \`$out_dir/tour.diff\`."
    exit 1
fi
