"""DistributedDataParallel with gloo on 2 CPU processes (torchrun) equals 1 process.

The worker trains a small hash head (Linear + tanh, float64) for a few SGD steps
on the same global batches; each rank sees its half, the pairwise loss sees the
codes gathered from both ranks through ``reference_codes``. Losses, gradients
and weights of the 2-process run must equal the 1-process run's.
"""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from hashlearn.deep.distributed import gather_codes_and_labels, gather_with_grad, world

STEPS, BATCH, N_FEATURES, N_BITS = 4, 24, 10, 12

WORKER = textwrap.dedent(
    f"""
    import sys
    import numpy as np
    import torch
    import torch.distributed as dist
    from torch.nn.functional import softplus
    from torch.nn.parallel import DistributedDataParallel
    from hashlearn.deep.distributed import ddp_train_step, world

    def pairwise_loss(h, y, reference_codes, reference_labels):
        s = (y[:, None] == reference_labels[None, :]).to(h.dtype)
        ip = 0.5 * h @ reference_codes.T
        return (softplus(ip) - s * ip).mean()

    def hashnet_loss():
        from hashlearn.deep.losses import HashNetLoss
        return HashNetLoss(n_bits={N_BITS})

    out, kind = sys.argv[1], sys.argv[2]
    torch.set_num_threads(1)
    dist.init_process_group("gloo")
    rank, size = world()
    torch.manual_seed(0)
    head = torch.nn.Sequential(torch.nn.Linear({N_FEATURES}, {N_BITS}), torch.nn.Tanh()).double()
    model = DistributedDataParallel(head)
    loss_fn = pairwise_loss if kind == "pairwise" else hashnet_loss()
    opt = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    gen = torch.Generator().manual_seed(1)
    X = torch.randn({STEPS}, {BATCH}, {N_FEATURES}, generator=gen, dtype=torch.float64)
    Y = torch.randint(0, 3, ({STEPS}, {BATCH}), generator=gen)
    share = slice(rank * {BATCH} // size, (rank + 1) * {BATCH} // size)
    losses, grads = [], []
    for step in range({STEPS}):
        losses.append(ddp_train_step(model, loss_fn, opt, X[step, share], Y[step, share]))
        grads.append(head[0].weight.grad.detach().numpy().copy())
    if rank == 0:
        np.savez(out, losses=np.array(losses), grads=np.array(grads),
                 weight=head[0].weight.detach().numpy(), bias=head[0].bias.detach().numpy())
    dist.destroy_process_group()
    """
)


UNEVEN_WORKER = textwrap.dedent(
    """
    import sys
    import torch
    import torch.distributed as dist
    from hashlearn.deep.distributed import gather_codes_and_labels, world

    dist.init_process_group("gloo")
    rank, size = world()
    counts = [5, 7]
    start = sum(counts[:rank])
    full = torch.arange(12 * 3, dtype=torch.float64).reshape(12, 3)
    mine = full[start : start + counts[rank]].clone().requires_grad_(True)
    codes, labels = gather_codes_and_labels(mine, torch.arange(start, start + counts[rank]))
    assert torch.equal(codes, full) and labels.tolist() == list(range(12))
    weights = torch.linspace(-1, 1, 36, dtype=torch.float64).reshape(12, 3)
    (codes * weights).sum().backward()  # every rank's loss uses every row
    assert torch.allclose(mine.grad, size * weights[start : start + counts[rank]])
    dist.destroy_process_group()
    print("uneven ok", rank, flush=True)
    """
)


def torchrun(tmp_path, nproc, kind):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    out = tmp_path / f"result_{kind}_{nproc}.npz"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc_per_node={nproc}",
        str(script),
        str(out),
        kind,
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return np.load(out)


def _has_hashnet():
    try:
        from hashlearn.deep.losses import HashNetLoss  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.parametrize(
    "kind",
    [
        "pairwise",
        pytest.param(
            "hashnet",
            marks=pytest.mark.skipif(
                not _has_hashnet(), reason="hashlearn.deep.losses.HashNetLoss not available yet"
            ),
        ),
    ],
)
def test_two_process_ddp_matches_one_process(tmp_path, kind, cases):
    one = torchrun(tmp_path, 1, kind)
    two = torchrun(tmp_path, 2, kind)
    for key in ("losses", "grads", "weight", "bias"):
        diff = float(np.max(np.abs(one[key] - two[key])))
        print(f"{kind}: max |1-proc - 2-proc| of {key}: {diff:.3g}")
        np.testing.assert_allclose(two[key], one[key], rtol=1e-9, atol=1e-11, err_msg=key)
    assert one["losses"][-1] < one["losses"][0]  # it trained
    cases["distributed.runs"] += 2


def test_gather_of_uneven_shares_and_its_gradient(tmp_path, cases):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    script = tmp_path / "uneven.py"
    script.write_text(UNEVEN_WORKER)
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
        str(script),
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.count("uneven ok") == 2
    cases["distributed.runs"] += 1


def test_single_process_gather_is_identity():
    assert world() == (0, 1)
    t = torch.randn(3, 4, requires_grad=True)
    assert gather_with_grad(t) is t
    codes, labels = gather_codes_and_labels(t, torch.arange(3))
    assert codes is t and labels.tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="labels has 2 rows, expected 3"):
        gather_codes_and_labels(t, torch.arange(2))
