"""The pairwise-loss family: HashNet and DHN share :class:`PairwiseHasher` (``base``).

Each estimator is one module (``hashnet``, ``dhn``) beside the family's shared
fit; the BDNN family is laid out the same way in :mod:`hashlearn.deep.bdnn`.
"""

from typing import TYPE_CHECKING

from hashlearn._lazy import attach

if TYPE_CHECKING:
    from hashlearn.deep.pairwise.base import PairwiseHasher
    from hashlearn.deep.pairwise.dhn import DHN
    from hashlearn.deep.pairwise.hashnet import HashNet

__all__ = ["DHN", "HashNet", "PairwiseHasher"]

__getattr__, __dir__ = attach(__name__, __file__)
