"""Generic user data: feature/label files, image folders, multi-label matrices.

Errors name the file and say what was expected.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import numpy as np

from .download import DataFileError
from .paths import PathLike

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp")
SPLITS = ("train", "test")


def _decode(data: bytes, where: str) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            return np.asarray(img.convert("RGB"), dtype=np.uint8)
    except (UnidentifiedImageError, OSError) as err:
        raise DataFileError(f"{where}: not a readable image ({err})") from err


def _folder_key(parts: tuple[str, ...]) -> tuple[str, str] | None:
    """(split, class) of a path ``[prefix/]<split>/<class>/<file>`` or ``<class>/<file>``."""
    if len(parts) >= 3 and parts[-3] in SPLITS:
        return parts[-3], parts[-2]
    if len(parts) == 2:
        return "", parts[0]
    return None


def _image_entries(path: Path) -> list[tuple[tuple[str, str, str], bytes]]:
    entries = []
    if path.is_dir():
        for f in path.rglob("*"):
            key = _folder_key(f.relative_to(path).parts)
            if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES and key:
                entries.append(((*key, f.name), f.read_bytes()))
        return entries
    try:
        with tarfile.open(path, "r:*") as tar:
            for m in tar:
                key = _folder_key(tuple(Path(m.name).parts))
                if m.isfile() and Path(m.name).suffix.lower() in IMAGE_SUFFIXES and key:
                    entries.append(((*key, Path(m.name).name), tar.extractfile(m).read()))
    except (tarfile.TarError, OSError, EOFError) as err:
        raise DataFileError(f"{path}: not a readable tar archive ({err})") from err
    return entries


def load_image_folder(path: PathLike) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
    """Read ``<split>/<class>/<image>`` (or ``<class>/<image>``) from a folder or tar(.gz).

    Order is deterministic: split ``train`` first, then ``test``, then class
    name, then file name. All images must share one size.

    Returns
    -------
    images : uint8 (N, H, W, 3); labels : int64 (N,) indices into ``class_names``;
    is_train : bool (N,) (all True without split folders); class_names : sorted names.

    Examples
    --------
    >>> imgs, y, is_train, names = load_image_folder("my_images/")  # doctest: +SKIP
    """
    path = Path(path)
    if not path.exists():
        raise DataFileError(f"{path}: image folder or tar archive not found")
    entries = _image_entries(path)
    if not entries:
        raise DataFileError(
            f"{path}: no images found; expected <split>/<class>/<image> (split train or test) "
            f"or <class>/<image> with suffix in {IMAGE_SUFFIXES}"
        )
    split_rank = {"train": 0, "": 0, "test": 1}
    entries.sort(key=lambda e: (split_rank[e[0][0]], e[0][1], e[0][2]))
    names = tuple(sorted({e[0][1] for e in entries}))
    images = [_decode(data, f"{path}:{'/'.join(k)}") for k, data in entries]
    if len({im.shape for im in images}) != 1:
        raise DataFileError(f"{path}: images have different sizes; resize them to one size first")
    labels = np.array([names.index(k[1]) for k, _ in entries], dtype=np.int64)
    is_train = np.array([k[0] != "test" for k, _ in entries])
    return np.stack(images), labels, is_train, names
