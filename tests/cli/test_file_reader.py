"""One reader of user files for the library (hashlearn.data) and the command line (--data)."""

from __future__ import annotations

import io
import tarfile

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from cli_helpers import invoke
from PIL import Image

from hashlearn.cli._files import read_features, read_images
from hashlearn.cli._files import read_labels as cli_read_labels
from hashlearn.data import DataFileError, load_features, load_image_folder, load_multilabel
from hashlearn.data.files import read_labels

X = np.array([[0.5, 1.0], [2.0, -3.0], [4.25, 5.0]])
Y = np.array([2, 0, 1])
IDS = np.array([10, 11, 12])


def _csv(path, header, rows):
    lines = ([",".join(header)] if header else []) + [",".join(map(str, r)) for r in rows]
    path.write_text("# made by a test\n" + "\n".join(lines) + "\n")
    return path


def _files(folder):
    """The same features, ids and labels in each format the readers share."""
    rows = np.column_stack([IDS, X[:, 0], Y, X[:, 1]])
    parquet = folder / "d.parquet"
    pq.write_table(pa.table({"id": IDS, "f0": X[:, 0], "y": Y, "f1": X[:, 1]}), parquet)
    np.savez(folder / "d.npz", X=X, label=Y)
    return {
        "csv": _csv(folder / "d.csv", ["id", "f0", "label", "f1"], rows),
        "parquet": parquet,
        "npz": folder / "d.npz",
    }


@pytest.mark.parametrize("kind", ["csv", "parquet", "npz"])
def test_library_and_command_line_read_the_same_values_ids_and_labels(kind, tmp_path):
    path = _files(tmp_path)[kind]
    table = read_features(path)
    features, labels = load_features(path)
    np.testing.assert_array_equal(table.values, X)
    np.testing.assert_array_equal(features, X.astype(np.float32))
    assert features.dtype == np.float32 and table.values.dtype == np.float64
    assert table.labels.tolist() == labels.tolist() == Y.tolist()
    if kind != "npz":
        assert table.ids.tolist() == IDS.tolist()


def test_a_csv_without_header_keeps_its_first_row_everywhere(tmp_path):
    path = _csv(tmp_path / "plain.csv", None, X)
    features, labels = load_features(path)
    np.testing.assert_array_equal(features, X.astype(np.float32))
    assert labels is None and read_features(path).values.shape == X.shape


def test_labels_key_picks_the_column_and_none_leaves_it_a_feature(tmp_path):
    path = _csv(tmp_path / "d.csv", ["f0", "target", "y"], np.column_stack([X[:, 0], Y, Y]))
    features, labels = load_features(path, labels_key="target")
    assert labels.tolist() == Y.tolist() and features.shape == (3, 2)
    assert load_features(path, labels_key=None)[0].shape == (3, 3)


def test_the_command_line_takes_the_first_npz_array_that_is_not_labels(tmp_path):
    np.savez(tmp_path / "e.npz", labels=Y, emb=X)
    table = read_features(tmp_path / "e.npz")
    np.testing.assert_array_equal(table.values, X)
    assert table.labels.tolist() == Y.tolist()
    with pytest.raises(DataFileError, match=r"e\.npz has no array 'X'"):
        load_features(tmp_path / "e.npz")


