"""The documentation builds with MkDocs in strict mode, so a warning fails CI.

mkdocstrings renders the API reference from the docstrings: a docstring that does
not parse (a documented parameter missing from the signature, a broken
cross-reference) fails here, as does a link to a page or an anchor that does not
exist. One build of the whole site takes a few seconds.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXTENSION = ROOT / "docs" / "_ext" / "markdown_docstrings.py"


def _extension() -> ModuleType:
    pytest.importorskip("griffe")
    spec = importlib.util.spec_from_file_location("markdown_docstrings", EXTENSION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr}"
    return out


def test_docs_build_without_warnings_and_render_the_api(site: Path) -> None:
    metrics = (site / "api" / "metrics" / "index.html").read_text()
    assert 'id="hashlearn.metrics.mean_average_precision"' in metrics
    for page in ("algorithms", "design", "reference-results"):
        assert (site / page / "index.html").is_file()


def test_doctests_in_summaries_render_as_code(site: Path) -> None:
    bench = (site / "api" / "bench" / "index.html").read_text()
    assert "<blockquote>" not in bench  # what Markdown makes of a bare ">>>" line
    assert '<span class="gp">&gt;&gt;&gt; </span><span class="n">DEMO_METHODS</span>' in bench


def test_fence_doctests_wraps_doctests_outside_examples_only() -> None:
    fence = _extension().fence_doctests
    text = "Summary.\n>>> f(1)\n2\n\nExamples\n--------\n>>> f(2)\n3"
    assert fence(text).split("\n") == [
        "Summary.",
        "```pycon",
        ">>> f(1)",
        "2",
        "```",
        "",
        "Examples",
        "--------",
        ">>> f(2)",
        "3",
    ]


def test_sphinx_roles_become_inline_code() -> None:
    convert = _extension().markdown_docstring
    text = "Use :func:`hashlearn.create` or :class:`~hashlearn.index.FlatIndex`."
    assert convert(text) == "Use `hashlearn.create` or `FlatIndex`."
