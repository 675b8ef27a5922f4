"""docs/sklearn.md: its Python examples run as they are, in order."""

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "sklearn.md"


def test_the_python_examples_of_the_sklearn_guide_run(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert len(blocks) >= 5
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)
