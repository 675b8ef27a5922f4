"""The BDNN alternation: pre-train, then B-step / W-step / validate.

:class:`Problem` holds the data, the network, the codes B and the cost;
:func:`alternate` runs pre-training and the alternation with early stopping,
checkpointing after pre-training and after every alternation so that a run
resumed from a checkpoint ends exactly where an uninterrupted one would.
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import torch

from hashlearn.deep._base import history_row
from hashlearn.deep.bdnn.bstep import dcc_bstep, sign_pm
from hashlearn.deep.bdnn.network import BDNNEncoder
from hashlearn.deep.bdnn.objective import Lambdas, Reconstruction, bdnn_cost
from hashlearn.deep.bdnn.optimise import adam_step, lbfgs_step
from hashlearn.deep.bdnn.similarity import Similarity
from hashlearn.deep.checkpoint import (
    BDNN_CHECKPOINT,
    check_same_run,
    load_checkpoint,
    save_checkpoint,
)


@dataclass
class Settings:
    """Optimisation settings shared by UH- and SH-BDNN (see the estimators' docs)."""

    n_pretrain_iter: int = 400
    n_wstep_iter: int = 400
    max_alternations: int = 20
    patience: int = 1
    optimizer: str = "lbfgs"
    batch_size: int = 1024
    n_epochs: int = 10
    learning_rate: float = 1e-3
    n_dcc_sweeps: int = 10
    progress: bool = False
    input_noise: float = 0.0


@dataclass
class Problem:
    """Training data, network, codes and cost; ``decoder`` for UH, ``sim`` for SH."""

    X: torch.Tensor
    net: BDNNEncoder
    B: torch.Tensor
    lambdas: Lambdas
    decoder: list[torch.Tensor] | None = None
    sim: Similarity | None = None
    _reconstruction: tuple[torch.Tensor, torch.Tensor, Reconstruction] | None = field(
        default=None, repr=False
    )

    def params(self) -> list[torch.Tensor]:
        return list(self.net.parameters()) + list(self.decoder or [])

    def terms(self, index: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """All cost terms on the whole set, or on the rows ``index`` (mini-batch)."""
        X, B, sim = self.X, self.B, self.sim
        if index is not None:
            X, B = X[index], B[index]
            sim = sim.subset(index) if sim is not None else None
        weights = [layer.weight for layer in self.net.linears] + (self.decoder or [])[:1]
        decoder = recon = None
        if self.decoder:
            decoder = (self.decoder[0], self.decoder[1])
            recon = Reconstruction.of(X, B) if index is not None else self._full_reconstruction()
        return bdnn_cost(
            self.net(X), B, weights, self.lambdas, reconstruction=recon, decoder=decoder, sim=sim
        )

    def _full_reconstruction(self) -> Reconstruction:
        """The reconstruction products of the whole set, recomputed when X or B changes."""
        cached = self._reconstruction
        if cached is None or cached[0] is not self.X or cached[1] is not self.B:
            cached = self._reconstruction = (self.X, self.B, Reconstruction.of(self.X, self.B))
        return cached[2]

    def cost(self, index: torch.Tensor | None = None) -> torch.Tensor:
        return self.terms(index)["total"]

    @torch.no_grad()
    def b_step(self, n_sweeps: int) -> None:
        """UH: DCC on reconstruction + gap; SH: B = sign(H)."""
        H = self.net(self.X)
        if self.decoder is None:
            self.B = sign_pm(H)
        else:
            W4, c4 = self.decoder
            self.B = dcc_bstep(H, self.X - c4, W4.T, self.lambdas.lambda2, n_sweeps)

    @contextlib.contextmanager
    def noisy_inputs(self, level: float, generator: torch.Generator) -> Iterator[None]:
        """Within the block, the training rows plus Gaussian noise of ``level`` times each
        feature's standard deviation, drawn from ``generator`` (``level`` 0: unchanged).

        >>> import torch
        >>> from hashlearn.deep.bdnn.network import BDNNEncoder
        >>> from hashlearn.deep.bdnn.objective import Lambdas
        >>> X = torch.randn(50, 6)
        >>> problem = Problem(X, BDNNEncoder(6, (8, 4), 4), torch.ones(50, 4), Lambdas())
        >>> with problem.noisy_inputs(0.5, torch.Generator().manual_seed(0)):
        ...     moved = float((problem.X - X).std() / X.std())
        >>> round(moved, 1), problem.X is X
        (0.5, True)
        """
        clean = self.X
        if level > 0:
            noise = torch.randn(clean.shape, generator=generator, dtype=clean.dtype)
            self.X = clean + level * clean.std(0, keepdim=True) * noise
        try:
            yield
        finally:
            self.X = clean

    def snapshot(self) -> dict[str, torch.Tensor]:
        state = {f"net.{k}": v.detach().clone() for k, v in self.net.state_dict().items()}
        state.update({f"dec.{i}": t.detach().clone() for i, t in enumerate(self.decoder or [])})
        return state | {"B": self.B.clone()}

    @torch.no_grad()
    def restore(self, state: dict[str, torch.Tensor]) -> None:
        dtype = self.X.dtype
        self.net.load_state_dict(
            {k[4:]: v.to(dtype) for k, v in state.items() if k.startswith("net.")}
        )
        for i, tensor in enumerate(self.decoder or []):
            tensor.copy_(state[f"dec.{i}"])
        self.B = state["B"].to(dtype)


def w_step(problem: Problem, settings: Settings, n_iter: int, generator: torch.Generator) -> float:
    """Network step with B fixed: L-BFGS for ``n_iter`` iterations or Adam epochs, on
    inputs with fresh noise of ``settings.input_noise`` (none by default)."""
    with problem.noisy_inputs(settings.input_noise, generator):
        if settings.optimizer == "lbfgs":
            return lbfgs_step(problem.params(), problem.cost, n_iter)
        return adam_step(
            problem.params(),
            problem.cost,
            problem.X.shape[0],
            batch_size=settings.batch_size,
            n_epochs=settings.n_epochs,
            learning_rate=settings.learning_rate,
            generator=generator,
        )


@dataclass
class Tracker:
    """Per-stage validation scores, seconds and costs, and early stopping (the best
    state is kept, then restored)."""

    scores: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    costs: list[float | None] = field(default_factory=list)
    best_score: float = -math.inf
    best: dict[str, torch.Tensor] = field(default_factory=dict)
    bad: int = 0
    done: bool = False

    def update(
        self, score: float, problem: Problem, patience: int, seconds: float, cost: float
    ) -> None:
        self.scores.append(score)
        self.seconds.append(seconds)
        self.costs.append(cost)
        if math.isnan(score) or score > self.best_score:
            self.best_score, self.best, self.bad = score, problem.snapshot(), 0
        else:
            self.bad += 1
            self.done = self.bad >= patience

    def meta(self) -> dict[str, Any]:
        return {
            "scores": self.scores,
            "seconds": self.seconds,
            "costs": self.costs,
            "best_score": self.best_score,
            "bad": self.bad,
            "done": self.done,
        }

    def history(self) -> list[dict[str, Any]]:
        """The estimator's ``history_``: a row per stage, pre-training (stage 0) first."""
        stages = zip(self.scores, self.costs, self.seconds, strict=True)
        return [
            history_row(
                "alternation" if stage else "pre-training",
                stage,
                None if cost is None else float(cost),
                None if math.isnan(score) else float(score),
                float(seconds),
            )
            for stage, (score, cost, seconds) in enumerate(stages)
        ]

    @classmethod
    def from_meta(cls, meta: dict[str, Any], best: dict[str, torch.Tensor]) -> Tracker:
        """The tracker :meth:`meta` saved (checkpoints written before costs were kept: None)."""
        scores = list(meta["scores"])
        return cls(
            scores=scores,
            seconds=list(meta["seconds"]),
            costs=list(meta.get("costs", [None] * len(scores))),
            best_score=float(meta["best_score"]),
            best=best,
            bad=int(meta["bad"]),
            done=bool(meta["done"]),
        )


class CheckpointHook:
    """Saves and reloads the alternation state in ``folder``; refuses other runs' checkpoints."""

    def __init__(self, folder: Any, fingerprint: str, resume: bool):
        self.folder, self.fingerprint, self.resume = folder, fingerprint, resume

    def save(self, problem: Problem, tracker: Tracker, generator: torch.Generator) -> None:
        tensors = problem.snapshot() | {f"best.{k}": v for k, v in tracker.best.items()}
        tensors["generator"] = generator.get_state()
        meta = tracker.meta() | {"fingerprint": self.fingerprint}
        save_checkpoint(self.folder, BDNN_CHECKPOINT, tensors, meta=meta)

    def load(self, problem: Problem, generator: torch.Generator) -> Tracker | None:
        found = load_checkpoint(self.folder, BDNN_CHECKPOINT) if self.resume else None
        if found is None:
            return None
        tensors, config = found
        check_same_run(self.folder, config["meta"].get("fingerprint"), self.fingerprint)
        problem.restore(tensors)
        generator.set_state(tensors["generator"])
        best = {k[5:]: v for k, v in tensors.items() if k.startswith("best.")}
        return Tracker.from_meta(config["meta"], best)


def alternate(
    problem: Problem,
    settings: Settings,
    scorer: Callable[[], float] | None,
    generator: torch.Generator,
    hook: CheckpointHook | None = None,
    tracker: Tracker | None = None,
    stages: int | None = None,
) -> Tracker:
    """Pre-train, then alternate B-step / W-step until early stopping or the limit.

    ``scorer`` returns the validation score of the current network (higher is
    better); without one, every alternation runs and the last state is kept.
    When the run ends, the best state is restored into ``problem``.
    ``tracker`` continues a run that an earlier call paused or that ``hook``
    loaded from a checkpoint; ``stages`` pauses this call after that many stages
    (pre-training counts as one), without restoring. ``hook`` saves after each stage.
    """
    score = scorer if scorer is not None else (lambda: math.nan)
    ran = 0
    if tracker is None:
        tracker, start = Tracker(), time.perf_counter()
        w_step(problem, settings, settings.n_pretrain_iter, generator)
        _end_stage(problem, settings, tracker, score(), time.perf_counter() - start)
        ran += 1
        if hook is not None:
            hook.save(problem, tracker, generator)
    while not finished(tracker, settings) and (stages is None or ran < stages):
        start = time.perf_counter()
        problem.b_step(settings.n_dcc_sweeps)
        w_step(problem, settings, settings.n_wstep_iter, generator)
        _end_stage(problem, settings, tracker, score(), time.perf_counter() - start)
        ran += 1
        if hook is not None:
            hook.save(problem, tracker, generator)
    if finished(tracker, settings):
        problem.restore(tracker.best)
    return tracker


def _end_stage(
    problem: Problem, settings: Settings, tracker: Tracker, score: float, seconds: float
) -> None:
    """Record the stage (its cost on the training rows too) and report it (``progress``)."""
    with torch.no_grad():
        cost = float(problem.cost())
    tracker.update(score, problem, settings.patience, seconds, cost)
    if settings.progress:
        print(stage_line(tracker, settings.max_alternations, cost), file=sys.stderr, flush=True)


def finished(tracker: Tracker, settings: Settings) -> bool:
    """Early stopping fired, or every alternation ran."""
    return tracker.done or len(tracker.scores) > settings.max_alternations


def stage_line(tracker: Tracker, max_alternations: int, cost: float) -> str:
    """The progress line of the stage ``tracker`` saw last (stage 0 is pre-training).

    The time left assumes every remaining alternation takes as long as the
    alternations so far (the pre-training when none ran yet); early stopping
    can end the run sooner, hence "at most".

    >>> stage_line(Tracker(scores=[0.5, 0.6], seconds=[4.0, 2.0]), 10, 1.5)
    '[bdnn] alternation 1/10: cost 1.5, validation 0.6000, 2.0 s, at most 18 s left'
    """
    stage = len(tracker.scores) - 1
    per_stage = tracker.seconds[1:] or tracker.seconds
    left = max(0, max_alternations - stage) * sum(per_stage) / len(per_stage)
    what = "pre-training" if stage == 0 else f"alternation {stage}/{max_alternations}"
    return (
        f"[bdnn] {what}: cost {cost:.6g}, validation {tracker.scores[-1]:.4f}, "
        f"{tracker.seconds[-1]:.1f} s, at most {left:.0f} s left"
    )
