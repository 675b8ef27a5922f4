"""A small training loop for pairwise hashing losses (HashNet, DHN, any pair loss).

Works on precomputed features (an MLP "backbone" + :class:`HashHead`) or on
images end to end (a pretrained CNN backbone + :class:`HashHead`; ``transform``
turns a batch of stored rows into network input). The paper's optimiser:
SGD, momentum 0.9, weight decay 5e-4, lr halved every ``lr_step`` iterations,
hash layer lr x ``hash_lr_mult`` (10) of the backbone's; Adam as an option.
Model selection on a validation split carved from the training data (never
the queries); per-epoch log of loss and validation mAP; checkpoints with
``resume=True`` giving the same result as an uninterrupted run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from hashlearn._malloc import keep_freed_memory
from hashlearn._precision import autocast, resolve_precision
from hashlearn.codes import pack_bits
from hashlearn.deep.averaging import WeightAverage
from hashlearn.deep.checkpoint import load_training_state, save_training_state
from hashlearn.deep.heads import HashHead
from hashlearn.deep.memory import CodeMemory

logger = logging.getLogger(__name__)
Transform = Callable[[np.ndarray], torch.Tensor]


class HashingNetwork(nn.Module):
    """backbone (features -> representation) followed by a :class:`HashHead`.

    Examples
    --------
    >>> net = HashingNetwork(nn.Identity(), HashHead(6, 4)).eval()
    >>> net(torch.zeros(3, 6)).shape
    torch.Size([3, 4])
    """

    def __init__(self, backbone: nn.Module, head: HashHead) -> None:
        super().__init__()
        self.backbone, self.head = backbone, head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x))


@dataclass
class TrainConfig:
    """Optimisation settings; see the module docstring. ``lr_step`` None = constant lr.

    ``run_fingerprint``: what the run's data and settings hash to
    (:func:`hashlearn.deep.checkpoint.fingerprint`); kept in its checkpoints, and
    ``resume`` refuses a checkpoint of another run. None: no such check.
    ``precision`` is the autocast of the training steps, ``eval_precision`` that of
    validation (None: ``precision``). ``val_scoring``: "training" queries the
    validation rows against up to ``val_database_size`` training rows, "held-out"
    against each other (leave one out). ``ema_decay``: validate and keep a moving
    average of the weights (:class:`~hashlearn.deep.averaging.WeightAverage`)
    instead of the weights themselves; None: the weights themselves. ``pair_memory``:
    pair each batch with the latest codes of every training row
    (:class:`~hashlearn.deep.memory.CodeMemory`) instead of with itself only.
    """

    epochs: int = 50
    batch_size: int = 128
    lr: float = 1e-3
    optimizer: str = "sgd"
    momentum: float = 0.9
    weight_decay: float = 5e-4
    hash_lr_mult: float = 10.0
    pretrained_lr_mult: float = 1.0
    lr_step: int | None = 2000
    lr_gamma: float = 0.5
    select: str = "best"
    checkpoint_dir: str | None = None
    checkpoint_every: int = 1
    resume: bool = False
    progress: bool = False
    seed: int = 0
    val_database_size: int = 5000
    val_scoring: str = "training"
    eval_batch_size: int = 1024
    precision: str = "float32"
    eval_precision: str | None = None
    run_fingerprint: str | None = None
    ema_decay: float | None = None
    pair_memory: bool = False


def make_optimizer(network: HashingNetwork, cfg: TrainConfig) -> torch.optim.Optimizer:
    """Parameter groups: pretrained layers at lr x pretrained_lr_mult, new layers at lr,
    hash layer at lr x hash_lr_mult.

    A backbone marks its pretrained part with a ``pretrained_module`` attribute
    (the CNN of an image model); without one, the whole backbone counts as new.
    """
    pretrained_module = getattr(network.backbone, "pretrained_module", None)
    pretrained = [] if pretrained_module is None else list(pretrained_module.parameters())
    ids = {id(p) for p in pretrained}
    new = [p for p in network.backbone.parameters() if id(p) not in ids]
    rates = [
        ([p for p in pretrained if p.requires_grad], cfg.lr * cfg.pretrained_lr_mult),
        ([p for p in new if p.requires_grad], cfg.lr),
        (list(network.head.parameters()), cfg.lr * cfg.hash_lr_mult),
    ]
    groups = [{"params": params, "lr": lr, "base_lr": lr} for params, lr in rates]
    groups = [g for g in groups if g["params"]]
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(
            groups, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay
        )
    if cfg.optimizer == "adam":
        return torch.optim.Adam(groups, lr=cfg.lr, weight_decay=cfg.weight_decay)
    raise ValueError(f"optimizer must be 'sgd' or 'adam', got {cfg.optimizer!r}")


def _set_lr(optimizer: torch.optim.Optimizer, cfg: TrainConfig, iteration: int) -> None:
    factor = 1.0 if cfg.lr_step is None else cfg.lr_gamma ** (iteration // cfg.lr_step)
    for group in optimizer.param_groups:
        group["lr"] = group["base_lr"] * factor


def to_input(rows: np.ndarray, transform: Transform | None, network: nn.Module) -> torch.Tensor:
    """``transform(rows)`` (or the rows as a tensor) on the device and dtype of ``network``."""
    weight = next(network.parameters())
    batch = transform(rows) if transform is not None else torch.as_tensor(rows)
    return batch.to(device=weight.device, dtype=weight.dtype)


def _keep_freed_memory_on_cpu(device: torch.device) -> None:
    """:func:`~hashlearn._malloc.keep_freed_memory` when the network runs on the CPU."""
    if device.type == "cpu":
        keep_freed_memory()


@torch.no_grad()
def project_rows(
    network: nn.Module,
    X: np.ndarray,
    transform: Transform | None = None,
    batch_size: int = 1024,
    precision: str = "float32",
    mirror: bool = False,
) -> np.ndarray:
    """Real-valued code layer (float64, n x n_bits) of the rows of ``X`` in eval mode.

    ``mirror``: the mean of the outputs of each input and of its mirror image (the
    input flipped along its last axis, the width of an image batch). No rows give an
    empty (0, 0) array (the width is only known from an output).
    """
    was_training = network.training
    network.eval()
    device = next(network.parameters()).device
    _keep_freed_memory_on_cpu(device)
    dtype = resolve_precision(precision, device)
    outputs = []
    with autocast(device, dtype):
        for start in range(0, len(X), batch_size):
            batch = to_input(X[start : start + batch_size], transform, network)
            out = network(batch)
            if mirror:  # averaged in float32: a bfloat16 mean would round it again
                out = (out.float() + network(batch.flip(-1)).float()) / 2
            outputs.append(out.double().cpu().numpy())
    network.train(was_training)
    return np.concatenate(outputs) if outputs else np.zeros((0, 0))


def encode_rows(
    network: nn.Module,
    X: np.ndarray,
    transform: Transform | None = None,
    batch_size: int = 1024,
    precision: str = "float32",
) -> np.ndarray:
    """Packed codes (bits z >= 0) of the rows of ``X`` in eval mode."""
    real = project_rows(network, X, transform, batch_size, precision)
    return pack_bits((real >= 0).astype(np.uint8))


def validation_map(
    network: nn.Module,
    data: tuple[np.ndarray, ...],
    n_bits: int,
    transform: Transform | None,
    precision: str = "float32",
    batch_size: int = 1024,
) -> float:
    """mAP of the validation rows against the (training) database rows; with ``data``
    holding only the validation rows, against each other (leave one out)."""
    from hashlearn._threads import torch_threads_kept
    from hashlearn.metrics import mean_average_precision

    X_val, y_val, *database = data
    query_codes = encode_rows(network, X_val, transform, batch_size, precision)
    if database:
        X_db, y_db = database
        db_codes = encode_rows(network, X_db, transform, batch_size, precision)
    else:
        db_codes, y_db = query_codes, y_val
    with torch_threads_kept():
        return float(
            mean_average_precision(
                query_codes, db_codes, y_val, y_db, n_bits=n_bits, exclude_self=not database
            )
        )


@dataclass
class _Run:
    """What every epoch of one training run works with.

    ``transform`` turns training rows into network input (with augmentation);
    ``average`` and ``memory`` are the optional weight average and code memory.
    """

    network: HashingNetwork
    loss_fn: nn.Module
    optimizer: torch.optim.Optimizer
    cfg: TrainConfig
    transform: Transform | None = None
    average: WeightAverage | None = None
    memory: CodeMemory | None = None


def _epoch(run: _Run, X: np.ndarray, y: torch.Tensor, state: dict[str, Any], bar: Any) -> float:
    """One pass over ``X`` in this epoch's order; the mean loss of its batches."""
    network, cfg = run.network, run.cfg
    order = np.random.default_rng([cfg.seed, state["epoch"]]).permutation(len(X))
    device = next(network.parameters()).device
    dtype = resolve_precision(cfg.precision, device)
    network.train()
    total, n_batches = 0.0, 0
    bar.set_description(f"epoch {state['epoch'] + 1}/{cfg.epochs}")
    for start in range(0, len(order), cfg.batch_size):
        idx = order[start : start + cfg.batch_size]
        bar.update(len(idx))
        if len(idx) < 2:
            continue
        _set_lr(run.optimizer, cfg, state["iteration"])
        with autocast(device, dtype):
            codes = network(to_input(X[idx], run.transform, network))
        codes = codes.to(next(network.parameters()).dtype)
        rows = torch.as_tensor(idx)
        loss = _batch_loss(run.loss_fn, codes, y[idx].to(device), rows, run.memory)
        run.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        run.optimizer.step()
        if run.memory is not None:
            run.memory.store(rows, codes)
        if run.average is not None:
            run.average.update(network)
        state["iteration"] += 1
        total, n_batches = total + float(loss.detach()), n_batches + 1
        bar.set_postfix(loss=f"{total / n_batches:.4f}")
    return total / max(n_batches, 1)


