"""What a results record says about the machine's arithmetic: threads and kernel paths."""

from __future__ import annotations

import torch

from hashlearn.bench.environment import KERNEL_VARIABLES, machine_record


def test_the_record_keeps_the_variables_that_pin_kernel_paths(monkeypatch):
    for name in KERNEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MKL_CBWR", "AVX2")
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    assert machine_record()["kernels_env"] == {"MKL_CBWR": "AVX2", "OPENBLAS_CORETYPE": "Haswell"}


def test_unset_kernel_variables_are_left_out(monkeypatch):
    for name in KERNEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert machine_record()["kernels_env"] == {}


def test_the_record_names_the_instruction_set_of_torchs_kernels():
    capability = machine_record()["torch_cpu_capability"]
    assert capability == torch.backends.cpu.get_cpu_capability()


def test_the_record_names_the_kernels_numpys_blas_chose():
    from threadpoolctl import threadpool_info

    chosen = {p["architecture"] for p in threadpool_info() if p.get("architecture")}
    assert set(machine_record()["blas_architectures"].values()) == chosen
