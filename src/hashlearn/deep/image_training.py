"""End-to-end training of a pairwise hasher on images: CNN -> MLP -> hash layer.

How much of the CNN learns is the ``finetune`` setting:

* ``"all"``: every layer is trained, each batch goes through the whole network
  (random crop + flip on the pixels of every batch).
* ``k`` (an int): the last ``k`` blocks and the head are trained; the frozen
  stages' output is computed once (:class:`ActivationCache`) and reused every
  epoch. Augmentation stays honest: ``cache_views`` independent draws of
  random crop + flip are pushed through the frozen stages per training image,
  and each epoch takes one of them at random, so the trained layers see the
  same augmented distribution as in ``"all"``, with a fixed pool of draws.
  With ``cache_views=None`` nothing is cached: the frozen stages run on every
  batch, on fresh draws, and only the backward pass through them is saved.
* ``"frozen"``: the CNN is a fixed extractor; only the MLP and hash layer learn
  (the cache holds pooled features).

Evaluation (validation, encoding) never augments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from hashlearn._precision import autocast, resolve_precision
from hashlearn._validation import check_int
from hashlearn.data.cnn import IMAGE_BATCH, prepare_images
from hashlearn.deep.backbones import FeatureMLP
from hashlearn.deep.heads import HashHead
from hashlearn.deep.image_backbone import BACKBONES, StagedCNN
from hashlearn.deep.training import HashingNetwork, TrainConfig, Transform, train_hashing


class ImageEncoder(nn.Module):
    """Images -> representation: a :class:`StagedCNN`, then a :class:`FeatureMLP`."""

    def __init__(self, cnn: StagedCNN, mlp: FeatureMLP) -> None:
        super().__init__()
        self.cnn, self.mlp = cnn, mlp

    @property
    def pretrained_module(self) -> nn.Module:
        """The pretrained CNN (its own learning rate, see ``make_optimizer``)."""
        return self.cnn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mlp(self.cnn(x))


class _TrainedPart(nn.Module):
    """The trained stages + MLP, fed with the frozen stages' cached output."""

    def __init__(self, encoder: ImageEncoder) -> None:
        super().__init__()
        self.encoder = encoder

    @property
    def pretrained_module(self) -> nn.Module:
        return self.encoder.cnn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder.mlp(self.encoder.cnn.suffix(x))


def build_image_network(
    backbone: str, hidden_sizes: tuple[int, ...], dropout: float, head: Callable[[int], HashHead]
) -> HashingNetwork:
    """CNN ``backbone`` (a name in ``BACKBONES``) + MLP + ``head(width)``."""
    if backbone not in BACKBONES:
        raise ValueError(f"backbone: unknown {backbone!r}; known: {', '.join(BACKBONES)}")
    cnn = BACKBONES[backbone]()
    mlp = FeatureMLP(cnn.out_features, hidden_sizes, dropout)
    return HashingNetwork(ImageEncoder(cnn, mlp), head(mlp.out_features))


def frozen_stage_count(cnn: StagedCNN, finetune: Any) -> int:
    """How many leading stages ``finetune`` ("all", "frozen" or k last blocks) freezes."""
    n_blocks = len(cnn.stages) - 2
    if finetune == "all":
        return 0
    if finetune == "frozen":
        return len(cnn.stages)
    try:
        n_trained = check_int(finetune, "finetune", minimum=1, maximum=n_blocks)
    except (TypeError, ValueError):
        raise ValueError(
            f"finetune must be 'all', 'frozen' or the number of last blocks to train "
            f"(1..{n_blocks} for this backbone); got {finetune!r}"
        ) from None
    return len(cnn.stages) - 1 - n_trained


class ActivationCache:
    """Output of the frozen stages for every image, computed once.

    ``clean[i]`` is image ``i`` without augmentation; ``views[v, i]`` is the
    ``v``-th random crop + flip of training image ``i`` (rows ``0..n_train-1``).
    The transforms take row numbers and return cached activations.
    """

    def __init__(
        self,
        cnn: StagedCNN,
        images: np.ndarray,
        n_train: int,
        size: int,
        n_views: int,
        precision: str,
        progress: bool = False,
        batch_size: int = IMAGE_BATCH,
        crop_scale: float = 1.0,
    ) -> None:
        self.cnn, self.size, self.precision, self.batch_size = cnn, size, precision, batch_size
        self.crop_scale = crop_scale
        total = len(images) + n_views * n_train
        with tqdm(total=total, disable=not progress, unit="img", desc="caching") as bar:
            self.clean = self._run(images, False, bar)
            views = [self._run(images[:n_train], True, bar) for _ in range(n_views)]
        self.views = torch.stack(views) if views else None

    @torch.no_grad()
    def _run(self, images: np.ndarray, augment: bool, bar: Any) -> torch.Tensor:
        weight = next(self.cnn.parameters())
        dtype = resolve_precision(self.precision, weight.device)
        out = []
        with autocast(weight.device, dtype):
            for start in range(0, len(images), self.batch_size):
                batch = images[start : start + self.batch_size]
                x = prepare_images(batch, self.size, augment, self.crop_scale)
                out.append(self.cnn.prefix(x.to(weight.device, weight.dtype)).to(weight.dtype))
                bar.update(len(x))
        return torch.cat(out)

    def train_transform(self, rows: np.ndarray) -> torch.Tensor:
        """Cached activations of training ``rows``, each from a random augmented view."""
        if self.views is None:
            return self.clean[rows]
        pick = torch.randint(0, len(self.views), (len(rows),))
        return self.views[pick, torch.as_tensor(rows)]

    def eval_transform(self, rows: np.ndarray) -> torch.Tensor:
        """Cached activations of ``rows`` without augmentation."""
        return self.clean[rows]


