"""The registered estimators ``uh-bdnn`` and ``sh-bdnn`` (Do, Doan, Cheung, ECCV 2016).

Both share :class:`~hashlearn.deep.bdnn.fitting.BDNNBase`. Parameters common to both:

n_bits : code length L.
preset : "auto" (default) or "paper". Settings left at "auto" (``lambda1``,
    ``hidden_sizes``, ``n_pretrain_iter``, SH-BDNN's ``input_noise`` and ``n_anchors``)
    take the paper's values with "paper"; with "auto" the model races the paper's values
    and the class's ``auto_candidates`` on its validation split and keeps the best
    (:mod:`hashlearn.deep.bdnn.selection`); the choice and every candidate's score are in
    ``settings_``. Without validation rows "auto" falls back to the paper's values.
candidates : None (the class's ``auto_candidates``; a kernel-map candidate only where its
    anchors are every training row) or a list of dicts of settings to race, e.g.
    ``[{"lambda1": 1e-3, "hidden_sizes": (256, 100)}]``.
race_alternations : alternations each candidate runs before the best goes on (1).
race_finalists : how many of the race's best go on to their ends; the one that ends
    with the best validation score wins (SH-BDNN: 2; UH-BDNN: 1, the race's best alone).
n_restarts : initialisations (ITQ rotation, network, shuffling) each candidate is raced
    from (1: the paper's single start). Beyond the paper: with validation rows, k
    restarts multiply the race by k and keep the start that validates best; 8-bit codes
    vary most between starts (benchmarks/results/bdnn.md, section 6g).
race_workers : processes that race candidates side by side, each on a core of its own,
    to the same result as one at a time; used on Linux where each candidate trains on
    one thread (see ``n_threads``), elsewhere 1. "auto" (default): torch's thread count
    (the cores, unless ``OMP_NUM_THREADS`` or ``torch.set_num_threads`` says fewer).
time_budget : seconds after which no further candidate starts, and after which the race
    sends only its best on (no second finalist); None: no limit.
hidden_sizes : (n1, n2), "table" or None for the authors' table by L (interpolated
    elsewhere), "wide" (twice the table's sizes, at least (256, 100)), or "auto" (see
    ``preset``). The table's small networks underfit large
    training sets: SH-BDNN on all 60,000 MNIST labels at 16 bits scores mAP 0.872 with
    the table's (90, 30) and 0.970 with (120, 50); on 1,280-D CIFAR-10 features at 32
    bits (lambda1 = 1e-3) it scores 0.655 with the table's (120, 50) and 0.674-0.680 with
    (256, 100) (benchmarks/results/bdnn.md, sections 3a and 2f).
lambda1 : weight decay, a number or "auto" (the paper: 1e-5; see ``preset``).
lambda2..lambda4 : binary gap, independence, balance (authors' defaults: 5e-2, 1e-2,
    0.5e-6). SH-BDNN's ``lambda2`` defaults to "auto": with ``preset="auto"``, the
    paper's 5e-2 raised where needed to hold the label term's pull against the gap's,
    lambda5 m / (lambda2 L) for m training rows, at most 7.5: lambda2 = max(5e-2,
    lambda5 m / (7.5 L)), 0.15 for 900 rows at 8 bits. With the paper's weight a poor
    start puts two classes on one code word at 8 bits for 10 classes; at 16 to 32 bits
    the held ratio scored higher on average on MNIST and the digits
    (benchmarks/results/bdnn.md, sections 6j, 6k and 6m to 6o). The paper preset keeps
    5e-2. The value used is in ``settings_``.
n_pretrain_iter : L-BFGS iterations of pre-training, or "auto" (the paper: 400; see ``preset``).
n_wstep_iter : L-BFGS iterations of each W-step (400).
max_alternations : alternations of B-step and W-step after pre-training (20).
patience : stop after this many alternations without a better validation mAP, then restore
    the best weights (1 = the authors' rule); 0 disables validation and runs every alternation.
val_size : validation rows carved from the training data (fraction or count; None =
    min(1000, 10%)), ignored when ``X_val`` is given to ``fit``. Never the queries.
optimizer : "lbfgs" (full batch, strong-Wolfe line search) or "adam" (mini-batches of
    ``batch_size``, ``n_epochs`` per W-step, ``learning_rate``) for large training sets.
    ``n_epochs`` counts the epochs of one W-step; the length of the whole run is
    ``max_alternations`` (HashNet's and DHN's ``epochs`` count the whole run).
dtype : "float32" (default) or "float64".
rescale : the authors' min-max rescaling of the input (UH demo: on; SH demo: off).
feature_extractor : optional frozen torch module applied to the rows of X first.
n_threads : torch threads during fit (None: 1 thread when m x D < 2**22, where
    synchronisation costs more than it gains, else torch's setting).
checkpoint_dir, resume : checkpoint after pre-training and every alternation (each raced
    candidate in a sub-folder of its own); with resume=True a run continues from the
    checkpoint, skipping the stages already run (the race's too), and ends as an
    uninterrupted run would; a checkpoint of other data or settings is refused.
random_state : seed of the validation split, ITQ rotation and mini-batch shuffling.
progress : one line per stage on stderr (cost, validation mAP, seconds, time left at most).
verbose : deprecated alias of ``progress`` (None: not given); where it decides the
    output, ``fit`` warns with a ``FutureWarning``.

``fit(X, y=None, *, X_val=None, y_val=None)``: ``X_val`` (with ``y_val`` for SH-BDNN)
replaces the validation rows carved by ``val_size``. After ``fit``, ``history_`` has one
row per stage (pre-training, then each alternation: cost as "loss", "val_map",
"seconds"), ``val_scores_`` and ``stage_seconds_`` the same scores and seconds as lists.
"""

