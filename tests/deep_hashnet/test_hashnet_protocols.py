"""HashNet's published protocols (ImageNet mAP@1000, NUS-WIDE/COCO mAP@5000) on stand-ins."""

import numpy as np
import pytest
import torch

from hashlearn.deep.pairwise.hashnet import HashNet
from hashlearn.metrics import mean_average_precision


@pytest.mark.parametrize(
    ("multilabel", "topk", "kwargs"),
    [
        (False, 1000, {"weighting": "caffe", "class_num": 20.0}),  # ImageNet-100 style
        (True, 500, {"weighting": "paper", "similarity_weight": "jaccard"}),  # NUS/COCO style
    ],
)
def test_hashnet_protocol_path_on_synthetic_stand_in(multilabel, topk, kwargs):
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(20, 32)) * 2
    if multilabel:
        Y = (rng.random((1500, 20)) < 0.1).astype(np.int64)
        Y[np.arange(1500), rng.integers(0, 20, 1500)] = 1
        X = Y @ centers / Y.sum(1, keepdims=True)
        labels = Y
    else:
        labels = rng.integers(0, 20, 1500)
        X = centers[labels]
    X = (X + 0.7 * rng.normal(size=X.shape)).astype(np.float32)
    model = HashNet(n_bits=16, epochs=8, hidden_sizes=(64,), random_state=0, **kwargs)
    model.fit(X[:600], labels[:600])
    q, db = model.encode(X[600:700]), model.encode(X[700:])
    got = mean_average_precision(
        q, db, labels[600:700], labels[700:], n_bits=16, topk=topk, preset="hashnet_caffe"
    )
    rand = mean_average_precision(
        rng.integers(0, 256, q.shape, dtype=np.uint8),
        rng.integers(0, 256, db.shape, dtype=np.uint8),
        labels[600:700],
        labels[700:],
        n_bits=16,
        topk=topk,
        preset="hashnet_caffe",
    )
    assert got > rand + 0.2
