"""Index files: corrupted, truncated, other version, other n_bits -> a clear error.

Random corruption must be caught by the checksum; headers edited and re-signed
(as a file from another library version or writer would be) must be refused
with a ValueError naming the problem, never load into a wrong index.
"""

import hashlib
import json
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

io = pytest.importorskip("hashlearn.index.io", reason="index persistence not landed yet")
from hashlearn.index import FlatIndex, MultiIndexHashing  # noqa: E402

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
PREFIX = struct.Struct("<8sII")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 256, (300, 2), dtype=np.uint8)
    codes[:, 1] &= 0x0F  # 12-bit codes
    out = {}
    for cls, ids in ((FlatIndex, None), (MultiIndexHashing, rng.permutation(1000)[:300])):
        index = cls(12)
        index.add(codes, ids=ids)
        path = tmp_path_factory.mktemp("idx") / f"{cls.__name__}.hlidx"
        index.save(path)
        out[cls.__name__] = (path, index)
    return out


def same(a, b):
    q = b.codes()[:20]
    return (
        type(a) is type(b)
        and a.n_bits == b.n_bits
        and np.array_equal(a.ids(), b.ids())
        and np.array_equal(a.codes(), b.codes())
        and all(np.array_equal(x, y) for x, y in zip(a.search(q, 5), b.search(q, 5), strict=True))
    )


@pytest.mark.parametrize("kind", ["FlatIndex", "MultiIndexHashing"])
@FUZZ
@given(
    how=st.sampled_from(["flip", "truncate", "append", "zero"]),
    where=st.floats(0, 1),
    value=st.integers(1, 255),
)
def test_random_corruption_is_detected(
    saved, tmp_path_factory, kind, how, where, value, guarded, cases
):
    cases["index_file.corruption"] += 1
    path, _ = saved[kind]
    data = bytearray(path.read_bytes())
    pos = min(int(where * len(data)), len(data) - 1)
    if how == "flip":
        data[pos] ^= value
    elif how == "truncate":
        data = data[:pos]
    elif how == "append":
        data += bytes([value])
    else:
        if not any(data[pos:]):
            return
        data[pos:] = bytes(len(data) - pos)
    target = tmp_path_factory.mktemp("bad") / "x.hlidx"
    target.write_bytes(bytes(data))
    loaded = guarded(io.load_index, target)
    assert isinstance(loaded, ValueError), f"{how} at {pos} was not detected"
    assert (
        "corrupted" in str(loaded)
        or "not a hashlearn index" in str(loaded)
        or "version" in str(loaded)
    )


def resign(path, edit, target, version=None):
    """Rewrite the JSON header with ``edit`` and a valid checksum (a well-formed foreign file)."""
    data = path.read_bytes()
    magic, old_version, header_len = PREFIX.unpack_from(data)
    meta = json.loads(data[PREFIX.size : PREFIX.size + header_len])
    edit(meta)
    version = old_version if version is None else version
    header = json.dumps(meta).encode()
    body = PREFIX.pack(magic, version, len(header)) + header + data[PREFIX.size + header_len : -32]
    target.write_bytes(body + hashlib.sha256(body).digest())
    return target


EDITS = {
    "other_version": (lambda m: None, "version 2"),
    "other_n_bits_same_bytes": (lambda m: m.update(n_bits=10), "n_bits"),
    "other_n_bits_other_bytes": (lambda m: m.update(n_bits=24, n_bytes=3), "bytes"),
    "n_bytes_inconsistent": (lambda m: m.update(n_bytes=3), "bytes"),
    "unknown_kind": (lambda m: m.update(kind="ivf"), "kind"),
    "missing_ntotal": (lambda m: m.pop("ntotal"), "ntotal"),
    "ntotal_too_big": (lambda m: m.update(ntotal=301), "bytes"),
    "negative_n_bits": (lambda m: m.update(n_bits=-8), "n_bits"),
    "string_n_bits": (lambda m: m.update(n_bits="12"), "n_bits"),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_foreign_header_is_refused_clearly(saved, tmp_path, edit, guarded, cases):
    cases["index_file.foreign_header"] += 1
    func, word = EDITS[edit]
    path, original = saved["FlatIndex"]
    try:
        version = 2 if edit == "other_version" else None
        loaded = guarded(io.load_index, resign(path, func, tmp_path / "f.hlidx", version))
    except (KeyError, IndexError, AttributeError, struct.error) as exc:
        pytest.fail(f"{edit}: load_index raised {type(exc).__name__}: {exc} (not a clear error)")
    if isinstance(loaded, (TypeError, ValueError)):
        assert word in str(loaded), f"{edit}: unclear message {loaded}"
    else:
        assert same(loaded, original), f"{edit}: loaded into a different index"


@pytest.mark.parametrize("kind", ["FlatIndex", "MultiIndexHashing"])
def test_roundtrip_and_queries_of_another_n_bits(saved, kind, cases):
    cases["index_file.roundtrip"] += 1
    path, original = saved[kind]
    loaded = io.load_index(path)
    assert same(loaded, original)
    with pytest.raises(ValueError, match=r"queries must have shape \(n, 2\) for n_bits=12"):
        loaded.search(np.zeros((1, 3), np.uint8), 5)
    with pytest.raises(ValueError, match="bits set past n_bits=12"):
        loaded.search(np.full((1, 2), 255, np.uint8), 5)
