"""The former home of ``HashNet``, still importable: it lives in
:mod:`hashlearn.deep.pairwise.hashnet` (the shared fit in :mod:`hashlearn.deep.pairwise.base`)."""

from hashlearn.deep.pairwise.base import PairwiseHasher
from hashlearn.deep.pairwise.hashnet import HashNet

__all__ = ["HashNet", "PairwiseHasher"]
