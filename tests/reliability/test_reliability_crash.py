"""Crash safety: kill -9 a writer at random moments; what is left must load.

A helper process imports hashlearn once and forks a writer for every round
(cheap, so hundreds of kills take seconds). The writer loops forever over
``model.save``, ``atomic_write_json``, ``encode_to_memmap`` (and the index's
``save`` once hashlearn.index.FlatIndex exists), cycling through three known
versions. The test SIGKILLs it after a random delay, then checks that every
final name holds exactly one of the known versions: never a broken file.
"""

import importlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import hashlearn
from hashlearn._io import atomic_write_json
from hashlearn.hashers.lsh import LSH
from hashlearn.scale import encode_to_memmap, open_codes

KILLS = 200
VERSIONS = 3

SERVER = textwrap.dedent(
    """
    import os, sys, json
    import numpy as np
    from hashlearn._io import atomic_write_json
    from hashlearn.hashers.lsh import LSH
    from hashlearn.scale import encode_to_memmap
    try:  # the index's persistence, once it has landed
        from hashlearn.index import FlatIndex
        from hashlearn.index.io import load_index  # noqa: F401
    except ImportError:
        FlatIndex = None

    folder, versions = sys.argv[1], int(sys.argv[2])
    X = np.load(os.path.join(folder, "X.npy"))
    models = [LSH(n_bits=24, random_state=v).fit(X) for v in range(versions)]

    def payload(v):
        return {"version": v, "values": [v * 1000 + i for i in range(2000)]}

    def write_model(v):
        models[v].save(os.path.join(folder, "model"))

    def write_report(v):
        atomic_write_json(os.path.join(folder, "report.json"), payload(v))

    def write_codes(v):
        codes = encode_to_memmap(models[v], X, os.path.join(folder, "codes.npy"), chunk=64)
        if FlatIndex is not None:
            index = FlatIndex(24)
            index.add(np.asarray(codes))
            index.save(os.path.join(folder, "index"))

    def write_forever():
        # each writer starts at another version and another file, so that kills
        # land in every kind of write even when the machine is slow
        seed = int.from_bytes(os.urandom(4), 'little')
        v, first = seed % versions, (seed // versions) % 3
        writers = [write_model, write_report, write_codes]
        writers = writers[first:] + writers[:first]
        while True:
            v = (v + 1) % versions
            for write in writers:
                write(v)

    print("ready", FlatIndex is not None, flush=True)
    for line in sys.stdin:
        pid = os.fork()
        if pid == 0:
            try:
                write_forever()
            finally:
                os._exit(1)
        print(pid, flush=True)
        os.waitpid(pid, 0)
        print("reaped", flush=True)
    """
)


@pytest.fixture
def workdir(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 12))
    np.save(tmp_path / "X.npy", X)
    models = [LSH(n_bits=24, random_state=v).fit(X) for v in range(VERSIONS)]
    expected = [m.encode(X) for m in models]
    models[0].save(tmp_path / "model")
    atomic_write_json(tmp_path / "report.json", {"version": 0, "values": list(range(2000))})
    encode_to_memmap(models[0], X, tmp_path / "codes.npy")
    return tmp_path, X, expected


def check_final_names(folder, X, expected, load_index):
    """Which version is under each final name; fails on any broken file."""
    model_codes = hashlearn.load(folder / "model").encode(X)
    model_v = [i for i, e in enumerate(expected) if np.array_equal(e, model_codes)]
    report = json.loads((folder / "report.json").read_text())
    v = report["version"]
    assert report["values"] == [v * 1000 + i for i in range(2000)]
    codes = open_codes(folder / "codes.npy", n_bits=24)
    assert np.array_equal(codes, expected[[np.array_equal(e, codes) for e in expected].index(True)])
    assert len(model_v) == 1, "model folder loads into none of the known models"
    if load_index is not None and (folder / "index").exists():
        stored = load_index(folder / "index").codes()
        assert any(np.array_equal(stored, e) for e in expected), "index holds unknown codes"
    return model_v[0], v


def test_sigkill_at_random_points_never_leaves_a_broken_file(workdir, cases):
    folder, X, expected = workdir
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(folder), str(VERSIONS)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        ready = server.stdout.readline().split()
        assert ready[0] == "ready", ready
        load_index = None
        if ready[1] == "True":
            load_index = importlib.import_module("hashlearn.index.io").load_index
        rng = np.random.default_rng(1)
        seen = set()
        for _ in range(KILLS):
            server.stdin.write("go\n")
            server.stdin.flush()
            pid = int(server.stdout.readline())
            time.sleep(rng.uniform(0.0, 0.04))
            os.kill(pid, signal.SIGKILL)
            # check only once the writer is gone: a kill is not instantaneous
            assert server.stdout.readline().strip() == "reaped"
            seen.add(check_final_names(folder, X, expected, load_index))
            cases["crash.kills_survived"] += 1
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    # the kills landed at many different points: several versions were observed
    assert len({m for m, _ in seen}) == VERSIONS and len({r for _, r in seen}) == VERSIONS
    leftovers = [p.name for p in folder.rglob("*.tmp")]
    assert leftovers, "no kill landed in the middle of a write: the test proved nothing"
    print(
        f"{KILLS} SIGKILLs survived; {len(seen)} (model, report) states seen; "
        f"{len(leftovers)} orphaned temporary files (never under a final name)"
    )
