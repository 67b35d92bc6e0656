#!/usr/bin/env bash
# Creates .e2e-cache/models-venv with the model-signing Python package, for the
# airlock-signing interop tests (they look for .e2e-cache/models-venv/bin/python
# or $AIRLOCK_MODEL_SIGNING_PYTHON). Idempotent: does nothing when the venv
# already imports model_signing at the pinned version.
# model-signing 1.1.1 imports OpenSSL (pyOpenSSL) for its certificate method
# without declaring it, so pyOpenSSL is installed beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=1.1.1
VENV=.e2e-cache/models-venv
PY="$VENV/bin/python"
check() {
  "$PY" - "$VERSION" <<'PY' 2>/dev/null
import sys, importlib.metadata as m
import model_signing, OpenSSL  # noqa: F401
sys.exit(0 if m.version("model-signing") == sys.argv[1] else 1)
PY
}
if [ -x "$PY" ] && check; then
  echo "models-venv: model-signing $VERSION present"
  exit 0
fi
mkdir -p .e2e-cache
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "model-signing==$VERSION" pyopenssl
check
echo "models-venv: model-signing $VERSION installed"
