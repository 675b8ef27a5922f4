"""The method registry: ``create(name, n_bits=...)`` and ``list_methods()``.

Methods register themselves with :func:`register`. The packages that hold them
(``hashlearn.hashers`` and ``hashlearn.deep``) are imported on first use, so a
new method file is found without editing any list.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any, TypeVar

_METHODS: dict[str, type] = {}
_PACKAGES = ("hashlearn.hashers", "hashlearn.deep")
_discovered: list[bool] = []

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


def _discover() -> None:
    if _discovered:
        return
    for package_name in _PACKAGES:
        try:
            package = importlib.import_module(package_name)
        except ModuleNotFoundError as exc:
            if exc.name and package_name.startswith(exc.name):
                continue
            raise
        for info in pkgutil.iter_modules(package.__path__):
            if not info.name.startswith("_"):
                importlib.import_module(f"{package_name}.{info.name}")
    _discovered.append(True)


def list_methods() -> list[str]:
    """Names of all registered methods, sorted.

    >>> "itq" in list_methods()
    True
    """
    _discover()
    return sorted(_METHODS)


def get_method(name: str) -> type:
    """The class registered under ``name``; a clear error lists the known names."""
    _discover()
    if name not in _METHODS:
        known = ", ".join(sorted(_METHODS))
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
