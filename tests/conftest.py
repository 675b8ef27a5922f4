"""Fixtures shared by every test folder."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import pytest


@pytest.fixture
def run_with_one_omp_thread() -> Callable[[str], str]:
    """Run a Python script in a fresh process with ``OMP_NUM_THREADS=1``; return its stdout.

    A fresh process is the only place where numba starts its thread pool for the
    first time, which is what can reset torch's thread count.
    """

    def run(script: str) -> str:
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        env.pop("NUMBA_NUM_THREADS", None)
        out = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env
        )
        return out.stdout.strip()

    return run
