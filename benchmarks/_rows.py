"""Printing a benchmark's result rows, and keeping them in a JSON-lines file."""

from __future__ import annotations

import json
from typing import Any


def emit(row: dict[str, Any], out: str | None) -> None:
    """Print ``row`` as one JSON line, and append it to the file ``out`` when given.

    >>> emit({"map": 0.5}, None)
    {"map": 0.5}
    """
    line = json.dumps(row)
    print(line, flush=True)
    if out:
        with open(out, "a") as file:
            file.write(line + "\n")
