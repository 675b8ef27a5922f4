"""The shared fit of ``hashnet`` and ``dhn``: feature vectors or images, end to end.

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

from hashlearn._validation import check_features, check_float32_range, check_labels
from hashlearn.deep._base import TorchHasher, default_device
from hashlearn.deep.backbones import FeatureMLP
from hashlearn.deep.heads import HashHead
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
    cache_views: int
    precision: str
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

    def _config(self, seed: int, settings: dict[str, Any], precision: str) -> TrainConfig:
        lr_step = settings["lr_step"]
        return TrainConfig(
            epochs=int(settings["epochs"]),
            batch_size=int(settings["batch_size"]),
            lr=float(settings["learning_rate"]),
            optimizer=self.optimizer,
            weight_decay=float(self.weight_decay),
            hash_lr_mult=float(self.hash_lr_mult),
            pretrained_lr_mult=float(settings["pretrained_lr_mult"]),
            lr_step=None if lr_step is None else int(lr_step),
            select="best" if self.val_size else "last",
            checkpoint_dir=self.checkpoint_dir,
            checkpoint_every=int(self.checkpoint_every),
            resume=bool(self.resume),
            progress=bool(self.progress),
            seed=seed,
            precision=precision,
        )

    def fit(self, X: Any, y: Any) -> PairwiseHasher:
        """Train on features (n, d) or uint8 images (n, H, W, 3) with labels ``y``.

        ``y``: 1-D class labels or a 2-D 0/1 multi-label matrix.
        """
        self._validate_n_bits()
        backbone = self._resolve_backbone(X)
        if backbone == FEATURES:
            X = check_float32_range(check_features(X)).astype(np.float32)
        else:
            from hashlearn.data.cnn import check_images

            X = check_images(X, "X")
        y = check_labels(y, X.shape[0])
        seed = 0 if self.random_state is None else int(self.random_state)
        if not 0 <= float(self.val_size) < 1:
            raise ValueError(f"val_size must be in [0, 1), got {self.val_size}")
        n_val = round(float(self.val_size) * len(X))
        perm = np.random.default_rng(seed).permutation(len(X))
        order = np.concatenate([perm[n_val:], perm[:n_val]])
        torch.manual_seed(seed)
        self.backbone_ = backbone
        kind = "features" if backbone == FEATURES else "images"
        settings = self._resolve_settings(kind)
        n_features = int(np.prod(X.shape[1:]))
        network = self._build_module(n_features)
        network.to(torch.device(self.device) if self.device else default_device())
        precision = "float32" if kind == "features" else self._resolved_precision(network)
        cfg = self._config(seed, settings, precision)
        if kind == "features":
            state = self._train_features(network, X[order], y[order], n_val, cfg)
        else:
            state = self._train_images(network, X[order], y[order], n_val, cfg)
        self.settings_ = {**settings, "backbone": backbone, "precision": precision}
        self.history_ = [dict(row) for row in state["history"]]
        self.best_epoch_ = int(state["best_epoch"])
        self.n_features_in_ = n_features
        self.input_shape_ = [int(n) for n in X.shape[1:]]
        self.module_ = network.cpu().eval()
        return self

    def _resolved_precision(self, network: nn.Module) -> str:
        from hashlearn._precision import resolve_precision

        if self.precision == "auto" and not isinstance(self.finetune, str):
            # The last blocks' small feature maps train at 0.7x the float32 speed in
            # bfloat16 on a CPU (benchmarks/results/deep.md, section 3a).
            return "float32"
        device = next(network.parameters()).device
        dtype = resolve_precision(str(self.precision), device)
        return "float32" if dtype is None else str(dtype).replace("torch.", "")

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
        precision = str(self.settings_.get("precision", "float32"))
        return self._project_rows(check_images(X, "X"), evaluation, IMAGE_BATCH, precision)
