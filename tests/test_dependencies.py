"""Every third-party package the library imports is declared in pyproject.toml.

deptry reads the imports of ``src/`` and the dependencies and extras of
``pyproject.toml``: an import of an undeclared package (or of one that only
arrives through another package), a declared package that nothing imports, and
a test tool imported by the library all fail here, so they fail CI before a
user's fresh install does.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _deptry(folder: Path, target: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deptry", target],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )


def test_library_imports_only_declared_packages():
    result = _deptry(ROOT, "src")
    assert result.returncode == 0, f"deptry found dependency issues:\n{result.stdout}"


def test_checker_catches_an_undeclared_import(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "probe"\nversion = "0"\ndependencies = ["numpy"]\n'
    )
    (tmp_path / "probe").mkdir()
    (tmp_path / "probe" / "m.py").write_text("import numpy\nimport click\n")
    result = _deptry(tmp_path, "probe")
    assert result.returncode == 1
    assert "'click' imported but" in result.stdout
