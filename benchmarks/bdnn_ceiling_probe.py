"""How well can SH-BDNN's network learn SDH's own codes? A ceiling for the digits.

SDH is fitted on the training rows; its codes of those rows, sign(P^T phi(x)), become
fixed targets B. The network of SH-BDNN (the authors' hidden sizes for the code length,
sigmoid layers, a linear code layer, the layer-wise PCA start) is then trained on the
same rows, by full-batch L-BFGS, to (1/2m) ||H - B||^2 + (lambda1/2) sum ||W||^2: the
W-step with the best codes SDH knows. Its inputs are the features as SH-BDNN reads them,
or SDH's own kernel map (anchors, bandwidth and centring of the fitted SDH). Test mAP of
sign(H) beside SDH's: if even this network stays below SDH, no choice of codes B (what
SH-BDNN's alternation learns) lifts SH-BDNN above SDH on these rows.

Usage (one thread; benchmarks/results/bdnn.md section 6ad)::

    OMP_NUM_THREADS=1 python benchmarks/bdnn_ceiling_probe.py digits 8,16,24,32 \\
        --seeds 0,1,2,3,4 --out ceiling.jsonl
    python benchmarks/bdnn_ceiling_probe.py --replay ceiling.jsonl
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

import hashlearn
from bdnn_race_probe import run_probe
from hashlearn.bench.data import BenchData
from hashlearn.codes import binarize, pack_bits
from hashlearn.deep.bdnn.network import BDNNEncoder, hidden_sizes, pca_initialise
from hashlearn.deep.bdnn.optimise import lbfgs_step
from hashlearn.hashers._kernel import rbf_features
from hashlearn.metrics import mean_average_precision

#: Weight decays the network is trained with (each a column of the table).
WEIGHT_DECAYS = (1e-4, 3e-4, 1e-3, 3e-3)

Encoder = Callable[[np.ndarray], np.ndarray]


def fit_to_codes(X: np.ndarray, B: np.ndarray, lambda1: float, seed: int) -> Encoder:
    """SH-BDNN's network trained to output ``B`` (+-1) for the rows ``X``; its encoder.

    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 5)); B = np.where(X[:, :2] >= 0, 1.0, -1.0)
    >>> encode = fit_to_codes(X, B, 1e-4, 0)
    >>> bool((np.where(encode(X) >= 0, 1.0, -1.0) == B).mean() > 0.9)
    True
    """
    inputs = torch.as_tensor(X, dtype=torch.float32)
    targets = torch.as_tensor(B, dtype=torch.float32)
    torch.manual_seed(seed)
    net = BDNNEncoder(X.shape[1], hidden_sizes(B.shape[1]), B.shape[1])
    pca_initialise(net, inputs, np.random.default_rng(seed))

    def cost() -> torch.Tensor:
        gap = ((net(inputs) - targets) ** 2).sum() / (2 * len(inputs))
        return gap + lambda1 / 2 * sum((layer.weight**2).sum() for layer in net.linears)

    lbfgs_step(list(net.parameters()), cost, 1000)
    return lambda Z: net(torch.as_tensor(Z, dtype=torch.float32)).detach().numpy()


def query_map(encode: Encoder, data: BenchData, n_bits: int) -> float:
    """Test mAP of the signs of ``encode``'s outputs (queries against the database)."""
    q, db = (pack_bits(binarize(encode(Z))) for Z in (data.X_query, data.X_db))
    return float(mean_average_precision(q, db, data.y_query, data.y_db, n_bits=n_bits))


def ceiling_row(data: BenchData, n_bits: int, seed: int) -> dict[str, Any]:
    """SDH's test mAP and the network's, on the features and on SDH's map, per weight decay."""
    sdh = hashlearn.create("sdh", n_bits=n_bits, random_state=seed).fit(data.X_train, data.y_train)

    def project(Z: np.ndarray) -> np.ndarray:
        return sdh._project(np.asarray(Z, dtype=np.float64))

    def kernel(Z: np.ndarray) -> np.ndarray:
        return rbf_features(np.asarray(Z, np.float64), sdh.anchors_, sdh.sigma_) - sdh.phi_mean_

    B = np.where(project(data.X_train) >= 0, 1.0, -1.0)
    row = {"sdh": query_map(project, data, n_bits)}
    for lambda1 in WEIGHT_DECAYS:
        on_features = fit_to_codes(data.X_train, B, lambda1, seed)
        row[f"features {lambda1:g}"] = query_map(on_features, data, n_bits)
        on_map = fit_to_codes(kernel(data.X_train), B, lambda1, seed)
        row[f"map {lambda1:g}"] = query_map(lambda Z, f=on_map: f(kernel(Z)), data, n_bits)
    return {"bits": n_bits, "seed": seed, "map": {k: round(v, 4) for k, v in row.items()}}


def replay(path: str) -> None:
    """Print each column's mean over the seeds per code length, and the best in hindsight."""
    cells: dict[int, list[dict]] = defaultdict(list)
    with open(path) as lines:
        for row in map(json.loads, lines):
            cells[row["bits"]].append(row["map"])
    columns = list(next(iter(cells.values()))[0])
    print("| L (seeds) | " + " | ".join(columns) + " | best network in hindsight |")
    print("|---" * (len(columns) + 2) + "|")
    for bits, rows in sorted(cells.items()):
        means = [np.mean([r[c] for r in rows]) for c in columns]
        hindsight = np.mean([max(v for k, v in r.items() if k != "sdh") for r in rows])
        values = " | ".join(f"{m:.4f}" for m in [*means, hindsight])
        print(f"| {bits} ({len(rows)}) | {values} |")


def main() -> None:
    run_probe(__doc__, replay, lambda data, n_bits, seed: [ceiling_row(data, n_bits, seed)])


if __name__ == "__main__":
    main()
