"""Shared fitting of UH- and SH-BDNN: split, ITQ and PCA initialisation, alternation."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from numbers import Integral, Real
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import torch

from hashlearn._validation import check_features, check_label_pair, check_labels, check_max_abs
from hashlearn.deep._base import TorchHasher, check_validation_shape
from hashlearn.deep.bdnn.bstep import sign_pm
from hashlearn.deep.bdnn.deprecated import validation_by_position, warn_verbose
from hashlearn.deep.bdnn.inputs import InputsByAnchors, NetworkInputs, anchor_count, covers
from hashlearn.deep.bdnn.kernel_inputs import KernelEncoder, with_kernel
from hashlearn.deep.bdnn.network import (
    BDNNEncoder,
    hidden_sizes,
    pca_initialise,
)
from hashlearn.deep.bdnn.objective import Lambdas
from hashlearn.deep.bdnn.parallel import can_fork
from hashlearn.deep.bdnn.selection import (
    RESTART,
    Entrant,
    has_ended,
    merge_choices,
    peek_seed,
    race,
    restart_rng,
    with_restarts,
)
from hashlearn.deep.bdnn.training import (
    CheckpointHook,
    Problem,
    Settings,
    Tracker,
    alternate,
    w_step,
)
from hashlearn.deep.bdnn.validation import default_val_size, map_scorer, split_validation
from hashlearn.deep.checkpoint import data_digest, params_fingerprint
from hashlearn.hashers._pca import itq_rotation, top_pca

#: Settings that do not change the checkpointed run (``refit`` adds a step after it).
_RUN_ONLY = (
    "progress",
    "verbose",
    "checkpoint_dir",
    "resume",
    "n_threads",
    "feature_extractor",
    "refit",
    "race_workers",
)
#: Parameters added after checkpoints were first written, with the values that fit as
#: before: at those values they stay out of the fingerprint, so an older run still resumes.
_ADDED_LATER: dict[str, tuple[Any, ...]] = {
    "n_restarts": (1,),
    "input_noise": (0.0, "auto"),
    "race_finalists": (1,),
    "n_anchors": (0, "auto"),
}
PRESETS = ("auto", "paper")
#: The paper's value of each setting that ``preset="auto"`` may choose.
PAPER_CHOICE: dict[str, Any] = {
    "lambda1": 1e-5,
    "hidden_sizes": "table",
    "n_pretrain_iter": 400,
    "input_noise": 0.0,
    "n_anchors": 0,
}
#: Settings of SH-BDNN's inputs that UH-BDNN's candidates may not set.
_SUPERVISED_ONLY = ("input_noise", "n_anchors")
#: The paper's weight of the binary gap (``lambda2``).
PAPER_LAMBDA2 = 5e-2
#: The most the label pull may outweigh the gap pull, lambda5 m / (lambda2 L), with
#: ``lambda2="auto"`` and ``preset="auto"`` (benchmarks/results/bdnn.md, sections 6k, 6n).
GAP_RATIO = 7.5
_DTYPES = {"float32": torch.float32, "float64": torch.float64}
BDNN = TypeVar("BDNN", bound="BDNNBase")


#: Below this many input entries (m x D), one thread beats two: L-BFGS's many
#: small vector operations pay more in thread synchronisation than they gain.
SMALL_PROBLEM = 1 << 22


@contextlib.contextmanager
def _threads(n_threads: int | None, size: int) -> Iterator[int]:
    """Set torch's threads for the fit (None: 1 for small problems, else unchanged);
    yields torch's thread count before: the cores the fit may use."""
    previous = torch.get_num_threads()
    if n_threads is None and size < SMALL_PROBLEM:
        n_threads = 1
    if n_threads is not None:
        torch.set_num_threads(int(n_threads))
    try:
        yield previous
    finally:
        torch.set_num_threads(previous)


