#!/bin/sh
# Build the contract-monitor wheel and a wheel for every locked dependency into OUT.
# The Dockerfile's build stage runs this; so does tests/packaging/test_wheel_install.py.
#   packaging/build-wheels.sh SOURCE_DIR OUT_DIR
set -eu
src="$1"
out="$2"
python="${PYTHON:-python3}"
# the dependencies exactly as locked, every file checked against its sha256; then ours alone
"$python" -m pip wheel --quiet --wheel-dir "$out" --require-hashes -r "$src/requirements/runtime.lock"
"$python" -m pip wheel --quiet --wheel-dir "$out" --no-deps "$src"
