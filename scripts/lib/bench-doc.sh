# Shared by the measuring scripts: a clean build environment and docs/benchmarks.md sections.
# Source it; it defines functions only.

# The toolchain's own bin directory (cargo, rustc), so a run with an empty CARGO_HOME needs
# neither rustup's proxies nor anything installed under the usual CARGO_HOME.
# MEASURE_TOOLCHAIN_BIN names another one.
toolchain_bin() {
    if [[ -n ${MEASURE_TOOLCHAIN_BIN:-} ]]; then
        echo "$MEASURE_TOOLCHAIN_BIN"
        return
    fi
    local cargo
    if command -v rustup >/dev/null 2>&1; then
        cargo=$(rustup which cargo)
    else
        cargo=$(command -v cargo)
    fi
    dirname "$cargo"
}

# PATH without any cargo home's bin directory, with the toolchain first.
clean_path() {
    local toolchain=$1 kept=() dir
    IFS=: read -r -a dirs <<<"$PATH"
    for dir in "${dirs[@]}"; do
        [[ $dir == */.cargo/bin || -z $dir ]] && continue
        kept+=("$dir")
    done
    local IFS=:
    printf '%s:%s' "$toolchain" "${kept[*]}"
}

# Run a command as a new user would: fresh HOME, the given CARGO_HOME, none of our own
# settings, no local wheelhouse for pip. Usage: run_fresh HOME CARGO_HOME TOOLCHAIN_BIN cmd...
run_fresh() {
    local home=$1 cargo_home=$2 toolchain=$3
    shift 3
    env -u SECRETSLAB_HOME -u SECRETSLAB_CACHE -u SECRETSLAB_ENDPOINT_URL \
        -u SECRETSLAB_LOCAL_CALLS_VIA -u CARGO_TARGET_DIR -u CARGO_BUILD_TARGET_DIR \
        -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS -u RUSTC_WRAPPER -u CARGO_INCREMENTAL \
        -u XDG_CACHE_HOME -u XDG_STATE_HOME -u XDG_CONFIG_HOME -u XDG_DATA_HOME \
        -u PIP_FIND_LINKS -u AWS_PROFILE -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
        -u AWS_SESSION_TOKEN -u AWS_ENDPOINT_URL -u CARGO_BUILD_JOBS \
        HOME="$home" CARGO_HOME="$cargo_home" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" \
        RUSTC="$toolchain/rustc" PATH="$(clean_path "$toolchain")" \
        "$@"
}

# Prefix every line of stdin with the seconds since the epoch (for phase boundaries).
timestamp_lines() {
    local line
    while IFS= read -r line; do
        printf '%s %s\n' "$EPOCHREALTIME" "$line"
    done
}

# "4 min 51 s" from seconds.
human_duration() {
    awk -v s="$1" 'BEGIN { s = int(s + 0.5); if (s >= 60) printf "%d min %d s", s / 60, s % 60; else printf "%d s", s }'
}

# "18.3 MiB" from bytes.
human_size() {
    awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'
}

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }'
}

# Replace the `NAME` section of FILE with the contents of BODY_FILE (markers included), or
# append it when the file has no such section. The rest of the file is left untouched.
write_doc_section() {
    local file=$1 name=$2 body_file=$3
    python3 - "$file" "$name" "$body_file" <<'PY'
import pathlib, sys
path, name, body_path = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
begin, end = f"<!-- section: {name} -->", f"<!-- /section: {name} -->"
body = f"{begin}\n{pathlib.Path(body_path).read_text().strip()}\n{end}\n"
text = path.read_text() if path.exists() else ""
if begin in text and end in text:
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    text = head + body.rstrip("\n") + tail
else:
    text = text.rstrip("\n") + ("\n\n" if text else "") + body
path.write_text(text)
PY
}
