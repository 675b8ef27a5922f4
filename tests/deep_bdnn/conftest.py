"""Shared fixtures of the BDNN tests: the digits, and a W-step that crashes on cue."""

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from bdnn_helpers import WSteps
from sklearn.datasets import load_digits

from hashlearn.deep.bdnn import fitting


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 scikit-learn digits, pixels scaled to [0, 1], and their labels."""
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


@pytest.fixture
def crash_then_resume(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Callable[..., Any]:
    """``crash_then_resume(module, crash_at, make, X, y)``: fit ``make(checkpoint_dir=...)``
    until the ``crash_at``-th W-step called through ``module`` raises, then fit
    ``make(checkpoint_dir=..., resume=True)`` to its end. Returns the resumed model and
    the ``WSteps`` counter (its ``calls``: the W-steps the resumed fit ran; reset it to
    count another fit). W-steps are counted in this process, so every fit of the test
    races without worker processes."""

    def run(module: Any, crash_at: int, make: Callable[..., Any], X: Any, y: Any) -> Any:
        steps = WSteps(module.w_step, crash_at=crash_at)
        monkeypatch.setattr(module, "w_step", steps)
        monkeypatch.setattr(fitting, "can_fork", lambda: False)
        with pytest.raises(RuntimeError, match="crash"):
            make(checkpoint_dir=tmp_path).fit(X, y)
        steps.calls, steps.crash_at = 0, 0
        return make(checkpoint_dir=tmp_path, resume=True).fit(X, y), steps

    return run
