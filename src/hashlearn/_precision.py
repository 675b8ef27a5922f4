"""Mixed precision for the torch paths: which dtype to autocast to, and the context.

``precision`` is one of "float32" (no autocast), "bfloat16", "float16" (GPU
only) or "auto": bfloat16 where the hardware runs it natively (a CPU with
AVX512-BF16 or AMX, a GPU that supports it), else float32. Weights and
optimiser state stay float32 either way; only the matrix work of the forward
pass (and so of its backward) runs in the low precision.

>>> resolve_precision("float32", "cpu") is None
True
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from hashlearn._kernels import onednn_allows_bfloat16

PRECISIONS = ("auto", "float32", "bfloat16", "float16")


def cpu_has_native_bfloat16() -> bool:
    """True when this CPU has bfloat16 instructions (AVX512-BF16 or AMX) that oneDNN
    may use: kernels pinned to AVX2 (:mod:`hashlearn._kernels`) run bfloat16 emulated."""
    import torch

    if not onednn_allows_bfloat16():
        return False
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def resolve_precision(precision: str, device: Any) -> Any:
    """The autocast dtype for ``precision`` on ``device`` (None = plain float32)."""
    import torch

    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}; got {precision!r}")
    kind = torch.device(device).type
    if precision == "float32":
        return None
    if precision == "float16":
        if kind != "cuda":
            raise ValueError("precision='float16' needs a GPU; use 'bfloat16' on a CPU")
        return torch.float16
    if precision == "bfloat16":
        return torch.bfloat16
    if kind == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.bfloat16 if kind == "cpu" and cpu_has_native_bfloat16() else None


@contextlib.contextmanager
def autocast(device: Any, dtype: Any) -> Iterator[None]:
    """``torch.autocast`` on ``device``'s type, or nothing when ``dtype`` is None."""
    import torch

    if dtype is None:
        yield
        return
    with torch.autocast(torch.device(device).type, dtype=dtype):
        yield
