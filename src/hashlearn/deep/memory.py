"""A memory of every training row's latest code, so that a batch pairs with the whole training set.

The papers of HashNet and DHN pair the images of a mini-batch with each other:
a batch of 64 images gives 2,016 pairs, of which about a tenth are similar on a
10-class data set. With a memory, each batch image is also paired with the
stored code of every other training row seen so far (the relaxed code the
network gave it on its last visit, held fixed: no gradient flows into it). On
5,000 training images that is 64 x 4,999 pairs per step instead of 64 x 63, at
the cost of one small matrix product. Gradients flow through the batch's own
codes only, as with the codes gathered from other ranks in
:mod:`hashlearn.deep.distributed`; each batch image is also paired with itself,
as there. Beyond the papers (the memory of DPSH-style methods); an option.

Examples
--------
>>> memory = CodeMemory(n_rows=4, n_bits=2, labels=torch.tensor([0, 0, 1, 1]))
>>> codes = torch.tensor([[1.0, 1.0], [-1.0, 1.0]])
>>> ref, ref_labels = memory.references(torch.tensor([0, 2]), codes, torch.tensor([0, 1]))
>>> ref.shape[0], ref_labels.tolist()   # nothing stored yet: the batch pairs with itself
(2, [0, 1])
>>> memory.store(torch.tensor([0, 2]), codes)
>>> ref, ref_labels = memory.references(torch.tensor([1]), codes[:1], torch.tensor([0]))
>>> ref.shape[0], ref_labels.tolist()   # itself, then rows 0 and 2 from the memory
(3, [0, 0, 1])
"""

from __future__ import annotations

import torch


class CodeMemory:
    """The latest relaxed code of each of ``n_rows`` training rows (module docstring).

    ``labels`` are the rows' labels (1-D class ids or 2-D 0/1 rows), in row order.
    """

    def __init__(self, n_rows: int, n_bits: int, labels: torch.Tensor) -> None:
        if len(labels) != n_rows:
            raise ValueError(f"labels must have {n_rows} rows, got {len(labels)}")
        self.codes = torch.zeros(n_rows, n_bits)
        self.seen = torch.zeros(n_rows, dtype=torch.bool)
        self.labels = labels

    def references(
        self, rows: torch.Tensor, codes: torch.Tensor, labels: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """What the batch ``rows`` (with live ``codes`` and ``labels``) pair with: the
        batch itself, then the stored codes of the rows seen before and not in the batch."""
        others = self.seen.clone()
        others[rows] = False
        stored = self.codes[others].to(device=codes.device, dtype=codes.dtype)
        stored_labels = self.labels[others].to(labels.device)
        return torch.cat([codes, stored]), torch.cat([labels, stored_labels])

    @torch.no_grad()
    def store(self, rows: torch.Tensor, codes: torch.Tensor) -> None:
        """Keep ``codes`` (detached) as the latest codes of ``rows``."""
        self.codes[rows] = codes.detach().float().cpu()
        self.seen[rows] = True

    def tensors(self) -> dict[str, torch.Tensor]:
        """What a checkpoint keeps: the stored codes and which rows were seen."""
        return {"codes": self.codes, "seen": self.seen}

    def restore(self, tensors: dict[str, torch.Tensor]) -> None:
        """Put back what :meth:`tensors` returned (a resumed run goes on as it would have)."""
        if tensors["codes"].shape != self.codes.shape:
            raise ValueError(
                f"the checkpoint's code memory has shape {tuple(tensors['codes'].shape)}, "
                f"this run's {tuple(self.codes.shape)}"
            )
        self.codes = tensors["codes"].clone()
        self.seen = tensors["seen"].clone().bool()
