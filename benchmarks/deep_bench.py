"""HashNet / DHN on CIFAR-10 features (DHN protocol), baselines, ablation, e2e speed.

Usage (run in the background with few threads; results go to a JSON file)::

    HASHLEARN_DATA=~/datasets nohup python benchmarks/deep_bench.py cifar \
        --extractor efficientnet-lite0 --bits 12 24 32 48 --threads 1 \
        --out benchmarks/results/deep_cifar.json > /tmp/deep_bench.log 2>&1 &
    python benchmarks/deep_bench.py tune --methods hashnet dhn --bits 32 48   # validation-picked
    python benchmarks/deep_bench.py ablation --extractor efficientnet-lite0 --bits 32
    python benchmarks/deep_bench.py e2e-speed --size 128 --batch 64 --batches 4 --threads 2
    python benchmarks/deep_bench.py e2e-loss-speed --batch 64 --batches 10 --threads 2  # DHN vs HN
    python benchmarks/deep_bench.py inference-batch --threads 2   # encoding: 32 vs 1,024 per pass
    python benchmarks/deep_bench.py bf16-features --bits 32 --threads 2   # mAP, fp32 vs bf16
    python benchmarks/deep_bench.py bf16-inference --methods dhn --bits 32 \
        --checkpoint ckpt-dhn32 --threads 2   # a model trained end to end, fp32 vs bf16 codes
    python benchmarks/deep_bench.py e2e-gap --methods hashnet --bits 48 --checkpoint ckpt \
        --settings '{"continuation": false}'   # quantization gap of a finished e2e run
    python benchmarks/deep_bench.py probe --threads 2 --probe '{"finetune": 3}' \
        '{"finetune": "all", "pretrained_lr_mult": 1.0}'   # quick settings probe on images
    python benchmarks/deep_bench.py imagenet-synthetic   # mAP@1000 protocol path on stand-in data

Each line prints our figure, the published figure (DHN paper, AlexNet end to
end) and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

import numpy as np
import torch

import hashlearn
from hashlearn.metrics import (
    mean_average_precision,
    pr_curve_by_radius,
    precision_at_radius,
)

DHN_PAPER = {12: 0.555, 24: 0.594, 32: 0.603, 48: 0.621}
DEEP_PARAMS: dict[str, dict[str, Any]] = {
    "hashnet": {"epochs": 60, "hidden_sizes": (1024,), "learning_rate": 0.003},
    "dhn": {"epochs": 60, "hidden_sizes": (1024,), "learning_rate": 0.003},
}


def load(extractor: str, protocol: str) -> tuple[np.ndarray, np.ndarray, Any]:
    from hashlearn.data import get_protocol, load_cifar10
    from hashlearn.data.features import cifar10_features

    X = cifar10_features(extractor)
    return X, load_cifar10().labels, get_protocol(protocol, seed=0)


def evaluate(model: Any, X: np.ndarray, y: np.ndarray, p: Any, n_bits: int) -> dict[str, Any]:
    q, db = model.encode(X[p.query_idx]), model.encode(X[p.database_idx])
    yq, ydb = y[p.query_idx], y[p.database_idx]
    prec, rec, _ = pr_curve_by_radius(q, db, yq, ydb, n_bits=n_bits)
    return {
        "map": mean_average_precision(q, db, yq, ydb, n_bits=n_bits),
        "precision_at_radius_2": precision_at_radius(q, db, yq, ydb, n_bits=n_bits, radius=2),
        "pr_precision": np.asarray(prec).tolist(),
        "pr_recall": np.asarray(rec).tolist(),
    }


def fit(name: str, n_bits: int, X: np.ndarray, y: np.ndarray, **extra: Any) -> tuple[Any, float]:
    model = hashlearn.create(
        name, n_bits=n_bits, random_state=0, **{**DEEP_PARAMS.get(name, {}), **extra}
    )
    tic = time.perf_counter()
    model.fit(X, y) if model.supervised else model.fit(X)
    return model, time.perf_counter() - tic


def run_cifar(args: argparse.Namespace) -> list[dict[str, Any]]:
    X, y, p = load(args.extractor, args.protocol)
    rows = []
    for n_bits in args.bits:
        for name in args.methods:
            model, seconds = fit(name, n_bits, X[p.train_idx], y[p.train_idx])
            row = {
                "method": name,
                "bits": n_bits,
                "fit_s": seconds,
                "extractor": args.extractor,
                "protocol": args.protocol,
                **evaluate(model, X, y, p, n_bits),
            }
            rows.append(row)
            paper = DHN_PAPER.get(n_bits, float("nan"))
            print(
                f"{name:8s} {n_bits:2d} bits  mAP {row['map']:.4f}  P@r2 "
                f"{row['precision_at_radius_2']:.4f}  DHN paper {paper:.3f}  ratio "
                f"{row['map'] / paper:.2f}  fit {seconds:.1f}s",
                flush=True,
            )
    return rows


def quantization_gap(model: Any, X: Any) -> dict[str, float]:
    """mean |tanh(beta z)| and fraction with |h| > 0.9, with the model's final beta.

    ``X``: feature rows or images, as the model was fitted on (``project`` gives z).
    """
    beta = float(model.module_.head.activation.beta)
    h = torch.tanh(beta * torch.as_tensor(model.project(X))).abs()
    return {
        "mean_abs_h": float(h.mean()),
        "frac_above_0_9": float((h > 0.9).float().mean()),
        "beta": beta,
    }


def run_ablation(args: argparse.Namespace) -> list[dict[str, Any]]:
    X, y, p = load(args.extractor, args.protocol)
    rows = []
    for n_bits in args.bits:
        for cont in (False, True):
            model, seconds = fit(
                "hashnet", n_bits, X[p.train_idx], y[p.train_idx], continuation=cont
            )
            row = {
                "continuation": cont,
                "bits": n_bits,
                "fit_s": seconds,
                **quantization_gap(model, X[p.database_idx]),
                "map": evaluate(model, X, y, p, n_bits)["map"],
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


#: the grid of ``tune``: training budget, step size and head width of the feature MLP
TUNE_GRID: list[dict[str, Any]] = [
    {"epochs": 60, "learning_rate": 0.003, "hidden_sizes": (1024,)},
    {"epochs": 150, "learning_rate": 0.003, "hidden_sizes": (1024,)},
    {"epochs": 150, "learning_rate": 0.01, "hidden_sizes": (1024,)},
    {"epochs": 150, "learning_rate": 0.003, "hidden_sizes": ()},
]


def run_tune(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Pick each method's settings on the validation split carved from the training
    images (``val_size``; never the queries), then report the test mAP of the pick."""
    X, y, p = load(args.extractor, args.protocol)
    rows = []
    for n_bits in args.bits:
        for name in args.methods:
            trials = []
            for params in TUNE_GRID:
                model, seconds = fit(name, n_bits, X[p.train_idx], y[p.train_idx], **params)
                best_val = max(row["val_map"] for row in model.history_)
                trials.append((best_val, seconds, params, model))
                print(f"{name} {n_bits} bits {params}: best validation mAP {best_val:.4f}")
            best_val, seconds, params, model = max(trials, key=lambda t: t[0])
            row = {
                "method": name,
                "bits": n_bits,
                "chosen": {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()},
                "val_map": best_val,
                "fit_s": seconds,
                **evaluate(model, X, y, p, n_bits),
            }
            rows.append(row)
            print(
                f"{name:8s} {n_bits:2d} bits  chosen {row['chosen']}  val mAP {best_val:.4f}  "
                f"test mAP {row['map']:.4f}  P@r2 {row['precision_at_radius_2']:.4f}  DHN paper "
                f"{DHN_PAPER.get(n_bits, float('nan')):.3f}",
                flush=True,
            )
    return rows


