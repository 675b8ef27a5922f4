"""Settings that UH-/SH-BDNN choose on their validation split: a short race.

With ``preset="auto"`` the estimator races candidate settings (for SH-BDNN the
paper's, a stronger weight decay ``lambda1`` (1e-4, 1e-3) against over-fitting
and a longer pre-training (1,000 L-BFGS iterations) against under-fitting). Each candidate
pre-trains and runs ``race_alternations`` alternations on the training rows and
is scored as early stopping scores it, on the validation rows (carved from the
training data, never the queries). The best candidate then goes on from where it
stopped, so its part of the race is not repeated, and ends exactly as a fit with
its settings alone would (same initialisation, same steps). With
``race_finalists=k`` > 1 the best k of the race each go on to their ends and the one
that ends best wins: a candidate that starts slower but climbs further (a stronger
weight decay, say) is not dropped on the first look. With a checkpoint
folder every candidate checkpoints its own stages, so a race stopped half-way
resumes without running again the stages it had finished.

Examples
--------
>>> merge_choices({"lambda1": "auto"}, [{"lambda1": 1e-5}, {"lambda1": 1e-3}])
[{'lambda1': 1e-05}, {'lambda1': 0.001}]
>>> merge_choices({"lambda1": 1e-4}, [{"lambda1": 1e-5}, {"lambda1": 1e-3}])
[{'lambda1': 0.0001}]
"""

from __future__ import annotations

import copy
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import torch

from hashlearn.deep.bdnn.parallel import Exchange, run_in_workers
from hashlearn.deep.bdnn.training import (
    CheckpointHook,
    Problem,
    Settings,
    Tracker,
    alternate,
    finished,
)


