"""Does SH-BDNN's race pick the right candidate? Per-query validation scores against test mAP.

For each code length and seed (the seed draws the protocol's split, the validation
rows and the start, as ``hashlearn bench --seeds`` does), fits every candidate of the
default race alone, without the refit on the validation rows, and records its test mAP
and the average precision of each validation row queried against the other validation
rows (the race's score is their mean). ``--replay`` then compares selection rules on
the same fits: the race's (the best mean score), the best candidate in hindsight, and
"keep an incumbent unless another candidate beats it by more than z paired standard
errors of the per-row differences".

Usage (one thread; benchmarks/results/bdnn.md section 6ac)::

    OMP_NUM_THREADS=1 python benchmarks/bdnn_selection_probe.py digits 8,16,24,32 \\
        --seeds 0,1,2 --out selection.jsonl
    python benchmarks/bdnn_selection_probe.py --replay selection.jsonl
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from typing import Any

import numpy as np

import hashlearn
from bdnn_race_probe import candidates, probe_parser, run_probe
from hashlearn.bench.data import BenchData
from hashlearn.deep.bdnn.validation import default_val_size, split_validation
from hashlearn.metrics import mean_average_precision


def leave_one_out_aps(codes: np.ndarray, labels: np.ndarray) -> list[float]:
    """Average precision of each packed code queried against the others (stable ties).

    >>> leave_one_out_aps(np.array([[0], [0], [255]], np.uint8), np.array([0, 0, 1]))
    [1.0, 1.0, 0.0]
    """
    bits = np.unpackbits(codes, axis=1)
    distances = (bits[:, None, :] != bits[None, :, :]).sum(-1)
    aps = []
    for i in range(len(bits)):
        others = np.delete(np.arange(len(bits)), i)
        ranked = others[np.argsort(distances[i, others], kind="stable")]
        relevant = labels[ranked] == labels[i]
        hits = np.cumsum(relevant)[relevant]
        aps.append(float(np.mean(hits / (np.flatnonzero(relevant) + 1))) if hits.size else 0.0)
    return aps


def fit_row(data: BenchData, method: str, n_bits: int, seed: int, choice: dict) -> dict[str, Any]:
    """Fit one candidate (or SDH) on ``data``, the split of ``seed``; its test mAP and
    validation APs."""
    params = {"preset": "auto", "refit": False, **choice} if method == "sh-bdnn" else {}
    model = hashlearn.create(method, n_bits=n_bits, random_state=seed, **params)
    model.fit(data.X_train, data.y_train)
    test = mean_average_precision(
        model.encode(data.X_query), model.encode(data.X_db), data.y_query, data.y_db, n_bits=n_bits
    )
    row = {"method": method, "bits": n_bits, "seed": seed, "choice": choice, "map": float(test)}
    if method == "sh-bdnn":  # the rows the fit carved, as it carved them (its first draw)
        size = default_val_size(len(data.X_train))
        _, val = split_validation(len(data.X_train), size, np.random.default_rng(seed))
        codes = model.encode(data.X_train[val])
        row["val_aps"] = leave_one_out_aps(codes, np.asarray(data.y_train)[val])
    return row


def keep_unless_beaten(runs: dict[str, dict], incumbent: str, z: float) -> dict:
    """The incumbent, unless candidates beat its per-row APs by more than ``z`` paired
    standard errors: then the best of those by mean score."""
    base = np.array(runs[incumbent]["val_aps"])
    beaters = []
    for run in runs.values():
        gain = np.array(run["val_aps"]) - base
        if gain.mean() > 0 and gain.mean() > z * gain.std(ddof=1) / np.sqrt(len(gain)):
            beaters.append(run)
    return max(beaters, key=mean_score) if beaters else runs[incumbent]


def mean_score(run: dict) -> float:
    """The race's score of a run: the mean of its validation rows' APs."""
    return float(np.mean(run["val_aps"]))


def label(choice: dict[str, Any]) -> str:
    """A short name of a candidate, e.g. ``1e-4/kernel``."""
    parts = [f"{choice['lambda1']:g}"]
    parts += ["wide"] if choice["hidden_sizes"] == "wide" else []
    parts += ["noise"] if choice["input_noise"] else []
    parts += ["kernel"] if choice["n_anchors"] else []
    parts += ["1000 it"] if choice["n_pretrain_iter"] == 1000 else []
    return "/".join(parts)


def replay(path: str) -> None:
    """Print the mean test mAP each rule picks, per code length, beside SDH's."""
    cells: dict[tuple, dict[str, dict]] = defaultdict(dict)
    with open(path) as lines:
        for row in map(json.loads, lines):
            name = "SDH" if row["method"] == "sdh" else label(row["choice"])
            cells[(row["bits"], row["seed"])][name] = row
    rules = {
        "race (best mean score)": lambda runs: max(runs.values(), key=mean_score),
        "best in hindsight": lambda runs: max(runs.values(), key=lambda r: r["map"]),
        "keep 1e-05 unless beaten, z=1": lambda runs: keep_unless_beaten(runs, "1e-05", 1.0),
        "keep 1e-05 unless beaten, z=2": lambda runs: keep_unless_beaten(runs, "1e-05", 2.0),
        "keep 0.0001 unless beaten, z=1": lambda runs: keep_unless_beaten(runs, "0.0001", 1.0),
        "keep 0.0001 unless beaten, z=2": lambda runs: keep_unless_beaten(runs, "0.0001", 2.0),
    }  # fmt: skip
    picked: dict[tuple[str, int], list[float]] = defaultdict(list)
    for (bits, _), runs in sorted(cells.items()):
        sdh = runs.pop("SDH")["map"]
        picked[("SDH", bits)].append(sdh)
        for name, rule in rules.items():
            picked[(name, bits)].append(rule(runs)["map"])
    lengths = sorted({bits for bits, _ in cells})
    print("| mean test mAP (seeds) | " + " | ".join(f"{b} bits" for b in lengths) + " |")
    print("|---" * (1 + len(lengths)) + "|")
    for name in ["SDH", *rules]:
        means = [f"{np.mean(picked[(name, b)]):.4f} ({len(picked[(name, b)])})" for b in lengths]
        print(f"| {name} | " + " | ".join(means) + " |")
    agree, pairs = ordered_alike([list(runs.values()) for runs in cells.values()])
    print(
        f"\npairs of candidates more than 0.5 points apart in test mAP: {pairs}; "
        f"the validation score orders {agree} of them the same way"
    )


def ordered_alike(cells: list[list[dict]], margin: float = 0.005) -> tuple[int, int]:
    """(pairs the mean validation score orders as the test mAP does, pairs compared):
    the pairs of candidates of a cell whose test mAP differs by more than ``margin``."""
    agree = pairs = 0
    for runs in cells:
        for a, b in itertools.combinations(runs, 2):
            if abs(a["map"] - b["map"]) > margin:
                pairs += 1
                agree += (mean_score(a) - mean_score(b)) * (a["map"] - b["map"]) > 0
    return agree, pairs


def main() -> None:
    jobs = [("sh-bdnn", c) for c in candidates([])] + [("sdh", {})]
    run_probe(
        probe_parser(__doc__).parse_args(),
        replay,
        lambda data, n_bits, seed: (fit_row(data, m, n_bits, seed, c) for m, c in jobs),
    )


if __name__ == "__main__":
    main()
