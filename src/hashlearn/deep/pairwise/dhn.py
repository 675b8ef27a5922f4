"""The registered estimator ``dhn`` (Zhu et al., AAAI 2016) on features or images.

Same network and loop as ``hashnet`` (see :mod:`hashlearn.deep.pairwise.hashnet`
for the shared parameters) with a plain tanh output (no continuation) and
:class:`~hashlearn.deep.losses.DHNLoss`: pairwise cross-entropy on
``scale`` <h_i, h_j> (1.0 paper, 0.5 DPSH-style) plus ``quantization_weight``
times the log-cosh (or "squared") quantization loss. On images its "auto"
learning rate is 0.003 (HashNet's: 0.01, at which DHN's codes collapse to zero).
"""

from __future__ import annotations

from typing import Any, ClassVar

from torch import nn

from hashlearn._registry import register
from hashlearn.deep.losses import DHNLoss
from hashlearn.deep.pairwise.base import PairwiseHasher


@register("dhn")
class DHN(PairwiseHasher):
    """DHN: pairwise cross-entropy + quantization loss (module docstring).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> X, y = load_digits(return_X_y=True)
    >>> model = DHN(n_bits=8, epochs=2, hidden_sizes=(), random_state=0).fit(X[:200], y[:200])
    >>> model.transform(X[:2]).shape
    (2, 8)
    """

    # At the shared image learning rate (0.01) DHN's codes collapse to zero in the first
    # epoch (validation mAP stays at chance; benchmarks/results/deep.md section 3c); on
    # cifar10-1k at 48 bits 0.003 reaches 0.619 mAP, 0.001 only 0.525 (section 3d).
    auto_overrides: ClassVar[dict[str, dict[str, Any]]] = {"images": {"learning_rate": 0.003}}

    def __init__(
        self,
        n_bits: int = 32,
        hidden_sizes: Any = (1024,),
        dropout: float = 0.5,
        epochs: int | str = "auto",
        batch_size: int | str = "auto",
        learning_rate: float | str = "auto",
        optimizer: str = "sgd",
        weight_decay: float = 5e-4,
        hash_lr_mult: float = 10.0,
        pretrained_lr_mult: float | str = "auto",
        lr_step: int | str | None = "auto",
        val_size: float = 0.1,
        quantization_weight: float = 0.1,
        quantization: str = "logcosh",
        scale: float = 1.0,
        backbone: str = "auto",
        finetune: str | int = "all",
        image_size: int = 128,
        augment: bool = True,
        cache_views: int | None = 4,
        crop_scale: float = 1.0,
        precision: str = "auto",
        val_scoring: str = "training",
        ema_decay: float | None = None,
        flip_average: bool = False,
        pair_memory: bool = False,
        checkpoint_dir: str | None = None,
        checkpoint_every: int = 1,
        resume: bool = False,
        progress: bool = False,
        device: str | None = None,
        random_state: int | None = None,
    ) -> None:
        self.n_bits = n_bits
        self.hidden_sizes = hidden_sizes
        self.dropout = dropout
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.hash_lr_mult = hash_lr_mult
        self.pretrained_lr_mult = pretrained_lr_mult
        self.lr_step = lr_step
        self.val_size = val_size
        self.quantization_weight = quantization_weight
        self.quantization = quantization
        self.scale = scale
        self.backbone = backbone
        self.finetune = finetune
        self.image_size = image_size
        self.augment = augment
        self.cache_views = cache_views
        self.crop_scale = crop_scale
        self.precision = precision
        self.val_scoring = val_scoring
        self.ema_decay = ema_decay
        self.flip_average = flip_average
        self.pair_memory = pair_memory
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_every = checkpoint_every
        self.resume = resume
        self.progress = progress
        self.device = device
        self.random_state = random_state

    def _make_loss(self) -> nn.Module:
        return DHNLoss(float(self.quantization_weight), self.quantization, float(self.scale))
