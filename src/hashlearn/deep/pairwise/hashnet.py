"""The registered estimator ``hashnet`` (Cao et al., ICCV 2017) on features or images.

Network: on feature vectors :class:`~hashlearn.deep.backbones.FeatureMLP`
(standardisation + hidden layers); on uint8 images a pretrained CNN
(EfficientNet-Lite0) trained end to end, then the same MLP
(:mod:`hashlearn.deep.image_training`); then
:class:`~hashlearn.deep.heads.HashHead` (tanh(beta z) with continuation); loss
:class:`~hashlearn.deep.losses.HashNetLoss`; loop
:func:`~hashlearn.deep.training.train_hashing`. Bits = z >= 0.

Parameters shared with ``dhn`` (:class:`~hashlearn.deep.pairwise.base.PairwiseHasher`);
"auto" takes the value for the input kind (``AUTO_SETTINGS`` there; the values
used are in ``settings_``):

n_bits : code length.
hidden_sizes : hidden layer widths of the MLP ((1024,); () = linear hash layer).
dropout : dropout after each hidden layer (0.5, as AlexNet's fc6/fc7).
epochs, batch_size : training budget (intra-batch pairs); "auto": 50 / 128 on
    features, 30 / 64 on images.
learning_rate : lr of the new layers (MLP); the hash layer uses ``hash_lr_mult``
    (10) times it, a pretrained CNN ``pretrained_lr_mult`` times it ("auto": 0.1).
optimizer : "sgd" (momentum 0.9, paper) or "adam"; weight_decay 5e-4.
lr_step : halve the lr every this many iterations (None: constant).
backbone : "auto" (features -> "mlp", images -> "efficientnet-lite0"), "mlp" or a
    CNN name.
finetune : images only: "all" (whole CNN), k (last k blocks, from cached
    activations unless ``cache_views`` is None) or "frozen" (CNN fixed).
image_size, augment, cache_views : input side in pixels (128); random crop + flip
    in training; augmented views cached per image when ``finetune`` is k or "frozen"
    (4; None: nothing cached, the frozen stages run on every batch with fresh crops).
crop_scale : images only: 1.0 (the papers: crops of the image's size, translated) or
    a fraction in (0, 1): each training crop's side is drawn between it and the whole
    image, then resized to ``image_size`` (scale augmentation; beyond the papers).
precision : images only: "auto" (bfloat16 where the CPU or GPU runs it natively,
    float32 when ``finetune`` is a number of blocks: faster there; a long
    whole-network run on a CPU times a few training steps of both and trains in
    the faster, inferring in bfloat16), "float32", "bfloat16" or "float16" (GPU), or
    "TRAINING/INFERENCE" (e.g. "float32/bfloat16": what "auto" chose on a CPU where
    float32 trained faster, to re-run that run bit for bit). ``settings_`` records the
    training and inference precision used.
val_size : validation fraction carved from the training rows for model
    selection (best epoch by validation mAP); 0 = no validation, last epoch.
    Ignored when ``fit`` is given ``X_val``, ``y_val``: the epoch is then chosen on them.
val_scoring : how validation mAP is scored: "training" (the validation rows queried
    against up to 5,000 training rows, which the network has seen) or "held-out" (the
    validation rows against each other, leave one out: only unseen images, and a tenth
    of the images to encode per epoch on the image protocols).
ema_decay : None (the papers) or a decay in (0, 1), e.g. 0.997: validate, select and
    keep an exponential moving average of the weights instead of the weights of one
    step (:mod:`hashlearn.deep.averaging`; beyond the papers).
flip_average : images only, encoding only: the code of an image is the sign of the
    mean code layer of the image and its mirror image (twice the encoding time;
    beyond the papers). Not part of training, so it can be switched on a trained model.
pair_memory : False (the papers: a batch's images are paired with each other) or True:
    each batch image is also paired with the latest code of every other training row
    (:mod:`hashlearn.deep.memory`; beyond the papers).
checkpoint_dir, checkpoint_every, resume : crash-safe checkpoints; resume=True
    continues a run (with more ``epochs`` too) and ends as an uninterrupted run
    would; a checkpoint of other data or settings is refused.
progress : tqdm progress bar and a line per epoch on stderr; device : "cpu",
    "cuda" or None (GPU if available).
random_state : seed of the split, initialisation, shuffling and dropout.

After ``fit``: ``history_`` (a row per epoch: "stage" = "epoch", "epoch", "loss",
"val_map", "seconds", "beta", "lr"), ``best_epoch_``, ``settings_``.

HashNet only: alpha (None = 10 / n_bits), weighting ("paper" | "caffe" |
"none"), class_num (for "caffe"), similarity_weight ("jaccard" | "caffe_cos2" |
None), continuation (False = beta fixed at 1), gamma, power, step_size.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from hashlearn._registry import register
from hashlearn.deep.losses import HashNetLoss
from hashlearn.deep.pairwise.base import PairwiseHasher

__all__ = ["HashNet"]


@register("hashnet")
class HashNet(PairwiseHasher):
    """HashNet: weighted pairwise likelihood + continuation (module docstring).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> X, y = load_digits(return_X_y=True)
    >>> model = HashNet(n_bits=8, epochs=2, hidden_sizes=(), random_state=0).fit(X[:200], y[:200])
    >>> model.encode(X[:3]).shape
    (3, 1)
    """

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
        alpha: float | None = None,
        weighting: str = "paper",
        class_num: float = 1.0,
        similarity_weight: str | None = "jaccard",
        continuation: bool = True,
        gamma: float = 0.005,
        power: float = 0.5,
        step_size: int = 200,
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
        self.alpha = alpha
        self.weighting = weighting
        self.class_num = class_num
        self.similarity_weight = similarity_weight
        self.continuation = continuation
        self.gamma = gamma
        self.power = power
        self.step_size = step_size
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
        return HashNetLoss(
            int(self.n_bits), self.alpha, self.weighting, self.class_num, self.similarity_weight
        )

    def _continuation(self) -> dict[str, Any]:
        return {
            "continuation": bool(self.continuation),
            "gamma": float(self.gamma),
            "power": float(self.power),
            "step_size": int(self.step_size),
        }
