"""Where data files are read from and where derived arrays are cached.

Data folder: the ``data_dir`` argument, else ``$HASHLEARN_DATA``, else
``~/.cache/hashlearn/data``. Cache folder (decoded images, features, ground
truth): the ``cache_dir`` argument, else ``$HASHLEARN_CACHE``, else
``~/.cache/hashlearn/cache``.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "HASHLEARN_DATA"
CACHE_ENV = "HASHLEARN_CACHE"
PathLike = str | os.PathLike[str]


def _user_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "hashlearn"


def resolve_data_dir(data_dir: PathLike | None = None) -> Path:
    """Folder holding ``mnist/`` and ``cifar10/``.

    Examples
    --------
    >>> str(resolve_data_dir("/tmp/some/data"))
    '/tmp/some/data'
    """
    if data_dir is not None:
        return Path(data_dir).expanduser()
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env).expanduser()
    return _user_cache() / "data"


def resolve_cache_dir(cache_dir: PathLike | None = None) -> Path:
    """Folder for cached decoded images, features and ground truth.

    Examples
    --------
    >>> str(resolve_cache_dir("/tmp/c"))
    '/tmp/c'
    """
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    return _user_cache() / "cache"
