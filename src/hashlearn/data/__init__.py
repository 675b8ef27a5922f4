"""Datasets, split protocols, ground truth and feature extractors.

Data files are found through ``data_dir``, ``$HASHLEARN_DATA`` or
``~/.cache/hashlearn/data``; derived arrays are cached under
``$HASHLEARN_CACHE`` (default ``~/.cache/hashlearn/cache``).
"""

from ._dataset import Dataset
from .download import DataFileError, MissingDataError
from .mnist import load_mnist, mnist_features, read_idx_gz
from .paths import resolve_cache_dir, resolve_data_dir
from .protocols import PROTOCOLS, Protocol, get_protocol, list_protocols, protocol_from_labels

__all__ = [
    "PROTOCOLS",
    "DataFileError",
    "Dataset",
    "MissingDataError",
    "Protocol",
    "get_protocol",
    "list_protocols",
    "load_mnist",
    "mnist_features",
    "protocol_from_labels",
    "read_idx_gz",
    "resolve_cache_dir",
    "resolve_data_dir",
]
