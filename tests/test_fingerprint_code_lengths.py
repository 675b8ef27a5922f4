"""Code lengths that are not a multiple of 8 are kept (memmap codes) or checked (HashNet loss)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import hashlearn
from hashlearn.deep.losses import HashNetLoss
from hashlearn.scale import encode_to_memmap, open_codes


def test_memmap_codes_keep_a_12_bit_length(tmp_path):
    X = np.random.default_rng(0).normal(size=(90, 6))
    model = hashlearn.create("lsh", n_bits=12, random_state=0).fit(X)
    encode_to_memmap(model, X, tmp_path / "codes.npy")
    codes = open_codes(tmp_path / "codes.npy")  # the length comes from the sidecar
    assert codes.shape == (90, 2)
    with pytest.raises(ValueError, match="holds 12-bit codes"):
        open_codes(tmp_path / "codes.npy", n_bits=16)


def test_cli_reads_the_length_of_memmap_codes(tmp_path):
    from click.testing import CliRunner

    from hashlearn.cli import cli

    X = np.random.default_rng(1).normal(size=(40, 6))
    model = hashlearn.create("lsh", n_bits=12, random_state=0).fit(X)
    encode_to_memmap(model, X, tmp_path / "codes.npy")
    args = ["index", "build", str(tmp_path / "codes.npy"), "--out", str(tmp_path / "db.index")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "40 12-bit codes" in result.output


def test_hashnet_loss_refuses_codes_of_another_length():
    loss = HashNetLoss(n_bits=16)
    with pytest.raises(ValueError, match=r"codes have 12 bits .* n_bits=16"):
        loss(torch.randn(4, 12), torch.tensor([0, 0, 1, 1]))
    assert torch.isfinite(loss(torch.randn(4, 16), torch.tensor([0, 0, 1, 1])))
