"""A training run keeps the torch thread count it was given when numba starts its pool."""

import os
import subprocess
import sys

import torch

from hashlearn._threads import torch_threads_kept

BDNN_SCORING = """
import numpy as np, torch
from hashlearn.deep.bdnn.validation import label_relevance, ranking_map
rng = np.random.default_rng(0)
codes, y = torch.as_tensor(rng.normal(size=(4000, 16))), rng.integers(0, 10, 4000)
ranking_map(codes[:1000], codes, label_relevance(y[:1000], y))  # starts numba's pool
print(torch.get_num_threads())
"""
PAIRWISE_VALIDATION = """
import numpy as np, torch
from hashlearn.deep.heads import HashHead
from hashlearn.deep.training import HashingNetwork, validation_map
net = HashingNetwork(torch.nn.Identity(), HashHead(8, 16))
rng = np.random.default_rng(0)
X, y = rng.normal(size=(4000, 8)).astype(np.float32), rng.integers(0, 10, 4000)
validation_map(net, (X[:1000], y[:1000], X, y), 16, None)  # starts numba's pool
print(torch.get_num_threads())
"""


def test_the_block_restores_torch_threads():
    before = torch.get_num_threads()
    with torch_threads_kept():
        torch.set_num_threads(before + 1)  # what numba's OpenMP pool does when it starts
    assert torch.get_num_threads() == before


def _torch_threads_after(script: str) -> str:
    """Run ``script`` in a fresh process with ``OMP_NUM_THREADS=1`` (the only place where
    numba starts its pool for the first time); return what it prints."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    env.pop("NUMBA_NUM_THREADS", None)
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env
    )
    return out.stdout.strip()


def test_validation_map_in_a_fresh_process_keeps_one_thread():
    assert _torch_threads_after(PAIRWISE_VALIDATION) == "1"


def test_bdnn_scoring_in_a_fresh_process_keeps_one_thread():
    assert _torch_threads_after(BDNN_SCORING) == "1"
