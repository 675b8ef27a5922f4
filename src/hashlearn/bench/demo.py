"""The main job: deep vs classic hashing on scikit-learn's digits, with a report.

Fits one deep method (SH-BDNN, else HashNet) and two classic baselines at 16 and
32 bits on the built-in ``digits`` protocol (300 queries, 1,497 database images,
1,000 of them for training), prints a comparison table and writes a report
with plots. About a minute on a 2-core CPU.

>>> choose_methods(["itq", "lsh"])
(None, ['itq', 'lsh'])
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import hashlearn
from hashlearn.bench.report import format_table, summary_rows, write_report
from hashlearn.bench.runner import run_benchmark

DEEP_PREFERENCE = ("sh-bdnn", "hashnet")
CLASSIC_PREFERENCE = ("sdh", "itq", "lsh")
DEMO_PARAMS: dict[str, dict[str, Any]] = {
    "sh-bdnn": {"n_pretrain_iter": 100, "n_wstep_iter": 100, "max_alternations": 5},
}
DEMO_BITS = (16, 32)


def choose_methods(available: list[str]) -> tuple[str | None, list[str]]:
    """The deep method and the two classic baselines the demo runs.

    >>> choose_methods(["hashnet", "itq", "lsh", "sh-bdnn"])
    ('sh-bdnn', ['itq', 'lsh'])
    """
    deep = next((m for m in DEEP_PREFERENCE if m in available), None)
    classic = [m for m in CLASSIC_PREFERENCE if m in available][:2]
    return deep, classic


def run_demo(
    out: str | os.PathLike[str] = "hashlearn-report",
    bits: tuple[int, ...] = DEMO_BITS,
    progress: bool = True,
) -> dict[str, Any]:
    """Run the demo; return ``{"result", "table", "notes", "files"}``.

    ``result`` is the :func:`~hashlearn.bench.runner.run_benchmark` output,
    ``table`` the printed comparison, ``notes`` lines about fallbacks, ``files``
    the report files written into ``out``.
    """
    deep, classic = choose_methods(hashlearn.list_methods())
    notes = []
    if deep is None:
        notes.append(
            "no deep method (sh-bdnn, hashnet) is registered yet; "
            "the demo compares the classic baselines only"
        )
    methods = [*([deep] if deep else []), *classic]
    result = run_benchmark(
        "digits", methods, list(bits), seeds=[0], params=DEMO_PARAMS, progress=progress
    )
    files = write_report(result, Path(out))
    table = format_table(
        [row[:5] for row in summary_rows(result)], ("method", "bits", "mAP", "P@r2", "train s")
    )
    return {"result": result, "table": table, "notes": notes, "files": files}
