#!/bin/sh
# Install contract-monitor from a folder of wheels into a fresh virtual environment, offline.
# The Dockerfile's runtime stage runs this; so does tests/packaging/test_wheel_install.py.
#   packaging/install.sh WHEELS_DIR VENV_DIR
set -eu
wheels="$1"
venv="$2"
python="${PYTHON:-python3}"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --no-index --find-links "$wheels" "contract-monitor[postgres]"
