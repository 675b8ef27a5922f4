"""Classic hashing methods, one scikit-learn estimator per file (numpy/scipy only).

Every class is importable from here; its module is imported on first use:

>>> from hashlearn.hashers import ITQ
>>> ITQ(n_bits=16).method_name
'itq'
"""

from typing import TYPE_CHECKING

from hashlearn._lazy import attach

if TYPE_CHECKING:
    from hashlearn.hashers.bre import BRE, BRESupervised
    from hashlearn.hashers.itq import ITQ
    from hashlearn.hashers.itq_cca import ITQCCA
    from hashlearn.hashers.ksh import KSH
    from hashlearn.hashers.lsh import LSH
    from hashlearn.hashers.pcah import PCAH
    from hashlearn.hashers.sdh import SDH
    from hashlearn.hashers.sh import SH

__all__ = ["BRE", "ITQ", "ITQCCA", "KSH", "LSH", "PCAH", "SDH", "SH", "BRESupervised"]

__getattr__, __dir__ = attach(__name__, __file__)
