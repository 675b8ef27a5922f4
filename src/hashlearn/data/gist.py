"""GIST descriptor (Oliva & Torralba 2001), vectorised over image batches.

Steps, following the authors' published description:

1. Grey image (ITU-R 601 luma), resized to ``image_size`` (CIFAR-10: 32, kept).
2. Prefilter: symmetric padding by ``image_size // 4`` (boundary extension),
   whitening ``x - lowpass(x)`` and local contrast normalisation
   ``x / (0.2 + sqrt(lowpass(x**2)))`` with the Gaussian low-pass
   ``exp(-(fx**2 + fy**2) / s**2)``, ``s = fc / sqrt(log 2)``, ``fc = 4`` cycles/image.
3. Gabor bank in the frequency domain: for scale ``i`` (0-based) with ``n_o``
   orientations, orientation ``j``:
   ``G = exp(-10 * 0.35 * (f / (0.3 / 1.85**i) - 1)**2 - 2 * (16 * n_o**2 / 32**2) * pi * dt**2)``
   with ``f`` the radial frequency in cycles/pixel and ``dt`` the angle between
   the frequency direction and ``-pi * j / n_o`` (wrapped to [-pi, pi]).
4. Response amplitude ``|ifft2(fft2(x) * G)|`` cropped to the image and averaged
   over a ``grid x grid`` block grid (4 x 4).

Variants: "512" = 4 scales x (8, 8, 8, 8) orientations x 16 blocks;
"320" = 3 scales x (8, 8, 4) orientations x 16 blocks (the 320-D CIFAR-10 GIST
of the hashing papers: 20 filters on 32 x 32 grey images).
Layout: filter-major (filter 0's 16 blocks first, blocks in row-major order).
"""

from __future__ import annotations

import numpy as np
import scipy.fft as sfft

VARIANTS = {"320": (8, 8, 4), "512": (8, 8, 8, 8)}


def gabor_bank(n: int, orientations: tuple[int, ...]) -> np.ndarray:
    """Frequency responses (n_filters, n, n) of the Gabor bank for an n x n image (fft order).

    >>> gabor_bank(48, (8, 8, 4)).shape
    (20, 48, 48)
    """
    f = sfft.fftfreq(n)
    fy, fx = np.meshgrid(f, f, indexing="ij")
    radius, theta = np.hypot(fx, fy), np.arctan2(fy, fx)
    filters = []
    for i, n_o in enumerate(orientations):
        width = 16.0 * n_o**2 / 32.0**2
        for j in range(n_o):
            dt = np.angle(np.exp(1j * (theta + np.pi * j / n_o)))
            g = np.exp(-10 * 0.35 * (radius / (0.3 / 1.85**i) - 1) ** 2 - 2 * width * np.pi * dt**2)
            filters.append(g)
    return np.stack(filters).astype(np.float32)


def _lowpass(n: int, fc: float = 4.0) -> np.ndarray:
    f = sfft.fftfreq(n) * n
    fy, fx = np.meshgrid(f, f, indexing="ij")
    s = fc / np.sqrt(np.log(2.0))
    return np.exp(-(fx**2 + fy**2) / s**2)


def prefilter(x: np.ndarray, fc: float = 4.0) -> np.ndarray:
    """Whitening and local contrast normalisation of padded grey images (B, n, n)."""
    lp = _lowpass(x.shape[-1], fc)
    x = np.log1p(x)
    white = x - sfft.ifft2(sfft.fft2(x, workers=-1) * lp, workers=-1).real
    local = np.sqrt(np.abs(sfft.ifft2(sfft.fft2(white**2, workers=-1) * lp, workers=-1).real))
    return white / (0.2 + local)


def _grey(images: np.ndarray) -> np.ndarray:
    x = np.asarray(images, dtype=np.float64)
    if x.ndim == 4:
        x = x @ np.array([0.299, 0.587, 0.114])
    if x.ndim != 3 or x.shape[1] != x.shape[2]:
        raise ValueError(f"images: expected square (N, H, W[, 3]) images, got {images.shape}")
    return x


def _gist_batch(grey: np.ndarray, bank: np.ndarray, pad: int, grid: int) -> np.ndarray:
    side = grey.shape[1]
    padded = np.pad(grey, ((0, 0), (pad, pad), (pad, pad)), mode="symmetric")
    spectrum = sfft.fft2(prefilter(padded).astype(np.float32), workers=-1)
    resp = np.abs(sfft.ifft2(spectrum[:, None] * bank[None], workers=-1))
    resp = resp[:, :, pad : pad + side, pad : pad + side]
    edges = np.linspace(0, side, grid + 1).round().astype(int)
    blocks = [
        resp[:, :, edges[a] : edges[a + 1], edges[b] : edges[b + 1]].mean(axis=(2, 3))
        for a in range(grid)
        for b in range(grid)
    ]
    return np.stack(blocks, axis=2).reshape(len(grey), -1)


def gist_features(
    images: np.ndarray,
    variant: str = "320",
    *,
    grid: int = 4,
    batch_size: int = 500,
    progress: bool = False,
) -> np.ndarray:
    """GIST descriptors float32 (N, n_filters * grid**2) of uint8 images.

    Parameters
    ----------
    images : (N, S, S) grey or (N, S, S, 3) colour images, square.
    variant : "320" (orientations 8, 8, 4) or "512" (8, 8, 8, 8).
    grid : blocks per side.

    Examples
    --------
    >>> x = np.random.default_rng(0).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    >>> gist_features(x).shape, gist_features(x[..., 0], "512").shape
    ((3, 320), (3, 512))
    """
    if variant not in VARIANTS:
        raise ValueError(f"variant: expected one of {sorted(VARIANTS)}, got {variant!r}")
    from tqdm.auto import tqdm

    side = _grey(images[:1]).shape[1]
    pad = max(side // 4, 1)
    bank = gabor_bank(side + 2 * pad, VARIANTS[variant])
    out = [
        _gist_batch(_grey(images[s : s + batch_size]), bank, pad, grid)
        for s in tqdm(range(0, len(images), batch_size), disable=not progress, desc="gist")
    ]
    return np.concatenate(out).astype(np.float32)
