"""Re-run the claimed results through the benchmark runner and compare.

Quick mode runs each claim on a small subset of its protocol (fewer epochs for
end-to-end training): a check that the path runs, in minutes; its numbers are not
the claims'. Full mode runs the whole protocol and says, for every value, whether
ours equals the recorded one to the four digits the tables print.

>>> from hashlearn.bench.claims import get_claim
>>> rows = comparison_rows(get_claim("sdh-mnist-5k"), {8: {"map": 0.89114}}, full=True)
>>> rows[0]["agrees"], rows[0]["recorded"]
(True, 0.8911)
"""

from __future__ import annotations

from typing import Any

from hashlearn.bench.claims import Claim
from hashlearn.bench.runner import run_benchmark

DIGITS = 4
"""Recorded values are compared at the precision the tables print."""


def run_claim(
    claim: Claim, full: bool = False, data_dir: Any = None, progress: bool = False
) -> dict[str, Any]:
    """Run ``claim`` through :func:`run_benchmark`; return its result (records, environment).

    Quick mode (``full=False``) runs on ``claim.quick`` with ``claim.quick_settings``.
    """
    params = claim.params if full else claim.quick_settings
    return run_benchmark(
        claim.protocol,
        [claim.method],
        claim.bits,
        seeds=[claim.seed],
        data_dir=data_dir,
        params={claim.method: params} if params else None,
        metrics=claim.metrics,
        features=claim.features,
        progress=progress,
        subset=None if full else claim.quick,
    )


def measured_values(result: dict[str, Any]) -> dict[int, dict[str, float]]:
    """The metrics of a :func:`run_claim` result by code length."""
    return {int(r["n_bits"]): dict(r["metrics"]) for r in result["records"]}


def comparison_rows(
    claim: Claim,
    measured: dict[int, dict[str, float]] | None,
    full: bool,
    processor: str = "",
    pinned: bool = False,
) -> list[dict[str, Any]]:
    """One row per (code length, metric): ours, recorded, published, and whether they agree.

    ``agrees`` is None in quick mode or where nothing was measured (data missing).
    ``processor``: the one ours ran on; ``other_processor`` says the recorded value
    was measured on another, where that can explain a difference: not when both
    runs had their kernels pinned to AVX2 (``pinned``, ``claim.pinned_at``) on two
    Intel processors (:func:`pinning_matches`).
    """
    rows = []
    for n_bits in claim.bits:
        recorded_on = claim.processor(n_bits)
        other_processor = bool(processor and recorded_on and processor != recorded_on)
        both_pinned = pinned and claim.pinned_at(n_bits)
        other_processor = other_processor and not (
            both_pinned and pinning_matches(processor, recorded_on)
        )
        for metric in claim.metrics:
            ours = (measured or {}).get(n_bits, {}).get(metric)
            recorded = claim.recorded[n_bits].get(metric)
            agrees = None
            if full and ours is not None and recorded is not None:
                agrees = round(ours, DIGITS) == round(recorded, DIGITS)
            rows.append(
                {
                    "claim": claim.name,
                    "bits": n_bits,
                    "metric": metric,
                    "ours": ours,
                    "recorded": recorded,
                    "published": claim.published.get(n_bits, {}).get(metric),
                    "agrees": agrees,
                    "recorded_on": recorded_on,
                    "other_processor": other_processor,
                }
            )
    return rows


def pinning_matches(processor: str, other: str) -> bool:
    """True when pinned kernels make ``processor`` and ``other`` compute alike.

    MKL honours its AVX2 path on Intel processors only (on others it keeps its own
    kernels), so pinned runs match between two Intel processors, not with an AMD one.

    >>> pinning_matches("Intel(R) Xeon(R) Processor", "Intel(R) Core(TM) i7-1165G7")
    True
    >>> pinning_matches("AMD EPYC", "Intel(R) Xeon(R) Processor")
    False
    """
    return all("intel" in name.lower() for name in (processor, other))


def table_cells(row: dict[str, Any]) -> list[str]:
    """A comparison row as printed text: claim, bits, metric, ours, recorded, published, check."""
    check = {True: "same", False: "DIFFERS", None: "-"}[row["agrees"]]
    if row["agrees"] is False and row["other_processor"]:
        check += " (other CPU)"
    return [
        row["claim"],
        str(row["bits"]),
        row["metric"],
        *(_number(row[k]) for k in ("ours", "recorded", "published")),
        check,
    ]


def processor_note(rows: list[dict[str, Any]], processor: str) -> str | None:
    """Which differing values were recorded on another processor than ``processor``.

    >>> processor_note([{"agrees": False, "other_processor": True, "recorded_on": "X"}], "Y")[:36]
    'Values marked "other CPU" were recor'
    """
    differing = [r for r in rows if r["agrees"] is False and r["other_processor"]]
    others = sorted({r["recorded_on"] for r in differing})
    if not others:
        return None
    return (
        f'Values marked "other CPU" were recorded on {", ".join(others)}; this run is on '
        f"{processor}. SH-BDNN's long L-BFGS runs and end-to-end training follow the "
        "processor's arithmetic, so they can differ there; docs/reproduce.md names the "
        "variables that pin the math libraries' kernel paths (pinned runs match between "
        "Intel processors only)."
    )


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.{DIGITS}f}"
