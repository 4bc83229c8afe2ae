#!/bin/sh
# Build the contract-monitor wheel and a wheel for every pinned dependency into OUT.
# The Dockerfile's build stage runs this; so does tests/packaging/test_wheel_install.py.
#   packaging/build-wheels.sh SOURCE_DIR OUT_DIR
set -eu
src="$1"
out="$2"
python="${PYTHON:-python3}"
"$python" -m pip wheel --quiet --wheel-dir "$out" --constraint "$src/constraints.txt" "$src[postgres]"
