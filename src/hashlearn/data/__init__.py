"""Datasets, split protocols, ground truth and feature extractors.

Data files are found through ``data_dir``, ``$HASHLEARN_DATA`` or
``~/.cache/hashlearn/data``; derived arrays are cached under
``$HASHLEARN_CACHE`` (default ``~/.cache/hashlearn/cache``).
"""

from typing import TYPE_CHECKING

from hashlearn._lazy import attach

if TYPE_CHECKING:
    from ._dataset import Dataset
    from .cifar10 import CLASS_NAMES as CIFAR10_CLASSES
    from .cifar10 import load_cifar10, read_python_batches
    from .cnn import cnn_features, efficientnet_lite0
    from .download import DataFileError, MissingDataError
    from .features import cifar10_features
    from .files import load_features, load_image_folder, load_multilabel
    from .gist import gabor_bank, gist_features
    from .groundtruth import knn_ground_truth, knn_relevance
    from .mnist import load_mnist, mnist_features, read_idx_gz
    from .paths import resolve_cache_dir, resolve_data_dir
    from .preprocess import MinMaxRescaler, PCAReducer
    from .protocols import PROTOCOLS, Protocol, get_protocol, list_protocols, protocol_from_labels

__all__ = [
    "CIFAR10_CLASSES",
    "PROTOCOLS",
    "DataFileError",
    "Dataset",
    "MinMaxRescaler",
    "MissingDataError",
    "PCAReducer",
    "Protocol",
    "cifar10_features",
    "cnn_features",
    "efficientnet_lite0",
    "gabor_bank",
    "get_protocol",
    "gist_features",
    "knn_ground_truth",
    "knn_relevance",
    "list_protocols",
    "load_cifar10",
    "load_features",
    "load_image_folder",
    "load_mnist",
    "load_multilabel",
    "mnist_features",
    "protocol_from_labels",
    "read_idx_gz",
    "read_python_batches",
    "resolve_cache_dir",
    "resolve_data_dir",
]

__getattr__, __dir__ = attach(__name__, __file__)