def itq_codes(X: np.ndarray, n_bits: int, rng: np.random.Generator) -> np.ndarray:
    """ITQ initialisation of B: centre, PCA to ``n_bits``, 50 ITQ iterations, sign.

    >>> B = itq_codes(np.random.default_rng(0).normal(size=(40, 6)), 4, np.random.default_rng(0))
    >>> B.shape, sorted(set(B.ravel().tolist()))
    ((40, 4), [-1.0, 1.0])
    """
    if n_bits > X.shape[1]:
        raise ValueError(
            f"BDNN's ITQ initialisation needs n_bits <= n_features; got "
            f"n_bits={n_bits} with {X.shape[1]} features"
        )
    mean, pcs, _ = top_pca(X, n_bits)
    V = (X - mean) @ pcs
    return np.where(V @ itq_rotation(V, 50, rng) >= 0, 1.0, -1.0)


class BDNNBase(TorchHasher):
    """Shared fit of UH- and SH-BDNN; subclasses add the decoder or the similarity."""

    #: Settings ``preset="auto"`` races when the user leaves them at "auto" (in order;
    #: the first is the paper's). Subclasses set their own.
    auto_candidates: tuple[dict[str, Any], ...] = (PAPER_CHOICE,)
    #: With ``preset="auto"``, score the validation rows against each other (each
    #: leaving itself out) instead of against the training rows: a database the
    #: network never trained on, as at test time (the paper's rule scores against
    #: the training rows, which favours settings that over-fit them).
    auto_scores_held_out: bool = False

    def fit(
        self: BDNN, X: Any, y: Any = None, *legacy: Any, X_val: Any = None, y_val: Any = None
    ) -> BDNN:
        """Train on ``X`` (and labels ``y``: SH-BDNN); ``X_val``, ``y_val``: validation rows.

        ``fit(X, y, X_val, y_val)`` (validation rows by position) still works, with a
        ``FutureWarning``: pass them by keyword.
        """
        if legacy:
            X_val, y_val = validation_by_position(legacy, X_val, y_val)
        warn_verbose(self)
        return super().fit(X, y, X_val=X_val, y_val=y_val)

    def _progress(self) -> bool:
        """``progress``, or the deprecated ``verbose`` where it is given."""
        return bool(self.progress if self.verbose is None else self.verbose)

    def _build_module(self, n_features: int) -> BDNNEncoder | KernelEncoder:
        settings = getattr(self, "settings_", {})
        hidden = self._hidden(settings.get("hidden_sizes", self.hidden_sizes))
        n_anchors = int(settings.get("n_anchors", 0))
        if not n_anchors:
            return BDNNEncoder(n_features, hidden, int(self.n_bits))
        encoder = BDNNEncoder(n_anchors, hidden, int(self.n_bits))
        return KernelEncoder(torch.zeros(n_anchors, n_features), 1.0, encoder)

    def _hidden(self, sizes: Any) -> tuple[int, int]:
        """(n1, n2) of a setting: explicit sizes, the authors' table ("table", None), or
        "wide": twice the table's, at least (256, 100).

        >>> from hashlearn import SHBDNN
        >>> SHBDNN(n_bits=32)._hidden("table"), SHBDNN(n_bits=32)._hidden("wide")
        ((120, 50), (256, 100))
        >>> SHBDNN(n_bits=64)._hidden("wide")
        (400, 180)
        """
        if sizes in (None, "table", "auto"):
            return hidden_sizes(int(self.n_bits))
        if sizes == "wide":
            n1, n2 = hidden_sizes(int(self.n_bits))
            return max(256, 2 * n1), max(100, 2 * n2)
        return int(sizes[0]), int(sizes[1])

    def _lambdas(self, choice: dict[str, Any], gap_weight: float) -> Lambdas:
        return Lambdas(
            float(choice["lambda1"]),
            gap_weight,
            self.lambda3,
            self.lambda4,
            getattr(self, "lambda5", 0.0),
        )

    def _gap_weight(self, n_rows: int, n_classes: int) -> float:
        """``lambda2`` of a fit on ``n_rows`` training rows of ``n_classes`` classes (label
        columns; 0 without labels): a number as given; "auto" the paper's 5e-2, except
        with ``preset="auto"`` and labels, where the weight is raised until the label
        term's pull against the gap's, lambda5 m / (lambda2 L), is at most ``GAP_RATIO``:
        the paper's weight lets a poor start put two classes on one code word.

        >>> from hashlearn import SHBDNN
        >>> SHBDNN(n_bits=8)._gap_weight(900, 10), SHBDNN(n_bits=16)._gap_weight(900, 10)
        (0.15, 0.075)
        >>> SHBDNN(n_bits=32)._gap_weight(900, 10)
        0.05
        >>> SHBDNN(n_bits=8, preset="paper")._gap_weight(900, 10)
        0.05
        """
        value, label_weight = self.lambda2, float(getattr(self, "lambda5", 0.0))
        if value != "auto":
            return _non_negative(value, "lambda2 must be a number >= 0 or 'auto'")
        if self.preset == "paper" or label_weight <= 0 or n_classes < 2:
            return PAPER_LAMBDA2
        return max(PAPER_LAMBDA2, label_weight * n_rows / (GAP_RATIO * int(self.n_bits)))

    def _choices(self, can_select: bool, n_rows: int) -> list[dict[str, Any]]:
        """The settings to fit on ``n_rows`` training rows: one (paper preset, no
        validation) or the race's candidates."""
        if self.preset not in PRESETS:
            raise ValueError(f"preset must be one of {PRESETS}, got {self.preset!r}")
        given = {k: getattr(self, k, v) for k, v in PAPER_CHOICE.items()}
        given["hidden_sizes"] = "table" if given["hidden_sizes"] is None else given["hidden_sizes"]
        if self.preset == "paper" or not can_select:
            return merge_choices(given, [PAPER_CHOICE])
        candidates = self.candidates
        if candidates is None:
            candidates = [c for c in self.auto_candidates if covers(c, n_rows)]
        full = [_full_candidate(c) for c in candidates]
        for key in _SUPERVISED_ONLY:
            if not hasattr(self, key) and any(c[key] for c in full):
                raise ValueError(f"candidates: {key} is a setting of SH-BDNN only")
        return merge_choices(given, [PAPER_CHOICE, *full])

    def _settings(self, choice: dict[str, Any]) -> Settings:
        if self.optimizer not in ("lbfgs", "adam"):
            raise ValueError(f"optimizer must be 'lbfgs' or 'adam', got {self.optimizer!r}")
        return Settings(
            int(choice["n_pretrain_iter"]),
            self.n_wstep_iter,
            self.max_alternations,
            self.patience,
            self.optimizer,
            self.batch_size,
            self.n_epochs,
            self.learning_rate,
            getattr(self, "n_dcc_sweeps", 10),
            self._progress(),
            _non_negative(choice["input_noise"], "input_noise must be a number >= 0 or 'auto'"),
        )

    def _dtype(self) -> torch.dtype:
        if self.dtype not in _DTYPES:
            raise ValueError(f"dtype must be 'float32' or 'float64', got {self.dtype!r}")
        return _DTYPES[self.dtype]

    def _features(self, X: np.ndarray) -> np.ndarray:
        """Rows of X through the frozen ``feature_extractor`` (if any), in chunks."""
        if self.feature_extractor is None:
            return X
        extractor = self.feature_extractor.eval()
        dtype = next(extractor.parameters()).dtype
        with torch.no_grad():
            parts = [
                extractor(torch.as_tensor(X[i : i + 1024], dtype=dtype)).double()
                for i in range(0, X.shape[0], 1024)
            ]
        return torch.cat(parts).flatten(1).numpy()

    def _fit(self, X: Any, y: Any, X_val: Any, y_val: Any) -> None:
        n_bits = self._validate_n_bits()
        X = check_features(X, min_samples=2)
        _check_magnitude(X, "X")
        rng = np.random.default_rng(self.random_state)
        data = self._split(X, y, X_val, y_val, rng)
        with _threads(self.n_threads, data["X"].size) as cores:
            data["lambda2"] = self._gap_weight(len(data["X"]), _n_classes(data["y"]))
            params = self._run_params(data["lambda2"])
            key = {"X": X, "y": y, "params": params, "digest": self._digest(X, y)}
            net, tracker = self._train(data, n_bits, rng, key, self._workers(cores))
        self.n_features_in_ = X.shape[1]
        self.module_ = net.eval()
        self.val_scores_ = [float(s) for s in tracker.scores]
        self.stage_seconds_ = [float(s) for s in tracker.seconds]
        self.history_ = tracker.history()
        self.n_alternations_ = len(tracker.scores) - 1

    def _run_params(self, gap_weight: float) -> dict[str, Any]:
        """The settings a checkpoint must match, ``lambda2="auto"`` as ``gap_weight``, the
        number it stands for (so a checkpoint written before "auto" resumes where that is
        5e-2)."""
        params = self.get_params(deep=False)
        if params.get("lambda2") == "auto":
            params["lambda2"] = gap_weight
        return {k: v for k, v in params.items() if k not in _RUN_ONLY and not _as_before(k, v)}

    def _finalists(self) -> int:
        """How many of the race's best go on to their ends before one is chosen.

        >>> from hashlearn import SHBDNN
        >>> SHBDNN(race_finalists=2)._finalists()
        2
        """
        return _count(self.race_finalists, "race_finalists must be an integer >= 1")

    def _workers(self, cores: int) -> int:
        """Worker processes of the race: ``race_workers`` ("auto": ``cores``) where each
        candidate trains on one thread and processes can fork, else 1 (a worker on more
        threads would share a thread pool its parent started, and hang).

        >>> from hashlearn import SHBDNN
        >>> with _threads(1, 0):
        ...     SHBDNN()._workers(2), SHBDNN(race_workers=1)._workers(2)
        (2, 1)
        >>> with _threads(2, 0):
        ...     SHBDNN(race_workers=2)._workers(2)
        1
        """
        n = self.race_workers
        if n != "auto":
            n = _count(n, "race_workers must be an integer >= 1 or 'auto'")
        if torch.get_num_threads() > 1 or not can_fork():
            return 1
        return cores if n == "auto" else n

    def _restarts(self, can_select: bool) -> int:
        """Initialisations to race: ``n_restarts`` with validation rows, else one."""
        n = int(self.n_restarts)
        if n < 1:
            raise ValueError(f"n_restarts must be >= 1, got {self.n_restarts!r}")
        return n if can_select else 1

    def _split(
        self, X: np.ndarray, y: Any, X_val: Any, y_val: Any, rng: np.random.Generator
    ) -> dict[str, Any]:
        if X_val is not None:
            X_val = check_features(X_val, name="X_val")
            check_validation_shape(X, X_val)
            _check_magnitude(X_val, "X_val")
            if not self.supervised:
                return {"X": X, "y": None, "X_val": X_val, "y_val": None}
            y, y_val = check_label_pair(y, y_val, X.shape[0], X_val.shape[0], ("y", "y_val"))
            return {"X": X, "y": y, "X_val": X_val, "y_val": y_val}
        y = check_labels(y, X.shape[0]) if self.supervised else None
        size = self.val_size if self.val_size is not None else default_val_size(len(X))
        train, val = split_validation(X.shape[0], size, rng)
        y_train, y_val = (None, None) if y is None else (y[train], y[val])
        return {"X": X[train], "y": y_train, "X_val": X[val], "y_val": y_val}

    def _train(
        self,
        data: dict[str, Any],
        n_bits: int,
        rng: np.random.Generator,
        key: dict[str, Any],
        workers: int,
    ) -> tuple[BDNNEncoder | KernelEncoder, Tracker]:
        inputs = self._inputs(data)
        can_select = inputs.X_val is not None
        choices = self._choices(can_select, len(inputs.X))
        choices = with_restarts(choices, self._restarts(can_select))
        inputs_of = InputsByAnchors(inputs, peek_seed(rng))
        results: list[dict[str, Any]] = []
        if len(choices) == 1:
            entrant = self._enter(choices[0], inputs_of(choices[0]), data, n_bits, rng)
        else:  # every candidate of a restart starts from the same draws

            def enter(choice: dict[str, Any]) -> Entrant:
                entrant = self._enter(
                    choice, inputs_of(choice), data, n_bits, restart_rng(rng, choice)
                )
                entrant.hook = self._hook(key, choice, racing=True)
                return entrant

            entrant, results = race(
                enter,
                choices,
                1 + int(self.race_alternations),
                self.time_budget,
                self._finalists(),
                workers,
            )
        tracker = self._finish(entrant, key)
        chosen = inputs_of(entrant.choice)
        self.settings_ = {
            "preset": str(self.preset),
            "lambda1": float(entrant.choice["lambda1"]),
            "hidden_sizes": list(self._hidden(entrant.choice["hidden_sizes"])),
            "n_pretrain_iter": int(entrant.choice["n_pretrain_iter"]),
            "lambda2": entrant.problem.lambdas.lambda2,
            "input_noise": entrant.settings.input_noise,
            "n_anchors": 0 if chosen.kernel is None else len(chosen.kernel.anchors),
            "candidates": _jsonable(results),
        }
        if RESTART in entrant.choice:
            self.settings_[RESTART] = int(entrant.choice[RESTART])
        if self._refits(data, key, can_select):
            self._refit(entrant, chosen, data)
        _fold_rescaling(entrant.problem.net, chosen.shift, chosen.scale)
        return with_kernel(entrant.problem.net, chosen.kernel), tracker

    def _refits(self, data: dict[str, Any], key: dict[str, Any], can_select: bool) -> bool:
        """Whether the chosen settings train again on every row: ``refit``, "auto",
        and validation rows carved from the training rows (not given to ``fit``)."""
        carved = len(data["X"]) < len(key["X"])
        wanted = bool(getattr(self, "refit", False)) and self.preset == "auto"
        return wanted and can_select and carved

    def _refit(self, entrant: Entrant, inputs: NetworkInputs, data: dict[str, Any]) -> None:
        """One more alternation of the chosen network on every training row, the
        validation rows included: B = sign(H) of all rows, then a W-step from the chosen
        weights (no early stopping: no rows are left to stop on)."""
        chosen, X_val = entrant.problem, inputs.X_val
        assert X_val is not None  # _refits: validation rows were carved
        X = torch.cat([inputs.X, X_val])
        everything = {"X": X, "y": _joined(data["y"], data["y_val"])}
        with torch.no_grad():
            B = sign_pm(chosen.net(X))
        problem = Problem(X, chosen.net, B, chosen.lambdas, **self._extra_terms(everything, X))
        w_step(problem, entrant.settings, entrant.settings.n_wstep_iter, entrant.generator)
        self.settings_["refit"] = {"rows": len(X), "alternations": 1}

    def _inputs(self, data: dict[str, Any]) -> NetworkInputs:
        """Network inputs of the training and validation rows, and the validation relevance."""
        dtype = self._dtype()
        feats = self._features(data["X"])
        shift, scale = self._rescaling(feats)
        X = torch.as_tensor((feats - shift) / scale, dtype=dtype)
        held_out = self.auto_scores_held_out and self.preset == "auto"
        if not len(data["X_val"]) or self.patience <= 0:
            return NetworkInputs(X, None, None, held_out, shift, scale, feats, None)
        feats_val = self._features(data["X_val"])
        X_val = torch.as_tensor((feats_val - shift) / scale, dtype=dtype)
        relevance = self._relevance(data, X_val if held_out else X, X_val, held_out)
        return NetworkInputs(X, X_val, relevance, held_out, shift, scale, feats, feats_val)

    def _enter(
        self,
        choice: dict[str, Any],
        inputs: NetworkInputs,
        data: dict[str, Any],
        n_bits: int,
        rng: np.random.Generator,
    ) -> Entrant:
        """A run with the settings ``choice``: ITQ codes, PCA-initialised network, scorer."""
        X, X_val = inputs.X, inputs.X_val
        B = torch.as_tensor(itq_codes(X.double().numpy(), n_bits, rng), dtype=X.dtype)
        net = BDNNEncoder(X.shape[1], self._hidden(choice["hidden_sizes"]), n_bits).to(X.dtype)
        pca_initialise(net, X, rng)
        lambdas = self._lambdas(choice, data["lambda2"])
        problem = Problem(X, net, B, lambdas, **self._extra_terms(data, X))
        generator = torch.Generator().manual_seed(int(rng.integers(2**62)))
        scorer = None
        if X_val is not None:
            database = X_val if inputs.held_out else X
            scorer = map_scorer(net, database, X_val, inputs.relevance, inputs.held_out)
        return Entrant(choice, self._settings(choice), problem, scorer, generator)

    def _finish(self, entrant: Entrant, key: dict[str, Any]) -> Tracker:
        """Run ``entrant`` to the end, from its checkpoint when resuming (a finalist of
        the race has run to its end already)."""
        if has_ended(entrant):
            assert entrant.tracker is not None  # has_ended
            return entrant.tracker
        hook = self._hook(key, entrant.choice)
        resumed = hook.load(entrant.problem, entrant.generator) if hook is not None else None
        return alternate(
            entrant.problem,
            entrant.settings,
            entrant.scorer,
            entrant.generator,
            hook,
            tracker=resumed or entrant.tracker,
        )

    def _hook(
        self, key: dict[str, Any], choice: dict[str, Any], racing: bool = False
    ) -> CheckpointHook | None:
        """The checkpoint of the run with settings ``choice`` (None without
        ``checkpoint_dir``): in ``checkpoint_dir`` itself for the run to its end, in a
        sub-folder per candidate for the race's first stages."""
        if key["digest"] is None:
            return None
        choice = {k: v for k, v in choice.items() if not _as_before(k, v)}
        run = params_fingerprint(key["digest"], {**key["params"], **choice})
        folder = Path(self.checkpoint_dir)
        return CheckpointHook(folder / f"race-{run[:16]}" if racing else folder, run, self.resume)

    def _digest(self, X: np.ndarray, y: Any) -> hashlib._Hash | None:
        """The training data hashed once for every checkpoint of the fit (None without
        ``checkpoint_dir``)."""
        if self.checkpoint_dir is None:
            return None
        return data_digest([np.asarray(X, np.float64), _as_int64(y)])

    def _rescaling(self, X: np.ndarray) -> tuple[np.ndarray, float]:
        """Authors' min-max rescaling (per-dimension min, one global range) or none."""
        if not self.rescale:
            return np.zeros(X.shape[1]), 1.0
        low = X.min(0)
        span = float((X.max(0) - low).max())
        return low, span if span > 0 else 1.0

    def _project(self, X: np.ndarray) -> np.ndarray:
        return super()._project(self._features(X))

    def save(self, folder: Any) -> Any:
        if self.feature_extractor is not None:
            raise ValueError(
                "a BDNN model with a feature_extractor cannot be saved (the "
                "extractor is not serialisable without pickle); fit on "
                "extracted features instead and save that model"
            )
        return super().save(folder)


