"""Deep hashing losses as plain ``torch.nn.Module``s usable in any training loop.

Both pairwise losses share :class:`PairLoss`'s ``forward`` and add their own terms.

>>> import torch
>>> from hashlearn.deep.losses import HashNetLoss
>>> HashNetLoss(n_bits=8)(torch.randn(4, 8), torch.tensor([0, 0, 1, 1])).shape
torch.Size([])
"""

from typing import TYPE_CHECKING

from hashlearn._lazy import attach

if TYPE_CHECKING:
    from hashlearn.deep.losses.base import PairLoss
    from hashlearn.deep.losses.dhn_loss import DHNLoss, log_cosh
    from hashlearn.deep.losses.hashnet_loss import HashNetLoss

__all__ = ["DHNLoss", "HashNetLoss", "PairLoss", "log_cosh"]

__getattr__, __dir__ = attach(__name__, __file__)
