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
from pathlib import Path
from typing import Any

from hashlearn._kernels import PINNED_KERNELS

_PACKAGES = ("numpy", "scipy", "scikit-learn", "torch", "numba", "faiss-cpu", "matplotlib")
#: Variables that choose the code path of the math libraries by instruction set
#: (MKL under torch, oneDNN, torch's own kernels, numpy's OpenBLAS and loops). Unset,
#: each library picks the path of the processor it runs on (docs/reproduce.md).
KERNEL_VARIABLES = (*PINNED_KERNELS, "MKL_ENABLE_INSTRUCTIONS")


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
    """The machine: OS, CPU model, core count, Python, thread and kernel settings.

    ``kernels_env`` keeps the variables of ``KERNEL_VARIABLES`` that are set,
    ``torch_cpu_capability`` the instruction set of torch's own kernels ("AVX2",
    "AVX512"; None when torch is not imported) and ``blas_architectures`` the
    kernels each loaded OpenBLAS chose (numpy's and scipy's: "Haswell", "SkylakeX").

    >>> machine_record()["cpu_count"] >= 1
    True
    """
    return {
        "platform": platform.platform(),
        "processor": _cpu_model(),
        "cpu_count": os.cpu_count() or 1,
        "python": platform.python_version(),
        "threads_env": _set_variables(("OMP_NUM_THREADS", "NUMBA_NUM_THREADS")),
        "torch_threads": _torch_threads(),
        "kernels_env": _set_variables(KERNEL_VARIABLES),
        "torch_cpu_capability": _torch_cpu_capability(),
        "blas_architectures": _blas_architectures(),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def _set_variables(names: tuple[str, ...]) -> dict[str, str]:
    """The environment variables among ``names`` that are set, with their values."""
    return {name: os.environ[name] for name in names if name in os.environ}


def _torch_threads() -> int | None:
    """torch's intra-op thread count (None when torch is not imported: nothing used it).

    Results of the methods that run on torch depend on it (the order of
    floating-point sums), so every record keeps it.
    """
    torch = sys.modules.get("torch")
    return None if torch is None else int(torch.get_num_threads())


def _torch_cpu_capability() -> str | None:
    """The instruction set torch's kernels run on here (None when torch is not imported)."""
    torch = sys.modules.get("torch")
    return None if torch is None else str(torch.backends.cpu.get_cpu_capability())


def _blas_architectures() -> dict[str, str]:
    """The kernel set of each loaded BLAS that reports one, by library file name."""
    from threadpoolctl import threadpool_info

    return {
        Path(pool["filepath"]).name: str(pool["architecture"])
        for pool in threadpool_info()
        if pool.get("architecture")
    }


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
