"""hashlearn list: one line per method and protocol saying what it is."""

from __future__ import annotations

import json

from cli_helpers import invoke

import hashlearn
from hashlearn import _registry


def test_every_builtin_method_has_a_summary_that_matches_its_class():
    assert set(_registry.METHOD_SUMMARIES) == set(_registry.BUILTIN_METHODS)
    for name in _registry.BUILTIN_METHODS:
        summary = _registry.method_summary(name)
        cls = _registry.get_method(name)
        assert summary["supervised"] == cls.supervised, name
        assert summary["family"] == ("deep" if ".deep." in cls.__module__ else "classic"), name
        assert summary["description"] and "\n" not in summary["description"]


def test_a_method_of_another_package_is_described_from_its_class(monkeypatch):
    class Toy:
        """Toy hashing: one line.

        More text.
        """

        supervised = True

    monkeypatch.setitem(_registry._METHODS, "toy", Toy)
    assert _registry.method_summary("toy") == {
        "name": "toy",
        "description": "Toy hashing: one line.",
        "supervised": True,
        "family": "external",
    }


def test_list_prints_one_line_per_method_and_protocol():
    lines = invoke("list").stdout.splitlines()
    by_name = {line.split()[0]: line for line in lines if line.startswith("  ")}
    assert set(hashlearn.list_methods()) <= set(by_name)
    assert by_name["sh-bdnn"].split()[1:3] == ["deep", "supervised"]
    assert by_name["itq"].split()[1:3] == ["classic", "unsupervised"]
    assert "10,000 / 5,000 / 1,000 / 60,000" in by_name["mnist-10k-5k"]
    assert "same class" in by_name["mnist-10k-5k"]
    assert "k nearest neighbours" in by_name["mnist-unsup"]
    assert "300 / 1,000 / 0 / 1,497" in by_name["digits"]


def test_list_json_has_the_summaries():
    listing = json.loads(invoke("list", "--json").stdout)
    methods = {m["name"]: m for m in listing["method_summaries"]}
    assert [m["name"] for m in listing["method_summaries"]] == listing["methods"]
    assert methods["hashnet"]["supervised"] is True and methods["lsh"]["family"] == "classic"
    protocols = {p["name"]: p for p in listing["protocol_summaries"]}
    assert protocols["cifar10-1k"]["sizes"] == {
        "query": 1000, "database": 54000, "train": 5000, "val": 0
    }  # fmt: skip
    assert protocols["cifar10-1k"]["dataset"] == "cifar10"