def image_transforms(
    size: int, augment: bool, crop_scale: float = 1.0
) -> tuple[Transform, Transform]:
    """(training, evaluation) transforms of uint8 image rows for the whole network."""
    return (lambda rows: prepare_images(rows, size, augment, crop_scale)), (
        lambda rows: prepare_images(rows, size)
    )


def train_on_images(
    network: HashingNetwork,
    loss_fn: nn.Module,
    images: np.ndarray,
    y: np.ndarray,
    n_val: int,
    cfg: TrainConfig,
    finetune: Any,
    settings: dict[str, Any],
) -> dict[str, Any]:
    """Train ``network`` (from :func:`build_image_network`) on ``images``.

    The first ``len(images) - n_val`` rows train, the last ``n_val`` validate.
    ``settings``: image_size, augment, cache_views (None: frozen stages not cached),
    crop_scale.
    """
    assert isinstance(network.backbone, ImageEncoder)
    encoder = network.backbone
    cnn = encoder.cnn
    cnn.freeze_first(frozen_stage_count(cnn, finetune))
    n_train, size = len(images) - n_val, int(settings["image_size"])
    augment, crop_scale = bool(settings["augment"]), float(settings["crop_scale"])
    cache_views = check_cache_views(settings["cache_views"])
    transform: Transform
    eval_transform: Transform
    if cnn.n_frozen and cache_views is not None:
        n_views = cache_views if augment else 0
        cache = ActivationCache(
            cnn, images, n_train, size, n_views, cfg.precision, cfg.progress, crop_scale=crop_scale
        )
        rows = np.arange(len(images))
        trained = HashingNetwork(_TrainedPart(encoder), network.head)
        transform, eval_transform = cache.train_transform, cache.eval_transform
        pooled = cnn.suffix
    else:
        rows, trained = images, network
        transform, eval_transform = image_transforms(size, augment, crop_scale)
        pooled = cnn
    _fit_scaler(encoder, pooled, rows[:n_train], eval_transform, cfg.precision)
    val = (rows[n_train:], y[n_train:]) if n_val else None
    cfg = replace(cfg, eval_batch_size=IMAGE_BATCH)
    return train_hashing(
        trained, loss_fn, rows[:n_train], y[:n_train], cfg, val, transform, eval_transform
    )


def check_cache_views(cache_views: Any) -> int | None:
    """``cache_views`` as an int >= 0, or None (the frozen stages are not cached).

    >>> check_cache_views(4), check_cache_views(None)
    (4, None)
    """
    if cache_views is None:
        return None
    try:
        return check_int(cache_views, "cache_views", minimum=0)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{error}; give a number of views or None (no cache)") from None


@torch.no_grad()
def _fit_scaler(
    encoder: ImageEncoder,
    pooled: Callable[[torch.Tensor], torch.Tensor],
    rows: np.ndarray,
    transform: Transform,
    precision: str,
    batch_size: int = IMAGE_BATCH,
) -> None:
    """Standardise the MLP's input with the pooled features of the clean training images.

    ``transform`` gives the CNN's input (images) or the cached output of its frozen
    stages; ``pooled`` finishes the job (the whole CNN, or :meth:`StagedCNN.suffix`).
    """
    was_training = encoder.training
    encoder.eval()
    weight = next(encoder.parameters())
    dtype = resolve_precision(precision, weight.device)
    features = []
    with autocast(weight.device, dtype):
        for start in range(0, len(rows), batch_size):
            x = transform(rows[start : start + batch_size]).to(weight.device, weight.dtype)
            features.append(pooled(x).double().cpu().numpy())
    encoder.train(was_training)
    encoder.mlp.fit_scaler(np.concatenate(features))