def _batch_loss(
    loss_fn: nn.Module,
    codes: torch.Tensor,
    labels: torch.Tensor,
    rows: torch.Tensor,
    memory: CodeMemory | None,
) -> torch.Tensor:
    """The loss of a batch: its pairs with each other, or with ``memory``'s references."""
    if memory is None:
        return loss_fn(codes, labels)
    reference, reference_labels = memory.references(rows, codes, labels)
    return loss_fn(codes, labels, reference_codes=reference, reference_labels=reference_labels)


def _start(run: _Run) -> tuple[dict[str, Any], dict[str, torch.Tensor] | None]:
    """A fresh training state, or the one of ``run``'s checkpoint when it resumes."""
    cfg = run.cfg
    torch.manual_seed(cfg.seed)
    fresh = {"epoch": 0, "iteration": 0, "history": [], "best_score": -1.0, "best_epoch": 0}
    if cfg.resume and cfg.checkpoint_dir is not None:
        loaded = load_training_state(
            cfg.checkpoint_dir,
            run.network,
            run.optimizer,
            cfg.run_fingerprint,
            run.average,
            run.memory,
        )
        if loaded is not None:
            logger.info("resuming from %s at epoch %d", cfg.checkpoint_dir, loaded[0]["epoch"])
            return loaded
    return fresh, None


