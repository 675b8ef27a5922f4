"""hashlearn: learning to hash, retrieval metrics and fast Hamming search.

>>> import hashlearn
>>> model = hashlearn.create("itq", n_bits=16, random_state=0)
"""

from __future__ import annotations

__version__ = "0.1.0"

from hashlearn._registry import create, list_methods, register
from hashlearn.loading import load

__all__ = ["__version__", "create", "list_methods", "load", "register"]
