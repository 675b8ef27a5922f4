"""Train HashNet / DHN end to end on another machine (a GPU), evaluate here.

A protocol's database rarely travels with a training job (CIFAR-10's 54,000
database images are 166 MB), so the job is cut in three steps: export the
protocol's training images, fit on the machine with the accelerator (timed,
the model saved), then encode the queries and the database here and score them
exactly as ``hashlearn bench`` does::

    HASHLEARN_DATA=~/datasets python benchmarks/e2e_device.py export \
        --protocol cifar10-1k --out gpu-data
    # on the GPU machine:
    python benchmarks/e2e_device.py fit --data gpu-data --method hashnet --bits 48 \
        --param val_scoring=held-out --save hashnet48 --record hashnet48.json
    # back here:
    HASHLEARN_DATA=~/datasets python benchmarks/e2e_device.py evaluate \
        --protocol cifar10-1k --model hashnet48 --record hashnet48.json \
        --out benchmarks/results/deep_e2e_gpu_hashnet48.json

``speed`` times ``encode`` of a saved model on the exported images where it runs
(``precision="auto"`` against float32) and the augmenting input pipeline alone.
``step-speed`` times whole-network training steps where it runs, with the input
prepared each step or made once, cuDNN autotuning off and on, batch 64 and 256.
``fit`` records where it ran (GPU or CPU name, torch version, threads), the
training seconds and images/s (training rows x epochs over the training
seconds, per-epoch validation included); ``evaluate`` adds the retrieval
metrics over the whole database and the published values, the fields of a
``hashlearn bench`` record.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

import hashlearn
from deep_bench import train_step_rate
from hashlearn.bench.data import IMAGES, load_benchmark_data
from hashlearn.bench.environment import machine_record
from hashlearn.bench.published import published_for
from hashlearn.bench.runner import DEFAULT_METRICS, evaluate_model, fit_method
from hashlearn.cli.commands import parse_params
from hashlearn.deep._base import default_device
from hashlearn.deep.image_training import image_transforms


def run_export(args: argparse.Namespace) -> None:
    """The protocol's training images and labels as .npy files in ``args.out``."""
    data = load_benchmark_data(args.protocol, seed=args.seed, features=IMAGES)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "train_images.npy", data.X_train)
    np.save(out / "train_labels.npy", data.y_train)
    split = {"protocol": args.protocol, "seed": args.seed, "checksum": data.checksum}
    (out / "split.json").write_text(json.dumps(split, indent=1))
    print(f"{len(data.X_train)} training images of {args.protocol} -> {out}")


def processor_name(device: torch.device) -> str:
    """The GPU's name on a CUDA device, else the CPU's."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return str(machine_record()["processor"])


def run_fit(args: argparse.Namespace) -> None:
    """Fit on the exported images; save the model and a timing record."""
    data = Path(args.data)
    images, labels = np.load(data / "train_images.npy"), np.load(data / "train_labels.npy")
    images, labels = images[: args.limit], labels[: args.limit]
    split = json.loads((data / "split.json").read_text())
    params = {"progress": True, **parse_params(tuple(args.param))}
    model = hashlearn.create(args.method, n_bits=args.bits, random_state=split["seed"], **params)
    start = time.perf_counter()
    fit_method(model, images, labels)
    seconds = time.perf_counter() - start
    model.save(args.save)
    device = torch.device(model.device) if model.device else default_device()
    n_train = len(images) - round(model.val_size * len(images))
    record = {
        **split,
        "method": args.method,
        "n_bits": args.bits,
        "train_rows": len(images),
        "params": params,
        "settings": model.settings_,
        "train_seconds": seconds,
        "train_images_per_s": n_train * len(model.history_) / seconds,
        "device": processor_name(device),
        "torch": torch.__version__,
        "machine": machine_record(),
        "history": model.history_,
        "best_epoch": model.best_epoch_,
    }
    Path(args.record).write_text(json.dumps(record, indent=1, default=str))
    print(
        f"{args.method} {args.bits} bits on {record['device']}: {seconds:.0f} s of training, "
        f"{record['train_images_per_s']:.0f} images/s, best epoch {model.best_epoch_}"
    )


def encode_in(model: Any, precision: str) -> None:
    """Make a fitted model encode in ``precision`` wherever it runs (a named precision is
    kept as it is; "auto" would follow the hardware)."""
    model.set_params(precision=precision)
    model.settings_["inference_precision"] = precision


def run_evaluate(args: argparse.Namespace) -> None:
    """Encode the protocol's queries and database with the saved model; score as bench does."""
    fitted = json.loads(Path(args.record).read_text())
    data = load_benchmark_data(args.protocol, seed=fitted["seed"], features=IMAGES)
    if data.checksum != fitted["checksum"]:
        raise SystemExit("the model was trained on another split of this protocol")
    if fitted.get("train_rows", len(data.X_train)) != len(data.X_train):
        raise SystemExit("the model was trained on part of the training images (--limit)")
    model = hashlearn.load(args.model)
    if args.inference_precision:
        encode_in(model, args.inference_precision)
    scores, curve, encode_seconds, at_n = evaluate_model(model, data, DEFAULT_METRICS)
    record = {
        **fitted,
        "metrics": scores,
        "encode_seconds": encode_seconds,
        "encode_device": processor_name(default_device()),
        "encode_machine": machine_record(),
        "encode_precision": args.inference_precision or "the model's, resolved on this device",
        "pr_curve": curve,
        "precision_at_n": at_n,
        "published": published_for(data.name, [fitted["method"]], [fitted["n_bits"]]),
    }
    Path(args.out).write_text(json.dumps(record, indent=1, default=str))
    print(json.dumps({"method": fitted["method"], "n_bits": fitted["n_bits"], **scores}))


