"""The former home of ``DHN``, still importable: it lives in
:mod:`hashlearn.deep.pairwise.dhn`."""

from hashlearn.deep.pairwise.dhn import DHN

__all__ = ["DHN"]
