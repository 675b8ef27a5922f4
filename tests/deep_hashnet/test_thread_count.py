"""A training run keeps the torch thread count it was given when numba starts its pool."""

import torch

from hashlearn._threads import torch_threads_kept

FRESH_PROCESS = """
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


def test_validation_map_in_a_fresh_process_keeps_one_thread(run_with_one_omp_thread):
    assert run_with_one_omp_thread(FRESH_PROCESS) == "1"
