"""keep_freed_memory: freed blocks stay in the process (fewer page faults), once
training runs on the CPU, and never against the user's own malloc settings.

Each case runs in a fresh interpreter: the setting is process-wide and one-way.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not hasattr(ctypes.CDLL(None), "gnu_get_libc_version"),
    reason="glibc only",
)

# Allocates, writes and frees a 48 MiB tensor twenty times (above the 32 MiB up to
# which glibc raises its mmap threshold by itself); prints keep_freed_memory()'s
# answer and the page faults of the loop.
FAULTS = """
import resource, torch
from hashlearn._malloc import keep_freed_memory
print(keep_freed_memory() if {call} else None)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    block = torch.ones(12 << 20)
    del block
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""
PAGES = (48 << 20) // 4096


def _run(code: str, **env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    clean.pop("GLIBC_TUNABLES", None)
    clean.pop("HASHLEARN_MALLOC", None)
    done = subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_freed_memory_is_reused_instead_of_faulted_in_again():
    answer, faults = _run(FAULTS.format(call=True))
    assert answer == "True"
    assert int(faults) < 10 * PAGES  # the first few allocations only (2-6 of 20 measured)
    _, default_faults = _run(FAULTS.format(call=False))
    assert int(default_faults) > 15 * PAGES  # every allocation faults its pages in again


@pytest.mark.parametrize(
    "env", [{"HASHLEARN_MALLOC": "system"}, {"MALLOC_TRIM_THRESHOLD_": "131072"}]
)
def test_the_users_choice_is_left_alone(env):
    answer, faults = _run(FAULTS.format(call=True), **env)
    assert answer == "False"
    assert int(faults) > 15 * PAGES


def test_training_on_the_cpu_turns_it_on():
    code = """
import numpy as np
from hashlearn import _malloc
from hashlearn.deep.pairwise import HashNet
rng = np.random.default_rng(0)
HashNet(n_bits=4, epochs=1, hidden_sizes=(), random_state=0).fit(
    rng.normal(size=(40, 5)).astype(np.float32), rng.integers(0, 2, 40)
)
print(_malloc._in_force)
"""
    assert _run(code) == ["True"]
