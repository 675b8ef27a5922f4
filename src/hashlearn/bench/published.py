"""Published numbers to place beside ours, per protocol, method and code length.

Sources: the papers and surveys, the BDNN paper's claims and the authors' own
code (run on real MNIST here; ``source`` says "authors' code" for those). Values are
fractions (0.6962, not 69.62).

>>> rows = published_for("cifar10-1k", methods=["dhn"], bits=[32])
>>> rows[0]["value"], rows[0]["metric"]
(0.603, 'map')
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

_BDNN = "BDNN paper (Do et al., ECCV 2016), AlexNet features"
_BDNN_MNIST = "BDNN paper (Do et al., ECCV 2016)"
_DRSCH = "BDNN paper vs DSRH/DRSCH (DRSCH protocol, 10,000 queries)"
_SURVEY_DRSCH = "survey Table 4, from the DRSCH paper (DRSCH protocol)"
_DHN = "DHN paper (Zhu et al., AAAI 2016), AlexNet end to end"
_SURVEY = "survey Table 4 (DHN protocol)"
_HASHNET = "HashNet paper (Cao et al., ICCV 2017), AlexNet"
_AUTHORS = "authors' code run here"

# (protocol, method, metric, source, {n_bits: value})
_TABLE: list[tuple[str, str, str, str, dict[int, float]]] = [
    *(
        (proto, method, "map", source, values)
        for proto in ("cifar10-1k", "cifar10-1k-incl")
        for method, source, values in (
            ("dhn", _DHN, {12: 0.555, 24: 0.594, 32: 0.603, 48: 0.621}),
            ("ksh", _SURVEY, {12: 0.303, 24: 0.337, 32: 0.346, 48: 0.356}),
            ("sdh", _SURVEY, {12: 0.285, 24: 0.329, 32: 0.341, 48: 0.356}),
            ("itq", _SURVEY, {12: 0.127, 24: 0.128, 32: 0.126, 48: 0.129}),
        )
    ),
    ("cifar10-10k", "sh-bdnn", "map", _BDNN, {8: 0.5412, 32: 0.6962}),
    ("cifar10-10k", "sdh", "map", _BDNN, {8: 0.3160, 32: 0.6763}),
    ("cifar10-10k", "ksh", "map", _BDNN, {32: 0.6576}),
    ("cifar10-10k", "bre", "map", _BDNN, {8: 0.2384, 32: 0.4489}),
    # DRSCH's protocol: 10,000 test queries, the 50,000 training images as training set
    # and database: our "cifar10-10k-full"
    (
        "cifar10-10k-full",
        "dsrh",
        "map",
        _SURVEY_DRSCH,
        {12: 0.608, 24: 0.610, 32: 0.617, 48: 0.617},
    ),
    (
        "cifar10-10k-full",
        "drsch",
        "map",
        _SURVEY_DRSCH,
        {12: 0.614, 24: 0.621, 32: 0.628, 48: 0.630},
    ),
    ("cifar10-10k-full", "dsrh", "map", _DRSCH, {32: 0.6177}),
    ("cifar10-10k-full", "drsch", "map", _DRSCH, {32: 0.6305}),
    ("cifar10-10k-full", "sh-bdnn", "map", _DRSCH, {32: 0.6622}),
    ("mnist-10k", "sh-bdnn", "precision_at_radius_2", _BDNN_MNIST, {32: 0.9551}),
    ("mnist-10k", "sdh", "precision_at_radius_2", _BDNN_MNIST, {32: 0.9443}),
    ("mnist-10k", "itq-cca", "precision_at_radius_2", _BDNN_MNIST, {32: 0.8457}),
    ("mnist-10k", "sdh", "map", _AUTHORS + ", 60k labels", {16: 0.935, 32: 0.944}),
    (
        "mnist-10k",
        "sdh",
        "precision_at_radius_2",
        _AUTHORS + ", 60k labels",
        {16: 0.929, 32: 0.943},
    ),
    ("mnist-10k-5k", "sh-bdnn", "map", _AUTHORS, {8: 0.706, 16: 0.858, 24: 0.879, 32: 0.883}),
    (
        "mnist-10k-5k",
        "sh-bdnn",
        "precision_at_radius_2",
        _AUTHORS,
        {8: 0.632, 16: 0.876, 24: 0.895, 32: 0.896},
    ),
    ("mnist-10k-5k", "sdh", "map", _AUTHORS, {8: 0.699, 16: 0.920, 24: 0.919, 32: 0.925}),
    (
        "mnist-10k-5k",
        "sdh",
        "precision_at_radius_2",
        _AUTHORS,
        {8: 0.535, 16: 0.914, 24: 0.920, 32: 0.928},
    ),
    (
        "imagenet-100",
        "hashnet",
        "map@1000",
        _HASHNET,
        {16: 0.5059, 32: 0.6306, 48: 0.6633, 64: 0.6835},
    ),
    ("imagenet-100", "dhn", "map@1000", _HASHNET, {16: 0.311, 32: 0.472, 48: 0.542, 64: 0.573}),
    ("imagenet-100", "itq", "map@1000", _HASHNET, {16: 0.326, 32: 0.462, 48: 0.517, 64: 0.552}),
    ("imagenet-100", "lsh", "map@1000", _HASHNET, {16: 0.101, 32: 0.235, 48: 0.312, 64: 0.360}),
    (
        "nus-wide-81",
        "hashnet",
        "map@5000",
        _HASHNET,
        {16: 0.6623, 32: 0.6988, 48: 0.7114, 64: 0.7163},
    ),
    ("nus-wide-81", "dhn", "map@5000", _HASHNET, {16: 0.6374, 32: 0.6637, 48: 0.6692, 64: 0.6714}),
    ("ms-coco", "hashnet", "map@5000", _HASHNET, {16: 0.6873, 32: 0.7184, 48: 0.7301, 64: 0.7362}),
    ("ms-coco", "dhn", "map@5000", _HASHNET, {16: 0.6774, 32: 0.7013, 48: 0.6948, 64: 0.6944}),
]


def published_for(
    protocol: str,
    methods: Iterable[str] | None = None,
    bits: Iterable[int] | None = None,
) -> list[dict[str, Any]]:
    """Published numbers for ``protocol``, optionally only some methods and lengths.

    Each row: ``{"protocol", "method", "n_bits", "metric", "value", "source"}``.

    >>> [r["value"] for r in published_for("mnist-10k", ["itq-cca"])]
    [0.8457]
    """
    wanted_methods = None if methods is None else set(methods)
    wanted_bits = None if bits is None else {int(b) for b in bits}
    rows = []
    for proto, method, metric, source, values in _TABLE:
        if proto != protocol or (wanted_methods is not None and method not in wanted_methods):
            continue
        for n_bits, value in values.items():
            if wanted_bits is None or n_bits in wanted_bits:
                rows.append(
                    {
                        "protocol": proto,
                        "method": method,
                        "n_bits": n_bits,
                        "metric": metric,
                        "value": value,
                        "source": source,
                    }
                )
    return rows


def published_protocols() -> list[str]:
    """Protocol names that have published numbers.

    >>> "cifar10-1k" in published_protocols()
    True
    """
    return sorted({row[0] for row in _TABLE})
