"""ONNX export of the deep encoders: ``sh-bdnn``, ``uh-bdnn``, ``hashnet``, ``dhn``.

The exported graph takes the raw input that ``model.project`` takes, with a
dynamic batch dimension, and does everything ``project`` does to it:

* feature rows (n, d), in the network's dtype (float32; float64 for a BDNN fitted
  with ``dtype="float64"``). BDNN's min-max rescaling is folded into its first
  layer at the end of ``fit``, and the feature MLP's standardisation is part of
  the network (buffers), so both are in the graph;
* uint8 images (n, H, W, 3) of the size the model was fitted on, for HashNet and
  DHN with a CNN backbone: pixels / 255, the bilinear resize to ``image_size``
  and the ImageNet normalisation of :func:`hashlearn.data.cnn.prepare_images`,
  never the training augmentation; the network in evaluation mode.

Outputs: ``"projection"`` (n, n_bits) float32, the real-valued codes, and
``"bits"`` (n, n_bits) uint8, 1 where the projection is ``>= 0`` (the rule of
:func:`hashlearn.codes.binarize`; decided before the cast to float32, so a
float64 BDNN gets the bits of its own outputs). The graph always computes in
float32 (float64 for such a BDNN): an image model whose ``settings_["inference_precision"]``
is bfloat16 projects in bfloat16 with torch, and :func:`verify_onnx` then
counts the bits on which the two disagree.

Needs ``pip install hashlearn[onnx]`` (onnx, onnxruntime, onnxscript). Example::

    import hashlearn
    from hashlearn.export.onnx import export_onnx, verify_onnx
    model = hashlearn.load("hashnet-model")
    export_onnx(model, "hashnet.onnx")
    verify_onnx(model, "hashnet.onnx", X_test)   # {"bits_equal": 1.0, "sign_flips": 0, ...}
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from hashlearn.codes import binarize

__all__ = [
    "EXPORTABLE",
    "compare_outputs",
    "export_onnx",
    "model_input",
    "onnx_session",
    "run_onnx",
    "verify_onnx",
]

#: The methods whose fitted models export to ONNX.
EXPORTABLE = ("sh-bdnn", "uh-bdnn", "hashnet", "dhn")
INPUT_NAME = "input"
OUTPUT_NAMES = ("projection", "bits")
#: A torch projection this close to zero counts as "at zero" in :func:`verify_onnx`:
#: float32 rounding alone may put it on either side.
ZERO_TOLERANCE = 1e-6


class _ImageInput(nn.Module):
    """uint8 (N, H, W, 3) -> normalised float32 (N, 3, size, size), as ``prepare_images``."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = int(size)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        from hashlearn.data.cnn import images_to_input

        return images_to_input(images, self.size)


class _ExportedEncoder(nn.Module):
    """Raw input -> (projection as float32, bits as uint8), as ``model.project`` + binarize."""

    def __init__(self, network: nn.Module, prepare: nn.Module) -> None:
        super().__init__()
        self.network, self.prepare = network, prepare

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        real = self.network(self.prepare(x))
        return real.float(), (real >= 0).to(torch.uint8)


def exportable_method(model: Any) -> str:
    """The registry name of ``model`` if it can be exported, else a ValueError saying why.

    >>> import hashlearn
    >>> exportable_method(hashlearn.create("itq", n_bits=8))
    Traceback (most recent call last):
    ...
    ValueError: itq is a linear/kernel map, not a deep encoder: ONNX export covers sh-bdnn, \
uh-bdnn, hashnet, dhn; encode with model.encode(X) instead
    """
    from hashlearn._registry import BUILTIN_METHODS

    method = str(getattr(model, "method_name", "") or type(model).__name__)
    if method not in EXPORTABLE:
        what = "a linear/kernel map" if method in BUILTIN_METHODS else "not a hashlearn model"
        raise ValueError(
            f"{method} is {what}, not a deep encoder: ONNX export covers "
            f"{', '.join(EXPORTABLE)}; encode with model.encode(X) instead"
        )
    if getattr(model, "module_", None) is None:
        raise ValueError(
            f"{method}: the model is not fitted; fit it (or hashlearn.load a fitted one) "
            "before exporting it to ONNX"
        )
    if getattr(model, "feature_extractor", None) is not None:
        raise ValueError(
            f"{method} with a feature_extractor cannot be exported to ONNX (the extractor "
            "is an arbitrary torch module outside the model); fit on extracted features"
        )
    return method


def _is_image_model(model: Any) -> bool:
    return getattr(model, "backbone_", "mlp") != "mlp"


def _encoder_and_example(model: Any) -> tuple[_ExportedEncoder, torch.Tensor]:
    """The module to export and an input of two rows (two: a batch of one would be
    specialised by ``torch.export``)."""
    if _is_image_model(model):
        prepare: nn.Module = _ImageInput(int(model.image_size))
        example = torch.zeros((2, *model.input_shape_), dtype=torch.uint8)
    else:
        prepare = nn.Identity()
        dtype = next(model.module_.parameters()).dtype
        example = torch.zeros((2, int(model.n_features_in_)), dtype=dtype)
    return _ExportedEncoder(model.module_, prepare).eval(), example


