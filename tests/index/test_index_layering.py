"""The index file format imports no index class; other modules read an index through its
public accessors, never its private storage (``self._rows`` is the index's own business)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import hashlearn
from hashlearn.index import FlatIndex, MultiIndexHashing, load_index
from hashlearn.index.io import INDEX_KINDS

SRC = Path(hashlearn.__file__).parent
PRIVATE_STORAGE = {"_rows", "_ids"}


def test_the_file_format_imports_no_index_class():
    probe = (
        "import sys, hashlearn.index.io\n"
        "print(sorted(m for m in sys.modules if m.startswith('hashlearn.index.')))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['hashlearn.index.io']"


def test_no_other_module_reads_the_private_storage_of_an_index():
    readers = []
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Attribute) or node.attr not in PRIVATE_STORAGE:
                continue
            if not (isinstance(node.value, ast.Name) and node.value.id == "self"):
                readers.append(f"{path.relative_to(SRC)}:{node.lineno} .{node.attr}")
    assert readers == []


def test_explicit_ids_and_codes_view_are_read_only_views():
    index = FlatIndex(12)
    index.add(np.array([[1, 2], [3, 4]], np.uint8))
    assert index.explicit_ids is None
    view = index.codes_view()
    assert view.tolist() == [[1, 2], [3, 4]]
    with pytest.raises(ValueError, match="read-only"):
        view[0, 0] = 9
    index.add(np.array([[5, 6]], np.uint8), ids=[10])
    assert index.explicit_ids.tolist() == [0, 1, 10]
    with pytest.raises(ValueError, match="read-only"):
        index.explicit_ids[0] = 7
    assert index.ids().tolist() == [0, 1, 10] and index.codes()[0].tolist() == [1, 2]


@pytest.mark.parametrize("cls", [FlatIndex, MultiIndexHashing])
def test_every_kind_of_file_loads_as_its_class(cls, tmp_path):
    index = cls(16)
    index.add(np.arange(8, dtype=np.uint8).reshape(4, 2), ids=[3, 5, 8, 9])
    index.save(tmp_path / "i.hlidx")
    loaded = load_index(tmp_path / "i.hlidx")
    module, name, _ = INDEX_KINDS[cls.kind]
    assert type(loaded) is cls and (cls.__module__, cls.__name__) == (module, name)
    assert loaded.ids().tolist() == [3, 5, 8, 9]
    assert np.array_equal(loaded.codes(), index.codes())
