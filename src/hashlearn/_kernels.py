"""Pinning the math libraries to their AVX2 code paths, so runs agree across processors.

Each math library picks its kernels for the instruction set of the processor it
runs on: MKL (torch's linear algebra), oneDNN (torch's convolutions), torch's own
kernels, numpy's OpenBLAS and numpy's own loops. Kernels for other instruction
sets add and round in another order, and a long optimisation (SH-BDNN's L-BFGS,
a network trained for thousands of steps) carries the last-bit differences into
other codes: the same command on two machines gave different numbers. On the
AVX2 path, which every x86-64 processor of the last ten years has, the libraries
compute the same way on every processor.

The variables must be set before the libraries load, so the command line
(:func:`hashlearn.cli.main`) runs itself again with them when they are missing
(:func:`pinned_environment`). In Python, set them before importing numpy or
torch::

    MKL_CBWR=AVX2 ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 \\
    OPENBLAS_CORETYPE=Haswell NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL AVX512_SPR" \\
    python train.py

``HASHLEARN_PIN_KERNELS=0`` keeps each library's own choice (a few per cent faster
on processors with wider instructions, and bfloat16 training where the processor
has it). Variables already set are kept as they are.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Mapping
from pathlib import Path

#: The variables and values that pin every library to its AVX2 path.
PINNED_KERNELS: dict[str, str] = {
    "MKL_CBWR": "AVX2",
    "ATEN_CPU_CAPABILITY": "avx2",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    "OPENBLAS_CORETYPE": "Haswell",
    "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",
}
#: How records and caches name values computed on the pinned kernels.
PINNED_TAG = "avx2"
#: Set to 0 (or "false", "no", "off") to leave the kernels to each library.
OPT_OUT_VARIABLE = "HASHLEARN_PIN_KERNELS"
#: oneDNN instruction-set caps below the first one with bfloat16 arithmetic.
_CAPS_WITHOUT_BFLOAT16 = frozenset(
    {"SSE41", "AVX", "AVX2", "AVX2_VNNI", "AVX2_VNNI_2", "AVX512_CORE", "AVX512_CORE_VNNI"}
)
_CPUINFO = Path("/proc/cpuinfo")


def cpu_flags(cpuinfo: Path = _CPUINFO) -> frozenset[str]:
    """The instruction-set flags of the first processor in ``cpuinfo`` (Linux).

    Empty where the file is missing or unreadable (other systems).

    >>> isinstance(cpu_flags(), frozenset)
    True
    """
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        return frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return frozenset(value.split())
    return frozenset()


def pinned_environment(
    environ: Mapping[str, str], flags: frozenset[str] | None = None
) -> dict[str, str] | None:
    """The environment to run again in so that the kernels are pinned, or None.

    None when nothing is missing (already pinned, or every variable set by the
    user), when ``HASHLEARN_PIN_KERNELS`` opts out, or when the processor is not an
    x86-64 one with AVX2 (``flags``: its instruction sets, read from
    ``/proc/cpuinfo`` when not given; unknown means no pinning).

    >>> env = pinned_environment({"PATH": "/bin"}, frozenset({"avx2"}))
    >>> env["MKL_CBWR"], env["PATH"]
    ('AVX2', '/bin')
    >>> pinned_environment({**env}, frozenset({"avx2"})) is None
    True
    >>> pinned_environment({"HASHLEARN_PIN_KERNELS": "0"}, frozenset({"avx2"})) is None
    True
    """
    if environ.get(OPT_OUT_VARIABLE, "1").strip().lower() in ("0", "false", "no", "off"):
        return None
    missing = {name: value for name, value in PINNED_KERNELS.items() if name not in environ}
    if not missing:
        return None
    if flags is None:
        flags = cpu_flags() if platform.machine().lower() in ("x86_64", "amd64") else frozenset()
    if "avx2" not in flags:
        return None
    return {**environ, **missing}


def kernels_pinned(environ: Mapping[str, str] = os.environ) -> bool:
    """True when every variable of ``PINNED_KERNELS`` has its pinned value.

    >>> kernels_pinned(PINNED_KERNELS), kernels_pinned({})
    (True, False)
    """
    return all(environ.get(name) == value for name, value in PINNED_KERNELS.items())


def onednn_allows_bfloat16(environ: Mapping[str, str] = os.environ) -> bool:
    """False when ``ONEDNN_MAX_CPU_ISA`` keeps oneDNN below bfloat16 arithmetic.

    >>> onednn_allows_bfloat16({"ONEDNN_MAX_CPU_ISA": "AVX2"})
    False
    >>> onednn_allows_bfloat16({})
    True
    """
    cap = environ.get("ONEDNN_MAX_CPU_ISA", "").strip().upper()
    return cap not in _CAPS_WITHOUT_BFLOAT16
