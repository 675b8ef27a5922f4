"""Write a benchmark report: report.md, report.html and PNG plots.

>>> from hashlearn.bench.runner import run_benchmark
>>> import tempfile
>>> res = run_benchmark("digits", ["lsh"], [8], progress=False)
>>> paths = write_report(res, tempfile.mkdtemp())
>>> sorted(p.name for p in paths)[:2]
['map_vs_bits.png', 'p_r2_vs_bits.png']
"""

from __future__ import annotations

import html
import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from hashlearn._io import atomic_write
from hashlearn.bench.plots import plot_metric_vs_bits, plot_pr_curves, plot_training_curves

COLUMNS = ("method", "bits", "mAP", "P@r2", "train s", "encode s", "published")


def _cell(values: list[float], digits: int = 4) -> str:
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{np.mean(values):.{digits}f} ± {np.std(values):.{digits}f}"


def _published_cell(result: dict[str, Any], method: str, n_bits: int) -> str:
    short = {"map": "mAP", "precision_at_radius_2": "P@r2"}
    parts = [
        f"{short.get(r['metric'], r['metric'])} {r['value']:.4f} [{r['source']}]"
        for r in result.get("published", [])
        if r["method"] == method and r["n_bits"] == n_bits
    ]
    return "; ".join(parts) if parts else "-"


def summary_rows(result: dict[str, Any]) -> list[list[str]]:
    """One row per (method, n_bits): mean ± std over seeds, published numbers beside.

    >>> res = {"records": [{"method": "lsh", "n_bits": 8, "seed": 0, "train_seconds": 0.1,
    ...        "encode_seconds": 0.0, "metrics": {"map": 0.5, "precision_at_radius_2": 0.25}}]}
    >>> summary_rows(res)[0][:4]
    ['lsh', '8', '0.5000', '0.2500']
    """
    groups: dict[tuple[str, int], list[dict]] = defaultdict(list)
    for rec in result["records"]:
        groups[(rec["method"], rec["n_bits"])].append(rec)
    rows = []
    for (method, n_bits), recs in groups.items():
        rows.append(
            [
                method,
                str(n_bits),
                _cell([r["metrics"]["map"] for r in recs if "map" in r["metrics"]]),
                _cell(
                    [
                        r["metrics"]["precision_at_radius_2"]
                        for r in recs
                        if "precision_at_radius_2" in r["metrics"]
                    ]
                ),
                _cell([r["train_seconds"] for r in recs], 2),
                _cell([r["encode_seconds"] for r in recs], 3),
                _published_cell(result, method, n_bits),
            ]
        )
    return rows


def format_table(rows: list[list[str]], columns: tuple[str, ...] = COLUMNS) -> str:
    """A Markdown table (also readable as plain text in a terminal)."""
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]

    def line(cells: list[str] | tuple[str, ...]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    return "\n".join([line(columns), line(["-" * w for w in widths]), *map(line, rows)])


def _plots(result: dict[str, Any], folder: Path) -> list[tuple[str, Path]]:
    plots = [
        ("mAP vs code length", plot_metric_vs_bits(result, "map", folder / "map_vs_bits.png")),
        (
            "Precision within Hamming radius 2 vs code length",
            plot_metric_vs_bits(result, "precision_at_radius_2", folder / "p_r2_vs_bits.png"),
        ),
        (
            "Precision-recall curves (by Hamming radius)",
            plot_pr_curves(result, folder / "pr_curves.png"),
        ),
    ]
    curves = plot_training_curves(result, folder / "training_curves.png")
    return [*plots, ("Training curves", curves)] if curves else plots


def _markdown(result: dict[str, Any], plots: list[tuple[str, Path]]) -> str:
    env = result["environment"]
    cfg = env["config"]
    lines = [
        f"# hashlearn benchmark: {cfg['protocol']}",
        "",
        f"Methods {', '.join(cfg['methods'])}; code lengths {cfg['bits']}; seeds "
        f"{cfg['seeds']}. Created {env['created_utc']} with hashlearn "
        f"{env['hashlearn_version']} on {env['machine']['processor']} "
        f"({env['machine']['cpu_count']} cores). Protocol checksum: "
        f"{env['protocol_checksum']}.",
        "",
        "Ours: mean ± std over seeds. Published numbers (column `published`) are quoted "
        "from the source in brackets, not measured here; in the plots they are the "
        "hollow squares on dashed lines.",
        "",
        format_table(summary_rows(result)),
        "",
    ]
    for title, path in plots:
        lines += [f"## {title}", "", f"![{title}]({path.name})", ""]
    lines += ["## Environment", "", "```json", json.dumps(env, indent=1), "```", ""]
    return "\n".join(lines)


def _html(
    markdown_title: str, rows: list[list[str]], plots: list[tuple[str, Path]], env: dict[str, Any]
) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows
    )
    figs = "".join(
        f"<h2>{html.escape(t)}</h2><img src='{p.name}' alt='{html.escape(t)}'>" for t, p in plots
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(markdown_title)}"
        "</title><style>body{font-family:sans-serif;max-width:1100px;margin:auto}"
        "td,th{border:1px solid #ccc;padding:3px 8px}table{border-collapse:collapse}"
        "img{max-width:100%}</style></head><body>"
        f"<h1>{html.escape(markdown_title)}</h1><p>Published numbers are quoted, not "
        f"measured here.</p><table><tr>{head}</tr>{body}</table>{figs}<h2>Environment</h2>"
        f"<pre>{html.escape(json.dumps(env, indent=1))}</pre></body></html>"
    )


def write_report(result: dict[str, Any], folder: str | os.PathLike[str]) -> list[Path]:
    """Write report.md, report.html, results.json and the PNG plots into ``folder``.

    Returns the paths written (plots first).
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    plots = _plots(result, out)
    title = f"hashlearn benchmark: {result['environment']['config']['protocol']}"
    files = {
        "report.md": _markdown(result, plots),
        "report.html": _html(title, summary_rows(result), plots, result["environment"]),
        "results.json": json.dumps(result, indent=1),
    }
    for name, text in files.items():
        with atomic_write(out / name, "w") as fh:
            fh.write(text)
    return [p for _, p in plots] + [out / name for name in files]