def _save(image, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(image).save(path)


def _image_tree(root, rng):
    """Grey images of every suffix either reader once accepted, at several depths and splits."""
    pixels = {name: rng.integers(0, 256, (4, 4), dtype=np.uint8) for name in "abcdef"}
    pixels["d"] = np.dstack([pixels["d"]] * 3)  # .webp holds colours
    _save(pixels["a"], root / "test" / "cat" / "a.png")
    _save(pixels["b"], root / "train" / "dog" / "b.pgm")
    _save(pixels["c"], root / "train" / "cat" / "c.gif")
    _save(pixels["d"], root / "cat" / "d.webp")
    _save(pixels["e"], root / "more" / "dog" / "e.bmp")
    _save(pixels["f"], root / "f.jpeg")
    (root / "notes.txt").write_text("not an image")
    return pixels


def test_image_folders_read_alike_with_every_suffix_and_depth(tmp_path):
    pixels = _image_tree(tmp_path / "imgs", np.random.default_rng(0))
    images, labels, is_train, names = load_image_folder(tmp_path / "imgs")
    assert names == ("cat", "dog", "imgs")
    order = ["d", "c", "e", "b", "f", "a"]  # train / no split, by class then path; test last
    assert labels.tolist() == [0, 0, 1, 1, 2, 0] and is_train.tolist() == [True] * 5 + [False]
    table = read_images(tmp_path / "imgs")
    np.testing.assert_array_equal(table.values, images)
    assert table.labels.tolist() == labels.tolist()
    assert [name.rsplit("/", 1)[-1][0] for name in table.ids] == order
    for row, name in enumerate(order):
        if name in "abce":  # the lossless formats
            np.testing.assert_array_equal(images[row], np.dstack([pixels[name]] * 3))


def test_image_features_are_grey_levels_or_rgb_never_palette_indices(tmp_path):
    grey = np.arange(16, dtype=np.uint8).reshape(4, 4) * 16
    _save(grey, tmp_path / "g" / "a" / "grey.png")
    _save(grey, tmp_path / "g" / "b" / "grey.pgm")
    values = read_features(tmp_path / "g").values
    np.testing.assert_allclose(values, np.stack([grey.ravel()] * 2) / 255, atol=1e-7)
    palette = np.array([[0, 0, 0], [255, 0, 0], [0, 128, 255], [9, 9, 9]], np.uint8)
    indices = np.arange(16, dtype=np.uint8).reshape(4, 4) % 4
    image = Image.fromarray(indices, "P")
    image.putpalette(palette.ravel().tolist())
    (tmp_path / "c" / "x").mkdir(parents=True)
    image.save(tmp_path / "c" / "x" / "palette.gif")
    _save(
        np.dstack([palette[indices], np.full((4, 4), 7, np.uint8)]), tmp_path / "c" / "y" / "a.png"
    )
    values = read_features(tmp_path / "c").values
    np.testing.assert_allclose(values, np.stack([palette[indices].ravel()] * 2) / 255, atol=1e-7)


def test_the_command_line_reads_a_tar_archive_of_an_image_folder(tmp_path):
    rng = np.random.default_rng(1)
    with tarfile.open(tmp_path / "imgs.tar.gz", "w:gz") as tar:
        for i, cls in enumerate(("cat", "dog", "dog")):
            buf = io.BytesIO()
            Image.fromarray(rng.integers(0, 256, (2, 3, 3), dtype=np.uint8)).save(buf, "PNG")
            info = tarfile.TarInfo(f"{cls}/{i}.png")
            info.size = len(buf.getvalue())
            tar.addfile(info, io.BytesIO(buf.getvalue()))
    table = read_features(tmp_path / "imgs.tar.gz")
    assert table.values.shape == (3, 18) and table.labels.tolist() == [0, 1, 1]
    assert read_images(tmp_path / "imgs.tar.gz").values.shape == (3, 2, 3, 3)


def test_a_folder_of_one_class_gives_no_labels_to_features(tmp_path):
    _save(np.zeros((2, 2), np.uint8), tmp_path / "only" / "x.png")
    assert read_features(tmp_path / "only").labels is None
    assert load_image_folder(tmp_path / "only")[1].tolist() == [0]


def test_label_files_share_the_rules(tmp_path):
    (tmp_path / "y.txt").write_text("label\n2\n0\n# a comment\n1\n")
    (tmp_path / "m.txt").write_text("0 1, 1\n1,0 0\n")
    pq.write_table(pa.table({"label": ["cat", "dog", "cat"]}), tmp_path / "s.parquet")
    assert read_labels(tmp_path / "y.txt").tolist() == Y.tolist()
    assert cli_read_labels(tmp_path / "m.txt").tolist() == [[0, 1, 1], [1, 0, 0]]
    assert read_labels(tmp_path / "s.parquet").tolist() == ["cat", "dog", "cat"]
    assert load_multilabel(tmp_path / "m.txt").dtype == np.uint8


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("absent.csv", None, "--data: no such file or folder"),
        ("x.json", "{}", "x.json has an unsupported suffix '.json'"),
        ("t.csv", "a,b\n1,oops\n", "t.csv: expected rows of numbers"),
        ("n.csv", "1,2\nnan,3\n", "n.csv contains NaN or infinite values"),
    ],
)
def test_command_line_errors_name_the_option_and_the_file_on_one_line(
    name, content, words, tmp_path
):
    if content is not None:
        (tmp_path / name).write_text(content)
    result = invoke("fit", "lsh", "--data", tmp_path / name, "--bits", 8, "--out", tmp_path / "m",
                    ok=False)  # fmt: skip
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1 and "--data" in lines[0], result.stderr
    assert words in lines[0]


def test_an_unreadable_image_is_named_in_python_and_on_the_command_line(tmp_path):
    _save(np.zeros((2, 2), np.uint8), tmp_path / "imgs" / "cat" / "ok.png")
    (tmp_path / "imgs" / "dog").mkdir()
    (tmp_path / "imgs" / "dog" / "bad.png").write_bytes(b"no image")
    with pytest.raises(DataFileError, match=r"dog/bad\.png: not a readable image"):
        load_image_folder(tmp_path / "imgs")
    result = invoke("fit", "lsh", "--data", tmp_path / "imgs", "--bits", 8, "--out",
                    tmp_path / "m", ok=False)  # fmt: skip
    assert result.exit_code == 2 and "--data: " in result.stderr
    assert "dog/bad.png: not a readable image" in result.stderr