def train_step_rate(
    net: Any,
    inputs: Any,
    labels: Any,
    precision: str,
    batches: int,
    loss_fn: Any = None,
    warmup: int = 1,
) -> float:
    """Images/second of SGD steps (forward under autocast, ``loss_fn`` (None: HashNet's
    loss at 48 bits), backward, step) on the device of ``net``, after ``warmup``
    untimed steps; ``inputs()`` gives each step's batch."""
    from hashlearn._precision import autocast, resolve_precision
    from hashlearn.deep.losses import HashNetLoss
    from hashlearn.deep.training import TrainConfig, make_optimizer

    device = next(net.parameters()).device
    opt = make_optimizer(net, TrainConfig(lr=1e-4))
    loss_fn = HashNetLoss(48) if loss_fn is None else loss_fn
    dtype = resolve_precision(precision, device)
    tic = time.perf_counter()
    for step in range(warmup + batches):
        if step == warmup:
            _synchronize(device)
            tic = time.perf_counter()
        with autocast(device, dtype):
            codes = net(inputs())
        loss = loss_fn(codes.float(), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
    _synchronize(device)
    return len(labels) * batches / (time.perf_counter() - tic)


def _synchronize(device: torch.device) -> None:
    """Wait for the GPU's queued work (timings of CUDA steps); nothing on a CPU."""
    if device.type == "cuda":
        torch.cuda.synchronize()


def run_e2e_speed(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Images/s of a training step per fine-tuning depth and precision, and of inference.

    The data pipeline is included: uint8 CIFAR-sized images -> random crop + flip ->
    resize -> normalise for the whole network; cached activations of the frozen
    stages for ``finetune=k``. The float32 row of each kind is the peer of its
    bfloat16 row (same run, same thread count).
    """
    from hashlearn._precision import autocast, resolve_precision
    from hashlearn.data.cnn import prepare_images
    from hashlearn.deep.heads import HashHead
    from hashlearn.deep.image_training import (
        ActivationCache,
        _TrainedPart,
        build_image_network,
        frozen_stage_count,
    )
    from hashlearn.deep.training import HashingNetwork

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (args.batch, 32, 32, 3), dtype=np.uint8)
    labels = torch.as_tensor(rng.integers(0, 10, args.batch))
    rows = []
    for finetune in ("all", 4, "frozen"):
        net = build_image_network("efficientnet-lite0", (1024,), 0.5, lambda w: HashHead(w, 48))
        cnn = net.backbone.cnn.to(memory_format=torch.channels_last)
        cnn.freeze_first(frozen_stage_count(cnn, finetune))
        for precision in ("float32", "bfloat16"):
            if cnn.n_frozen:
                cache = ActivationCache(cnn, images, args.batch, args.size, 1, precision)
                trained = HashingNetwork(_TrainedPart(net.backbone), net.head).train()
                inputs = lambda c=cache: c.train_transform(np.arange(args.batch))  # noqa: E731
            else:
                trained = net.train()
                inputs = lambda: prepare_images(images, args.size, augment=True)  # noqa: E731
            rate = train_step_rate(trained, inputs, labels, precision, args.batches)
            rows.append(
                {"what": f"train finetune={finetune}", "precision": precision, "images_per_s": rate}
            )
    net.eval()
    for precision in ("float32", "bfloat16"):
        dtype = resolve_precision(precision, "cpu")
        with torch.inference_mode(), autocast("cpu", dtype):
            net(prepare_images(images, args.size))
            tic = time.perf_counter()
            for _ in range(args.batches):
                net(prepare_images(images, args.size))
        rate = args.batch * args.batches / (time.perf_counter() - tic)
        rows.append({"what": "inference", "precision": precision, "images_per_s": rate})
    load = os.getloadavg()[0]
    for row in rows:
        row.update(size=args.size, batch=args.batch, threads=torch.get_num_threads(), load=load)
        print(f"{row['what']:24s} {row['precision']:9s} {row['images_per_s']:7.1f} images/s")
    for what in dict.fromkeys(r["what"] for r in rows):
        f32, b16 = (r["images_per_s"] for r in rows if r["what"] == what)
        print(f"{what:24s} bfloat16 / float32 = {b16 / f32:.2f}x")
    print(
        f"({args.size} px, batch {args.batch}, {torch.get_num_threads()} threads, "
        f"load average {load:.2f} at the end)"
    )
    return rows


def run_e2e_loss_speed(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Training steps of the whole network (float32, ``--size`` px, ``--batch`` images)
    with HashNet's loss and with DHN's, in turns of ``--batches`` steps, three turns each:
    what the two methods' end-to-end epochs cost relative to each other."""
    from hashlearn.data.cnn import prepare_images
    from hashlearn.deep.heads import HashHead
    from hashlearn.deep.image_training import build_image_network
    from hashlearn.deep.losses import DHNLoss, HashNetLoss

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (args.batch, 32, 32, 3), dtype=np.uint8)
    labels = torch.as_tensor(rng.integers(0, 10, args.batch))
    net = build_image_network("efficientnet-lite0", (1024,), 0.5, lambda w: HashHead(w, 48))
    net.train()
    losses = {"hashnet": HashNetLoss(48), "dhn": DHNLoss()}
    rates: dict[str, list[float]] = {name: [] for name in losses}
    inputs = lambda: prepare_images(images, args.size, augment=True)  # noqa: E731
    for _ in range(3):
        for name, loss_fn in losses.items():
            rates[name].append(
                train_step_rate(net, inputs, labels, "float32", args.batches, loss_fn)
            )
    rows = [
        {"loss": name, "images_per_s": float(np.median(r)), "turns": r} for name, r in rates.items()
    ]
    for row in rows:
        print(f"{row['loss']:8s} {row['images_per_s']:.1f} images/s (turns {row['turns']})")
    ratio = rows[1]["images_per_s"] / rows[0]["images_per_s"]
    load, threads = os.getloadavg()[0], torch.get_num_threads()
    print(f"dhn / hashnet: {ratio:.3f}; load average {load:.2f}, {threads} threads")
    return rows


def run_inference_batch(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Images/s of encoding 1,024 images with HashNet's image network, per batch size.

    The peer is 1,024 images per pass (what encoding and validation used before
    ``IMAGE_BATCH``); bfloat16 autocast where native, as ``precision="auto"``.
    """
    from hashlearn.data.cnn import IMAGE_BATCH
    from hashlearn.deep.heads import HashHead
    from hashlearn.deep.image_training import build_image_network, image_transforms
    from hashlearn.deep.training import project_rows

    images = np.random.default_rng(0).integers(0, 256, (1024, 32, 32, 3), dtype=np.uint8)
    net = build_image_network("efficientnet-lite0", (1024,), 0.5, lambda w: HashHead(w, 48))
    _, evaluation = image_transforms(args.size, augment=False)
    project_rows(net, images[:64], evaluation, 32, "auto")  # warm up
    rows = []
    for batch in (1024, 256, IMAGE_BATCH, 16):
        tic = time.perf_counter()
        project_rows(net, images, evaluation, batch, "auto")
        rows.append({"batch": batch, "images_per_s": len(images) / (time.perf_counter() - tic)})
    load = os.getloadavg()[0]
    for row in rows:
        ratio = row["images_per_s"] / rows[0]["images_per_s"]
        print(f"batch {row['batch']:5d}: {row['images_per_s']:7.1f} images/s ({ratio:.2f}x)")
        row.update(size=args.size, threads=torch.get_num_threads(), load=load)
    threads = torch.get_num_threads()
    print(f"({args.size} px, {threads} threads, load average {load:.2f} at the end)")
    return rows


def run_bf16_features(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Does bfloat16 feature extraction cost retrieval quality? SDH / ITQ mAP on both.

    A subset of the cifar10-1k protocol (its 1,000 queries and 5,000 training
    images, ``--database`` database images drawn at random) is pushed through
    EfficientNet-Lite0 in float32 and in bfloat16; extraction time and the mAP
    of SDH and ITQ fitted on each are printed side by side.
    """
    from hashlearn.data import get_protocol, load_cifar10
    from hashlearn.data.cnn import cnn_features, efficientnet_lite0

    cifar, p = load_cifar10(), get_protocol("cifar10-1k", seed=0)
    db = np.random.default_rng(0).permutation(p.database_idx)[: args.database]
    pick = np.concatenate([p.query_idx, p.train_idx, db])
    net = efficientnet_lite0()
    rows = []
    for precision in ("float32", "bfloat16"):
        tic = time.perf_counter()
        feats = cnn_features(
            cifar.images[pick], net, size=args.size, progress=False, precision=precision
        )
        seconds = time.perf_counter() - tic
        q, tr = feats[:1000], feats[1000:6000]
        dbf = feats[6000:]
        for name in ("sdh", "itq"):
            for n_bits in args.bits:
                model = hashlearn.create(name, n_bits=n_bits, random_state=0)
                model.fit(tr, cifar.labels[p.train_idx]) if model.supervised else model.fit(tr)
                value = mean_average_precision(
                    model.encode(q),
                    model.encode(dbf),
                    cifar.labels[p.query_idx],
                    cifar.labels[db],
                    n_bits=n_bits,
                )
                rows.append(
                    {
                        "precision": precision,
                        "method": name,
                        "bits": n_bits,
                        "map": value,
                        "extract_s": seconds,
                        "images": len(pick),
                    }
                )
                print(
                    f"{precision:9s} {name:4s} {n_bits:2d} bits  mAP {value:.4f}  "
                    f"(extraction {len(pick) / seconds:.0f} images/s)",
                    flush=True,
                )
    print(f"load average {os.getloadavg()[0]:.2f}, {torch.get_num_threads()} threads")
    return rows


def _finished_e2e_model(args: argparse.Namespace) -> tuple[Any, Any]:
    """The finished end-to-end run in ``--checkpoint`` and the cifar10-1k images.

    Resumes a ``hashlearn bench --protocol cifar10-1k --features images`` run of
    ``--methods`` at ``--bits`` (seed 0) from its checkpoint folder; no epoch is
    trained again. ``--settings`` (JSON) repeats the ``--param`` values of that run,
    which the checkpoint's fingerprint requires.
    """
    from hashlearn.bench.data import load_benchmark_data

    data = load_benchmark_data("cifar10-1k", features="images")
    model = hashlearn.create(
        args.methods[0],
        n_bits=args.bits[0],
        random_state=0,
        checkpoint_dir=args.checkpoint,
        resume=True,
        **json.loads(args.settings),
    )
    return model.fit(data.X_train, data.y_train), data


def run_bf16_inference(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Does bfloat16 inference cost a model trained end to end retrieval quality?

    Encodes the protocol's queries and ``--database`` random database images with
    the finished run of :func:`_finished_e2e_model`, in float32 and in bfloat16, and
    prints the mAP of each, the share of identical bits and the encoding speed.
    """
    model, data = _finished_e2e_model(args)
    db = np.random.default_rng(0).permutation(len(data.X_db))[: args.database]
    method, n_bits = args.methods[0], args.bits[0]
    rows, codes = [], {}
    for precision in ("float32", "bfloat16"):
        model.settings_["inference_precision"] = precision
        tic = time.perf_counter()
        q, dbc = model.encode(data.X_query), model.encode(data.X_db[db])
        seconds = time.perf_counter() - tic
        codes[precision] = np.concatenate([q, dbc])
        value = mean_average_precision(q, dbc, data.y_query, data.y_db[db], n_bits=n_bits)
        rate = (len(q) + len(dbc)) / seconds
        rows.append({"precision": precision, "map": value, "images_per_s": rate})
        print(f"{method} {n_bits} bits, {precision:9s} mAP {value:.4f}  ({rate:.0f} images/s)")
    same = np.unpackbits(~(codes["float32"] ^ codes["bfloat16"]), axis=1)[:, :n_bits].mean()
    print(f"identical bits: {same:.4%}; load average {os.getloadavg()[0]:.2f}")
    rows.append({"identical_bits": float(same), "database": len(db)})
    return rows


def run_e2e_gap(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The quantization gap of a HashNet run trained end to end (continuation ablation).

    With the finished run of :func:`_finished_e2e_model`, the relaxed codes
    tanh(beta z) of the 1,000 queries at the run's final beta: their mean magnitude
    and the share above 0.9 (1 = binary, no gap), as in the frozen-feature ablation.
    """
    model, data = _finished_e2e_model(args)
    row = {**quantization_gap(model, data.X_query), "settings": json.loads(args.settings)}
    print(json.dumps(row))
    return [row]


def run_probe(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Quick settings probe on images: HashNet (or ``"method"``) on 600 CIFAR-10 images, 64 px.

    600 random CIFAR-10 images (seed 0) go to ``fit`` (which holds out 60 of them
    for validation); with ``"source": "cifar10-1k"`` in a probe, the protocol's
    5,000 training images (shuffled, seed 0; 500 held out). Each ``--probe`` JSON
    object overrides settings. Prints the validation mAP and loss per epoch. Used to
    choose the image defaults (``pretrained_lr_mult``, fixed batch-norm statistics,
    ``finetune``; docs/deep.md, benchmarks/results/deep.md section 3).
    ``"batchnorm_statistics": "batch"`` trains the CNN with batch-norm statistics
    taken from each batch instead of ImageNet's (a backbone variant registered here).
    """
    from hashlearn.data import get_protocol, load_cifar10

    cifar = load_cifar10()
    rows = []
    for spec in args.probe:
        kwargs = {"n_bits": 48, "epochs": 8, "image_size": 64, **json.loads(spec)}
        method = kwargs.pop("method", "hashnet")
        if "batchnorm_statistics" in kwargs:
            kwargs["backbone"] = _batchnorm_variant(kwargs.pop("batchnorm_statistics"))
        if kwargs.pop("source", None) == "cifar10-1k":
            train = get_protocol("cifar10-1k", seed=0).train_idx
            pick = train[np.random.default_rng(0).permutation(len(train))]
        else:
            pick = np.random.default_rng(0).permutation(len(cifar))[:600]
        X, y = cifar.images[pick], cifar.labels[pick]
        model = hashlearn.create(method, random_state=0, **kwargs).fit(X, y)
        val = [round(h["val_map"], 3) for h in model.history_]
        loss = [round(h["loss"], 3) for h in model.history_]
        print(f"{spec}: validation mAP {val}, loss {loss}", flush=True)
        rows.append({"settings": kwargs, "val_map": val, "loss": loss})
    return rows


def _batchnorm_variant(statistics: str) -> str:
    """Register EfficientNet-Lite0 with ``batchnorm_statistics`` set; returns its name."""
    from hashlearn.deep.image_backbone import BACKBONES, efficientnet_lite0_staged

    def build() -> Any:
        cnn = efficientnet_lite0_staged()
        cnn.batchnorm_statistics = statistics
        return cnn

    name = f"efficientnet-lite0/batchnorm-{statistics}"
    BACKBONES[name] = build
    return name


def run_imagenet_synthetic(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The HashNet ImageNet-100 protocol path (mAP@1000, hashnet_caffe preset) on stand-in data."""
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(100, 64)) * 3
    y = rng.integers(0, 100, 6000)
    X = (centers[y] + rng.normal(size=(6000, 64))).astype(np.float32)
    tr, q, db = np.arange(2000), np.arange(2000, 2500), np.arange(2500, 6000)
    model, seconds = fit("hashnet", 32, X[tr], y[tr], epochs=10, class_num=100.0, weighting="caffe")
    value = mean_average_precision(
        model.encode(X[q]),
        model.encode(X[db]),
        y[q],
        y[db],
        n_bits=32,
        topk=1000,
        preset="hashnet_caffe",
    )
    print(f"synthetic ImageNet-style mAP@1000 (hashnet_caffe preset): {value:.4f}")
    return [{"map@1000": value, "fit_s": seconds}]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "what",
        choices=[
            "cifar",
            "tune",
            "ablation",
            "e2e-speed",
            "e2e-loss-speed",
            "inference-batch",
            "bf16-features",
            "bf16-inference",
            "e2e-gap",
            "probe",
            "imagenet-synthetic",
        ],
    )
    ap.add_argument("--extractor", default="efficientnet-lite0")
    ap.add_argument("--protocol", default="cifar10-1k")
    ap.add_argument("--bits", type=int, nargs="+", default=[12, 24, 32, 48])
    ap.add_argument("--methods", nargs="+", default=["hashnet", "dhn", "itq", "sdh", "ksh"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--batches", type=int, default=3)
    ap.add_argument("--database", type=int, default=10000)
    ap.add_argument("--probe", nargs="+", default=['{"finetune": "all"}'])
    ap.add_argument(
        "--checkpoint", default=None, help="bf16-inference, e2e-gap: a finished run's folder"
    )
    ap.add_argument("--settings", default="{}", help="bf16-inference, e2e-gap: the run's --param")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    runner = {
        "cifar": run_cifar,
        "tune": run_tune,
        "ablation": run_ablation,
        "e2e-speed": run_e2e_speed,
        "e2e-loss-speed": run_e2e_loss_speed,
        "inference-batch": run_inference_batch,
        "bf16-features": run_bf16_features,
        "bf16-inference": run_bf16_inference,
        "e2e-gap": run_e2e_gap,
        "probe": run_probe,
        "imagenet-synthetic": run_imagenet_synthetic,
    }[args.what]
    rows = runner(args)
    if args.out:
        from hashlearn._io import atomic_write_json

        atomic_write_json(
            args.out,
            {
                "what": args.what,
                "args": vars(args),
                "rows": rows,
                "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            },
        )


if __name__ == "__main__":
    main()
