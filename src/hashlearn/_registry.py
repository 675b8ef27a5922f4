"""The method registry: ``create(name, n_bits=...)`` and ``list_methods()``.

The built-in methods are listed in :data:`BUILTIN_METHODS` by module path, and
a method's module is imported only when the method is first asked for: loading
an ITQ model never imports torch, and ``hashlearn list`` imports no method at
all (it reads :data:`METHOD_SUMMARIES`). Each class also registers itself with
:func:`register` (which names it); tests check that every registered class of
the package is in both tables.
Methods of other packages register the same way and are found once imported.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeVar

BUILTIN_METHODS: dict[str, str] = {
    "bre": "hashlearn.hashers.bre",
    "bre-sup": "hashlearn.hashers.bre",
    "dhn": "hashlearn.deep.pairwise.dhn",
    "hashnet": "hashlearn.deep.pairwise.hashnet",
    "itq": "hashlearn.hashers.itq",
    "itq-cca": "hashlearn.hashers.itq_cca",
    "ksh": "hashlearn.hashers.ksh",
    "lsh": "hashlearn.hashers.lsh",
    "pcah": "hashlearn.hashers.pcah",
    "sdh": "hashlearn.hashers.sdh",
    "sh": "hashlearn.hashers.sh",
    "sh-bdnn": "hashlearn.deep.bdnn.estimators",
    "uh-bdnn": "hashlearn.deep.bdnn.estimators",
}

METHOD_SUMMARIES: dict[str, tuple[str, bool]] = {
    "bre": ("Binary Reconstructive Embedding: kernel hash functions keeping distances", False),
    "bre-sup": ("BRE with label targets: distance 0 for pairs sharing a label, 1 otherwise", True),
    "dhn": ("Deep Hashing Network: pairwise cross-entropy loss; a CNN on images, or an MLP", True),
    "hashnet": ("HashNet: weighted pairwise likelihood; a CNN on images, or an MLP", True),
    "itq": ("Iterative Quantization: PCA, then a rotation minimising quantization error", False),
    "itq-cca": ("ITQ after a CCA projection of the features against the labels", True),
    "ksh": ("Kernel Supervised Hashing: code inner products fitted to label similarity", True),
    "lsh": ("Locality-Sensitive Hashing: random hyperplanes through the data mean", False),
    "pcah": ("PCA Hashing: top principal directions thresholded at zero", False),
    "sdh": ("Supervised Discrete Hashing: codes learnt with a linear classifier", True),
    "sh": ("Spectral Hashing: analytical eigenfunctions along principal directions", False),
    "sh-bdnn": ("Supervised Binary Deep Neural Network: codes that keep label similarity", True),
    "uh-bdnn": ("Unsupervised Binary Deep Neural Network: codes that rebuild the input", False),
}
"""One-line description and whether labels are needed, of each built-in method."""

_METHODS: dict[str, type] = {}

T = TypeVar("T", bound=type)


def register(name: str) -> Callable[[T], T]:
    """Class decorator that makes a method available under ``name``."""

    def decorator(cls: T) -> T:
        if name in _METHODS and _METHODS[name] is not cls:
            raise ValueError(f"method name {name!r} is already registered")
        _METHODS[name] = cls
        cls.method_name = name  # type: ignore[attr-defined]
        return cls

    return decorator


def list_methods() -> list[str]:
    """Names of all registered methods, sorted.

    >>> "itq" in list_methods()
    True
    """
    return sorted({*BUILTIN_METHODS, *_METHODS})


def method_summary(name: str) -> dict[str, Any]:
    """What method ``name`` is: description, supervised (labels needed) and family.

    Built-in methods are described without importing them (no torch); others
    from their class (docstring's first line and ``supervised``).

    >>> method_summary("itq")["family"], method_summary("sh-bdnn")["supervised"]
    ('classic', True)
    """
    if name in METHOD_SUMMARIES:
        description, supervised = METHOD_SUMMARIES[name]
        deep = BUILTIN_METHODS[name].startswith("hashlearn.deep")
        return {
            "name": name,
            "description": description,
            "supervised": supervised,
            "family": "deep" if deep else "classic",
        }
    cls = get_method(name)
    return {
        "name": name,
        "description": (cls.__doc__ or "").strip().split("\n")[0],
        "supervised": bool(getattr(cls, "supervised", False)),
        "family": "external",
    }


def get_method(name: str) -> type:
    """The class registered under ``name``; a clear error lists the known names.

    >>> get_method("itq").__name__
    'ITQ'
    """
    if name not in _METHODS and name in BUILTIN_METHODS:
        try:
            importlib.import_module(BUILTIN_METHODS[name])
        except ModuleNotFoundError as exc:
            if exc.name is None or exc.name.startswith("hashlearn"):
                raise
            raise ImportError(
                f"method {name!r} needs the package {exc.name!r}, which is not installed"
            ) from exc
    if name not in _METHODS:
        known = ", ".join(list_methods())
        raise ValueError(f"unknown method {name!r}; known methods: {known}")
    return _METHODS[name]


def create(name: str, n_bits: int = 32, **params: Any) -> Any:
    """Create an unfitted estimator by name.

    >>> create("lsh", n_bits=16, random_state=0).n_bits
    16
    """
    cls = get_method(name)
    try:
        return cls(n_bits=n_bits, **params)
    except TypeError as exc:
        raise ValueError(f"bad parameter for method {name!r}: {exc}") from None