def train_hashing(
    network: HashingNetwork,
    loss_fn: nn.Module,
    X: np.ndarray,
    y: np.ndarray,
    cfg: TrainConfig,
    val: tuple[np.ndarray, np.ndarray] | None = None,
    transform: Transform | None = None,
    eval_transform: Transform | None = None,
) -> dict[str, Any]:
    """Train ``network`` with ``loss_fn(codes, labels)``; return the final state dict.

    ``transform`` turns a batch of training rows into network input (with its
    augmentation), ``eval_transform`` does the same without augmentation for
    scoring (None: ``transform``). ``val`` = (X_val, y_val) scores each epoch
    (validation rows against up to ``val_database_size`` training rows, or against
    each other: ``val_scoring``); with
    ``select="best"`` the weights of the best epoch are restored at the end. With
    ``cfg.ema_decay`` the moving average of the weights is what is scored, kept as
    the best and left in ``network`` at the end.
    The progress bar counts images over all epochs (images/s, time left).
    Returns ``{"history": [...], "best_epoch", "best_score", "iteration"}``;
    each history row has epoch, loss, val_map, beta, lr and seconds.
    """
    _keep_freed_memory_on_cpu(next(network.parameters()).device)
    y_t = torch.as_tensor(y)
    n_bits = network.head.fc.out_features
    run = _Run(
        network,
        loss_fn,
        make_optimizer(network, cfg),
        cfg,
        transform,
        average=None if cfg.ema_decay is None else WeightAverage(network, cfg.ema_decay),
        memory=CodeMemory(len(X), n_bits, y_t) if cfg.pair_memory else None,
    )
    state, best = _start(run)
    val_data = _validation_data(X, y, val, cfg)
    scoring = transform if eval_transform is None else eval_transform
    bar = tqdm(
        total=cfg.epochs * len(X),
        initial=state["epoch"] * len(X),
        disable=not cfg.progress,
        unit="img",
        dynamic_ncols=True,
    )
    while state["epoch"] < cfg.epochs:
        tic = time.perf_counter()
        loss = _epoch(run, X, y_t, state, bar)
        with _averaged(network, run.average):
            score = None if val_data is None else _validate(run, val_data, n_bits, scoring)
            state["epoch"] += 1
            if score is not None and score > state["best_score"]:
                state["best_score"], state["best_epoch"] = score, state["epoch"]
                best = {k: v.detach().clone() for k, v in network.state_dict().items()}
        row = {
            "epoch": state["epoch"],
            "loss": loss,
            "val_map": score,
            "beta": float(network.head.activation.beta),
            "lr": run.optimizer.param_groups[0]["lr"],
            "seconds": time.perf_counter() - tic,
        }
        state["history"].append(row)
        logger.info("epoch %(epoch)d loss %(loss).4f val_map %(val_map)s beta %(beta).3f", row)
        if cfg.progress:
            bar.write(_epoch_line(row, cfg.epochs))
        _maybe_checkpoint(run, best, state)
    bar.close()
    if cfg.select == "best" and best is not None:
        network.load_state_dict(best)
    elif run.average is not None:
        run.average.load_into(network)
    return state


