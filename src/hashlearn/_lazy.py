"""Lazy package exports (PEP 562), so that ``import hashlearn.data`` costs nothing.

A package lists its public names once, as ``from .module import name`` lines
inside an ``if TYPE_CHECKING:`` block, which type checkers and IDEs read as
ordinary imports. :func:`attach` turns that block into the package's
``__getattr__``: the first use of a name imports its submodule, and later uses
find it in the package like any attribute. A command that needs one small
module (the CLI's ``--help``, loading an ITQ model) then never pays for torch,
numba or scipy, which other submodules import.

Example, in a package's ``__init__.py``::

    from typing import TYPE_CHECKING
    from hashlearn._lazy import attach

    if TYPE_CHECKING:
        from .mnist import load_mnist

    __all__ = ["load_mnist"]
    __getattr__, __dir__ = attach(__name__, __file__)
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def attach(package: str, init_file: str) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``, from its TYPE_CHECKING imports."""
    exports = typing_block_exports(Path(init_file).read_text(encoding="utf-8"))

    def get_attribute(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, attribute = exports[name]
        value = getattr(importlib.import_module(module, package), attribute)
        setattr(sys.modules[package], name, value)
        return value

    def list_names() -> list[str]:
        return sorted({*exports, *vars(sys.modules[package])})

    return get_attribute, list_names


def typing_block_exports(source: str) -> dict[str, tuple[str, str]]:
    """Map each name imported under ``if TYPE_CHECKING:`` to (module, attribute).

    >>> typing_block_exports("if TYPE_CHECKING:\\n    from .a import b as c, d\\n")
    {'c': ('.a', 'b'), 'd': ('.a', 'd')}
    """
    exports: dict[str, tuple[str, str]] = {}
    for node in ast.parse(source).body:
        if not (isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"):
            continue
        for statement in node.body:
            if not isinstance(statement, ast.ImportFrom) or not statement.module:
                raise ValueError("the TYPE_CHECKING block may hold only 'from .module import name'")
            module = "." * statement.level + statement.module
            for alias in statement.names:
                exports[alias.asname or alias.name] = (module, alias.name)
    return exports
