#!/usr/bin/env bash
# Hashing speed of `airlock models verify` against `model_signing verify key`
# and coreutils `sha256sum`, on the same files in one hyperfine run.
#
#   bench/models/hash.sh [FILES] [MIB_PER_FILE] [RUNS]     (default 8 512 3)
#
# Builds a model directory of random files under /tmp (removed on exit),
# signs it with airlock (P-256), checks that model_signing accepts the bundle,
# then times verification. The files are read once before timing, so with
# enough memory they are in the page cache and the numbers are the CPU's;
# on a cold cache a multi-GB model is limited by the disk for every tool.
# Needs: hyperfine, openssl, a release build (target/release/airlock or
# $AIRLOCK) and the model-signing venv (scripts/models-venv.sh or
# $AIRLOCK_MODEL_SIGNING_PYTHON).
set -euo pipefail
cd "$(dirname "$0")/../.."
FILES=${1:-8}
MIB=${2:-512}
RUNS=${3:-3}
AIRLOCK=${AIRLOCK:-${CARGO_TARGET_DIR:-target}/release/airlock}
PY=${AIRLOCK_MODEL_SIGNING_PYTHON:-.e2e-cache/models-venv/bin/python}
[ -x "$AIRLOCK" ] || { echo "no $AIRLOCK: cargo build --release -p airlock-cli" >&2; exit 1; }
"$PY" -c "import model_signing" || { echo "no model_signing: bash scripts/models-venv.sh" >&2; exit 1; }
AIRLOCK=$(realpath "$AIRLOCK")
PY=$(realpath -s "$PY")

work=$(mktemp -d /tmp/airlock-hash-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/model"
for i in $(seq 1 "$FILES"); do
  head -c "${MIB}M" /dev/urandom > "$work/model/$(printf 'model-%05d-of-%05d.safetensors' "$i" "$FILES")"
done
echo '{"architectures": ["Bench"]}' > "$work/model/config.json"
openssl ecparam -name prime256v1 -genkey -noout -out "$work/key.pem"
openssl ec -in "$work/key.pem" -pubout -out "$work/key.pub" 2>/dev/null
"$AIRLOCK" models sign "$work/model" --private-key "$work/key.pem" --output "$work/model.sig"
"$PY" -m model_signing verify key "$work/model" --public_key "$work/key.pub" --signature "$work/model.sig"
cat "$work/model"/* > /dev/null

bytes=$(du -sb "$work/model" | cut -f1)
cores=$(nproc)
echo "model: $FILES files x $MIB MiB = $bytes bytes; $cores cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
grep -q -w sha_ni /proc/cpuinfo && echo "CPU has SHA extensions (sha_ni)"

hyperfine --style basic --warmup 1 --runs "$RUNS" --export-json "$work/result.json" \
  -n "airlock models verify" "$AIRLOCK models verify $work/model --signature $work/model.sig --public-key $work/key.pub" \
  -n "airlock models verify --threads 1" "$AIRLOCK models verify $work/model --signature $work/model.sig --public-key $work/key.pub --threads 1" \
  -n "model_signing verify key" "$PY -m model_signing verify key $work/model --public_key $work/key.pub --signature $work/model.sig" \
  -n "sha256sum (one process)" "sha256sum $work/model/*"

python3 - "$work/result.json" "$bytes" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
size = int(sys.argv[2])
print()
print("| command | mean s | GB/s |")
print("|---|---:|---:|")
for r in res:
    print(f"| {r['command']} | {r['mean']:.2f} ± {r['stddev'] or 0:.2f} | {size / r['mean'] / 1e9:.2f} |")
PY