#: Largest input magnitude accepted: the layers' products and the PCA second
#: moments must stay finite in float32 training.
MAX_ABS_INPUT = 1e15


def _non_negative(value: Any, requirement: str) -> float:
    """``value`` as a float when it is a real number >= 0 (not a bool, not NaN), else
    ValueError "``requirement``, got ``value``".

    >>> _non_negative(0.5, "s must be >= 0")
    0.5
    """
    if isinstance(value, bool) or not isinstance(value, Real) or not float(value) >= 0:
        raise ValueError(f"{requirement}, got {value!r}")
    return float(value)


def _count(value: Any, requirement: str) -> int:
    """``value`` as an int when it is an integer >= 1 (not a bool), else ValueError
    "``requirement``, got ``value``".

    >>> _count(2, "k must be >= 1")
    2
    >>> _count(2.0, "k must be an integer >= 1")
    Traceback (most recent call last):
    ValueError: k must be an integer >= 1, got 2.0
    """
    if isinstance(value, bool) or not isinstance(value, Integral) or int(value) < 1:
        raise ValueError(f"{requirement}, got {value!r}")
    return int(value)


def _check_magnitude(X: np.ndarray, name: str) -> None:
    advice = (
        f"BDNN trains in floating point and needs |values| <= {MAX_ABS_INPUT:.0e}: "
        "standardise or rescale the features"
    )
    check_max_abs(X, MAX_ABS_INPUT, advice, name)


