"""First contact stays light: what the CLI's help and a classic model pull in.

Each check runs in a fresh interpreter and asserts which heavy packages were
imported, so it fails as soon as a module-level import brings torch, numba,
matplotlib or pandas into a path that does not need them (scikit-learn itself
imports pandas when it is installed: that does not count against hashlearn).
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys

import pytest

import hashlearn
from hashlearn import _registry

HEAVY = ("torch", "numba", "matplotlib", "pandas", "faiss", "pyarrow")


def _imported_after(code: str, tmp_path, heavy: tuple[str, ...] = HEAVY) -> set[str]:
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))\n"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    modules = json.loads(result.stdout.strip().splitlines()[-1])
    return {name for name in modules if name.split(".")[0] in heavy}


def _top_level(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def test_import_hashlearn_loads_no_torch_numba_or_scipy(tmp_path):
    code = "import hashlearn\nassert 'ITQ' in dir(hashlearn)\n"
    modules = _imported_after(code, tmp_path, heavy=(*HEAVY, "scipy"))
    assert _top_level(modules) == set()


def test_cli_help_and_list_import_nothing_heavy(tmp_path):
    code = (
        "from click.testing import CliRunner\n"
        "from hashlearn.cli import cli\n"
        "for args in (['--help'], ['list'], ['bench', '--help'], ['fit', '--help']):\n"
        "    assert CliRunner().invoke(cli, args).exit_code == 0, args\n"
    )
    assert _top_level(_imported_after(code, tmp_path, heavy=(*HEAVY, "scipy"))) == set()


@pytest.mark.parametrize("method", ["itq", "lsh", "sdh", "pcah"])
def test_classic_fit_save_load_encode_imports_nothing_heavy(method, tmp_path):
    code = (
        "import numpy as np, hashlearn\n"
        "X = np.random.default_rng(0).normal(size=(200, 16))\n"
        "y = np.arange(200) % 4\n"
        f"model = hashlearn.create({method!r}, n_bits=8, random_state=0)\n"
        "model = model.fit(X, y) if model.supervised else model.fit(X)\n"
        "model.save('model')\n"
        "codes = hashlearn.load('model').encode(X)\n"
        "assert (codes == model.encode(X)).all()\n"
        "from hashlearn import hashers\n"
        "assert getattr(hashers, type(model).__name__) is type(model)\n"
        "assert (hashlearn.PackBits().fit_transform(model.transform(X)) == codes).all()\n"
    )
    sklearn_own = _imported_after("import sklearn.base", tmp_path)  # pandas, when installed
    assert _top_level(_imported_after(code, tmp_path) - sklearn_own) == set()


def test_deep_method_still_loads_torch_when_asked_for(tmp_path):
    code = "import hashlearn\nhashlearn.create('sh-bdnn', n_bits=8)\n"
    assert "torch" in _top_level(_imported_after(code, tmp_path))


def _registered_by_the_package() -> dict[str, type]:
    for package_name in ("hashlearn.hashers", "hashlearn.deep"):
        package = importlib.import_module(package_name)
        for info in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            importlib.import_module(info.name)
    return dict(_registry._METHODS)


def test_every_registered_method_is_in_the_builtin_table():
    registered = _registered_by_the_package()
    builtin = {n: c for n, c in registered.items() if c.__module__.startswith("hashlearn.")}
    assert {n: c.__module__ for n, c in builtin.items()} == _registry.BUILTIN_METHODS
    assert hashlearn.list_methods() == sorted(registered)


@pytest.mark.parametrize("method", sorted(_registry.BUILTIN_METHODS))
def test_every_method_class_is_exported_by_its_package_and_by_hashlearn(method):
    cls = _registry.get_method(method)
    package = importlib.import_module(".".join(cls.__module__.split(".")[:2]))  # hashers, deep
    assert getattr(package, cls.__name__) is cls
    assert getattr(hashlearn, cls.__name__) is cls
    assert cls.__name__ in package.__all__ and cls.__name__ in hashlearn.__all__
    assert type(hashlearn.create(method, n_bits=4)) is cls


def test_lazy_package_names_resolve_and_unknown_names_fail():
    import hashlearn.data as data

    assert "load_mnist" in dir(data)
    assert data.CIFAR10_CLASSES[0] == "airplane"
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        _ = data.nope


def test_unknown_method_lists_the_known_ones():
    with pytest.raises(ValueError, match="known methods: bre, bre-sup"):
        hashlearn.create("itq2")