def _require_exporter() -> None:
    """A clear ImportError when the ONNX packages are missing (torch.onnx needs onnxscript)."""
    try:
        import onnx  # noqa: F401
        import onnxscript  # noqa: F401
    except ImportError as err:
        raise ImportError(
            f"ONNX export needs `pip install hashlearn[onnx]` (missing: {err.name})"
        ) from err


@contextlib.contextmanager
def _quiet_exporter() -> Iterator[None]:
    """Hide the exporter's notes that do not concern these networks: torchvision's
    detection ops it skips, and a deprecation warning inside torch itself."""
    logger = logging.getLogger("torch.onnx._internal.exporter._registration")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*LeafSpec", category=FutureWarning)
            yield
    finally:
        logger.setLevel(level)


def export_onnx(model: Any, path: str | os.PathLike[str], *, opset: int | None = None) -> Path:
    """Write the fitted deep ``model``'s encoder to the ONNX file ``path`` (module docstring).

    ``opset``: the ONNX opset version (None: the exporter's default). Returns the path.
    """
    method = exportable_method(model)
    _require_exporter()
    import onnx

    encoder, example = _encoder_and_example(model)
    path = Path(path)
    # The default (dynamo) exporter of torch >= 2.9 handles every network here, the
    # EfficientNet-Lite0 backbone and the uint8 image input included, so the older
    # TorchScript exporter (dynamo=False, deprecated) is not needed.
    with _quiet_exporter():
        torch.onnx.export(
            encoder,
            (example,),
            str(path),
            input_names=[INPUT_NAME],
            output_names=list(OUTPUT_NAMES),
            dynamic_shapes=({0: torch.export.Dim("batch")},),
            opset_version=opset,
            external_data=False,
            verbose=False,
        )
    graph = onnx.load(str(path))
    graph.doc_string = f"hashlearn {method}, {int(model.n_bits)} bits"
    onnx.checker.check_model(graph)
    onnx.save(graph, str(path))
    return path


def onnx_session(path: str | os.PathLike[str], threads: int | None = None) -> Any:
    """An onnxruntime CPU session of ``path``; ``threads``: intra-op threads (None: default)."""
    try:
        import onnxruntime as ort
    except ImportError as err:
        raise ImportError("running ONNX models needs `pip install hashlearn[onnx]`") from err
    options = ort.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = int(threads)
        options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def run_onnx(session: Any, X: np.ndarray, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
    """(projection, bits) of the rows of ``X`` through ``session``, ``batch_size`` at a time."""
    parts = [
        session.run(list(OUTPUT_NAMES), {INPUT_NAME: X[start : start + batch_size]})
        for start in range(0, len(X), batch_size)
    ]
    projection, bits = (np.concatenate(p) for p in zip(*parts, strict=True))
    return projection, bits


def model_input(model: Any, X: Any) -> tuple[np.ndarray, int]:
    """``X`` as the exported graph takes it (checked like ``project`` does) and the
    rows per call ``project`` uses for it."""
    from hashlearn._validation import check_features, check_float32_range

    if _is_image_model(model):
        from hashlearn.data.cnn import IMAGE_BATCH, check_images

        return check_images(X, "X"), IMAGE_BATCH
    rows, batch_size = check_features(X), int(model.batch_size_project)
    if next(model.module_.parameters()).dtype == torch.float64:
        return rows, batch_size
    return check_float32_range(rows).astype(np.float32), batch_size


def compare_outputs(
    reference: np.ndarray, projection: np.ndarray, bits: np.ndarray
) -> dict[str, Any]:
    """How the ONNX ``projection`` and ``bits`` agree with the torch ``reference`` projection.

    >>> compare_outputs(np.array([[0.5, -1e-8]]), np.array([[0.5, 1e-8]]), np.array([[1, 1]]))
    {'n_rows': 1, 'n_bits': 2, 'bits_equal': 0.5, 'sign_flips': 1, 'flips_at_zero': 1, \
'max_abs_diff': 2e-08}
    """
    differ = binarize(reference) != bits
    diff = np.abs(reference - projection.astype(np.float64))
    return {
        "n_rows": int(reference.shape[0]),
        "n_bits": int(reference.shape[1]),
        "bits_equal": float(1.0 - differ.mean()) if differ.size else 1.0,
        "sign_flips": int(differ.sum()),
        "flips_at_zero": int((differ & (np.abs(reference) < ZERO_TOLERANCE)).sum()),
        "max_abs_diff": float(diff.max()) if diff.size else 0.0,
    }


def verify_onnx(model: Any, path: str | os.PathLike[str], X: Any) -> dict[str, Any]:
    """Run the ONNX file ``path`` (onnxruntime) and ``model.project`` on ``X``; compare.

    Returns ``n_rows``, ``n_bits``, ``bits_equal`` (fraction of equal bits),
    ``sign_flips`` (bits that differ), ``flips_at_zero`` (differing bits where
    ``|torch projection| < 1e-6``: float rounding, not an export error) and
    ``max_abs_diff`` (largest difference of the projections).
    """
    exportable_method(model)
    rows, batch_size = model_input(model, X)
    projection, bits = run_onnx(onnx_session(path), rows, batch_size)
    return compare_outputs(model.project(rows), projection, bits)