def _validate(
    run: _Run, data: tuple[np.ndarray, ...], n_bits: int, transform: Transform | None
) -> float:
    """:func:`validation_map` of ``run``'s network with its evaluation settings."""
    cfg = run.cfg
    precision = cfg.eval_precision or cfg.precision
    return validation_map(run.network, data, n_bits, transform, precision, cfg.eval_batch_size)


def _averaged(network: nn.Module, average: WeightAverage | None) -> AbstractContextManager[None]:
    """The averaged weights applied to ``network`` (no change without an average)."""
    return nullcontext() if average is None else average.applied(network)


def _validation_data(
    X: np.ndarray, y: np.ndarray, val: tuple[np.ndarray, np.ndarray] | None, cfg: TrainConfig
) -> tuple[np.ndarray, ...] | None:
    """What :func:`validation_map` scores: the validation rows, and the training rows
    they are queried against unless ``cfg.val_scoring`` is "held-out"."""
    if val is None or cfg.val_scoring == "held-out":
        return val
    db = np.random.default_rng([cfg.seed, 1]).permutation(len(X))[: cfg.val_database_size]
    return (val[0], val[1], X[db], y[db])


def _epoch_line(row: dict[str, Any], epochs: int) -> str:
    score = "" if row["val_map"] is None else f", validation mAP {row['val_map']:.4f}"
    seconds = row["seconds"]
    return f"epoch {row['epoch']}/{epochs}: loss {row['loss']:.4f}{score}, {seconds:.0f} s"


def _maybe_checkpoint(
    run: _Run, best: dict[str, torch.Tensor] | None, state: dict[str, Any]
) -> None:
    """Save the training state after this epoch if ``run`` checkpoints it."""
    cfg = run.cfg
    if cfg.checkpoint_dir is None:
        return
    if state["epoch"] % cfg.checkpoint_every == 0 or state["epoch"] == cfg.epochs:
        meta = dict(state, config=asdict(cfg))
        save_training_state(
            cfg.checkpoint_dir, run.network, run.optimizer, best, meta, run.average, run.memory
        )
