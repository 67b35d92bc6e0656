#!/usr/bin/env bash
# Pickle scanning speed and memory: airlock's pickle machine and picklescan on the
# same PyTorch-style state dict pickle of about 30 million opcodes, in one run.
# Usage: bash bench/models/pickle.sh   (TENSORS=940000 by default: 30.08M opcodes)
# Needs python3; installs picklescan into .bench-cache/venv (not committed).
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
cache=$root/.bench-cache
tensors=${TENSORS:-940000}
mkdir -p "$cache"
file=$cache/state_dict_$tensors.pkl
if [ ! -f "$file" ]; then
  echo "opcodes written: $(python3 bench/models/gen_pickle.py "$tensors" "$file")"
fi
ls -l "$file"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
cargo build -q --release -p airlock-models --example pickle_scan
if [ ! -x "$cache/venv/bin/picklescan" ]; then
  python3 -m venv "$cache/venv"
  "$cache/venv/bin/pip" install -q picklescan
fi
report() { grep -E "Elapsed|Maximum resident|User time|System time" "$1" | sed 's/^\s*/  /'; }
for i in 1 2 3; do
  /usr/bin/time -v "$CARGO_TARGET_DIR/release/examples/pickle_scan" "$file" > /tmp/airlock-pickle.out 2> /tmp/airlock-pickle.time
  echo "airlock run $i: $(head -1 /tmp/airlock-pickle.out)"
  report /tmp/airlock-pickle.time
done
echo "picklescan $("$cache/venv/bin/pip" show picklescan | grep ^Version):"
/usr/bin/time -v "$cache/venv/bin/picklescan" -p "$file" > /tmp/picklescan.out 2> /tmp/picklescan.time || true
tail -3 /tmp/picklescan.out | sed 's/^/  /'
report /tmp/picklescan.time
