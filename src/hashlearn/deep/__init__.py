"""Deep hashing methods (torch): BDNN, HashNet, DHN, their losses and training loops.

Two families, laid out alike: :mod:`hashlearn.deep.bdnn` (UH-/SH-BDNN) and
:mod:`hashlearn.deep.pairwise` (HashNet, DHN); both build on
:class:`hashlearn.deep._base.TorchHasher` and checkpoint through
:mod:`hashlearn.deep.checkpoint`.

The estimators are importable from here; torch is imported on first use of one
(``import hashlearn.deep`` alone imports nothing heavy).
"""

from typing import TYPE_CHECKING

from hashlearn._lazy import attach

if TYPE_CHECKING:
    from hashlearn.deep.bdnn.estimators import SHBDNN, UHBDNN
    from hashlearn.deep.pairwise.dhn import DHN
    from hashlearn.deep.pairwise.hashnet import HashNet

__all__ = ["DHN", "SHBDNN", "UHBDNN", "HashNet"]

__getattr__, __dir__ = attach(__name__, __file__)
