"""BDNN: UH-BDNN and SH-BDNN (Do, Doan, Cheung, ECCV 2016)."""

from typing import TYPE_CHECKING

from hashlearn._lazy import attach

if TYPE_CHECKING:
    from hashlearn.deep.bdnn.estimators import SHBDNN, UHBDNN

__all__ = ["SHBDNN", "UHBDNN"]

__getattr__, __dir__ = attach(__name__, __file__)
