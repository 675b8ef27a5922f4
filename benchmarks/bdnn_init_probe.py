"""Would SH-BDNN gain from starting at SDH's codes instead of ITQ's? One fit per setting.

SH-BDNN initialises its binary codes B with ITQ codes of the training rows, which know
nothing of the labels. This probe replaces them, before pre-training, by the signs of
SDH's projection of the same rows (SDH fitted on those rows and labels, 1.4 s), then
trains as usual, and prints the test mAP beside the unchanged fit's and SDH's own.

Usage (one thread; benchmarks/results/bdnn.md section 6f)::

    HASHLEARN_DATA=~/datasets python benchmarks/bdnn_init_probe.py digits 8,16,24,32 \\
        '{"preset": "paper"}'
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np
import torch

import hashlearn
from hashlearn.bench.data import BenchData, load_benchmark_data
from hashlearn.bench.runner import evaluate_model
from hashlearn.deep.bdnn.estimators import SHBDNN


class SDHStart(SHBDNN):
    """SH-BDNN whose initial codes are the signs of SDH's projection of the training rows."""

    def _enter(self, choice, inputs, data, n_bits, rng):  # type: ignore[no-untyped-def]
        entrant = super()._enter(choice, inputs, data, n_bits, rng)
        sdh = hashlearn.create("sdh", n_bits=n_bits, random_state=0).fit(data["X"], data["y"])
        codes = np.where(sdh.project(data["X"]) >= 0, 1.0, -1.0)
        entrant.problem.B = torch.as_tensor(codes, dtype=entrant.problem.B.dtype)
        return entrant


def fit_and_score(cls: type, data: BenchData, n_bits: int, params: dict[str, Any]) -> dict:
    """Test mAP and fit seconds of ``cls`` with ``params`` on the protocol."""
    tic = time.perf_counter()
    model = cls(n_bits=n_bits, random_state=0, **params)
    model.fit(data.X_train, data.y_train, X_val=data.X_val, y_val=data.y_val)
    seconds = time.perf_counter() - tic
    scores = evaluate_model(model, data, ["map"], pr_curve=False)[0]
    return {"map": round(scores["map"], 4), "s": round(seconds)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("protocol")
    ap.add_argument("bits", help="comma-separated code lengths")
    ap.add_argument("settings", help="SH-BDNN parameters as JSON")
    args = ap.parse_args()
    data = load_benchmark_data(args.protocol, seed=0)
    params = json.loads(args.settings)
    for n_bits in map(int, args.bits.split(",")):
        row = {"protocol": args.protocol, "bits": n_bits, "settings": params}
        row["itq_start"] = fit_and_score(SHBDNN, data, n_bits, params)
        row["sdh_start"] = fit_and_score(SDHStart, data, n_bits, params)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
