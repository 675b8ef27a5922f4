"""``hashlearn info PATH``: what a model folder, index file or codes file holds.

Every record the file keeps is shown, known fields first (kind, method,
n_bits, sizes) and then any other key of the model's ``config.json``, the
index header, the codes sidecar or the parquet metadata as it is (e.g. the
fingerprint of the model that made the codes).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import numpy as np

from hashlearn.cli._app import cli
from hashlearn.cli._files import load_numpy
from hashlearn.codes_files import sidecar_path

INDEX_MAGIC = b"HLINDEX\0"
PARQUET_HIDDEN = ("ARROW:", "pandas")  # metadata pyarrow / pandas keep for themselves
MODEL_KEYS = ("method", "n_bits", "params", "state")


def describe(path: Path) -> dict[str, Any]:
    """A JSON-able description of a model folder, index file or codes file."""
    if not path.exists():
        raise ValueError(f"PATH: no such file or folder: {path}")
    if path.is_dir():
        return _model(path)
    with open(path, "rb") as fh:
        if fh.read(len(INDEX_MAGIC)) == INDEX_MAGIC:
            return _index(path)
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return _npy(path)
    if suffix == ".parquet":
        return _parquet(path)
    raise ValueError(
        f"PATH: {path.name} is not a model folder, an index file or a codes file "
        "(.npy with its .npy.json, or .parquet)"
    )


def _model(path: Path) -> dict[str, Any]:
    from hashlearn._registry import BUILTIN_METHODS, method_summary
    from hashlearn.persistence import read_model_config

    config = read_model_config(path)
    state = dict(config.get("state") or {})
    method = config["method"]
    known = method_summary(method) if method in BUILTIN_METHODS else {}
    return {
        "kind": "model",
        "path": str(path),
        "method": method,
        "description": known.get("description"),
        "supervised": known.get("supervised"),
        "n_bits": config.get("n_bits"),
        "n_features": state.pop("n_features_in_", None),
        "settings": state.pop("settings_", None),
        "params": config.get("params"),
        "state": state,
        **{k: v for k, v in config.items() if k not in MODEL_KEYS},
    }


def _index(path: Path) -> dict[str, Any]:
    from hashlearn.index.io import _parse

    header, _ = _parse(path.read_bytes(), path)
    return {
        "kind": "index",
        "path": str(path),
        "index_kind": header.get("kind"),
        "n_bits": header.get("n_bits"),
        "rows": header.get("ntotal"),
        **{k: v for k, v in header.items() if k not in ("kind", "n_bits", "ntotal")},
    }


def _npy(path: Path) -> dict[str, Any]:
    array = load_numpy(path, "PATH", mmap_mode="r")
    record = json.loads(sidecar_path(path).read_text()) if sidecar_path(path).is_file() else {}
    codes = array.dtype == np.uint8 and array.ndim == 2
    if not record and not codes:
        return {
            "kind": "array",
            "path": str(path),
            "rows": int(array.shape[0]) if array.ndim else None,
            "shape": list(array.shape),
            "dtype": str(array.dtype),
        }
    return {
        "kind": "codes",
        "path": str(path),
        "n_bits": record.get("n_bits", 8 * array.shape[1] if codes else None),
        "rows": int(array.shape[0]),
        "bytes_per_code": int(array.shape[1]) if array.ndim == 2 else None,
        "sidecar": str(sidecar_path(path)) if record else None,
        **{k: v for k, v in record.items() if k != "n_bits"},
    }


def _parquet(path: Path) -> dict[str, Any]:
    import pyarrow.parquet as pq

    meta = pq.read_metadata(path)
    schema = meta.schema.to_arrow_schema()
    records = {
        k.decode().removeprefix("hashlearn."): _text_value(v)
        for k, v in (schema.metadata or {}).items()
        if not k.decode().startswith(PARQUET_HIDDEN)
    }
    columns = list(schema.names)
    if "code" not in columns:
        return {"kind": "table", "path": str(path), "rows": meta.num_rows, "columns": columns}
    width = getattr(schema.field("code").type, "byte_width", None)
    return {
        "kind": "codes",
        "path": str(path),
        "n_bits": records.pop("n_bits", None),
        "rows": meta.num_rows,
        "bytes_per_code": width,
        "ids": "id" in columns,
        **records,
    }


def _text_value(raw: bytes) -> Any:
    """A metadata value: JSON when it parses (numbers, objects), else the text."""
    text = raw.decode(errors="replace")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={_text(v)}" for k, v in value.items()) or "-"
    if isinstance(value, (list, tuple)) and len(value) > 8:
        return f"{len(value)} values, first {json.dumps(list(value[:3]))}"
    return value if isinstance(value, str) else json.dumps(value)


@cli.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def info(path: Path, as_json: bool) -> None:
    """What a model folder, an index file or a codes file is and holds.

    Prints the kind, method, code length, settings and parameters, sizes (rows,
    features) and every other key the file records (e.g. which model made the
    codes).

    \b
    Example:
      hashlearn info itq-model
      hashlearn info db_codes.npy --json
    """
    description = {k: v for k, v in describe(path).items() if v not in (None, {})}
    if as_json:
        click.echo(json.dumps(description))
        return
    for key, value in description.items():
        click.echo(f"{key}: {_text(value)}")
