"""Pairing each batch with the latest codes of every training row (``pair_memory``)."""

from __future__ import annotations

import pytest
import torch

from hashlearn.deep.losses import HashNetLoss
from hashlearn.deep.memory import CodeMemory
from hashlearn.deep.pairwise.dhn import DHN
from hashlearn.deep.pairwise.hashnet import HashNet
from hashlearn.deep.training import _batch_loss
from hashlearn.metrics import mean_average_precision


def test_references_are_the_live_batch_then_the_stored_rows_outside_it():
    labels = torch.tensor([0, 1, 2, 3, 4])
    memory = CodeMemory(5, 2, labels)
    memory.store(torch.tensor([0, 1, 3]), torch.tensor([[1.0, 0.0], [2.0, 0.0], [3.0, 0.0]]))
    live = torch.tensor([[9.0, 9.0], [8.0, 8.0]], requires_grad=True)
    reference, reference_labels = memory.references(torch.tensor([1, 4]), live, labels[[1, 4]])
    assert reference_labels.tolist() == [1, 4, 0, 3]  # row 1 is live, row 2 never seen
    assert reference[:, 0].tolist() == [9.0, 8.0, 1.0, 3.0]
    reference.sum().backward()
    assert live.grad is not None and torch.equal(live.grad, torch.ones(2, 2))


def test_stored_codes_carry_no_gradient_and_stay_as_stored():
    memory = CodeMemory(2, 3, torch.tensor([0, 1]))
    codes = torch.ones(1, 3, requires_grad=True)
    memory.store(torch.tensor([1]), codes * 2)
    assert not memory.codes.requires_grad
    assert memory.codes.tolist() == [[0.0, 0.0, 0.0], [2.0, 2.0, 2.0]]
    assert memory.seen.tolist() == [False, True]


def test_the_batch_loss_pairs_each_image_with_every_stored_row():
    torch.manual_seed(0)
    labels = torch.tensor([0, 0, 1, 1, 2, 2])
    memory = CodeMemory(6, 4, labels)
    memory.store(torch.arange(6), torch.randn(6, 4))
    loss_fn = HashNetLoss(n_bits=4)
    codes, rows = torch.randn(2, 4), torch.tensor([0, 3])
    expected = loss_fn(
        codes,
        labels[rows],
        reference_codes=torch.cat([codes, memory.codes[[1, 2, 4, 5]]]),
        reference_labels=torch.cat([labels[rows], labels[[1, 2, 4, 5]]]),
    )
    assert torch.equal(_batch_loss(loss_fn, codes, labels[rows], rows, memory), expected)
    assert not torch.equal(_batch_loss(loss_fn, codes, labels[rows], rows, None), expected)


def test_a_memory_of_another_shape_is_refused():
    memory = CodeMemory(4, 8, torch.zeros(4))
    with pytest.raises(ValueError, match="code memory has shape"):
        memory.restore({"codes": torch.zeros(5, 8), "seen": torch.zeros(5, dtype=torch.bool)})
    with pytest.raises(ValueError, match="labels must have 4 rows"):
        CodeMemory(4, 8, torch.zeros(3))


@pytest.mark.parametrize("cls", [HashNet, DHN])
def test_the_memory_changes_the_training_and_still_learns(cls, digits):
    X, y = digits
    kw = dict(n_bits=16, epochs=4, hidden_sizes=(64,), learning_rate=0.03, random_state=0)
    plain = cls(**kw).fit(X, y)
    memory = cls(**kw, pair_memory=True).fit(X, y)
    assert [h["loss"] for h in memory.history_] != [h["loss"] for h in plain.history_]
    codes = memory.encode(X)
    score = mean_average_precision(codes, codes, y, y, n_bits=16, exclude_self=True)
    assert score > 0.3  # ten digit classes: random codes score about 0.1; plain 0.44