from __future__ import annotations

from typing import Any

import torch

from hashlearn._registry import register
from hashlearn.deep.bdnn.fitting import BDNNBase
from hashlearn.deep.bdnn.network import identity_decoder
from hashlearn.deep.bdnn.similarity import make_similarity
from hashlearn.deep.bdnn.validation import knn_relevance, label_relevance


@register("uh-bdnn")
class UHBDNN(BDNNBase):
    """Unsupervised BDNN: codes B must reconstruct the input through a linear decoder.

    Extra parameters: ``n_dcc_sweeps`` (sweeps of the DCC B-step, 10) and
    ``val_neighbors`` (K of the Euclidean K-nearest-neighbour ground truth of the
    validation mAP, 50). See the module docstring for the others.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).random((120, 12))
    >>> model = UHBDNN(n_bits=4, n_pretrain_iter=5, max_alternations=1, random_state=0)
    >>> model.fit(X).encode(X[:3]).shape
    (3, 1)
    """

    def __init__(
        self,
        n_bits: int = 32,
        hidden_sizes: Any = "auto",
        lambda1: float | str = "auto",
        lambda2: float = 5e-2,
        lambda3: float = 1e-2,
        lambda4: float = 0.5e-6,
        n_pretrain_iter: int | str = "auto",
        n_wstep_iter: int = 400,
        max_alternations: int = 20,
        patience: int = 1,
        val_size: Any = None,
        optimizer: str = "lbfgs",
        batch_size: int = 1024,
        n_epochs: int = 10,
        learning_rate: float = 1e-3,
        dtype: str = "float32",
        rescale: bool = True,
        feature_extractor: Any = None,
        n_threads: Any = None,
        checkpoint_dir: Any = None,
        resume: bool = False,
        random_state: Any = None,
        progress: bool = False,
        verbose: bool | None = None,
        preset: str = "auto",
        candidates: Any = None,
        race_alternations: int = 1,
        race_finalists: int = 1,
        n_restarts: int = 1,
        race_workers: int | str = "auto",
        time_budget: float | None = None,
        n_dcc_sweeps: int = 10,
        val_neighbors: int = 50,
    ):
        self.n_bits = n_bits
        self.hidden_sizes = hidden_sizes
        self.lambda1 = lambda1
        self.lambda2 = lambda2
        self.lambda3 = lambda3
        self.lambda4 = lambda4
        self.n_pretrain_iter = n_pretrain_iter
        self.n_wstep_iter = n_wstep_iter
        self.max_alternations = max_alternations
        self.patience = patience
        self.val_size = val_size
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.learning_rate = learning_rate
        self.dtype = dtype
        self.rescale = rescale
        self.feature_extractor = feature_extractor
        self.n_threads = n_threads
        self.checkpoint_dir = checkpoint_dir
        self.resume = resume
        self.random_state = random_state
        self.progress = progress
        self.verbose = verbose
        self.preset = preset
        self.candidates = candidates
        self.race_alternations = race_alternations
        self.race_finalists = race_finalists
        self.n_restarts = n_restarts
        self.race_workers = race_workers
        self.time_budget = time_budget
        self.n_dcc_sweeps = n_dcc_sweeps
        self.val_neighbors = val_neighbors

    def _extra_terms(self, data: dict[str, Any], Xt: torch.Tensor) -> dict[str, Any]:
        return {"decoder": identity_decoder(Xt.shape[1], int(self.n_bits), Xt.dtype)}

    def _relevance(
        self, data: dict[str, Any], X_db: torch.Tensor, X_val: torch.Tensor, held_out: bool
    ) -> Any:
        return knn_relevance(X_val, X_db, self.val_neighbors)


