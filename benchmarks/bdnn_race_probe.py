"""Which race picks SH-BDNN's settings best? Full validation curves of every candidate.

For each code length and seed, fits SH-BDNN once per candidate setting of
``preset="auto"`` (the paper's and the class's ``auto_candidates``), each alone,
with the validation rows and the held-out scoring that the race uses, and records
the validation score after every stage, the stage times and the test mAP. Since a
race's winner ends exactly as a fit with its settings alone, any selection rule
(how many stages before dropping which candidates) can then be replayed offline:
``--replay`` prints, per rule, the test mAP of the setting it picks and the stages
it costs, beside the best candidate in hindsight and SDH on the same rows.

Usage (one thread; benchmarks/results/bdnn.md section 6d)::

    HASHLEARN_DATA=~/datasets python benchmarks/bdnn_race_probe.py mnist-10k-5k 8,16,24,32 \\
        --seeds 0,1,2 --out race_mnist5k.jsonl
    python benchmarks/bdnn_race_probe.py --replay race_mnist5k.jsonl

``--extra '[{"input_noise": 0.5, "lambda1": 1e-3}]'`` races more candidates beside them;
``--only '[{"lambda1": 3e-4}, {"lambda1": 1e-4}]'`` fits just these (and SDH) instead.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import torch

import hashlearn
from _rows import emit
from hashlearn.bench.data import BenchData, load_benchmark_data
from hashlearn.deep.bdnn.fitting import PAPER_CHOICE, _full_candidate
from hashlearn.metrics import mean_average_precision


def candidates(extra: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The settings SH-BDNN's default race tries, the paper's first, then ``extra``."""
    auto = [*hashlearn.create("sh-bdnn").auto_candidates, *extra]
    return [dict(PAPER_CHOICE), *(_full_candidate(c) for c in auto)]


def fit_row(data: Any, method: str, n_bits: int, seed: int, choice: dict) -> dict[str, Any]:
    """Fit one setting (or SDH) and return its curves, times and test mAP."""
    tic = time.perf_counter()
    params = {"preset": "auto", **choice} if method == "sh-bdnn" else {}
    model = hashlearn.create(method, n_bits=n_bits, random_state=seed, **params)
    has_val = method == "sh-bdnn" and data.X_val is not None
    extra = {"X_val": data.X_val, "y_val": data.y_val} if has_val else {}
    model.fit(data.X_train, data.y_train, **extra)
    fit_seconds = time.perf_counter() - tic
    score = mean_average_precision(
        model.encode(data.X_query), model.encode(data.X_db), data.y_query, data.y_db, n_bits=n_bits
    )
    row = {"method": method, "bits": n_bits, "seed": seed, "choice": choice}
    row |= {"map": round(float(score), 4), "fit_s": round(fit_seconds, 1)}
    if method == "sh-bdnn":
        row |= {"val": model.val_scores_, "stage_s": model.stage_seconds_}
    return row


def best_so_far(curve: list[float], stages: int) -> float:
    """A run's best validation score after ``stages`` stages (or when it stopped)."""
    return max(curve[:stages])


