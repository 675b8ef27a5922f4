"""hashlearn fit / encode / search with an image folder and an end-to-end HashNet."""

from __future__ import annotations

import json

import numpy as np
from cli_helpers import invoke
from PIL import Image


def _image_folder(root, n_per_class=8, grey=True):
    rng = np.random.default_rng(0)
    for label, name in enumerate(("cats", "dogs")):
        (root / name).mkdir(parents=True)
        for i in range(n_per_class):
            pixels = rng.integers(0, 100, (16, 16, 3), dtype=np.uint8)
            pixels[:, : 8 * (label + 1)] += 120
            Image.fromarray(pixels).save(root / name / f"{i:02d}.png")
    if grey:
        Image.fromarray(np.full((16, 16), 200, np.uint8)).save(root / "cats" / "grey.png")
    return root


def test_fit_encode_and_search_an_image_folder_end_to_end(tmp_path):
    folder = _image_folder(tmp_path / "photos")
    fitted = invoke(
        "fit",
        "hashnet",
        "--data",
        folder,
        "--bits",
        8,
        "--quiet",
        "--param",
        "epochs=1",
        "--param",
        "image_size=32",
        "--param",
        "finetune=2",
        "--out",
        tmp_path / "model",
    )
    assert "17 x 16 x 16 x 3" in fitted.output  # 16 colour images + 1 grey one made RGB
    config = json.loads((tmp_path / "model" / "config.json").read_text())
    assert config["state"]["settings_"]["backbone"] == "efficientnet-lite0"
    invoke("encode", tmp_path / "model", "--data", folder, "--out", tmp_path / "codes.npy")
    codes = np.load(tmp_path / "codes.npy")
    assert codes.shape == (17, 1) and codes.dtype == np.uint8


def test_features_only_methods_still_read_image_folders_as_pixels(tmp_path):
    folder = _image_folder(tmp_path / "photos", grey=False)
    fitted = invoke("fit", "itq", "--data", folder, "--bits", 8, "--out", tmp_path / "itq")
    assert "16 x 768" in fitted.output


def test_fit_needs_exactly_one_data_source(tmp_path):
    result = invoke("fit", "itq", "--bits", 8, "--out", tmp_path / "m", ok=False)
    assert result.exit_code == 2 and "either --data PATH or --protocol NAME" in result.output


def test_image_folder_search_prints_file_names_and_refuses_another_models_queries(tmp_path):
    folder = _image_folder(tmp_path / "photos", grey=False)
    for name, seed in (("a", "0"), ("b", "1")):
        invoke(
            "fit", "itq", "--data", folder, "--bits", 8, "--seed", seed, "--out", tmp_path / name
        )
    invoke("encode", tmp_path / "a", "--data", folder, "--out", tmp_path / "db.parquet")
    invoke("index", "build", tmp_path / "db.parquet", "--out", tmp_path / "db.index")
    invoke("encode", tmp_path / "b", "--data", folder, "--out", tmp_path / "q_b.npy")
    search = ("search", tmp_path / "db.index", "--k", 1, "--queries")
    refused = invoke(*search, tmp_path / "q_b.npy", ok=False)
    assert refused.exit_code == 2 and "--allow-other-model" in refused.stderr
    invoke(*search, tmp_path / "q_b.npy", "--allow-other-model")
    invoke("encode", tmp_path / "a", "--data", folder, "--out", tmp_path / "q_a.npy")
    rows = invoke(*search, tmp_path / "q_a.npy").output.splitlines()[1:]
    files = {f"{p.parent.name}/{p.name}" for p in folder.glob("*/*.png")}
    assert rows[0] == "0\t0\tcats/00.png\t0"  # its own image (ties go to the lowest id)
    assert len(rows) == 16 and {row.split("\t")[2] for row in rows} <= files
