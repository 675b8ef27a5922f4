"""ONNX export of the deep encoders: the graph gives the model's bits on raw inputs."""

from __future__ import annotations

import copy

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")  # torch.onnx's exporter
onnx = pytest.importorskip("onnx")

from sklearn.datasets import load_digits  # noqa: E402
from torch import nn  # noqa: E402

import hashlearn  # noqa: E402
from hashlearn.export.onnx import export_onnx, onnx_session, verify_onnx  # noqa: E402

FAST = {
    "sh-bdnn": {"n_pretrain_iter": 20, "n_wstep_iter": 20, "max_alternations": 1},
    "uh-bdnn": {"n_pretrain_iter": 20, "n_wstep_iter": 20, "max_alternations": 1},
    "hashnet": {"epochs": 2, "hidden_sizes": (32,)},
    "dhn": {"epochs": 2, "hidden_sizes": (32,)},
}
N_TRAIN = 1000


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_digits(return_X_y=True)
    return X.astype(np.float32), y


@pytest.fixture(scope="module")
def exported(digits, tmp_path_factory) -> dict:
    """Each deep method fitted on the first 1,000 digits and exported: name -> (model, path)."""
    X, y = digits
    folder = tmp_path_factory.mktemp("onnx")
    out = {}
    for method, params in FAST.items():
        model = hashlearn.create(method, n_bits=8, random_state=0, **params)
        model = model.fit(X[:N_TRAIN], y[:N_TRAIN]) if model.supervised else model.fit(X[:N_TRAIN])
        out[method] = (model, export_onnx(model, folder / f"{method}.onnx"))
    return out


