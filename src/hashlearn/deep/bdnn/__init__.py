"""BDNN: UH-BDNN and SH-BDNN (Do, Doan, Cheung, ECCV 2016), see ALGORITHMS.md section 2."""

from hashlearn.deep.bdnn.estimators import SHBDNN, UHBDNN

__all__ = ["SHBDNN", "UHBDNN"]
