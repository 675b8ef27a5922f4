"""Helpers of the BDNN tests: short fits, a W-step that crashes on cue, comparing two fits."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Short fits for the tests: few L-BFGS iterations, two alternations, a fixed seed.
FAST = {"n_pretrain_iter": 40, "n_wstep_iter": 20, "max_alternations": 2, "random_state": 0}
#: SH-BDNN's network and input noise as the paper has them: with ``lambda1`` given too,
#: ``preset="auto"`` has nothing left to race.
NOT_RACED = {"hidden_sizes": "table", "input_noise": 0.0, "n_anchors": 0}


def settings_alone(result: dict[str, Any]) -> dict[str, Any]:
    """The settings a race's row (or ``settings_``) chose, given as a fit's parameters."""
    return {k: result[k] for k in ("lambda1", "hidden_sizes", "input_noise", "n_anchors")}


@dataclass
class WSteps:
    """Stands in for ``w_step``: counts the calls, and the ``crash_at``-th one raises."""

    real: Callable[..., Any]
    calls: int = 0
    crash_at: int = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        if self.calls == self.crash_at:
            raise RuntimeError("crash")
        return self.real(*args, **kwargs)


def assert_same_fit(model: Any, other: Any, X: Any) -> None:
    """Same validation curve and bit-identical projections of ``X``."""
    assert model.val_scores_ == other.val_scores_
    assert np.array_equal(model.project(X), other.project(X))
