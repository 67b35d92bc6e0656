#!/usr/bin/env bash
# End-to-end tests of `airlock gateway` with real clients, inside a fresh network namespace:
# the official anthropic and openai Python SDKs (pinned, in a venv under .e2e-cache/), plain HTTP for
# Gemini, and the real Claude Code and Codex CLIs (the pinned ones e2e/run.sh installs), all against
# upstream.py, the scripted backdoored model. One line per check, then `e2e-gateway: N passed, M failed`.
#   bash e2e/gateway/run.sh [--only SUBSTRING]      AIRLOCK_BIN=path/to/airlock to test another build
set -euo pipefail
cd "$(dirname "$0")/../.."
ANTHROPIC_SDK_VERSION=2.14.0
OPENAI_SDK_VERSION=3.57.0
venv=.e2e-cache/gateway-venv
export PYTHONDONTWRITEBYTECODE=1  # the tests import each other and e2e/driver.py: no __pycache__ in the tree
airlock=${AIRLOCK_BIN:-target/release/airlock}
only=()
if [ "${1:-}" = "--only" ]; then only=(--only "$2"); fi

if [ "${1:-}" = "--inside" ]; then
  # In the namespace: both parts, each line kept; a part that dies without a verdict is a failure.
  shift
  ip link set lo up
  log=$1; shift
  part() {
    local name=$1; shift
    local plog; plog=$(mktemp)
    set +e
    "$@" 2>&1 | tee "$plog"
    local rc=${PIPESTATUS[0]}
    set -e
    if [ "$rc" -ne 0 ] && ! grep -q '^FAIL' "$plog"; then echo "FAIL $name: exited $rc without reporting a failed check" | tee -a "$plog"; fi
    cat "$plog" >> "$log"
    rm -f "$plog"
  }
  if [ -x "$venv/bin/python" ]; then
    part sdk_test.py "$venv/bin/python" e2e/gateway/sdk_test.py --airlock "$airlock" "$@"
  else
    echo "SKIP sdk: no SDK venv at $venv (installation failed above)" | tee -a "$log"
  fi
  part agents.py python3 e2e/gateway/agents.py --airlock "$airlock" "$@"
  exit 0
fi

# The agent CLIs: the pinned versions of e2e/run.sh, installed the same way if absent.
CLAUDE_VERSION=$(sed -n 's/^CLAUDE_VERSION=//p' e2e/run.sh)
CODEX_VERSION=$(sed -n 's/^CODEX_VERSION=//p' e2e/run.sh)
prefix=.e2e-cache/npm
mkdir -p "$prefix"
have() { [ -x "$prefix/node_modules/.bin/$1" ] && "$prefix/node_modules/.bin/$1" --version 2>/dev/null | grep -q "$2"; }
if ! have claude "$CLAUDE_VERSION" || ! have codex "$CODEX_VERSION"; then
  if ! command -v npm >/dev/null; then
    apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null || true
  fi
  echo "e2e-gateway: installing @anthropic-ai/claude-code@$CLAUDE_VERSION and @openai/codex@$CODEX_VERSION into $prefix"
  (cd "$prefix" && npm install --no-audit --no-fund --loglevel=error --prefix . \
      "@anthropic-ai/claude-code@$CLAUDE_VERSION" "@openai/codex@$CODEX_VERSION") || echo "e2e-gateway: npm install failed; the agent checks will SKIP"
fi
for tool in unshare ip timeout curl; do
  if ! command -v "$tool" >/dev/null; then
    apt-get update -qq && apt-get install -y -qq util-linux iproute2 coreutils curl >/dev/null
    break
  fi
done

# The SDKs, pinned, in their own venv.
sdk_ok() { "$venv/bin/python" -c "import anthropic, openai, sys; sys.exit(0 if (anthropic.__version__, openai.__version__) == ('$ANTHROPIC_SDK_VERSION', '$OPENAI_SDK_VERSION') else 1)" 2>/dev/null; }
if ! sdk_ok; then
  echo "e2e-gateway: installing anthropic==$ANTHROPIC_SDK_VERSION and openai==$OPENAI_SDK_VERSION into $venv"
  rm -rf "$venv"
  if ! { python3 -m venv "$venv" && "$venv/bin/pip" install -q --disable-pip-version-check \
        "anthropic==$ANTHROPIC_SDK_VERSION" "openai==$OPENAI_SDK_VERSION" && sdk_ok; }; then
    echo "e2e-gateway: the SDK installation failed; the SDK checks will SKIP"
    rm -rf "$venv"
  fi
fi

# airlock with the gateway subcommand.
if ! "$airlock" gateway --help >/dev/null 2>&1; then
  if [ -n "${AIRLOCK_BIN:-}" ]; then echo "e2e-gateway: $AIRLOCK_BIN has no gateway subcommand" >&2; exit 1; fi
  cargo build --release -p airlock-cli
fi
airlock=$(cd "$(dirname "$airlock")" && pwd)/$(basename "$airlock")
export AIRLOCK_BIN=$airlock

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if why=$(unshare -n true 2>&1); then
  # A fresh network namespace: only loopback, shared by the clients, the gateway, the upstream and the
  # stand-in exfiltration host. Nothing can leave the machine.
  unshare -n bash "$0" --inside "$log" "${only[@]}" || echo "FAIL e2e-gateway: the namespace run failed" | tee -a "$log"
else
  echo "SKIP e2e-gateway: cannot create a network namespace (unshare -n: ${why:-failed}); no check ran" | tee -a "$log"
fi
passed=$(grep -c '^PASS' "$log" || true)
failed=$(grep -c '^FAIL' "$log" || true)
skipped=$(grep -c '^SKIP' "$log" || true)
if [ "$skipped" -gt 0 ]; then
  echo "e2e-gateway: $passed passed, $failed failed ($skipped skipped: see the SKIP lines)"
else
  echo "e2e-gateway: $passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] || exit 1
if [ "$skipped" -gt 0 ] && [ -n "${CI:-}" ]; then echo "e2e-gateway: skips are failures under CI"; exit 1; fi
[ "$passed" -gt 0 ] || [ "$skipped" -gt 0 ] || { echo "e2e-gateway: no check ran"; exit 1; }
