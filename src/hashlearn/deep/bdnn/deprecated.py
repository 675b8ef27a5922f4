"""Old ways of calling UH-/SH-BDNN that still work, with a ``FutureWarning``.

* ``fit(X, y, X_val, y_val)``: the validation rows by position (now by keyword).
* ``verbose``: the old name of ``progress``.
"""

from __future__ import annotations

import warnings
from typing import Any


def validation_by_position(legacy: tuple[Any, ...], X_val: Any, y_val: Any) -> tuple[Any, Any]:
    """``(X_val, y_val)`` from the arguments ``fit`` got after ``y``; warns.

    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     validation_by_position(("rows",), None, None)
    ('rows', None)
    >>> caught[0].category.__name__
    'FutureWarning'
    """
    if len(legacy) > 2 or X_val is not None or (len(legacy) == 2 and y_val is not None):
        raise TypeError(
            "fit takes X and y by position and the validation rows by keyword: "
            "call fit(X, y, X_val=..., y_val=...)"
        )
    warnings.warn(
        "passing X_val and y_val to fit by position is deprecated and will stop working: "
        "call fit(X, y, X_val=..., y_val=...)",
        FutureWarning,
        stacklevel=3,
    )
    return legacy[0], legacy[1] if len(legacy) == 2 else y_val


def warn_verbose(estimator: Any) -> None:
    """Warn where the deprecated ``verbose`` decides the output (it differs from ``progress``)."""
    verbose = estimator.verbose
    if verbose is not None and bool(verbose) != bool(estimator.progress):
        warnings.warn(
            f"{type(estimator).__name__}(verbose=...) is deprecated and will be removed: "
            f"use progress={bool(verbose)}",
            FutureWarning,
            stacklevel=3,
        )
