#!/usr/bin/env bash
# End-to-end suite with the real Claude Code and Codex CLIs (pinned), inside a fresh network namespace.
set -euo pipefail
cd "$(dirname "$0")/.."
CLAUDE_VERSION=2.1.330
CODEX_VERSION=0.169.0
prefix=.e2e-cache/npm
mkdir -p "$prefix"
have() { [ -x "$prefix/node_modules/.bin/$1" ] && "$prefix/node_modules/.bin/$1" --version 2>/dev/null | grep -q "$2"; }
if ! have claude "$CLAUDE_VERSION" || ! have codex "$CODEX_VERSION"; then
  if ! command -v npm >/dev/null; then
    apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
  fi
  echo "e2e: installing @anthropic-ai/claude-code@$CLAUDE_VERSION and @openai/codex@$CODEX_VERSION into $prefix"
  (cd "$prefix" && npm install --no-audit --no-fund --loglevel=error --prefix . \
      "@anthropic-ai/claude-code@$CLAUDE_VERSION" "@openai/codex@$CODEX_VERSION")
fi
for tool in unshare ip timeout curl; do
  if ! command -v "$tool" >/dev/null; then
    apt-get update -qq && apt-get install -y -qq util-linux iproute2 coreutils curl >/dev/null
    break
  fi
done
# The driver uses target/release/airlock unless given --airlock: rebuild it (a no-op when fresh), so the
# suite never runs a binary older than the tree.
if command -v cargo >/dev/null; then
  cargo build --quiet --release -p airlock-cli
elif [ ! -x target/release/airlock ]; then
  echo "e2e: no cargo and no target/release/airlock" >&2; exit 1
fi
# A fresh network namespace: only loopback, which the model server and the stand-in exfiltration host share.
exec unshare -n bash -c 'ip link set lo up && exec python3 e2e/driver.py "$@"' driver "$@"
