"""The main job: deep vs classic hashing on scikit-learn's digits, with a report.

Fits SH-BDNN, SDH and ITQ at 16 and 32 bits on the built-in ``digits``
protocol (300 queries, 1,497 database images, 1,000 of them for training),
every method with its defaults, prints a comparison table and writes a report
with plots. It is exactly :func:`demo_command`: the same runs, the same numbers.

>>> DEMO_METHODS
('sh-bdnn', 'sdh', 'itq')
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hashlearn.bench.report import format_table, summary_rows, write_report
from hashlearn.bench.runner import run_benchmark

DEMO_METHODS = ("sh-bdnn", "sdh", "itq")
DEMO_BITS = (16, 32)


def demo_command(bits: tuple[int, ...] = DEMO_BITS) -> str:
    """The ``hashlearn bench`` command line of the runs the demo makes at ``bits``.

    >>> demo_command()
    'hashlearn bench --protocol digits --methods sh-bdnn,sdh,itq --bits 16,32'
    """
    methods, lengths = ",".join(DEMO_METHODS), ",".join(map(str, bits))
    return f"hashlearn bench --protocol digits --methods {methods} --bits {lengths}"


def run_demo(
    out: str | os.PathLike[str] = "hashlearn-report",
    bits: tuple[int, ...] = DEMO_BITS,
    progress: bool = True,
) -> dict[str, Any]:
    """Run the demo; return ``{"result", "table", "files"}``.

    ``result`` is the :func:`~hashlearn.bench.runner.run_benchmark` output,
    ``table`` the printed comparison, ``files`` the report files written into ``out``.
    """
    result = run_benchmark("digits", list(DEMO_METHODS), list(bits), seeds=[0], progress=progress)
    files = write_report(result, Path(out))
    table = format_table(
        [row[:5] for row in summary_rows(result)], ("method", "bits", "mAP", "P@r2", "train s")
    )
    return {"result": result, "table": table, "files": files}
