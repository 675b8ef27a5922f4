"""The ``hashlearn`` command line (click): a thin layer over the public API.

``hashlearn demo`` runs the main job; ``hashlearn --help`` lists the commands.
Every command is backed by one public function: ``fit`` by
:func:`hashlearn.create` + ``fit``, ``encode`` by ``model.encode``, ``index
build`` / ``search`` by :mod:`hashlearn.index`, ``evaluate`` by
:func:`hashlearn.metrics.evaluate_codes`, ``bench`` by
:func:`hashlearn.bench.run_benchmark`, ``demo`` by
:func:`hashlearn.bench.demo.run_demo`, ``reproduce`` by
:mod:`hashlearn.bench.reproduce`; ``info`` reads the records a model, index or
codes file keeps; ``export-onnx`` by :func:`hashlearn.export.onnx.export_onnx`.
"""

from hashlearn.cli import (  # noqa: F401  (importing registers the commands)
    bench_commands,
    commands,
    export_commands,
    info_command,
    query_commands,
    reproduce_command,
)
from hashlearn.cli._app import cli, main

__all__ = ["cli", "main"]
