"""Pinned kernels: which environment the command line runs itself again in, and that it does."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from hashlearn._kernels import (
    PINNED_KERNELS,
    cpu_flags,
    kernels_pinned,
    onednn_allows_bfloat16,
    pinned_environment,
)
from hashlearn._precision import cpu_has_native_bfloat16
from hashlearn.cli._app import needs_pinned_kernels

AVX2 = frozenset({"sse2", "avx", "avx2", "fma"})


def test_missing_variables_are_added_and_the_rest_kept():
    env = pinned_environment({"PATH": "/bin", "MKL_CBWR": "COMPATIBLE"}, AVX2)
    assert env is not None
    assert env["PATH"] == "/bin" and env["MKL_CBWR"] == "COMPATIBLE"  # the user's choice stays
    for name, value in PINNED_KERNELS.items():
        if name != "MKL_CBWR":
            assert env[name] == value


def test_nothing_to_do_once_every_variable_is_set():
    """The re-run finds every variable set: it never runs itself a third time."""
    env = pinned_environment({"PATH": "/bin"}, AVX2)
    assert env is not None and pinned_environment(env, AVX2) is None


@pytest.mark.parametrize("value", ["0", "false", "No", " off "])
def test_opt_out(value):
    assert pinned_environment({"HASHLEARN_PIN_KERNELS": value}, AVX2) is None


def test_opt_in_values_pin():
    assert pinned_environment({"HASHLEARN_PIN_KERNELS": "1"}, AVX2) is not None


def test_no_pinning_without_avx2():
    assert pinned_environment({}, frozenset({"sse2", "avx"})) is None
    assert pinned_environment({}, frozenset()) is None  # unknown processor (no /proc/cpuinfo)


def test_cpu_flags_read_from_cpuinfo(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: Test CPU\nflags\t\t: fpu sse2 avx2\n")
    assert cpu_flags(info) == {"fpu", "sse2", "avx2"}
    assert cpu_flags(tmp_path / "missing") == frozenset()
    (tmp_path / "noflags").write_text("processor\t: 0\n")
    assert cpu_flags(tmp_path / "noflags") == frozenset()


def test_kernels_pinned_needs_every_value():
    assert kernels_pinned(PINNED_KERNELS)
    assert not kernels_pinned({**PINNED_KERNELS, "MKL_CBWR": "AVX512"})
    assert not kernels_pinned({k: v for k, v in PINNED_KERNELS.items() if k != "MKL_CBWR"})


def test_onednn_cap_below_bfloat16_turns_native_bfloat16_off(monkeypatch):
    assert not onednn_allows_bfloat16({"ONEDNN_MAX_CPU_ISA": "avx512_core"})
    assert onednn_allows_bfloat16({"ONEDNN_MAX_CPU_ISA": "AVX512_CORE_AMX"})
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
    assert cpu_has_native_bfloat16() is False  # "auto" precision then trains in float32


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["bench", "--protocol", "digits"], True),
        (["--debug", "demo"], True),
        (["fit", "itq", "--data", "X.npy"], True),
        (["encode", "model", "X.npy"], True),
        (["reproduce", "--list"], True),
        (["fit", "--help"], False),
        (["--version"], False),
        (["list"], False),
        (["info", "model"], False),
        ([], False),
    ],
)
def test_commands_that_train_or_encode_are_pinned(args, expected):
    assert needs_pinned_kernels(args) is expected


def _bench_kernels(tmp_path, **env_changes: str) -> dict[str, str]:
    """Run ``hashlearn bench`` in a fresh process; the kernel variables its record keeps."""
    env = {k: v for k, v in os.environ.items() if k not in PINNED_KERNELS}
    env.update(env_changes)
    out = tmp_path / "run.json"
    command = [sys.executable, "-m", "hashlearn.cli", "bench", "--protocol", "digits"]
    command += ["--methods", "lsh", "--bits", "8", "--out", str(out)]
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=120)
    return json.loads(out.read_text())["environment"]["machine"]["kernels_env"]


@pytest.mark.skipif("avx2" not in cpu_flags(), reason="pinning needs an x86-64 CPU with AVX2")
def test_bench_runs_with_pinned_kernels(tmp_path):
    assert _bench_kernels(tmp_path) == PINNED_KERNELS
    assert _bench_kernels(tmp_path, HASHLEARN_PIN_KERNELS="0") == {}
