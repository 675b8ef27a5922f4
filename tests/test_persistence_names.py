"""Model folders hold config.json + model.safetensors; old folders load; saves are crash-safe."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

import hashlearn
from hashlearn.persistence import ARRAYS_NAME, CONFIG_NAME, STAGING_NAME


@pytest.fixture(scope="module")
def data():
    return np.random.default_rng(0).normal(size=(120, 10))


def lsh(data, seed):
    return hashlearn.create("lsh", n_bits=12, random_state=seed).fit(data)


def same_codes(folder, model, data):
    return bool(np.array_equal(hashlearn.load(folder).encode(data), model.encode(data)))


def write_old_layout(model, folder):
    """A folder as the previous hashlearn wrote it: arrays-<sha>.safetensors, named in config."""
    model.save(folder)
    config = json.loads((folder / CONFIG_NAME).read_text())
    old_name = f"arrays-{config['arrays_sha256'][:16]}.safetensors"
    (folder / ARRAYS_NAME).rename(folder / old_name)
    config["arrays_file"] = old_name
    del config["fingerprint"]
    (folder / CONFIG_NAME).write_text(json.dumps(config))
    return old_name


def test_saved_folder_uses_the_hugging_face_names(data, tmp_path):
    folder = lsh(data, 0).save(tmp_path / "m")
    assert sorted(p.name for p in folder.iterdir()) == [CONFIG_NAME, ARRAYS_NAME]
    assert json.loads((folder / CONFIG_NAME).read_text())["arrays_file"] == ARRAYS_NAME


def test_torch_models_save_the_same_way(tmp_path):
    X = np.random.default_rng(1).normal(size=(60, 6)).astype(np.float32)
    model = hashlearn.create(
        "hashnet", n_bits=8, epochs=1, hidden_sizes=(), random_state=0, progress=False
    ).fit(X, np.arange(60) % 3)
    folder = model.save(tmp_path / "h")
    assert sorted(p.name for p in folder.iterdir()) == [CONFIG_NAME, ARRAYS_NAME]
    loaded = hashlearn.load(folder)
    assert np.array_equal(loaded.encode(X), model.encode(X))
    dtypes = {k: v.dtype for k, v in model.module_.state_dict().items()}
    assert {k: v.dtype for k, v in loaded.module_.state_dict().items()} == dtypes


def test_folder_of_the_previous_layout_loads_and_resaves(data, tmp_path):
    old, new = lsh(data, 0), lsh(data, 1)
    old_name = write_old_layout(old, tmp_path / "m")
    assert same_codes(tmp_path / "m", old, data)
    new.save(tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == [CONFIG_NAME, ARRAYS_NAME]
    assert not (tmp_path / "m" / old_name).exists()
    assert same_codes(tmp_path / "m", new, data)


def test_other_files_of_the_folder_are_kept(data, tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "README.md").write_text("notes")
    lsh(data, 0).save(tmp_path / "m")
    lsh(data, 1).save(tmp_path / "m")
    assert (tmp_path / "m" / "README.md").read_text() == "notes"


@pytest.fixture
def interrupted(data, tmp_path):
    """Model 0 saved in m/, model 1's complete files in new/: build crash states from them."""
    old, new = lsh(data, 0), lsh(data, 1)
    old.save(tmp_path / "m")
    new.save(tmp_path / "new")
    (tmp_path / "m" / STAGING_NAME).mkdir()
    return tmp_path / "m", tmp_path / "new", old, new


def test_crash_while_staging_leaves_the_old_model(interrupted, data):
    folder, new_files, old, new = interrupted
    shutil.copy(new_files / ARRAYS_NAME, folder / STAGING_NAME / ARRAYS_NAME)  # no config yet
    assert same_codes(folder, old, data)
    new.save(folder)
    assert same_codes(folder, new, data) and not (folder / STAGING_NAME).exists()


@pytest.mark.parametrize("arrays_moved", [False, True])
def test_crash_after_the_commit_loads_the_new_model(interrupted, data, arrays_moved):
    folder, new_files, old, new = interrupted
    for name in (ARRAYS_NAME, CONFIG_NAME):
        shutil.copy(new_files / name, folder / STAGING_NAME / name)
    if arrays_moved:  # the first rename of the swap happened, not the second
        (folder / STAGING_NAME / ARRAYS_NAME).replace(folder / ARRAYS_NAME)
    assert same_codes(folder, new, data)
    old.save(folder)  # the next save finishes the swap, then writes its own model
    assert same_codes(folder, old, data)
    assert sorted(p.name for p in folder.iterdir()) == [CONFIG_NAME, ARRAYS_NAME]
