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
from typing import Any, NamedTuple

import numpy as np

from hashlearn._io import atomic_write
from hashlearn.bench.curve_plots import plot_pr_curves, plot_precision_at_n
from hashlearn.bench.data import Subset
from hashlearn.bench.plots import plot_metric_vs_bits, plot_time_vs_map, plot_training_curves

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


class Figure(NamedTuple):
    """One plot of the report: its heading, PNG file and the note printed under it."""

    title: str
    path: Path
    note: str = ""


PR_NOTE = (
    "Each point is one Hamming radius r = 0, 1, ..., bits (the numbers beside the points); "
    "the ring marks r = 2, the P@r2 column. At small radii many queries find no database "
    "item within their Hamming ball, more so with longer codes. We count the precision of "
    "such an empty ball as 0 and average over all queries (as DeepHash and the BDNN MATLAB "
    "code do), so at small radii the mean precision is pulled down by the share of empty "
    "balls: the curve starts low at low recall and rises before it falls, a hook at its "
    "left end. The hook measures empty balls, not wrong neighbours; leaving empty balls "
    "out of the mean (hashlearn.metrics.pr_curve_by_radius with empty='skip') removes it. "
    "P@r2 in the table counts empty balls the same way."
)
PRECISION_AT_N_NOTE = (
    "Precision among the N database items nearest to each query in Hamming distance "
    "(ties in database order), averaged over queries."
)
TIME_NOTE = (
    "Training time (fit only, mean over seeds, log scale) against mAP, one point per "
    "method and code length: up and to the left is better."
)
RECALL_R2_NOTE = (
    "Share of each query's relevant items within Hamming radius 2, averaged over queries "
    "(the recall of the P@r2 ball)."
)
SIZE_NAMES = ("queries", "train", "database")


def protocol_sizes(result: dict[str, Any]) -> str:
    """The numbers of queries, training and database items the records were run on.

    Empty when no record has them; distinct sizes (e.g. of two splits) are all listed.

    >>> protocol_sizes({"records": [{"sizes": {"queries": 300, "train": 1000,
    ...                                        "database": 1497}}]})
    '300 queries, 1,000 training items, 1,497 database items'
    """
    found = dict.fromkeys(
        tuple(rec["sizes"][name] for name in SIZE_NAMES)
        for rec in result["records"]
        if all(name in rec.get("sizes", {}) for name in SIZE_NAMES)
    )
    return "; ".join(
        f"{q:,} queries, {t:,} training items, {d:,} database items" for q, t, d in found
    )


def _figures(result: dict[str, Any], folder: Path) -> list[Figure]:
    """Draw every plot the records have data for (the others are left out)."""
    candidates = [
        ("mAP vs code length", "", plot_metric_vs_bits(result, "map", folder / "map_vs_bits.png")),
        (
            "Precision within Hamming radius 2 vs code length",
            "",
            plot_metric_vs_bits(result, "precision_at_radius_2", folder / "p_r2_vs_bits.png"),
        ),
        (
            "Recall within Hamming radius 2 vs code length",
            RECALL_R2_NOTE,
            plot_metric_vs_bits(result, "recall_at_radius_2", folder / "r_r2_vs_bits.png"),
        ),
        ("Training time vs mAP", TIME_NOTE, plot_time_vs_map(result, folder / "time_vs_map.png")),
        (
            "Precision@N",
            PRECISION_AT_N_NOTE,
            plot_precision_at_n(result, folder / "precision_at_n.png"),
        ),
        (
            "Precision-recall curves (by Hamming radius)",
            PR_NOTE,
            plot_pr_curves(result, folder / "pr_curves.png"),
        ),
        ("Training curves", "", plot_training_curves(result, folder / "training_curves.png")),
    ]
    return [Figure(title, path, note) for title, note, path in candidates if path is not None]


def _intro(result: dict[str, Any]) -> list[str]:
    """The paragraphs under the title: protocol sizes, run settings, how to read the numbers."""
    env = result["environment"]
    cfg = env["config"]
    sizes = protocol_sizes(result)
    return [
        *([f"Protocol {cfg['protocol']}: {sizes}."] if sizes else []),
        f"Methods {', '.join(cfg['methods'])}; code lengths {cfg['bits']}; seeds "
        f"{cfg['seeds']}. Created {env['created_utc']} with hashlearn "
        f"{env['hashlearn_version']} on {env['machine']['processor']} "
        f"({env['machine']['cpu_count']} cores). Protocol checksum: "
        f"{env['protocol_checksum']}.",
        "Measured values: mean ± std over seeds. Published numbers (column published) are "
        "quoted from the source in brackets, not measured here; in the plots they are the "
        "hollow squares on dashed lines.",
    ]


def report_title(result: dict[str, Any]) -> str:
    """The report's title: the protocol, and a warning when only a subset of it ran.

    >>> report_title({"environment": {"config": {"protocol": "digits"}}})
    'hashlearn benchmark: digits'
    """
    config = result["environment"]["config"]
    title = f"hashlearn benchmark: {config['protocol']}"
    if config.get("subset"):
        title += f" (not the full protocol: {Subset(**config['subset']).describe()})"
    return title


def _markdown(result: dict[str, Any], figures: list[Figure]) -> str:
    lines = [f"# {report_title(result)}", ""]
    for paragraph in _intro(result):
        lines += [paragraph, ""]
    lines += [format_table(summary_rows(result)), ""]
    for fig in figures:
        lines += [f"## {fig.title}", "", f"![{fig.title}]({fig.path.name})", ""]
        lines += [fig.note, ""] if fig.note else []
    env = json.dumps(result["environment"], indent=1)
    lines += ["## Environment", "", "```json", env, "```", ""]
    return "\n".join(lines)


def _html(result: dict[str, Any], figures: list[Figure]) -> str:
    title = html.escape(report_title(result))
    intro = "".join(f"<p>{html.escape(p)}</p>" for p in _intro(result))
    head = "".join(f"<th>{html.escape(c)}</th>" for c in COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>"
        for r in summary_rows(result)
    )
    figs = "".join(
        f"<h2>{html.escape(f.title)}</h2><img src='{f.path.name}' alt='{html.escape(f.title)}'>"
        + (f"<p>{html.escape(f.note)}</p>" if f.note else "")
        for f in figures
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}"
        "</title><style>body{font-family:sans-serif;max-width:1100px;margin:auto}"
        "td,th{border:1px solid #ccc;padding:3px 8px}table{border-collapse:collapse}"
        "img{max-width:100%}</style></head><body>"
        f"<h1>{title}</h1>{intro}<table><tr>{head}</tr>{body}</table>{figs}<h2>Environment</h2>"
        f"<pre>{html.escape(json.dumps(result['environment'], indent=1))}</pre></body></html>"
    )


def write_report(result: dict[str, Any], folder: str | os.PathLike[str]) -> list[Path]:
    """Write report.md, report.html, results.json and the PNG plots into ``folder``.

    Plots whose data the records lack (e.g. precision@N) are left out.
    Returns the paths written (plots first).
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    figures = _figures(result, out)
    files = {
        "report.md": _markdown(result, figures),
        "report.html": _html(result, figures),
        "results.json": json.dumps(result, indent=1),
    }
    for name, text in files.items():
        with atomic_write(out / name, "w") as fh:
            fh.write(text)
    return [f.path for f in figures] + [out / name for name in files]