def halving(runs: list[dict], first: int) -> tuple[dict, int]:
    """Successive halving: ``first`` stages each, keep the better half, double, repeat.

    Returns the winner and the stages run in all (a dropped run stops where it was).
    """
    alive, stages = list(runs), first
    ran = [0] * len(runs)
    while len(alive) > 1:
        for r in alive:
            ran[runs.index(r)] = min(stages, len(r["val"]))
        alive.sort(key=lambda r: -best_so_far(r["val"], stages))  # stable: ties to the earlier
        alive = alive[: max(1, len(alive) // 2)]
        stages *= 2
    ran[runs.index(alive[0])] = len(alive[0]["val"])
    return alive[0], sum(ran)


def race_once(runs: list[dict], stages: int) -> tuple[dict, int]:
    """The current rule: ``stages`` stages each, the best goes on to the end."""
    winner = max(runs, key=lambda r: best_so_far(r["val"], stages))
    cost = sum(min(stages, len(r["val"])) for r in runs)
    return winner, cost + max(0, len(winner["val"]) - stages)


def finalists(runs: list[dict], stages: int, n: int) -> tuple[dict, int]:
    """``stages`` stages each, then the best ``n`` go on to their ends; the best of those."""
    ahead = sorted(runs, key=lambda r: -best_so_far(r["val"], stages))[:n]  # ties: earlier
    winner = max(ahead, key=lambda r: max(r["val"]))
    cost = sum(min(stages, len(r["val"])) for r in runs)
    return winner, cost + sum(max(0, len(r["val"]) - stages) for r in ahead)


def replay(path: str) -> None:
    """Print each rule's picked test mAP and stage cost per (bits, seed), and the means."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    sdh: dict[tuple, float] = {}
    with open(path) as lines:
        rows = [json.loads(line) for line in lines]
    for row in rows:
        key = (row["bits"], row["seed"])
        if row["method"] == "sdh":
            sdh[key] = row["map"]
        else:
            groups[key].append(row)
    rules = {"race 2 stages (default)": lambda r: race_once(r, 2),
             "race 3 stages": lambda r: race_once(r, 3),
             "halving from 2": lambda r: halving(r, 2),
             "best two to the end": lambda r: finalists(r, 2, 2),
             "all to the end": lambda r: race_once(r, 99)}  # fmt: skip
    print("| bits | seed | SDH | paper | best in hindsight | " + " | ".join(rules) + " |")
    print("|---" * (5 + len(rules)) + "|")
    totals: dict[str, list[float]] = defaultdict(list)
    for (bits, seed), runs in sorted(groups.items()):
        one_fit = len(runs[0]["val"])
        cells = [str(bits), str(seed), f"{sdh.get((bits, seed), float('nan')):.4f}",
                 f"{runs[0]['map']:.4f}", f"{max(r['map'] for r in runs):.4f}"]  # fmt: skip
        for name, rule in rules.items():
            winner, cost = rule(runs)
            totals[name].append(winner["map"])
            cells.append(f"{winner['map']:.4f} ({cost / one_fit:.1f}x)")
        print("| " + " | ".join(cells) + " |")
    print("\nmeans: " + ", ".join(f"{k} {np.mean(v):.4f}" for k, v in totals.items()))


def probe_parser(doc: str) -> argparse.ArgumentParser:
    """The arguments of the BDNN probes: protocol, code lengths, seeds, output, replay."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("protocol", nargs="?")
    ap.add_argument("bits", nargs="?", help="comma list of code lengths")
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--out", help="append JSON lines here")
    ap.add_argument("--replay", help="a JSON-lines file of earlier runs")
    return ap


Rows = Callable[[BenchData, int, int], Iterable[dict[str, Any]]]


def run_probe(args: argparse.Namespace, replay_rows: Callable[[str], None], rows: Rows) -> None:
    """A seed-by-seed probe, ``args`` from :func:`probe_parser`: ``--replay`` a file of
    earlier rows, or for each seed (the protocol's split) and code length emit
    ``rows(data, n_bits, seed)``, one thread per process."""
    if args.replay:
        replay_rows(args.replay)
        return
    torch.set_num_threads(1)
    for seed in (int(s) for s in args.seeds.split(",")):
        data = load_benchmark_data(args.protocol, seed=seed)
        for n_bits in (int(b) for b in args.bits.split(",")):
            for row in rows(data, n_bits, seed):
                emit({"protocol": args.protocol} | row, args.out)


def main() -> None:
    ap = probe_parser(__doc__)
    ap.add_argument("--extra", default="[]", help="JSON list of candidates to race as well")
    ap.add_argument("--only", help="JSON list of candidates to fit instead of the race's")
    args = ap.parse_args()
    if args.replay:
        replay(args.replay)
        return
    torch.set_num_threads(1)
    data = load_benchmark_data(args.protocol, seed=0)
    if args.only:  # each completed with the paper's values
        settings = [_full_candidate(c) for c in json.loads(args.only)]
    else:
        settings = candidates(json.loads(args.extra))
    jobs = [("sh-bdnn", c) for c in settings] + [("sdh", {})]
    for n_bits in [int(b) for b in args.bits.split(",")]:
        for seed in [int(s) for s in args.seeds.split(",")]:
            for method, choice in jobs:
                row = {"protocol": args.protocol} | fit_row(data, method, n_bits, seed, choice)
                emit(row, args.out)


if __name__ == "__main__":
    main()
