#!/usr/bin/env bash
# The whole test suite: unit and integration tests, detection on the labeled corpus,
# and the end-to-end suite with real agent CLIs when it is present.
set -euo pipefail
cd "$(dirname "$0")/.."
failed=0
passed=0
step() {
  local name="$1"; shift
  echo "=== $name"
  if "$@"; then passed=$((passed + 1)); echo "--- $name: ok"; else failed=$((failed + 1)); echo "--- $name: FAILED"; fi
}
step "build" cargo build --release --workspace --locked
# model-signing (pip) for the signing interop tests; they fail rather than skip under CI.
step "model-signing for the interop tests" bash scripts/models-venv.sh
step "cargo test" cargo test --release --workspace --locked
step "detection (../shared/corpora)" python3 scripts/detection.py --gate
step "code detection (../shared/corpora/code)" python3 scripts/code_detection.py --gate
step "SARIF output against the 2.1.0 schema" python3 scripts/sarif_check.py
if [ -x e2e/run.sh ]; then
  step "end-to-end with real agents" bash e2e/run.sh
else
  echo "=== end-to-end: SKIP: e2e/run.sh not present"
fi
if [ -x e2e/gateway/run.sh ]; then
  step "end-to-end: the gateway with real clients" bash e2e/gateway/run.sh
else
  echo "=== end-to-end gateway: SKIP: e2e/gateway/run.sh not present"
fi
echo "suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
