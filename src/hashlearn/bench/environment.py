"""What a run records next to its results: config, seeds, versions, machine.

>>> env = environment_record({"protocol": "digits"})
>>> sorted(env)[:3]
['config', 'created_utc', 'hashlearn_version']
"""

from __future__ import annotations

import datetime as _dt
import importlib.metadata
import os
import platform
import sys
from typing import Any

_PACKAGES = ("numpy", "scipy", "scikit-learn", "torch", "numba", "faiss-cpu", "matplotlib")


def package_versions(names: tuple[str, ...] = _PACKAGES) -> dict[str, str | None]:
    """Installed versions of the packages results depend on (None when absent).

    >>> "numpy" in package_versions()
    True
    """
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def machine_record() -> dict[str, Any]:
    """The machine: OS, CPU model, core count, Python and thread settings.

    >>> machine_record()["cpu_count"] >= 1
    True
    """
    return {
        "platform": platform.platform(),
        "processor": _cpu_model(),
        "cpu_count": os.cpu_count() or 1,
        "python": platform.python_version(),
        "threads_env": {
            k: os.environ[k] for k in ("OMP_NUM_THREADS", "NUMBA_NUM_THREADS") if k in os.environ
        },
        "torch_threads": _torch_threads(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def _torch_threads() -> int | None:
    """torch's intra-op thread count (None when torch is not imported: nothing used it).

    Results of the methods that run on torch depend on it (the order of
    floating-point sums), so every record keeps it.
    """
    torch = sys.modules.get("torch")
    return None if torch is None else int(torch.get_num_threads())


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def environment_record(config: dict[str, Any], protocol_checksum: str | None = None) -> dict:
    """Everything needed to tell two runs apart: config, checksum, versions, machine.

    Parameters
    ----------
    config : the run's settings (protocol, methods, bits, seeds, data folder...).
    protocol_checksum : checksum of the protocol's index arrays, when known.
    """
    from hashlearn import __version__

    return {
        "config": config,
        "created_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "hashlearn_version": __version__,
        "machine": machine_record(),
        "packages": package_versions(),
        "protocol_checksum": protocol_checksum,
    }
