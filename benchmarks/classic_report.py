"""Turn classic_bench.py's JSON lines into the markdown tables of results/classic.md.

Usage::

    python benchmarks/classic_report.py benchmarks/results/classic.jsonl
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict

PUBLISHED_P_R2_32 = {  # MNIST, precision within radius 2 at 32 bits (BDNN paper's quotes)
    ("sdh", "60k"): "94.43 (BDNN paper); authors' code 0.944 mAP / 0.943",
    ("sdh", "5k"): "authors' code 0.925 mAP / 0.928",
    ("itq-cca", "60k"): "84.57 (BDNN paper, subset unstated)",
    ("itq-cca", "5k"): "84.57 (BDNN paper, subset unstated)",
}


def tables(records: list[dict]) -> str:
    rows: dict[tuple[str, str], dict[int, dict]] = defaultdict(dict)
    for r in records:
        if "method" in r:
            rows[(r["method"], r["train"])][r["n_bits"]] = r
    bits = sorted({b for cells in rows.values() for b in cells})
    head = "| method | train | " + " | ".join(f"{b} bits mAP / P@r2" for b in bits)
    lines = [head + " | published (32 bits) |", "|---|---|" + "---|" * (len(bits) + 1)]
    for (method, train), cells in rows.items():
        vals = [
            f"{cells[b]['map']:.3f} / {cells[b]['p_r2']:.3f}" if b in cells else "" for b in bits
        ]
        pub = PUBLISHED_P_R2_32.get((method, train), "")
        lines.append(f"| {method} | {train} | " + " | ".join(vals) + f" | {pub} |")
    head = "| method | train | bits | train s | encode 70k s | fit peak MB |"
    lines += ["", head, "|---" * 6 + "|"]
    for (method, train), cells in rows.items():
        for b, r in sorted(cells.items()):
            lines.append(
                f"| {method} | {train} | {b} | {r['train_s']:.1f} | {r['encode_s']:.1f}"
                f" | {r['fit_peak_mb']:.0f} |"
            )
    return "\n".join(lines)


def main() -> None:
    with open(sys.argv[1]) as fh:
        records = [json.loads(line) for line in fh if line.strip()]
    print(tables(records))
    for r in records:
        if r.get("bench", "").startswith("itq_speed"):
            rows = r["bench"].split("_")[2].split("x")[0]
            print(
                f"\nITQ {int(rows):,} x 784 -> 32 bits: ours {r['ours_s']:.2f} s, faiss "
                f"{r['faiss_s']:.2f} s, ratio ours/faiss {r['ratio_ours_over_faiss']:.2f}"
            )


if __name__ == "__main__":
    main()