def _joined(y: Any, y_val: Any) -> np.ndarray | None:
    """The labels of the training rows, then of the validation rows (None: unsupervised)."""
    return None if y is None else np.concatenate([np.asarray(y), np.asarray(y_val)])


def _n_classes(y: Any) -> int:
    """Classes of labels ``y`` (columns of a 0/1 label matrix; 0 for None).

    >>> _n_classes(np.array([3, 1, 3])), _n_classes(np.zeros((4, 5))), _n_classes(None)
    (2, 5, 0)
    """
    if y is None:
        return 0
    y = np.asarray(y)
    return int(y.shape[1]) if y.ndim == 2 else len(np.unique(y))


def _as_int64(y: Any) -> np.ndarray | None:
    return None if y is None else np.asarray(y, dtype=np.int64)


def _full_candidate(candidate: Any) -> dict[str, Any]:
    """A candidate of ``candidates`` with the paper's values for the settings it leaves out."""
    if not isinstance(candidate, dict) or not set(candidate) <= set(PAPER_CHOICE):
        raise ValueError(
            f"candidates: each must be a dict with keys among {sorted(PAPER_CHOICE)}, "
            f"got {candidate!r}"
        )
    full = {**PAPER_CHOICE, **candidate}
    for key in ("lambda1", "n_pretrain_iter", "input_noise", "n_anchors"):
        _non_negative(full[key], f"candidates: {key} must be a number >= 0")
    anchor_count(full["n_anchors"], "candidates: ")
    return full


def _as_before(key: str, value: Any) -> bool:
    """Whether a parameter added after the first checkpoints has a value that fits as
    before it existed (so it stays out of the fingerprint).

    >>> _as_before("input_noise", "auto"), _as_before("input_noise", 0.5), _as_before("lambda1", 0)
    (True, False, False)
    """
    return key in _ADDED_LATER and value in _ADDED_LATER[key]


def _jsonable(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Race results with tuples as lists and the table as its name (for ``settings_``)."""
    return [{k: list(v) if isinstance(v, tuple) else v for k, v in r.items()} for r in results]


@torch.no_grad()
def _fold_rescaling(net: BDNNEncoder, shift: np.ndarray, scale: float) -> None:
    """Make the first layer take raw inputs: W x' + c with x' = (x - shift) / scale."""
    first = net.linears[0]
    first.weight.div_(scale)
    first.bias.sub_(first.weight @ torch.as_tensor(shift, dtype=first.weight.dtype))