def run(path, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    projection, bits = onnx_session(path).run(["projection", "bits"], {"input": rows})
    return projection, bits


@pytest.mark.parametrize("method", sorted(FAST))
def test_graph_gives_the_models_bits_on_held_out_rows(exported, digits, method):
    model, path = exported[method]
    held_out = digits[0][N_TRAIN:]
    projection, bits = run(path, held_out)
    assert projection.dtype == np.float32 and bits.dtype == np.uint8
    np.testing.assert_array_equal(bits, model.transform(held_out))
    np.testing.assert_allclose(projection, model.project(held_out), rtol=0, atol=1e-4)
    assert len(np.unique(bits, axis=0)) > 4  # real codes, not a constant


@pytest.mark.parametrize("method", sorted(FAST))
@pytest.mark.parametrize("n_rows", [1, 37])
def test_batch_dimension_is_dynamic(exported, digits, method, n_rows):
    model, path = exported[method]
    rows = digits[0][-n_rows:]
    projection, bits = run(path, rows)
    assert projection.shape == bits.shape == (n_rows, 8)
    np.testing.assert_array_equal(bits, model.transform(rows))


def test_graph_takes_raw_feature_rows_and_names_its_outputs(exported):
    graph = onnx.load(str(exported["hashnet"][1])).graph
    (given,) = graph.input
    dims = [d.dim_param or d.dim_value for d in given.type.tensor_type.shape.dim]
    assert given.name == "input" and dims == ["batch", 64]
    assert given.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    types = {o.name: o.type.tensor_type.elem_type for o in graph.output}
    assert types == {"projection": onnx.TensorProto.FLOAT, "bits": onnx.TensorProto.UINT8}


def test_the_feature_scaler_is_in_the_graph(exported, digits):
    """Rows far from the training mean: without the scaler the bits would change."""
    model, path = exported["dhn"]
    shifted = digits[0][N_TRAIN:] * 3.0 + 5.0
    np.testing.assert_array_equal(run(path, shifted)[1], model.transform(shifted))


def test_float64_bdnn_takes_double_rows(digits, tmp_path):
    X, _ = digits
    model = hashlearn.create("uh-bdnn", n_bits=8, dtype="float64", **FAST["uh-bdnn"]).fit(X[:300])
    path = export_onnx(model, tmp_path / "m.onnx")
    rows = X[N_TRAIN:].astype(np.float64)
    projection, bits = run(path, rows)
    np.testing.assert_array_equal(bits, model.transform(rows))
    np.testing.assert_allclose(projection, model.project(rows), rtol=1e-6, atol=1e-6)


def test_an_exact_zero_gives_bit_one(exported, digits, tmp_path):
    """The rule of hashlearn.codes.binarize: bit 1 where the projection is >= 0."""
    model = copy.deepcopy(exported["hashnet"][0])
    fc = model.module_.head.fc
    fc.weight.data.zero_()
    fc.bias.data[:4] = -1.0
    fc.bias.data[4:] = 0.0
    projection, bits = run(export_onnx(model, tmp_path / "m.onnx"), digits[0][:5])
    assert (projection[:, 4:] == 0).all()
    assert (
        bits.tolist() == [[0, 0, 0, 0, 1, 1, 1, 1]] * 5 == model.transform(digits[0][:5]).tolist()
    )


def test_verify_reports_agreement_and_counts_disagreement(exported, digits):
    held_out = digits[0][N_TRAIN:]
    model, path = exported["hashnet"]
    same = verify_onnx(model, path, held_out)
    assert same["n_rows"] == len(held_out) and same["n_bits"] == 8
    assert same["bits_equal"] == 1.0 and same["sign_flips"] == same["flips_at_zero"] == 0
    assert same["max_abs_diff"] < 1e-4
    other = verify_onnx(exported["dhn"][0], path, held_out)  # another model's graph
    assert other["sign_flips"] > 0 and other["bits_equal"] < 1.0
    assert other["bits_equal"] == pytest.approx(1 - other["sign_flips"] / (8 * len(held_out)))
    assert other["max_abs_diff"] > 1e-3


def check_image_export(model, path, images: np.ndarray) -> None:
    (given,) = onnx.load(str(path)).graph.input
    assert given.type.tensor_type.elem_type == onnx.TensorProto.UINT8
    for rows in (images[:1], images):
        projection, bits = run(path, rows)
        np.testing.assert_array_equal(bits, model.transform(rows))
        np.testing.assert_allclose(projection, model.project(rows), rtol=0, atol=1e-4)
    assert verify_onnx(model, path, images)["sign_flips"] == 0


def test_image_model_exports_with_its_resize_and_normalisation(
    tiny_backbone, two_class_images, tmp_path
):
    images, labels = two_class_images(40, side=12)
    model = hashlearn.create(
        "hashnet", n_bits=8, epochs=1, backbone=tiny_backbone, image_size=16, precision="float32"
    ).fit(images[:30], labels[:30])
    check_image_export(model, export_onnx(model, tmp_path / "m.onnx"), images[30:])


@pytest.mark.slow
def test_efficientnet_lite0_hashnet_exports(tmp_path, two_class_images):
    pytest.importorskip("efficientnet_lite_pytorch")
    images, labels = two_class_images(24, side=40)
    model = hashlearn.create(
        "hashnet",
        n_bits=8,
        epochs=1,
        finetune="frozen",
        image_size=32,
        augment=False,
        precision="float32",
        random_state=0,
    ).fit(images[:16], labels[:16])
    check_image_export(model, export_onnx(model, tmp_path / "m.onnx"), images[16:])


def test_models_that_cannot_be_exported_are_refused_by_name(exported, digits, tmp_path):
    itq = hashlearn.create("itq", n_bits=8).fit(digits[0][:200])
    with pytest.raises(ValueError, match=r"itq is a linear/kernel map.*model\.encode"):
        export_onnx(itq, tmp_path / "itq.onnx")
    with pytest.raises(ValueError, match="hashnet: the model is not fitted"):
        export_onnx(hashlearn.create("hashnet", n_bits=8), tmp_path / "h.onnx")
    with_extractor = copy.copy(exported["sh-bdnn"][0]).set_params(feature_extractor=nn.Identity())
    with pytest.raises(ValueError, match="sh-bdnn with a feature_extractor"):
        export_onnx(with_extractor, tmp_path / "b.onnx")
    assert not list(tmp_path.glob("*.onnx"))


def test_cli_exports_a_saved_model_and_verifies_it(exported, digits, tmp_path):
    from click.testing import CliRunner

    from hashlearn.cli import cli

    model, _ = exported["dhn"]
    model.save(tmp_path / "model")
    np.save(tmp_path / "rows.npy", digits[0][N_TRAIN:])
    args = ["export-onnx", tmp_path / "model", tmp_path / "m.onnx", "--opset", 18]
    result = CliRunner().invoke(cli, [str(a) for a in (*args, "--verify", tmp_path / "rows.npy")])
    assert result.exit_code == 0, result.output
    lines = dict(line.split("\t") for line in result.output.splitlines() if "\t" in line)
    assert lines["n_rows"] == str(len(digits[0]) - N_TRAIN) and lines["bits_equal"] == "1.000000"
    assert lines["sign_flips"] == "0" and lines["flips_at_zero"] == "0"
    assert onnx.load(str(tmp_path / "m.onnx")).opset_import[0].version == 18
    bits = run(tmp_path / "m.onnx", digits[0][N_TRAIN:])[1]
    np.testing.assert_array_equal(bits, model.transform(digits[0][N_TRAIN:]))


def test_cli_refuses_a_classic_model_in_one_line(digits, tmp_path):
    from click.testing import CliRunner

    from hashlearn.cli import cli

    hashlearn.create("itq", n_bits=8).fit(digits[0][:200]).save(tmp_path / "itq")
    result = CliRunner().invoke(cli, ["export-onnx", str(tmp_path / "itq"), str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "error: itq is a linear/kernel map" in result.output


def test_an_sh_bdnn_model_on_kernel_inputs_exports_its_kernel_map(digits, tmp_path):
    X, y = digits
    params = {**FAST["sh-bdnn"], "preset": "paper", "n_anchors": 200, "random_state": 0}
    model = hashlearn.create("sh-bdnn", n_bits=8, **params).fit(X[:N_TRAIN], y[:N_TRAIN])
    projection, bits = run(export_onnx(model, tmp_path / "kernel.onnx"), X[N_TRAIN:])
    np.testing.assert_allclose(projection, model.project(X[N_TRAIN:]), rtol=0, atol=1e-4)
    np.testing.assert_array_equal(bits, model.transform(X[N_TRAIN:]))
