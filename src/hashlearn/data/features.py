"""Cached CIFAR-10 features: ``cifar10_features("efficientnet-lite0" | "gist")``.

Features are computed in shards of ``SHARD`` images, each cached as soon as it
is done (an interrupted extraction resumes where it stopped), then joined into
``<cache_dir>/features/cifar10-<source>/<extractor>-<size>.npy`` with a sha256
sidecar keyed by (dataset source checksum, extractor, size).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from .._io import sha256_file
from .._kernels import PINNED_TAG, kernels_pinned
from ._cache import load_array, save_array
from .cifar10 import load_cifar10
from .paths import PathLike, resolve_cache_dir

SHARD = 5000
CHUNK = 256
"""Images per extractor call inside a shard: the progress bar moves by this many."""
IMAGES_PER_SECOND = {"efficientnet-lite0-128": 58.0, "gist-32": 706.0, "gist-320-32": 706.0}
"""Images/s measured on 2 CPU cores (benchmarks/results/data.md): the time announced up front."""
_VERSION = 1


def _extractor(name: str, size: int, precision: str) -> Callable[[np.ndarray], np.ndarray]:
    if name == "efficientnet-lite0":
        from .cnn import cnn_features, efficientnet_lite0

        net = efficientnet_lite0()
        return lambda imgs: cnn_features(imgs, net, size=size, progress=False, precision=precision)
    if name in ("gist", "gist-320", "gist-512"):
        from .gist import gist_features

        variant = "512" if name == "gist-512" else "320"
        return lambda imgs: gist_features(imgs, variant=variant)
    raise ValueError(f"extractor: unknown {name!r}; use 'efficientnet-lite0', 'gist' or 'gist-512'")


def cached_features(
    images: np.ndarray,
    folder: Path,
    name: str,
    key: dict[str, object],
    compute: Callable[[], Callable[[np.ndarray], np.ndarray]],
    *,
    what: str = "images",
    images_per_second: float | None = None,
) -> np.ndarray:
    """Features of ``images`` cached in ``folder/name.npy``; missing shards use ``compute()``.

    Before computing, one line on stderr says what is extracted, where it is
    cached and (given ``images_per_second``) about how long it takes; a bar
    counts the images. ``what`` names the images in that line.
    """
    final = folder / f"{name}.npy"
    done = load_array(final, key)
    if done is not None:
        return done
    starts = range(0, len(images), SHARD)
    entries = [_shard_entry(folder, name, key, start, len(images)) for start in starts]
    parts = [load_array(path, shard_key) for path, shard_key in entries]
    missing = sum(
        min(SHARD, len(images) - s) for s, part in zip(starts, parts, strict=True) if part is None
    )
    if missing:
        _announce(name, missing, what, folder, images_per_second)
    fn = None
    done_parts = []
    with tqdm(total=missing, desc=name, unit="img", disable=not missing) as bar:
        for start, (path, shard_key), part in zip(starts, entries, parts, strict=True):
            if part is None:
                fn = fn or compute()
                part = _extract(fn, images[start : start + SHARD], bar)
                save_array(path, part, shard_key)
            done_parts.append(part)
    features = np.concatenate(done_parts)
    save_array(final, features, key)
    for path, _ in entries:
        path.unlink(missing_ok=True)
        path.with_suffix(".json").unlink(missing_ok=True)
    return features


def _shard_entry(
    folder: Path, name: str, key: dict[str, object], start: int, n: int
) -> tuple[Path, dict[str, object]]:
    shard_key = {**key, "start": start, "stop": min(start + SHARD, n)}
    return folder / "shards" / f"{name}-{start:06d}.npy", shard_key


def _extract(fn: Callable[[np.ndarray], np.ndarray], images: np.ndarray, bar: Any) -> np.ndarray:
    """``fn`` over ``images`` in chunks of ``CHUNK``, counting them on ``bar``."""
    chunks = []
    for start in range(0, len(images), CHUNK):
        chunk = images[start : start + CHUNK]
        chunks.append(np.asarray(fn(chunk), dtype=np.float32))
        bar.update(len(chunk))
    return np.concatenate(chunks)


def _announce(name: str, n: int, what: str, folder: Path, images_per_second: float | None) -> None:
    took = (
        f"about {max(1, round(n / images_per_second / 60))} min on 2 CPU cores"
        if images_per_second
        else "the bar below shows the time left"
    )
    tqdm.write(
        f"extracting {name} features of {n:,} {what} once (cached in {folder}); {took}",
        file=sys.stderr,
    )


def cifar10_features(
    extractor: Any = "efficientnet-lite0",
    data_dir: PathLike | None = None,
    cache_dir: PathLike | None = None,
    *,
    size: int = 128,
    name: str | None = None,
    precision: str = "float32",
) -> np.ndarray:
    """float32 (60000, D) features of all CIFAR-10 images, in :func:`load_cifar10` order.

    Parameters
    ----------
    extractor : "efficientnet-lite0" (1280-D pooled, ImageNet weights), "gist"
        (320-D) or "gist-512"; or any ``torch.nn.Module`` (pooled output, see
        :func:`cnn_features`), which then needs ``name`` for its cache entry.
    size : CNN input side in pixels (ignored by GIST).
    name : cache name of a custom module (e.g. "resnet50-imagenet").
    precision : CNN arithmetic, "float32" or "bfloat16" (about 2.4x faster on a
        CPU with bfloat16 instructions); cached separately.

    Examples
    --------
    >>> X = cifar10_features("efficientnet-lite0")  # doctest: +SKIP
    >>> X.shape  # doctest: +SKIP
    (60000, 1280)
    """
    compute: Callable[[], Callable[[np.ndarray], np.ndarray]]
    if isinstance(extractor, str):
        tag, cnn = extractor, extractor.startswith("efficientnet")
        compute = partial(_extractor, extractor, size, precision)
    elif name:
        tag, cnn = name, True
        compute = partial(_module_extractor, extractor, size, precision)
    else:
        raise ValueError("name: give a cache name when extractor is a torch module")
    data = load_cifar10(data_dir, cache_dir)
    size_tag = size if cnn else 32
    if cnn and precision != "float32":
        tag = f"{tag}-{precision}"
    source = Path(data.source).name.split(".")[0]
    folder = resolve_cache_dir(cache_dir) / "features" / f"cifar10-{source}"
    key = {
        "dataset": "cifar10",
        "source_sha256": sha256_file(data.source),
        "n": len(data),
        "labels_sha": _labels_sha(data.labels),
        "extractor": tag,
        "size": size_tag,
        "version": _VERSION,
    }
    name = f"{tag}-{size_tag}"
    images_per_second = IMAGES_PER_SECOND.get(name)
    if kernels_pinned():  # the CNN's and GIST's arithmetic follows the kernels
        key["kernels"], name = PINNED_TAG, f"{name}-{PINNED_TAG}"
    return cached_features(
        data.images,
        folder,
        name,
        key,
        compute,
        what="CIFAR-10 images",
        images_per_second=images_per_second,
    )


def _module_extractor(module: Any, size: int, precision: str) -> Callable[[np.ndarray], np.ndarray]:
    from .cnn import cnn_features

    return lambda imgs: cnn_features(imgs, module, size=size, progress=False, precision=precision)


def _labels_sha(labels: np.ndarray) -> str:
    from .._io import sha256_bytes

    return sha256_bytes(np.ascontiguousarray(labels, dtype=np.int64).tobytes())[:16]
