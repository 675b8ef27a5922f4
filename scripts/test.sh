#!/usr/bin/env bash
# Set up (CPU PyTorch first, then the package with its dev extras) and run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet torch==2.13.0
python -m pip install --quiet -e ".[dev]"
python -m pytest -n 2 -q "$@"
