"""The shared fit of ``hashnet`` and ``dhn``: feature vectors or images, end to end.

:class:`PairwiseHasher` trains a network with a pairwise loss
(:mod:`hashlearn.deep.losses`) in :func:`~hashlearn.deep.training.train_hashing`;
a subclass gives its loss (``_make_loss``) and its hash layer's settings.

Input decides the network (``backbone="auto"``): 2-D feature rows train an MLP
head (:class:`~hashlearn.deep.backbones.FeatureMLP`), uint8 images (N, H, W, 3)
train a pretrained CNN with the MLP and the hash layer on top, as deep as
``finetune`` says (:mod:`hashlearn.deep.image_training`). Settings left at
"auto" take the value of :data:`AUTO_SETTINGS` for the input kind; the values
used are kept in ``settings_``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from hashlearn._precision import resolve_precision
from hashlearn._validation import (
    check_features,
    check_float32_range,
    check_label_pair,
    check_labels,
)
from hashlearn.deep._base import (
    TorchHasher,
    check_validation_shape,
    default_device,
    history_row,
)
from hashlearn.deep.backbones import FeatureMLP
from hashlearn.deep.checkpoint import fingerprint
from hashlearn.deep.heads import HashHead
from hashlearn.deep.losses.base import check_choice
from hashlearn.deep.training import HashingNetwork, TrainConfig, train_hashing

FEATURES = "mlp"
AUTO_SETTINGS: dict[str, dict[str, Any]] = {
    # Feature vectors: the settings of the frozen-feature benchmarks.
    "features": {
        "epochs": 50,
        "batch_size": 128,
        "learning_rate": 0.003,
        "lr_step": 2000,
        "pretrained_lr_mult": 1.0,
    },
    # Images (EfficientNet-Lite0 fine-tuned end to end, 128 px): see benchmarks/results/deep.md.
    "images": {
        "epochs": 30,
        "batch_size": 64,
        "learning_rate": 0.01,
        "lr_step": 700,
        "pretrained_lr_mult": 0.1,
    },
}
AUTO_KEYS = tuple(AUTO_SETTINGS["features"])
#: Values of ``val_scoring``: validation rows against training rows, or against each other.
VAL_SCORINGS = ("training", "held-out")
#: Parameters that do not change what a run computes, left out of its checkpoint
#: fingerprint: a checkpoint resumes with more ``epochs`` (a longer run).
RUN_ONLY = (
    "epochs",
    "progress",
    "checkpoint_dir",
    "checkpoint_every",
    "resume",
    "device",
    "flip_average",
)
#: Parameters added after checkpoints were first written, with the value that gives the
#: training of before: at that value they are left out of the fingerprint, so that a run
#: started before they existed still resumes.
ADDED_LATER = {"ema_decay": None, "pair_memory": False, "crop_scale": 1.0}


def validation_count(val_size: float, n_samples: int) -> int:
    """Rows of ``n_samples`` that ``val_size`` (a fraction in [0, 1)) carves for validation.

    >>> validation_count(0.1, 25)
    2
    """
    if not 0 <= float(val_size) < 1:
        raise ValueError(
            f"val_size must be a fraction in [0, 1), got {val_size}; "
            "or pass validation rows to fit(X, y, X_val=..., y_val=...)"
        )
    return round(float(val_size) * n_samples)


def _precision_name(precision: str, device: Any) -> str:
    """The autocast that ``precision`` gives on ``device``, by name ("float32": none).

    >>> _precision_name("float32", "cpu")
    'float32'
    """
    dtype = resolve_precision(precision, device)
    return "float32" if dtype is None else str(dtype).replace("torch.", "")


def _is_image_input(X: Any) -> bool:
    if isinstance(X, (list, tuple)):
        return len(X) > 0 and np.ndim(X[0]) >= 2
    return isinstance(X, np.ndarray) and X.ndim >= 3


class PairwiseHasher(TorchHasher):
    """Shared fit of the pairwise-loss estimators (see the module docstring)."""

    supervised = True
    accepts_images = True
    hidden_sizes: Any
    dropout: float
    random_state: Any
    backbone: str
    finetune: Any
    image_size: int
    augment: bool
    cache_views: int | None
    crop_scale: float
    precision: str
    val_scoring: str
    ema_decay: float | None
    flip_average: bool
    pair_memory: bool
    #: Per-method exceptions to :data:`AUTO_SETTINGS`, by input kind.
    auto_overrides: ClassVar[dict[str, dict[str, Any]]] = {}

    def _make_loss(self) -> nn.Module:
        raise NotImplementedError

    def _continuation(self) -> dict[str, Any]:
        return {"continuation": False}

    def _head(self, width: int) -> HashHead:
        return HashHead(width, int(self.n_bits), **self._continuation())

    def _build_module(self, n_features: int) -> HashingNetwork:
        backbone = getattr(self, "backbone_", FEATURES)
        if backbone != FEATURES:
            from hashlearn.deep.image_training import build_image_network

            return build_image_network(
                backbone, tuple(self.hidden_sizes), float(self.dropout), self._head
            )
        mlp = FeatureMLP(n_features, tuple(self.hidden_sizes), float(self.dropout))
        return HashingNetwork(mlp, self._head(mlp.out_features))

    def _resolve_backbone(self, X: Any) -> str:
        if self.backbone == "auto":
            return "efficientnet-lite0" if _is_image_input(X) else FEATURES
        return str(self.backbone)

    def _resolve_settings(self, kind: str) -> dict[str, Any]:
        auto = {**AUTO_SETTINGS[kind], **self.auto_overrides.get(kind, {})}
        return {
            key: auto[key] if getattr(self, key) == "auto" else getattr(self, key)
            for key in AUTO_KEYS
        }

    def _config(
        self,
        seed: int,
        settings: dict[str, Any],
        precisions: dict[str, Any],
        n_val: int,
        run: str | None,
    ) -> TrainConfig:
        lr_step = settings["lr_step"]
        check_choice(self.val_scoring, "val_scoring", VAL_SCORINGS)
        return TrainConfig(
            epochs=int(settings["epochs"]),
            batch_size=int(settings["batch_size"]),
            lr=float(settings["learning_rate"]),
            optimizer=self.optimizer,
            weight_decay=float(self.weight_decay),
            hash_lr_mult=float(self.hash_lr_mult),
            pretrained_lr_mult=float(settings["pretrained_lr_mult"]),
            lr_step=None if lr_step is None else int(lr_step),
            select="best" if n_val else "last",
            checkpoint_dir=self.checkpoint_dir,
            checkpoint_every=int(self.checkpoint_every),
            resume=bool(self.resume),
            progress=bool(self.progress),
            seed=seed,
            precision=precisions["precision"],
            eval_precision=precisions.get("inference_precision"),
            val_scoring=str(self.val_scoring),
            run_fingerprint=run,
            ema_decay=None if self.ema_decay is None else float(self.ema_decay),
            pair_memory=bool(self.pair_memory),
        )

    def _fit(self, X: Any, y: Any, X_val: Any, y_val: Any) -> None:
        """Train on features (n, d) or uint8 images (n, H, W, 3) with labels ``y``
        (1-D class labels or a 2-D 0/1 multi-label matrix); select the epoch on
        ``X_val``, ``y_val`` or on ``val_size`` of the rows of ``X``."""
        self._validate_n_bits()
        backbone = self._resolve_backbone(X)
        if self.flip_average and backbone == FEATURES:
            raise ValueError("flip_average=True needs images (mirror images of feature rows)")
        crop = self.crop_scale
        if isinstance(crop, bool) or not isinstance(crop, (int, float)) or not 0 < crop <= 1:
            raise ValueError(
                f"crop_scale must be a fraction in (0, 1] of the image's side, got {crop!r}"
            )
        X = self._check_rows(X, backbone, "X")
        seed = 0 if self.random_state is None else int(self.random_state)
        if X_val is None:
            X, y, n_val = self._carve_validation(X, check_labels(y, X.shape[0]), seed)
        else:
            X, y, n_val = self._append_validation(X, y, X_val, y_val, backbone, seed)
        torch.manual_seed(seed)
        self.backbone_ = backbone
        kind = "features" if backbone == FEATURES else "images"
        settings = self._resolve_settings(kind)
        n_features = int(np.prod(X.shape[1:]))
        network = self._build_module(n_features)
        network.to(self._device())
        precisions = (
            {"precision": "float32"}
            if kind == "features"
            else self._image_precisions(network, X, y, n_val, settings)
        )
        run = self._run_fingerprint(X, y, n_val)
        cfg = self._config(seed, settings, precisions, n_val, run)
        if kind == "features":
            state = self._train_features(network, X, y, n_val, cfg)
        else:
            state = self._train_images(network, X, y, n_val, cfg)
        self.settings_ = {**settings, "backbone": backbone, **precisions}
        self.history_ = [history_row("epoch", **row) for row in state["history"]]
        self.best_epoch_ = int(state["best_epoch"])
        self.n_features_in_ = n_features
        self.input_shape_ = [int(n) for n in X.shape[1:]]
        self.module_ = network.cpu().eval()

    def _check_rows(self, X: Any, backbone: str, name: str) -> np.ndarray:
        if backbone == FEATURES:
            return check_float32_range(check_features(X, name=name)).astype(np.float32)
        from hashlearn.data.cnn import check_images

        return check_images(X, name)

    def _carve_validation(
        self, X: np.ndarray, y: np.ndarray, seed: int
    ) -> tuple[np.ndarray, np.ndarray, int]:
        """Rows shuffled by ``seed``, the last ``val_size`` of them for validation."""
        n_val = validation_count(self.val_size, len(X))
        perm = np.random.default_rng(seed).permutation(len(X))
        order = np.concatenate([perm[n_val:], perm[:n_val]])
        return X[order], y[order], n_val

    def _append_validation(
        self, X: np.ndarray, y: Any, X_val: Any, y_val: Any, backbone: str, seed: int
    ) -> tuple[np.ndarray, np.ndarray, int]:
        """All rows of ``X`` (shuffled by ``seed``) train, then ``X_val`` validates."""
        X_val = self._check_rows(X_val, backbone, "X_val")
        check_validation_shape(X, X_val)
        y, y_val = check_label_pair(y, y_val, len(X), len(X_val), ("y", "y_val"))
        perm = np.random.default_rng(seed).permutation(len(X))
        return np.concatenate([X[perm], X_val]), np.concatenate([y[perm], y_val]), len(X_val)

    def _run_fingerprint(self, X: np.ndarray, y: np.ndarray, n_val: int) -> str | None:
        """The checkpoint fingerprint of this run (None without ``checkpoint_dir``)."""
        if self.checkpoint_dir is None:
            return None
        params = {
            k: v
            for k, v in self.get_params(deep=False).items()
            if k not in RUN_ONLY and not (k in ADDED_LATER and v == ADDED_LATER[k])
        }
        return fingerprint([X, y], {**params, "n_validation_rows": n_val})

    def _image_precisions(
        self, network: nn.Module, X: np.ndarray, y: np.ndarray, n_val: int, settings: dict[str, Any]
    ) -> dict[str, Any]:
        """Training and inference precision of an image run (keys of ``settings_``).

        ``precision`` names one for both, or two as "TRAINING/INFERENCE".

        "auto" trains the cached last blocks in float32 (0.7x the speed in bfloat16 on
        a CPU, benchmarks/results/deep.md section 3a); a long whole-network run on a
        CPU with bfloat16 instructions times both precisions and trains in the faster
        (:mod:`hashlearn.deep.precision_timing`), and infers in bfloat16.
        """
        from hashlearn.deep.precision_timing import MIN_TIMED_STEPS

        device = next(network.parameters()).device
        if self.precision != "auto":
            training, _, inference = str(self.precision).partition("/")
            return {
                "precision": _precision_name(training, device),
                "inference_precision": _precision_name(inference or training, device),
            }
        native = _precision_name("auto", device)
        if not isinstance(self.finetune, str):
            return {"precision": "float32", "inference_precision": "float32"}
        batch = int(settings["batch_size"])
        steps = int(settings["epochs"]) * -(-(len(X) - n_val) // batch)
        timed = self.finetune == "all" and device.type == "cpu" and native == "bfloat16"
        if not timed or steps < MIN_TIMED_STEPS:
            return {"precision": native, "inference_precision": native}
        choice, speeds = self._time_precisions(network, X[:batch], y[:batch])
        return {"precision": choice, "inference_precision": native, "precision_speeds": speeds}

    def _time_precisions(
        self, network: nn.Module, images: np.ndarray, labels: np.ndarray
    ) -> tuple[str, dict[str, float]]:
        """:func:`faster_training_precision` on one batch of training images."""
        from hashlearn.data.cnn import prepare_images
        from hashlearn.deep.precision_timing import faster_training_precision

        x = prepare_images(images, int(self.image_size))
        return faster_training_precision(network, self._make_loss(), x, torch.as_tensor(labels))

    def _probe_input(self) -> np.ndarray:
        if getattr(self, "backbone_", FEATURES) == FEATURES:
            return super()._probe_input()
        return np.zeros((1, *self.input_shape_), np.uint8)

    def _train_features(
        self, network: HashingNetwork, X: np.ndarray, y: np.ndarray, n_val: int, cfg: TrainConfig
    ) -> dict[str, Any]:
        n_train = len(X) - n_val
        assert isinstance(network.backbone, FeatureMLP)
        network.backbone.fit_scaler(X[:n_train])
        val = (X[n_train:], y[n_train:]) if n_val else None
        return train_hashing(network, self._make_loss(), X[:n_train], y[:n_train], cfg, val)

    def _train_images(
        self, network: HashingNetwork, X: np.ndarray, y: np.ndarray, n_val: int, cfg: TrainConfig
    ) -> dict[str, Any]:
        from hashlearn.deep.image_training import train_on_images

        settings = {
            "image_size": self.image_size,
            "augment": self.augment,
            "cache_views": self.cache_views,
            "crop_scale": self.crop_scale,
        }
        return train_on_images(
            network, self._make_loss(), X, y, n_val, cfg, self.finetune, settings
        )

    def project(self, X: Any) -> np.ndarray:
        """Real-valued codes (n_samples, n_bits) of feature rows or images (as in ``fit``)."""
        self._check_fitted()
        if getattr(self, "backbone_", FEATURES) == FEATURES:
            return super().project(X)
        from hashlearn.data.cnn import IMAGE_BATCH, check_images
        from hashlearn.deep.image_training import image_transforms

        _, evaluation = image_transforms(int(self.image_size), augment=False)
        device = self._device()
        precision = self._encoding_precision(device)
        images = check_images(X, "X")
        mirror = bool(self.flip_average)
        return self._project_rows(images, evaluation, IMAGE_BATCH, precision, mirror, device)

    def _device(self) -> torch.device:
        """``device``, else the GPU when there is one, else the CPU."""
        return torch.device(self.device) if self.device else default_device()

    def _encoding_precision(self, device: torch.device) -> str:
        """The precision images are encoded in on ``device``.

        The one chosen at fit (``settings_["inference_precision"]``), except that with
        ``precision="auto"`` a low precision follows the hardware that encodes: a model
        trained in bfloat16 on a GPU encodes in float32 on a CPU without bfloat16
        instructions (where bfloat16 runs at a tenth of float32's speed).
        """
        settings = self.settings_
        chosen = str(settings.get("inference_precision", settings.get("precision", "float32")))
        if self.precision != "auto" or chosen == "float32":
            return chosen
        return _precision_name("auto", device)
