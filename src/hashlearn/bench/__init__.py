"""Benchmark runner, published numbers, reports with plots, and the demo.

>>> from hashlearn.bench import run_benchmark
>>> run_benchmark("digits", ["lsh"], [8], progress=False)["records"][0]["protocol"]
'digits'
"""

from typing import TYPE_CHECKING

from hashlearn._lazy import attach

if TYPE_CHECKING:
    from hashlearn.bench.published import published_for
    from hashlearn.bench.report import write_report
    from hashlearn.bench.runner import run_benchmark

__all__ = ["published_for", "run_benchmark", "write_report"]

__getattr__, __dir__ = attach(__name__, __file__)