def _encoding_rate(model: Any, images: np.ndarray) -> tuple[float, np.ndarray]:
    """Images/s of ``model.encode`` after a warm-up, and the codes."""
    model.encode(images[:512])
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    tic = time.perf_counter()
    codes = model.encode(images)
    return len(images) / (time.perf_counter() - tic), codes


def run_speed(args: argparse.Namespace) -> None:
    """Encoding speed of a saved model on the exported images, "auto" against float32
    (with the share of equal bits), and the speed of the augmenting input pipeline."""
    images = np.load(Path(args.data) / "train_images.npy")[: args.limit]
    model = hashlearn.load(args.model)
    auto_rate, auto_codes = _encoding_rate(model, images)
    encode_in(model, "float32")
    float32_rate, float32_codes = _encoding_rate(model, images)
    train_transform, _ = image_transforms(int(model.image_size), augment=True)
    batches = range(0, len(images) - 63, 64)
    tic = time.perf_counter()
    for start in batches:
        train_transform(images[start : start + 64])
    pipeline_rate = 64 * len(batches) / (time.perf_counter() - tic)
    equal = np.unpackbits(auto_codes) == np.unpackbits(float32_codes)
    row = {
        "device": processor_name(default_device()),
        "encode_auto_images_per_s": auto_rate,
        "encode_float32_images_per_s": float32_rate,
        "bits_equal": float(equal.mean()),
        "input_pipeline_images_per_s": pipeline_rate,
        "machine": machine_record(),
    }
    print(json.dumps(row, indent=1))


def run_step_speed(args: argparse.Namespace) -> None:
    """Training steps of the whole network where this runs: the input prepared on the CPU
    each step (as ``fit`` does) or made once on the device (the network alone), with
    cuDNN's autotuning off and on, at batch 64 and 256."""
    from hashlearn.data.cnn import prepare_images
    from hashlearn.deep.heads import HashHead
    from hashlearn.deep.image_training import build_image_network

    images = np.load(Path(args.data) / "train_images.npy")
    device = default_device()
    rows = []
    for autotune in (False, True):
        torch.backends.cudnn.benchmark = autotune
        for batch in (64, 256):
            rows_x = images[:batch]
            labels = torch.as_tensor(np.arange(batch) % 10, device=device)
            net = build_image_network("efficientnet-lite0", (1024,), 0.5, lambda w: HashHead(w, 48))
            net = net.to(device).train()
            on_device = prepare_images(rows_x, 128, augment=True).to(device)
            for where, make in (
                (
                    "input prepared each step",
                    lambda r=rows_x: prepare_images(r, 128, True).to(device),
                ),
                ("network alone", lambda x=on_device: x),
            ):
                rate = train_step_rate(net, make, labels, "auto", args.steps, warmup=5)
                rows.append(
                    {
                        "cudnn_benchmark": autotune,
                        "batch": batch,
                        "what": where,
                        "images_per_s": rate,
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
    print(json.dumps({"device": processor_name(device), "machine": machine_record()}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("step", choices=["export", "fit", "evaluate", "speed", "step-speed"])
    ap.add_argument("--protocol", default="cifar10-1k")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", help="export: folder; evaluate: the result JSON")
    ap.add_argument("--data", help="fit, speed: the exported folder")
    ap.add_argument("--method", choices=["hashnet", "dhn"], default="hashnet")
    ap.add_argument("--bits", type=int, default=48)
    ap.add_argument("--param", action="append", default=[], help="key=value (repeat)")
    ap.add_argument("--limit", type=int, help="fit, speed: only the first N images")
    ap.add_argument("--save", help="fit: model folder to write")
    ap.add_argument("--model", help="evaluate, speed: the saved model folder")
    ap.add_argument("--steps", type=int, default=30, help="step-speed: timed steps")
    ap.add_argument("--inference-precision", help="evaluate: encode in this precision instead")
    ap.add_argument("--record", help="fit: timing record to write; evaluate: to read")
    args = ap.parse_args()
    steps = {
        "export": run_export,
        "fit": run_fit,
        "evaluate": run_evaluate,
        "speed": run_speed,
        "step-speed": run_step_speed,
    }
    steps[args.step](args)


if __name__ == "__main__":
    main()
