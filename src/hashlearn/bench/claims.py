"""The results hashlearn claims, each with the ``hashlearn bench`` run that reproduces it.

A :class:`Claim` is one method fitted on one protocol with fixed settings, at one
or more code lengths: the values we recorded for it, the values its paper
published, and where the recorded values came from. ``hashlearn reproduce`` runs
every claim again through :func:`hashlearn.bench.runner.run_benchmark`, the code
behind ``hashlearn bench``, and prints ours beside the recorded and published
values. The README's results table quotes these values.

>>> claim = get_claim("sh-bdnn-mnist-5k")
>>> claim.bench_command().split(" --metrics")[0]
'hashlearn bench --protocol mnist-10k-5k --methods sh-bdnn --bits 8,16,24,32 --seeds 0'
>>> claim.recorded[32]["map"]
0.9305
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import Any

from hashlearn._kernels import PINNED_TAG
from hashlearn.bench.data import Subset

#: Values by code length, then by canonical metric name.
Values = dict[int, dict[str, float]]

MAP, PR2 = "map", "precision_at_radius_2"
BENCH = "hashlearn bench"
#: Shorter training for a quick reproduction, by method (a claim's ``quick_params`` add to it).
QUICK_TRAINING: dict[str, dict[str, Any]] = {
    "sh-bdnn": {"n_pretrain_iter": 100, "n_wstep_iter": 50, "max_alternations": 1},
    "uh-bdnn": {"n_pretrain_iter": 100, "n_wstep_iter": 50, "max_alternations": 1},
    "hashnet": {"epochs": 3},
    "dhn": {"epochs": 3},
}
#: The subset a quick reproduction runs on, unless a claim says otherwise.
QUICK = Subset(max_queries=200, max_train=1000, max_database=5000)


def _at_length(value: str | dict[int, str], n_bits: int) -> str:
    """A claim field given once or per code length, at ``n_bits`` ("" where not given).

    >>> _at_length("AMD EPYC", 8), _at_length({12: "avx2"}, 12), _at_length({12: "avx2"}, 24)
    ('AMD EPYC', 'avx2', '')
    """
    return value.get(n_bits, "") if isinstance(value, dict) else value


@dataclass(frozen=True)
class Claim:
    """One recorded result and the benchmark run that reproduces it.

    Parameters
    ----------
    name : short identifier (``hashlearn reproduce --only NAME``).
    title : what the claim says, in words.
    protocol, method, features, seed, params : the ``hashlearn bench`` settings.
    recorded : our values by code length and metric, as the README quotes them.
    published : the paper's values, where it has them.
    source : ``"hashlearn bench"`` when the recorded values were printed by that
        command; otherwise the script that produced them (not yet re-run through
        the public path), so the table can say so.
    results_file : the results JSON in ``benchmarks/results`` holding the run, if kept.
    quick : the subset a quick reproduction runs on.
    quick_params : settings added in quick mode, over the method's ``QUICK_TRAINING``.
    recorded_on : the processor the recorded values were measured on (as a results
        record's ``environment.machine.processor`` names it), or one per code length.
        SH-BDNN's and the end-to-end runs' values depend on it (docs/reproduce.md).
    kernels : ``"avx2"`` when the recorded values were measured with every math
        library pinned to its AVX2 path (:mod:`hashlearn._kernels`), as the command
        line runs by default: then any Intel processor with AVX2 should give them (an
        AMD one may not: docs/reproduce.md). Or one per code length, as ``recorded_on``.
    threads : the thread count the recorded values were measured with (the records'
        ``OMP_NUM_THREADS``): floating-point sums, hence trained models, follow it.
    """

    name: str
    title: str
    protocol: str
    method: str
    recorded: Values
    published: Values = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    features: str = "efficientnet-lite0"
    seed: int = 0
    source: str = BENCH
    results_file: str | None = None
    quick: Subset = QUICK
    quick_params: dict[str, Any] = field(default_factory=dict)
    recorded_on: str | dict[int, str] = ""
    kernels: str | dict[int, str] = ""
    threads: int = 1

    def processor(self, n_bits: int) -> str:
        """The processor the value at ``n_bits`` was recorded on ("" if not known).

        >>> get_claim("hashnet-e2e").processor(12)
        'Intel(R) Xeon(R) Processor'
        """
        return _at_length(self.recorded_on, n_bits)

    def pinned_at(self, n_bits: int) -> bool:
        """True when the value at ``n_bits`` was measured on the pinned AVX2 kernels.

        >>> from dataclasses import replace
        >>> partly = replace(get_claim("dhn-e2e"), kernels={48: AVX2})
        >>> partly.pinned_at(48), partly.pinned_at(24)
        (True, False)
        """
        return _at_length(self.kernels, n_bits) == PINNED_TAG

    @property
    def kernels_pinned(self) -> bool:
        """True when every recorded value was measured on the pinned AVX2 kernels.

        >>> from dataclasses import replace
        >>> partly = replace(get_claim("dhn-e2e"), kernels={48: AVX2}, recorded={24: {}, 48: {}})
        >>> get_claim("demo-sdh").kernels_pinned, partly.kernels_pinned
        (True, False)
        """
        return all(self.pinned_at(n_bits) for n_bits in self.recorded)

    @property
    def quick_settings(self) -> dict[str, Any]:
        """The settings of a quick run: the claim's, then shorter training."""
        return {**self.params, **QUICK_TRAINING.get(self.method, {}), **self.quick_params}

    @property
    def bits(self) -> list[int]:
        """The code lengths, ascending."""
        return sorted(self.recorded)

    @property
    def metrics(self) -> list[str]:
        """Every metric the claim records or publishes, in first-seen order."""
        names = [
            m for values in (self.recorded, self.published) for v in values.values() for m in v
        ]
        return list(dict.fromkeys(names))

    def bench_command(self) -> str:
        """The ``hashlearn bench`` command line that runs this claim (without ``--out``)."""
        parts = [
            f"{BENCH} --protocol {self.protocol} --methods {self.method}",
            f"--bits {','.join(map(str, self.bits))} --seeds {self.seed}",
        ]
        if self.features != "efficientnet-lite0":
            parts.append(f"--features {self.features}")
        parts += [
            f"--param {shlex.quote(f'{self.method}:{k}={_cli_value(v)}')}"
            for k, v in self.params.items()
        ]
        parts.append(f"--metrics {','.join(self.metrics)}")
        return " ".join(parts)


def _cli_value(value: Any) -> str:
    """A setting as ``--param`` reads it: text as it is, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


PAPER = {"preset": "paper"}
WIDE_CIFAR = {**PAPER, "hidden_sizes": (256, 100), "lambda1": 1e-3}
FROZEN_MLP = {"epochs": 60, "hidden_sizes": (1024,), "learning_rate": 0.003}
IMAGES_QUICK = Subset(max_queries=100, max_train=200, max_database=1000)

DEMO = "demo_digits_defaults025_xeon_avx2.json"
#: The runs of UH-BDNN and ITQ on MNIST's paper protocol (8-16 and 24-32 bits, seeds 0-2).
MNIST_FULL_RUNS = (
    "uh_bdnn_itq_mnist_full_8_16_xeon_avx2.json, uh_bdnn_itq_mnist_full_24_32_xeon_avx2.json"
)
XEON, EPYC = "Intel(R) Xeon(R) Processor", "AMD EPYC"
#: Claims recorded with the math kernels pinned to AVX2 (``Claim.kernels``).
AVX2 = PINNED_TAG
#: What the end-to-end image claims share: the images themselves, a one-epoch quick run,
#: and where they were recorded (two threads on the Intel Xeon, kernels pinned).
END_TO_END: dict[str, Any] = {
    "features": "images",
    "quick": IMAGES_QUICK,
    "quick_params": {"epochs": 1},
    "recorded_on": XEON,
    "kernels": AVX2,
    "threads": 2,
}

CLAIMS: tuple[Claim, ...] = (
    Claim(
        "demo-sh-bdnn",
        "SH-BDNN with its defaults on digits (hashlearn demo)",
        "digits",
        "sh-bdnn",
        recorded={16: {MAP: 0.9898, PR2: 0.9894}, 32: {MAP: 0.9882, PR2: 0.9831}},
        results_file=DEMO,
        recorded_on=XEON,
        kernels=AVX2,
    ),
    Claim(
        "demo-sdh",
        "SDH on digits (hashlearn demo)",
        "digits",
        "sdh",
        recorded={16: {MAP: 0.9893, PR2: 0.9919}, 32: {MAP: 0.9898, PR2: 0.9233}},
        results_file=DEMO,
        recorded_on=XEON,
        kernels=AVX2,
    ),
    Claim(
        "demo-itq",
        "ITQ on digits (hashlearn demo)",
        "digits",
        "itq",
        recorded={16: {MAP: 0.6137, PR2: 0.8404}, 32: {MAP: 0.6394, PR2: 0.5867}},
        results_file=DEMO,
        recorded_on=XEON,
        kernels=AVX2,
    ),
    Claim(
        "sh-bdnn-mnist-60k",
        "SH-BDNN, MNIST, all 60,000 labels, authors' settings",
        "mnist-10k",
        "sh-bdnn",
        recorded={32: {MAP: 0.9681, PR2: 0.9586}},
        published={32: {PR2: 0.9551}},
        params=PAPER,
        results_file="sh_mnist60k_paper_xeon_avx2.json",
        recorded_on=XEON,
        kernels=AVX2,
    ),
    Claim(
        "sh-bdnn-cifar-drsch",
        "SH-BDNN, CIFAR-10, DRSCH protocol (train = database = 50,000), authors' settings",
        "cifar10-10k-full",
        "sh-bdnn",
        recorded={32: {MAP: 0.7312}},
        published={32: {MAP: 0.6622}},
        params=PAPER,
        results_file="sh_bdnn_cifar_drsch_xeon_avx2.json",
        recorded_on=XEON,
        kernels=AVX2,
    ),
    Claim(
        "sh-bdnn-cifar-demo",
        "SH-BDNN, CIFAR-10, SH-BDNN demo protocol (30,000 training), authors' settings",
        "cifar10-10k",
        "sh-bdnn",
        recorded={8: {MAP: 0.5624}, 32: {MAP: 0.6361}},
        published={8: {MAP: 0.5412}, 32: {MAP: 0.6962}},
        params=PAPER,
        results_file="sh_bdnn_cifar_demo_xeon_avx2.json",
        recorded_on=XEON,
        kernels=AVX2,
    ),
    Claim(
        "sh-bdnn-cifar-demo-defaults",
        "SH-BDNN with its defaults, CIFAR-10, SH-BDNN demo protocol (30,000 training)",
        "cifar10-10k",
        "sh-bdnn",
        recorded={32: {MAP: 0.6979, PR2: 0.6724}},
        published={32: {MAP: 0.6962}},
        results_file="sh_bdnn_cifar_demo_defaults_seed0_xeon_avx2.json",
        recorded_on=XEON,
        kernels=AVX2,
    ),
    *(
        Claim(
            f"sh-bdnn-cifar-demo-defaults-seed{seed}",
            f"SH-BDNN with its defaults, CIFAR-10, SH-BDNN demo protocol, seed {seed}",
            "cifar10-10k",
            "sh-bdnn",
            recorded={32: {MAP: value, PR2: radius_2}},
            published={32: {MAP: 0.6962}},
            seed=seed,
            results_file=f"sh_bdnn_cifar_demo_defaults_seed{seed}_xeon_avx2.json",
            recorded_on=XEON,
            kernels=AVX2,
        )
        for seed, value, radius_2 in ((1, 0.7033, 0.6836), (2, 0.7006, 0.6873))
    ),
    Claim(
        "sh-bdnn-cifar-demo-wide",
        "SH-BDNN, CIFAR-10 demo protocol, (256, 100) network and weight decay 1e-3 "
        "chosen on held-out training images",
        "cifar10-10k",
        "sh-bdnn",
        recorded={8: {MAP: 0.6393}, 32: {MAP: 0.6783}},
        published={8: {MAP: 0.5412}, 32: {MAP: 0.6962}},
        params=WIDE_CIFAR,
        results_file="sh_bdnn_cifar_demo_wide_xeon_avx2.json",
        recorded_on=XEON,
        kernels=AVX2,
    ),
    Claim(
        "sh-bdnn-mnist-5k",
        "SH-BDNN with its defaults, MNIST, 5,000 labels",
        "mnist-10k-5k",
        "sh-bdnn",
        recorded={
            8: {MAP: 0.9094, PR2: 0.8024},
            16: {MAP: 0.9276, PR2: 0.9275},
            24: {MAP: 0.9167, PR2: 0.9284},
            32: {MAP: 0.9305, PR2: 0.9322},
        },
        results_file="sh_bdnn_mnist5k_defaults025_xeon_avx2.json",
        recorded_on=XEON,
        kernels=AVX2,
    ),
    Claim(
        "sh-bdnn-mnist-5k-paper",
        "SH-BDNN with the authors' settings, MNIST, 5,000 labels",
        "mnist-10k-5k",
        "sh-bdnn",
        recorded={
            8: {MAP: 0.6974, PR2: 0.6258},
            16: {MAP: 0.8712, PR2: 0.8851},
            24: {MAP: 0.8843, PR2: 0.895},
            32: {MAP: 0.8862, PR2: 0.9005},
        },
        params=PAPER,
        results_file="sh_bdnn_mnist5k_paper_xeon_avx2.json",
        recorded_on=XEON,
        kernels=AVX2,
    ),
    Claim(
        "sdh-mnist-5k",
        "SDH, MNIST, 5,000 labels (the peer of SH-BDNN on the same rows)",
        "mnist-10k-5k",
        "sdh",
        recorded={
            8: {MAP: 0.8911, PR2: 0.6788},
            16: {MAP: 0.9068, PR2: 0.9213},
            24: {MAP: 0.9092, PR2: 0.9321},
            32: {MAP: 0.9205, PR2: 0.9245},
        },
        results_file="sdh_mnist5k_xeon_avx2.json",
        recorded_on=XEON,
        kernels=AVX2,
    ),
    Claim(
        "uh-bdnn-mnist",
        "UH-BDNN, MNIST, 10,000 training images, 50 Euclidean neighbours relevant",
        "mnist-unsup",
        "uh-bdnn",
        recorded={8: {MAP: 0.0298}, 16: {MAP: 0.1061}, 24: {MAP: 0.1808}, 32: {MAP: 0.2447}},
        params=PAPER,
        results_file="uh_bdnn_mnist_xeon_avx2.json",
        recorded_on=XEON,
        kernels=AVX2,
    ),
    Claim(
        "itq-mnist-unsup",
        "ITQ, MNIST, 10,000 training images (the peer of UH-BDNN)",
        "mnist-unsup",
        "itq",
        recorded={8: {MAP: 0.0311}, 16: {MAP: 0.1024}, 24: {MAP: 0.1702}, 32: {MAP: 0.2334}},
        results_file="itq_mnist_unsup_xeon_avx2.json",
        recorded_on=XEON,
        kernels=AVX2,
    ),
    Claim(
        "uh-bdnn-mnist-full",
        "UH-BDNN with its defaults, MNIST, 60,000 training = database (the paper's protocol)",
        "mnist-unsup-full",
        "uh-bdnn",
        recorded={8: {MAP: 0.0313}, 16: {MAP: 0.1073}, 24: {MAP: 0.1826}, 32: {MAP: 0.249}},
        results_file=MNIST_FULL_RUNS,
        recorded_on=XEON,
        kernels=AVX2,
    ),
    Claim(
        "itq-mnist-unsup-full",
        "ITQ, MNIST, 60,000 training = database (the peer of UH-BDNN on the paper's protocol)",
        "mnist-unsup-full",
        "itq",
        recorded={8: {MAP: 0.0299}, 16: {MAP: 0.101}, 24: {MAP: 0.1761}, 32: {MAP: 0.2435}},
        results_file=MNIST_FULL_RUNS,
        recorded_on=XEON,
        kernels=AVX2,
    ),
    Claim(
        "uh-bdnn-cifar-gist",
        "UH-BDNN, CIFAR-10 GIST, 50,000 training = database, 50 Euclidean neighbours relevant",
        "cifar10-10k-unsup",
        "uh-bdnn",
        recorded={8: {MAP: 0.016}, 16: {MAP: 0.0406}, 24: {MAP: 0.0608}, 32: {MAP: 0.076}},
        params=PAPER,
        features="gist",
        results_file="uh_bdnn_cifar_gist_xeon_avx2.json",
        recorded_on=XEON,
        kernels=AVX2,
    ),
    Claim(
        "itq-cifar-gist",
        "ITQ, CIFAR-10 GIST (the peer of UH-BDNN)",
        "cifar10-10k-unsup",
        "itq",
        recorded={8: {MAP: 0.0137}, 16: {MAP: 0.0347}, 24: {MAP: 0.0525}, 32: {MAP: 0.0669}},
        features="gist",
        results_file="itq_cifar_gist_xeon_avx2.json",
        recorded_on=XEON,
        kernels=AVX2,
    ),
    Claim(
        "hashnet-frozen",
        "HashNet on frozen EfficientNet-Lite0 features, cifar10-1k",
        "cifar10-1k",
        "hashnet",
        recorded={12: {MAP: 0.514}, 24: {MAP: 0.5526}, 32: {MAP: 0.5601}, 48: {MAP: 0.5721}},
        params=FROZEN_MLP,
        results_file="hashnet_frozen_xeon_avx2.json",
        recorded_on=XEON,
        kernels=AVX2,
    ),
    Claim(
        "dhn-frozen",
        "DHN on frozen EfficientNet-Lite0 features, cifar10-1k",
        "cifar10-1k",
        "dhn",
        recorded={12: {MAP: 0.4829}, 24: {MAP: 0.4677}, 32: {MAP: 0.4487}, 48: {MAP: 0.4389}},
        published={12: {MAP: 0.555}, 24: {MAP: 0.594}, 32: {MAP: 0.603}, 48: {MAP: 0.621}},
        params=FROZEN_MLP,
        results_file="dhn_frozen_xeon_avx2.json",
        recorded_on=XEON,
        kernels=AVX2,
    ),
    Claim(
        "hashnet-e2e",
        "HashNet end to end: EfficientNet-Lite0 fine-tuned on the images, cifar10-1k",
        "cifar10-1k",
        "hashnet",
        recorded={
            12: {MAP: 0.7446, PR2: 0.7767},
            24: {MAP: 0.7618, PR2: 0.7974},
            32: {MAP: 0.7641, PR2: 0.7959},
            48: {MAP: 0.7802, PR2: 0.7895},
        },
        results_file=(
            "deep_e2e_hashnet12_xeon_avx2.json, deep_e2e_hashnet24_xeon_avx2.json, "
            "deep_e2e_hashnet32_xeon_avx2.json, deep_e2e_hashnet48_xeon_avx2.json"
        ),
        **END_TO_END,
    ),
    Claim(
        "hashnet-e2e-held-out",
        "HashNet end to end, the epoch chosen on validation images scored among themselves",
        "cifar10-1k",
        "hashnet",
        recorded={48: {MAP: 0.7828, PR2: 0.7861}},
        params={"val_scoring": "held-out"},
        results_file="deep_e2e_hashnet48_heldout_xeon_avx2.json",
        **END_TO_END,
    ),
    Claim(
        "hashnet-e2e-160px",
        "HashNet end to end on 160-pixel images, the epoch chosen on held-out validation images",
        "cifar10-1k",
        "hashnet",
        recorded={48: {MAP: 0.7901, PR2: 0.7944}},
        params={"val_scoring": "held-out", "image_size": 160},
        results_file="deep_e2e_hashnet48_heldout_160px_xeon_avx2.json",
        **END_TO_END,
    ),
    Claim(
        "dhn-e2e",
        "DHN end to end: EfficientNet-Lite0 fine-tuned on the images, cifar10-1k",
        "cifar10-1k",
        "dhn",
        recorded={48: {MAP: 0.6201, PR2: 0.6023}},
        published={48: {MAP: 0.621}},
        params={"learning_rate": 0.003},
        results_file="deep_e2e_dhn48_xeon_avx2.json",
        **END_TO_END,
    ),
    Claim(
        "dhn-e2e-held-out",
        "DHN end to end, 36 epochs, the epoch chosen on validation images scored among themselves",
        "cifar10-1k",
        "dhn",
        recorded={48: {MAP: 0.6283, PR2: 0.6193}},
        published={48: {MAP: 0.621}},
        params={"val_scoring": "held-out", "epochs": 36},
        results_file="deep_e2e_dhn48_heldout36_xeon_avx2.json",
        **END_TO_END,
    ),
    Claim(
        "dhn-e2e-defaults",
        "DHN end to end with its image defaults (learning rate 0.003 chosen by 'auto'), cifar10-1k",
        "cifar10-1k",
        "dhn",
        recorded={
            12: {MAP: 0.6036, PR2: 0.6320},
            24: {MAP: 0.5997, PR2: 0.6622},
            32: {MAP: 0.618, PR2: 0.6725},
        },
        published={12: {MAP: 0.555}, 24: {MAP: 0.594}, 32: {MAP: 0.603}},
        results_file=(
            "deep_e2e_dhn12_defaults_xeon_avx2.json, deep_e2e_dhn24_defaults_xeon_avx2.json, "
            "deep_e2e_dhn32_defaults_xeon_avx2.json"
        ),
        **END_TO_END,
    ),
)


def get_claim(name: str) -> Claim:
    """The claim called ``name``; the error lists the known names."""
    for claim in CLAIMS:
        if claim.name == name:
            return claim
    raise ValueError(f"unknown claim {name!r}; known: {', '.join(c.name for c in CLAIMS)}")
