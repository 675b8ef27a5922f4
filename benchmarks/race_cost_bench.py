"""What SH-BDNN's automatic selection costs: a default fit against one fit of its choice.

For each code length, on one protocol's training rows (the bench split of ``--seed``):

* ``race, 1 process``: ``SHBDNN(n_bits)`` with its defaults and ``race_workers=1``, the
  candidates one after another;
* ``race, workers``: the same with ``race_workers="auto"`` (side by side, one process a core,
  where each candidate trains on one thread); its codes must equal the first's bit for bit;
* ``fixed``: the peer, one fit with the settings the race chose given (``lambda1``,
  ``hidden_sizes``, ``n_pretrain_iter``, ``input_noise``, ``n_anchors``): what a user who
  knew them would pay.

Prints the wall seconds of each (and process CPU seconds of the one-process fits), the
ratios race / fixed, and the test mAP. Run it alone: other jobs on the cores change every
figure. Threads: torch's default (the cores) unless ``OMP_NUM_THREADS`` says otherwise.

Usage::

    HASHLEARN_DATA=~/datasets python benchmarks/race_cost_bench.py mnist-10k-5k --bits 8,32
    HASHLEARN_DATA=~/datasets python benchmarks/race_cost_bench.py cifar10-1k --bits 32
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import numpy as np
import torch

from _rows import emit
from hashlearn.bench.data import load_benchmark_data
from hashlearn.deep.bdnn import SHBDNN
from hashlearn.deep.bdnn.fitting import _threads
from hashlearn.metrics import mean_average_precision

#: The settings a race chooses, as a fit's parameters.
CHOSEN = ("lambda1", "hidden_sizes", "n_pretrain_iter", "input_noise", "n_anchors")


def timed_fit(data: Any, **params: Any) -> tuple[SHBDNN, float, float]:
    """A fit on the protocol's training rows; returns it, its wall and CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    model = SHBDNN(**params).fit(data.X_train, data.y_train)
    return model, time.perf_counter() - wall, time.process_time() - cpu


def query_map(model: SHBDNN, data: Any, n_bits: int) -> float:
    """mAP of the protocol's queries against its database, with ``model``'s codes."""
    queries, database = model.encode(data.X_query), model.encode(data.X_db)
    return float(mean_average_precision(queries, database, data.y_query, data.y_db, n_bits=n_bits))


def races_in_workers(data: Any) -> bool:
    """Whether a default fit here races in worker processes, by the fit's own rule
    (counted on all training rows, a few more than the fit trains on once its
    validation rows are out). Where it does not (CIFAR-10's 1,280 features train on
    two threads), the race is one process either way and its second fit is skipped."""
    with _threads(None, data.X_train.size) as cores:
        return SHBDNN()._workers(cores) > 1


def one_length(data: Any, n_bits: int, seed: int) -> dict[str, Any]:
    """The three fits at ``n_bits``, their seconds, ratios and test mAP."""
    base = {"n_bits": n_bits, "random_state": seed}
    alone, alone_s, alone_cpu = timed_fit(data, race_workers=1, **base)
    side, side_s = (timed_fit(data, **base)[:2]) if races_in_workers(data) else (alone, None)
    chosen = {k: alone.settings_[k] for k in CHOSEN}
    fixed, fixed_s, fixed_cpu = timed_fit(data, **chosen, **base)
    same = np.array_equal(alone.encode(data.X_query), side.encode(data.X_query))
    return {
        "bits": n_bits,
        "chosen": chosen,
        "threads": torch.get_num_threads(),
        "race_1_process_s": round(alone_s, 1),
        "race_1_process_cpu_s": round(alone_cpu, 1),
        "race_workers_s": None if side_s is None else round(side_s, 1),
        "fixed_s": round(fixed_s, 1),
        "fixed_cpu_s": round(fixed_cpu, 1),
        "ratio_1_process": round(alone_s / fixed_s, 2),
        "ratio_workers": None if side_s is None else round(side_s / fixed_s, 2),
        "same_codes": bool(same),
        "map_race": round(query_map(alone, data, n_bits), 4),
        "map_fixed": round(query_map(fixed, data, n_bits), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("protocol", help="a bench protocol: digits, mnist-10k-5k, ...")
    parser.add_argument("--bits", default="8,16,24,32")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="append JSON lines here")
    args = parser.parse_args()
    data = load_benchmark_data(args.protocol, seed=args.seed)
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores", flush=True)
    for n_bits in (int(b) for b in args.bits.split(",")):
        row = {"protocol": args.protocol, "seed": args.seed} | one_length(data, n_bits, args.seed)
        emit(row, args.out)
    print(f"load average {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