@register("sh-bdnn")
class SHBDNN(BDNNBase):
    """Supervised BDNN: adds ||H H^T / L - S||^2 for the label similarity S (never stored).

    Extra parameters: ``lambda5`` (similarity weight, 1e-2) and ``similarity`` for
    multi-label y: "auto"/"cosine" (low rank, S = 2 cos - 1) or "exact" (S = +1 when
    two items share a label, computed in chunks). Class labels use the exact
    low-rank S = 2 Y Y^T - 1. And ``refit`` (True): with ``preset="auto"`` and validation
    rows carved from the training rows (``X_val`` not given), once early stopping has
    chosen the network, it runs one more alternation on every training row, validation
    rows included (B = sign of its outputs, then a W-step), as SDH and the other baselines
    train on all of them. Beyond the paper (the paper preset never refits); recorded in
    ``settings_["refit"]``; its measured effect is in benchmarks/results/bdnn.md 6i.
    And ``input_noise`` ("auto"): every W-step trains the network on the training rows
    plus fresh Gaussian noise of this many times each feature's standard deviation
    (the B-step and the codes use the rows as they are), so that new rows are coded
    more like the training rows. Beyond the paper; "auto" is 0 (no noise) unless a raced
    candidate sets it: the default race has one, 0.25 with weight decay 1e-3 and the
    "wide" network, which the validation rows chose on CIFAR-10 features (5,000 and
    30,000 labels) and not on MNIST or the digits (benchmarks/results/bdnn.md, sections
    6q, 6r, 6y and 6z; docs/bdnn.md). The paper preset never adds noise. Recorded in
    ``settings_["input_noise"]``.
    And ``n_anchors`` ("auto"): with N > 0 the network reads SDH's kernel map of the
    features instead of the features, the RBF kernel values on N anchors drawn from the
    training rows (never the validation rows), centred; the fitted model applies it
    itself, and saves it (:mod:`hashlearn.deep.bdnn.kernel_inputs`). Beyond the paper;
    "auto" is 0 (the features as they are) unless a raced candidate sets it. Recorded
    in ``settings_["n_anchors"]`` (the anchors used: at most the training rows).
    See the module docstring for the others.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.random((120, 12)), rng.integers(0, 3, 120)
    >>> model = SHBDNN(n_bits=4, n_pretrain_iter=5, max_alternations=1, random_state=0)
    >>> model.fit(X, y).encode(X[:3]).shape
    (3, 1)
    """

    supervised = True
    #: Raced by ``preset="auto"`` after the paper's settings: a stronger weight decay
    #: (the paper's 1e-5 over-fits 5,000 MNIST labels), a longer pre-training (400
    #: iterations under-fit 8-bit codes of the digits), noise on the inputs of a
    #: wider network (training rows few beside the features: CIFAR-10 features; noise
    #: 0.25: 0.5 scores at most 1.2 points more on 5,000 labels, 1.1 less on 30,000),
    #: and SDH's kernel map of the inputs, raced only where its anchors are every
    #: training row (at most 1,000 rows: the digits); benchmarks/results/bdnn.md 6,
    #: 6q, 6r, 6s, 6z.
    auto_candidates = (
        {"lambda1": 1e-4},
        {"lambda1": 1e-3},
        {"n_pretrain_iter": 1000},
        {"lambda1": 1e-3, "hidden_sizes": "wide", "input_noise": 0.25},
        {"lambda1": 1e-4, "n_anchors": 1000},
    )
    auto_scores_held_out = True

    def __init__(
        self,
        n_bits: int = 32,
        hidden_sizes: Any = "auto",
        lambda1: float | str = "auto",
        lambda2: float | str = "auto",
        lambda3: float = 1e-2,
        lambda4: float = 0.5e-6,
        n_pretrain_iter: int | str = "auto",
        n_wstep_iter: int = 400,
        max_alternations: int = 20,
        patience: int = 1,
        val_size: Any = None,
        optimizer: str = "lbfgs",
        batch_size: int = 1024,
        n_epochs: int = 10,
        learning_rate: float = 1e-3,
        dtype: str = "float32",
        rescale: bool = False,
        feature_extractor: Any = None,
        n_threads: Any = None,
        checkpoint_dir: Any = None,
        resume: bool = False,
        random_state: Any = None,
        progress: bool = False,
        verbose: bool | None = None,
        preset: str = "auto",
        candidates: Any = None,
        race_alternations: int = 1,
        race_finalists: int = 2,
        n_restarts: int = 1,
        race_workers: int | str = "auto",
        time_budget: float | None = None,
        lambda5: float = 1e-2,
        similarity: str = "auto",
        refit: bool = True,
        input_noise: float | str = "auto",
        n_anchors: int | str = "auto",
    ):
        self.n_bits = n_bits
        self.hidden_sizes = hidden_sizes
        self.lambda1 = lambda1
        self.lambda2 = lambda2
        self.lambda3 = lambda3
        self.lambda4 = lambda4
        self.n_pretrain_iter = n_pretrain_iter
        self.n_wstep_iter = n_wstep_iter
        self.max_alternations = max_alternations
        self.patience = patience
        self.val_size = val_size
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.learning_rate = learning_rate
        self.dtype = dtype
        self.rescale = rescale
        self.feature_extractor = feature_extractor
        self.n_threads = n_threads
        self.checkpoint_dir = checkpoint_dir
        self.resume = resume
        self.random_state = random_state
        self.progress = progress
        self.verbose = verbose
        self.preset = preset
        self.candidates = candidates
        self.race_alternations = race_alternations
        self.race_finalists = race_finalists
        self.n_restarts = n_restarts
        self.race_workers = race_workers
        self.time_budget = time_budget
        self.lambda5 = lambda5
        self.similarity = similarity
        self.refit = refit
        self.input_noise = input_noise
        self.n_anchors = n_anchors

    def _extra_terms(self, data: dict[str, Any], Xt: torch.Tensor) -> dict[str, Any]:
        return {"sim": make_similarity(torch.as_tensor(data["y"]), self.similarity, torch.float64)}

    def _relevance(
        self, data: dict[str, Any], X_db: torch.Tensor, X_val: torch.Tensor, held_out: bool
    ) -> Any:
        return label_relevance(data["y_val"], data["y_val"] if held_out else data["y"])
