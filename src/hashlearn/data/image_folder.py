"""Image folders: every image below a folder, or in a tar archive of one, with its class.

The rules (shared by :mod:`hashlearn.data.files` and the command line): an
image is a file with a suffix in ``IMAGE_SUFFIXES``, at any depth. Its class
is the name of its folder (the folder's or archive's own name for images
directly inside it); a folder ``train`` or ``test`` above the class folder puts
it in that split. Order: ``train`` (or no split) before ``test``, then class
name, then path. All images must have one size.

Also the two helpers of every reader of user files: :func:`error_prefix` and
:func:`existing_path`.
"""

from __future__ import annotations

import io
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .download import DataFileError
from .paths import PathLike

IMAGE_SUFFIXES = (".bmp", ".gif", ".jpeg", ".jpg", ".pgm", ".png", ".webp")
ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")
SPLITS = ("train", "test")
GREY_MODES = ("1", "L", "LA")  # PIL modes of grey images: one feature per pixel


def error_prefix(what: str) -> str:
    """How an error about a user file starts: the command line's option, if any.

    >>> error_prefix("--data"), error_prefix("")
    ('--data: ', '')
    """
    return f"{what}: " if what else ""


def existing_path(path: PathLike, what: str = "") -> Path:
    """``path`` as a Path, after checking that it exists (else an error naming it)."""
    p = Path(path)
    if not p.exists():
        raise DataFileError(f"{error_prefix(what)}no such file or folder: {p}")
    return p


@dataclass(frozen=True)
class ImageFolder:
    """The images of a folder or archive (see :func:`read_image_folder`).

    ``pixels``: uint8 RGB (N, H, W, 3), or float32 features (N, pixels / 255);
    ``labels``: int64 indices into ``classes``; ``is_train``: bool (N,);
    ``names``: each image's path inside the folder or archive.
    """

    pixels: np.ndarray
    labels: np.ndarray
    classes: tuple[str, ...]
    is_train: np.ndarray
    names: np.ndarray


def is_image_source(path: PathLike) -> bool:
    """Whether ``path`` is read as images: a folder, or a tar archive by its name."""
    p = Path(path)
    return p.is_dir() or p.name.lower().endswith(ARCHIVE_SUFFIXES)


def read_image_folder(path: PathLike, what: str = "", *, as_features: bool = False) -> ImageFolder:
    """Decode the images of a folder or tar archive (rules in the module docstring).

    Pixels are RGB uint8 (grey images get three equal channels), or with
    ``as_features`` one row per image of its pixels / 255 (float32): one value
    per pixel of a grey image, three (RGB) per pixel of any other.
    """
    p = existing_path(path, what)
    files = sorted(_image_files(p, what), key=lambda f: (f[0] == "test", f[1], f[2]))
    if not files:
        raise DataFileError(
            f"{error_prefix(what)}{p} holds no images: expected {'/'.join(IMAGE_SUFFIXES)} files "
            "in <class>/ or <train|test>/<class>/ folders"
        )
    pixels = [
        _decode(data, f"{error_prefix(what)}{p}:{name}", as_features) for _, _, name, data in files
    ]
    if len({image.shape for image in pixels}) != 1:
        raise DataFileError(
            f"{error_prefix(what)}{p}: images differ in size; resize them to one size first"
        )
    classes = tuple(sorted({f[1] for f in files}))
    return ImageFolder(
        np.stack(pixels),
        np.array([classes.index(f[1]) for f in files], dtype=np.int64),
        classes,
        np.array([f[0] != "test" for f in files]),
        np.array([f[2] for f in files]),
    )


def _image_files(p: Path, what: str) -> list[tuple[str, str, str, bytes]]:
    """(split, class, path inside, encoded bytes) of every image below ``p``."""
    root = _root_name(p)
    found = _folder_files(p) if p.is_dir() else _archive_files(p, what)
    return [
        (*_split_and_class(Path(name).parts, root), name, data)
        for name, data in found
        if Path(name).suffix.lower() in IMAGE_SUFFIXES
    ]


def _folder_files(p: Path) -> list[tuple[str, bytes]]:
    """(path inside, bytes) of the image files below a folder."""
    files = (f for f in p.rglob("*") if f.suffix.lower() in IMAGE_SUFFIXES and f.is_file())
    return [(f.relative_to(p).as_posix(), f.read_bytes()) for f in files]


def _archive_files(p: Path, what: str) -> list[tuple[str, bytes]]:
    """(member name, bytes) of the image files in a tar archive."""
    try:
        with tarfile.open(p, "r:*") as tar:
            return [
                (m.name, member_bytes(tar, m, p))
                for m in tar
                if m.isfile() and Path(m.name).suffix.lower() in IMAGE_SUFFIXES
            ]
    except (tarfile.TarError, OSError, EOFError) as err:
        raise DataFileError(f"{error_prefix(what)}{p}: not a readable tar archive ({err})") from err


def _root_name(p: Path) -> str:
    """The class of images directly inside ``p``: its name, less any archive suffix."""
    name = p.name
    suffix = next((s for s in ARCHIVE_SUFFIXES if name.lower().endswith(s)), "")
    return name[: len(name) - len(suffix)]


def _split_and_class(parts: tuple[str, ...], root: str) -> tuple[str, str]:
    """(split or "", class) of the image at ``parts`` (a path inside the folder)."""
    split = parts[-3] if len(parts) >= 3 and parts[-3] in SPLITS else ""
    return split, parts[-2] if len(parts) >= 2 else root


def _decode(data: bytes, where: str, as_features: bool) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if as_features:
                grey = image.mode in GREY_MODES
                pixels = np.asarray(image.convert("L" if grey else "RGB"), dtype=np.float32)
                return pixels.ravel() / 255.0
            return np.asarray(image.convert("RGB"), dtype=np.uint8)
    except (UnidentifiedImageError, OSError) as err:
        raise DataFileError(f"{where}: not a readable image ({err})") from err


def member_bytes(tar: tarfile.TarFile, member: tarfile.TarInfo, path: Path) -> bytes:
    """Content of one regular file inside an open tar archive."""
    handle = tar.extractfile(member)
    if handle is None:
        raise DataFileError(f"{path}: archive member {member.name!r} is not a regular file")
    return handle.read()
