"""Locating official data files, downloading them when allowed.

Files are looked up in the data folder first. When one is missing and
``download=True``, it is fetched from its official URLs in turn (with a tqdm
progress bar), written atomically and checked with ``verify``; without
``download`` (or without internet) a :class:`MissingDataError` says which file
to put where.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

from tqdm.auto import tqdm

from .._io import atomic_write


def where_to_put(folder: str) -> str:
    """How to make a missing ``folder`` (``mnist/``, ``cifar10/``) found, in Python and on the CLI.

    >>> "--download" in where_to_put("mnist/")
    True
    """
    return (
        f"point $HASHLEARN_DATA (data_dir= in Python, --data-dir on the command line) at the "
        f"folder holding {folder}, or let hashlearn download it: download=True in Python, "
        "--download on the command line (hashlearn bench / fit --protocol)"
    )


class MissingDataError(FileNotFoundError):
    """A data file is absent; the message says what to download and where to put it."""


class DataFileError(ValueError):
    """A data file exists but its content is not what was expected."""


def _download(url: str, dest: Path, timeout: float = 60.0) -> None:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        total = int(response.headers.get("Content-Length") or 0) or None
        with (
            atomic_write(dest, "wb") as out,
            tqdm(total=total, unit="B", unit_scale=True, desc=dest.name) as bar,
        ):
            while block := response.read(1 << 16):
                out.write(block)
                bar.update(len(block))


def fetch_file(
    dest: Path,
    urls: Sequence[str],
    *,
    download: bool = False,
    verify: Callable[[Path], None] | None = None,
) -> Path:
    """Return ``dest``, downloading it from ``urls`` first when missing and allowed.

    ``verify(path)`` raises :class:`DataFileError` on bad content; a downloaded
    file that fails it is removed and the next URL is tried.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "x.gz"
    >>> try:
    ...     fetch_file(p, ["https://example.org/x.gz"])
    ... except MissingDataError as err:
    ...     print("x.gz" in str(err))
    True
    """
    if dest.exists():
        return dest
    if not download:
        raise MissingDataError(
            f"data file {dest} not found. Download it from {urls[0]} (or a mirror: "
            f"{', '.join(urls[1:]) or 'none'}) and put it at {dest}; "
            f"{where_to_put(dest.parent.name + '/')}."
        )
    errors = []
    for url in urls:
        try:
            _download(url, dest)
            if verify is not None:
                verify(dest)
            return dest
        except (OSError, DataFileError) as err:
            dest.unlink(missing_ok=True)
            errors.append(f"{url}: {err}")
    raise MissingDataError(f"could not download {dest.name}: " + "; ".join(errors))
