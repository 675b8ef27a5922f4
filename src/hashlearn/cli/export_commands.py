"""``hashlearn export-onnx``: a deep model's encoder as an ONNX file, checked with onnxruntime.

torch.onnx and onnxruntime are imported inside the command, so ``hashlearn
--help`` starts fast.
"""

from __future__ import annotations

import click

import hashlearn
from hashlearn.cli._app import cli
from hashlearn.cli._files import read_model_input

#: The figures of ``verify_onnx`` in the order they are printed.
VERIFY_KEYS = ("n_rows", "n_bits", "bits_equal", "sign_flips", "flips_at_zero", "max_abs_diff")


def verify_lines(figures: dict[str, float]) -> list[str]:
    """One ``name<TAB>value`` line per figure of ``verify_onnx``.

    >>> verify_lines({"n_rows": 2, "n_bits": 8, "bits_equal": 1.0, "sign_flips": 0,
    ...               "flips_at_zero": 0, "max_abs_diff": 2.5e-07})[2:]
    ['bits_equal\\t1.000000', 'sign_flips\\t0', 'flips_at_zero\\t0', 'max_abs_diff\\t2.5e-07']
    """
    shown = {"bits_equal": "{:.6f}", "max_abs_diff": "{:.3g}"}
    return [f"{key}\t{shown.get(key, '{}').format(figures[key])}" for key in VERIFY_KEYS]


@cli.command("export-onnx")
@click.argument("model_dir", metavar="MODEL_DIR")
@click.argument("out", metavar="OUT.onnx")
@click.option(
    "--verify",
    "verify_path",
    default=None,
    help="Rows (features or images, as for `hashlearn encode`) to run through both the "
    "ONNX file (onnxruntime) and the model; prints how their bits agree.",
)
@click.option("--opset", type=int, default=None, help="ONNX opset (default: the exporter's).")
def export_onnx_command(
    model_dir: str, out: str, verify_path: str | None, opset: int | None
) -> None:
    """Export a deep model (sh-bdnn, uh-bdnn, hashnet, dhn) to ONNX.

    The graph takes the rows `hashlearn encode` reads (feature rows, or uint8
    images for a model fitted on images) with any batch size, and outputs
    "projection" (float32) and "bits" (uint8, 1 where projection >= 0).

    \b
    Example:
      hashlearn export-onnx hashnet-model hashnet.onnx --verify queries.npy
    """
    from hashlearn.export.onnx import export_onnx, verify_onnx

    model = hashlearn.load(model_dir)
    path = export_onnx(model, out, opset=opset)
    click.echo(f"exported {model.method_name} ({model.n_bits} bits) -> {path}")
    if verify_path is not None:
        rows = read_model_input(model, verify_path, "--verify").values
        for line in verify_lines(verify_onnx(model, path, rows)):
            click.echo(line)
