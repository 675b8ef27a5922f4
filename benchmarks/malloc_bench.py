"""Training steps of the whole image network with glibc's default malloc and with
``keep_freed_memory`` (hashlearn/_malloc.py): images/s, page faults, kernel time.

Each variant runs in its own interpreter (the setting is process-wide), in turns,
``--repeat`` times, timing the steps with ``deep_bench.train_step_rate``; same
network (EfficientNet-Lite0 + MLP + 48-bit hash layer, 128 px, batch 64, float32),
same threads. Usage::

    python benchmarks/malloc_bench.py --threads 2 --steps 8 --repeat 2
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

BENCHMARKS = os.path.dirname(os.path.abspath(__file__))
STEPS = """
import json, resource, sys
import numpy as np, torch
from deep_bench import train_step_rate
from hashlearn._malloc import keep_freed_memory
from hashlearn.data.cnn import prepare_images
from hashlearn.deep.heads import HashHead
from hashlearn.deep.image_training import build_image_network

threads, steps, keep = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "keep"
torch.set_num_threads(threads)
if keep:
    assert keep_freed_memory()
rng = np.random.default_rng(0)
images = rng.integers(0, 256, (64, 32, 32, 3), dtype=np.uint8)
labels = torch.as_tensor(rng.integers(0, 10, 64))
net = build_image_network("efficientnet-lite0", (1024,), 0.5, lambda w: HashHead(w, 48)).train()
net.backbone.cnn.to(memory_format=torch.channels_last)
inputs = lambda: prepare_images(images, 128, augment=True)
train_step_rate(net, inputs, labels, "float32", 1)  # warm-up
before = resource.getrusage(resource.RUSAGE_SELF)
rate = train_step_rate(net, inputs, labels, "float32", steps)  # steps + 1 steps
after, done = resource.getrusage(resource.RUSAGE_SELF), steps + 1
kernel, user = after.ru_stime - before.ru_stime, after.ru_utime - before.ru_utime
print(json.dumps({
    "images_per_s": rate,
    "page_faults_per_step": (after.ru_minflt - before.ru_minflt) / done,
    "kernel_share": kernel / (kernel + user),
}))
"""


def measure(threads: int, steps: int, variant: str) -> dict[str, float]:
    """One interpreter running ``steps`` training steps with ``variant`` malloc."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [BENCHMARKS, env.get("PYTHONPATH")]))
    args = [sys.executable, "-c", STEPS, str(threads), str(steps), variant]
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    rates: dict[str, list[float]] = {"default": [], "keep": []}
    for _ in range(args.repeat):
        for variant in rates:
            row = measure(args.threads, args.steps, variant)
            rates[variant].append(row["images_per_s"])
            print(
                f"{variant:8s} {row['images_per_s']:6.1f} images/s  "
                f"{row['page_faults_per_step']:9.0f} page faults/step  "
                f"kernel {row['kernel_share']:.0%} of CPU time",
                flush=True,
            )
    ratio = max(rates["keep"]) / max(rates["default"])
    print(
        f"best keep / best default = {ratio:.2f}x "
        f"({args.threads} threads, load average {os.getloadavg()[0]:.2f} at the end)"
    )


if __name__ == "__main__":
    main()