def merge_choices(given: dict[str, Any], candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The distinct settings to try: ``given`` values fixed, "auto" ones from ``candidates``."""
    merged: list[dict[str, Any]] = []
    for candidate in candidates:
        choice = {k: candidate[k] if v == "auto" else v for k, v in given.items()}
        if choice not in merged:
            merged.append(choice)
    return merged


#: Key of a choice that names its initialisation (``n_restarts`` > 1).
RESTART = "restart"


def with_restarts(choices: list[dict[str, Any]], n_restarts: int) -> list[dict[str, Any]]:
    """Each choice once per initialisation (restart 0 first); unchanged for one.

    >>> with_restarts([{"lambda1": 1e-5}], 2)
    [{'lambda1': 1e-05, 'restart': 0}, {'lambda1': 1e-05, 'restart': 1}]
    """
    if n_restarts == 1:
        return choices
    return [{**choice, RESTART: r} for r in range(n_restarts) for choice in choices]


def peek_seed(rng: np.random.Generator) -> int:
    """``rng``'s next 62-bit draw, as a seed for draws of their own; ``rng`` does not move.

    >>> rng = np.random.default_rng(0)
    >>> peek_seed(rng) == peek_seed(rng) == int(np.random.default_rng(0).integers(2**62))
    True
    """
    return int(copy.deepcopy(rng).integers(2**62))


def restart_rng(rng: np.random.Generator, choice: dict[str, Any]) -> np.random.Generator:
    """The draws a choice starts from: a copy of ``rng`` for restart 0 (so one restart
    is the fit of before), for restart r a generator seeded by r and ``rng``'s next draw
    (``rng`` itself does not move).

    >>> a, b = (restart_rng(np.random.default_rng(0), {RESTART: r}) for r in (0, 1))
    >>> bool(a.integers(100) == np.random.default_rng(0).integers(100)), a is b
    (True, False)
    """
    restart = int(choice.get(RESTART, 0))
    if restart == 0:
        return copy.deepcopy(rng)
    return np.random.default_rng([peek_seed(rng), restart])


@dataclass
class Entrant:
    """One candidate's run: its settings, problem, validation scorer and progress, and
    the checkpoint of its race stages (``hook``, None without a checkpoint folder)."""

    choice: dict[str, Any]
    settings: Settings
    problem: Problem
    scorer: Callable[[], float] | None
    generator: torch.Generator
    tracker: Tracker | None = None
    hook: CheckpointHook | None = None


def run_stages(entrant: Entrant, n_stages: int) -> float:
    """The first ``n_stages`` stages of ``entrant``, continuing from its checkpoint;
    returns the seconds they took (those of stages run before a resume included)."""
    tic = time.perf_counter()
    loaded = entrant.hook.load(entrant.problem, entrant.generator) if entrant.hook else None
    before = sum(loaded.seconds[:n_stages]) if loaded is not None else 0.0
    remaining = n_stages - len(loaded.scores) if loaded is not None else n_stages
    entrant.tracker = go_on(entrant, loaded, stages=max(0, remaining))
    return before + time.perf_counter() - tic


def go_on(entrant: Entrant, tracker: Tracker | None, stages: int | None = None) -> Tracker:
    """``alternate`` ``entrant``'s run from ``tracker`` (None: from the start), for
    ``stages`` stages or (None) to its end."""
    return alternate(
        entrant.problem,
        entrant.settings,
        entrant.scorer,
        entrant.generator,
        entrant.hook,
        tracker=tracker,
        stages=stages,
    )


def race_score(entrant: Entrant, n_stages: int) -> float:
    """The best validation score of ``entrant``'s first ``n_stages`` stages (a finalist
    resumed from its checkpoint may have run more)."""
    assert entrant.tracker is not None  # run_stages ran or loaded its stages
    return max(entrant.tracker.scores[:n_stages])


def race(
    enter: Callable[[dict[str, Any]], Entrant],
    choices: list[dict[str, Any]],
    n_stages: int,
    time_budget: float | None = None,
    finalists: int = 1,
    workers: int = 1,
) -> tuple[Entrant, list[dict[str, Any]]]:
    """Run the first ``n_stages`` stages of each choice; return the best and every result.

    ``enter(choice)`` builds a candidate's run. The first choice always runs; a
    later one is skipped (and reported so) once the candidates so far have taken
    ``time_budget`` seconds. With ``finalists`` > 1 the best that many go on to their
    ends, and the best at the end wins; a race that has used up ``time_budget`` sends
    only its best on. Ties go to the earlier choice. With ``workers`` > 1, that many
    candidates at a time run in worker processes (:mod:`~hashlearn.deep.bdnn.parallel`),
    to the same result.
    """
    with Exchange.opened(min(workers, len(choices))) as exchange:
        contest = Contest(enter, n_stages, time_budget, exchange, workers)
        indexed = list(enumerate(choices))
        for start in range(0, len(indexed), workers):
            contest.run_wave(indexed[start : start + workers])
        return contest.decide(finalists), contest.results


@dataclass
class Contest:
    """A race under way: its entrants, results and seconds spent (see :func:`race`)."""

    enter: Callable[[dict[str, Any]], Entrant]
    n_stages: int
    time_budget: float | None
    exchange: Exchange
    workers: int
    spent: float = 0.0
    entrants: list[Entrant] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    #: id of an entrant -> the index of its choice, which is also that of its row of results
    index_of: dict[int, int] = field(default_factory=dict)

    def budget_spent(self) -> bool:
        return self.time_budget is not None and self.spent > self.time_budget

    def run_wave(self, wave: list[tuple[int, dict[str, Any]]]) -> None:
        """Race the (index, choice) pairs of ``wave``: in workers first, if any."""
        if self.exchange.parallel and not (self.entrants and self.budget_spent()):
            jobs = [partial(self.stages_in_worker, i, choice) for i, choice in wave]
            run_in_workers(jobs, self.workers)
        for index, choice in wave:
            self.run_candidate(index, choice)

    def entered(self, index: int, choice: dict[str, Any], loading: bool = True) -> Entrant:
        entrant = self.enter(choice)
        entrant.hook = self.exchange.hook(index, entrant.hook, loading)
        return entrant

    def stages_in_worker(self, index: int, choice: dict[str, Any]) -> None:
        run_stages(self.entered(index, choice, loading=False), self.n_stages)

    def run_candidate(self, index: int, choice: dict[str, Any]) -> None:
        if self.entrants and self.budget_spent():
            self.results.append({**choice, "score": None, "seconds": 0.0, "skipped": True})
            return
        tic = time.perf_counter()
        entrant = self.entered(index, choice)
        seconds = time.perf_counter() - tic + run_stages(entrant, self.n_stages)
        self.spent += seconds
        self.entrants.append(entrant)
        self.index_of[id(entrant)] = len(self.results)
        score = race_score(entrant, self.n_stages)
        self.results.append({**choice, "score": score, "seconds": seconds})
        if entrant.settings.progress:
            print(f"[bdnn] candidate {choice}: validation {score:.4f}", file=sys.stderr)

    def decide(self, finalists: int) -> Entrant:
        """The race's best; with ``finalists`` > 1, the best at the end of the best few."""
        # sorted is stable: ties go to the earlier choice
        ranked = sorted(self.entrants, key=lambda e: -race_score(e, self.n_stages))
        if finalists <= 1 or len(ranked) == 1 or self.budget_spent():
            return ranked[0]
        chosen = ranked[:finalists]
        if self.exchange.parallel:
            jobs = [partial(self.end_in_worker, self.index_of[id(e)], e.choice) for e in chosen]
            run_in_workers(jobs, self.workers)
        for entrant in chosen:
            if self.exchange.parallel:  # its worker ran it on: load how far it got
                assert entrant.hook is not None  # the exchange gives every entrant one
                loaded = entrant.hook.load(entrant.problem, entrant.generator)
                entrant.tracker = loaded or entrant.tracker
            result = self.results[self.index_of[id(entrant)]]
            result["final_score"], result["final_seconds"] = run_to_end(entrant, self.n_stages)
        return max(chosen, key=lambda e: e.tracker.best_score if e.tracker else -1.0)

    def end_in_worker(self, index: int, choice: dict[str, Any]) -> None:
        entrant = self.entered(index, choice)
        run_stages(entrant, self.n_stages)
        run_to_end(entrant, self.n_stages)


def run_to_end(entrant: Entrant, n_stages: int) -> tuple[float, float]:
    """Go on with ``entrant`` from where its tracker is (the race's stages, or more a
    checkpoint held) to the end of its run, best weights restored; returns its best
    validation score and the seconds of its stages after the race's first ``n_stages``."""
    entrant.tracker = go_on(entrant, entrant.tracker)
    return entrant.tracker.best_score, sum(entrant.tracker.seconds[n_stages:])


def has_ended(entrant: Entrant) -> bool:
    """Whether ``entrant``'s run is over (early stopping fired or every alternation ran)."""
    return entrant.tracker is not None and finished(entrant.tracker, entrant.settings)
