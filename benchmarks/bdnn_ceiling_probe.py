"""How well can SH-BDNN's network learn SDH's own codes? A ceiling for the digits.

SDH is fitted on the training rows; its codes of those rows, sign(P^T phi(x)), become
fixed targets B. The network of SH-BDNN (the authors' hidden sizes for the code length,
sigmoid layers, a linear code layer, the layer-wise PCA start) is then trained on the
same rows, by full-batch L-BFGS, to (1/2m) ||H - B||^2 + (lambda1/2) sum ||W||^2: the
W-step with the best codes SDH knows. Its inputs are the features as SH-BDNN reads them,
or SDH's own kernel map (anchors, bandwidth and centring of the fitted SDH). Test mAP of
sign(H) beside SDH's: if even this network stays below SDH, SH-BDNN's alternation would
have to find codes B that generalise better than SDH's own to lift it above SDH.

Usage (one thread; benchmarks/results/bdnn.md section 6ad)::

    OMP_NUM_THREADS=1 python benchmarks/bdnn_ceiling_probe.py digits 8,16,24,32 \\
        --seeds 0,1,2,3,4 --out ceiling.jsonl
    OMP_NUM_THREADS=1 python benchmarks/bdnn_ceiling_probe.py digits 8,16,24,32 \\
        --seeds 0,1,2,3,4 --hidden wide --inputs map --decays 3e-4,1e-3 --out ceiling.jsonl
    python benchmarks/bdnn_ceiling_probe.py --replay ceiling.jsonl

``--hidden wide``: SH-BDNN's "wide" sizes (twice the table's, at least (256, 100));
``--inputs map``: the kernel map alone; ``--decays 3e-4,1e-3``: these weight decays only.
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

import hashlearn
from bdnn_race_probe import probe_parser, run_probe
from hashlearn.bench.data import BenchData
from hashlearn.codes import binarize, pack_bits
from hashlearn.deep.bdnn.estimators import SHBDNN
from hashlearn.deep.bdnn.network import BDNNEncoder, hidden_sizes, pca_initialise
from hashlearn.deep.bdnn.optimise import lbfgs_step
from hashlearn.hashers._kernel import rbf_features
from hashlearn.metrics import mean_average_precision

#: Weight decays the network is trained with by default (each a column of the table).
WEIGHT_DECAYS = "1e-4,3e-4,1e-3,3e-3"

Encoder = Callable[[np.ndarray], np.ndarray]


def fit_to_codes(
    X: np.ndarray, B: np.ndarray, lambda1: float, seed: int, hidden: tuple[int, int] | None = None
) -> Encoder:
    """SH-BDNN's network trained to output ``B`` (+-1) for the rows ``X``; its encoder.
    ``hidden``: the sizes (n1, n2), by default the authors' for the code length.

    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(60, 5)); B = np.where(X[:, :2] >= 0, 1.0, -1.0)
    >>> encode = fit_to_codes(X, B, 1e-4, 0)
    >>> bool((np.where(encode(X) >= 0, 1.0, -1.0) == B).mean() > 0.9)
    True
    """
    inputs = torch.as_tensor(X, dtype=torch.float32)
    targets = torch.as_tensor(B, dtype=torch.float32)
    torch.manual_seed(seed)
    net = BDNNEncoder(X.shape[1], hidden or hidden_sizes(B.shape[1]), B.shape[1])
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


def ceiling_row(
    data: BenchData,
    n_bits: int,
    seed: int,
    hidden: str = "table",
    inputs: str = "features,map",
    decays: str = WEIGHT_DECAYS,
) -> dict[str, Any]:
    """SDH's test mAP and the network's per weight decay (comma list ``decays``), on the
    ``inputs`` (the features, SDH's kernel map), with SH-BDNN's ``hidden`` sizes ("table"
    or "wide")."""
    sdh = hashlearn.create("sdh", n_bits=n_bits, random_state=seed).fit(data.X_train, data.y_train)

    def kernel(Z: np.ndarray) -> np.ndarray:
        return rbf_features(np.asarray(Z, np.float64), sdh.anchors_, sdh.sigma_) - sdh.phi_mean_

    maps = {"features": lambda Z: np.asarray(Z), "map": kernel}
    sizes = SHBDNN(n_bits=n_bits)._hidden(hidden)
    B = np.where(sdh.project(data.X_train) >= 0, 1.0, -1.0)
    row = {"sdh": query_map(sdh.project, data, n_bits)}
    for lambda1, name in itertools.product(map(float, decays.split(",")), inputs.split(",")):
        to_inputs = maps[name]
        net = fit_to_codes(to_inputs(data.X_train), B, lambda1, seed, sizes)
        column = f"{name} {lambda1:g}" if hidden == "table" else f"{name} {hidden} {lambda1:g}"
        row[column] = query_map(lambda Z, f=net, g=to_inputs: f(g(Z)), data, n_bits)
    return {"bits": n_bits, "seed": seed, "map": {k: round(v, 4) for k, v in row.items()}}


def replay(path: str) -> None:
    """Print each column's mean over the seeds per code length, and the best network in
    hindsight; rows of the same seed and length (runs with other options) are merged."""
    cells: dict[tuple[int, int], dict[str, float]] = defaultdict(dict)
    with open(path) as lines:
        for row in map(json.loads, lines):
            cells[(row["bits"], row["seed"])].update(row["map"])
    columns = list(dict.fromkeys(k for cell in cells.values() for k in cell))
    print("| L (seeds) | " + " | ".join(columns) + " | best network in hindsight |")
    print("|---" * (len(columns) + 2) + "|")
    for bits in sorted({b for b, _ in cells}):
        rows = [cell for (b, _), cell in cells.items() if b == bits]
        means = [np.mean([r[c] for r in rows if c in r]) for c in columns]
        hindsight = np.mean([max(v for k, v in r.items() if k != "sdh") for r in rows])
        values = " | ".join(f"{m:.4f}" for m in [*means, hindsight])
        print(f"| {bits} ({len(rows)}) | {values} |")


def main() -> None:
    ap = probe_parser(__doc__)
    ap.add_argument("--hidden", choices=["table", "wide"], default="table")
    ap.add_argument("--inputs", default="features,map", help="comma list: features, map")
    ap.add_argument("--decays", default=WEIGHT_DECAYS, help="comma list of weight decays")
    args = ap.parse_args()
    run_probe(
        args,
        replay,
        lambda data, n_bits, seed: [
            ceiling_row(data, n_bits, seed, args.hidden, args.inputs, args.decays)
        ],
    )


if __name__ == "__main__":
    main()
