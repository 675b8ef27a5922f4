"""hashlearn: learning to hash, retrieval metrics and fast Hamming search.

>>> import hashlearn
>>> model = hashlearn.create("itq", n_bits=16, random_state=0)
>>> type(model) is hashlearn.ITQ
True

Every method class (``hashlearn.ITQ``, ``hashlearn.HashNet``, ...) and
:class:`PackBits` are importable from here; each module is imported on first
use, so ``import hashlearn`` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

from hashlearn._lazy import attach
from hashlearn._registry import create, list_methods, register
from hashlearn.loading import load

if TYPE_CHECKING:
    from hashlearn.deep.bdnn.estimators import SHBDNN, UHBDNN
    from hashlearn.deep.pairwise.dhn import DHN
    from hashlearn.deep.pairwise.hashnet import HashNet
    from hashlearn.hashers.bre import BRE, BRESupervised
    from hashlearn.hashers.itq import ITQ
    from hashlearn.hashers.itq_cca import ITQCCA
    from hashlearn.hashers.ksh import KSH
    from hashlearn.hashers.lsh import LSH
    from hashlearn.hashers.pcah import PCAH
    from hashlearn.hashers.sdh import SDH
    from hashlearn.hashers.sh import SH
    from hashlearn.packbits import PackBits

__all__ = [
    "BRE",
    "DHN",
    "ITQ",
    "ITQCCA",
    "KSH",
    "LSH",
    "PCAH",
    "SDH",
    "SH",
    "SHBDNN",
    "UHBDNN",
    "BRESupervised",
    "HashNet",
    "PackBits",
    "__version__",
    "create",
    "list_methods",
    "load",
    "register",
]

__getattr__, __dir__ = attach(__name__, __file__)
