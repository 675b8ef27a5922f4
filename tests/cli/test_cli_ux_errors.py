"""One-line errors that say what to do: bad .npy files, bad --param values,
--debug anywhere, and a missing dataset (with --download to fetch it)."""

from __future__ import annotations

import pytest
from cli_helpers import invoke
from click.testing import CliRunner

from hashlearn.cli import cli


def _one_line_error(result, *fragments):
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def _fit(*args, ok=False):
    return invoke("fit", "itq", "--bits", 8, *args, ok=ok)


@pytest.mark.parametrize("content", [b"hello\n1,2,3\n", b""])
def test_a_file_that_is_not_npy_says_so(content, tmp_path, digits_files):
    fake = tmp_path / "x.npy"
    fake.write_bytes(content)
    r = _fit("--data", fake, "--out", tmp_path / "m")
    message = _one_line_error(r, "--data", "x.npy is not a valid .npy array file", "numpy.save")
    assert "pickle" not in message
    r = invoke(
        "fit", "sdh", "--data", digits_files / "train.npy", "--labels", fake,
        "--bits", 8, "--out", tmp_path / "m", ok=False,
    )  # fmt: skip
    _one_line_error(r, "--labels", "not a valid .npy")


def test_a_bad_param_value_names_the_parameter_and_the_value(digits_files, tmp_path):
    r = _fit("--data", digits_files / "train.npy", "--param", "n_iter=abc", "--out", tmp_path / "m")
    _one_line_error(r, "n_iter=abc", "'itq'", "int")
    r = invoke(
        "fit", "lsh", "--data", digits_files / "train.npy", "--bits", 8,
        "--param", "center=yes", "--out", tmp_path / "m", ok=False,
    )  # fmt: skip
    _one_line_error(r, "center=yes", "true/false")
    r = invoke(
        "bench", "--protocol", "digits", "--methods", "itq", "--bits", 8,
        "--param", "itq:n_iter=1.5", "--out", tmp_path / "r.json", ok=False,
    )  # fmt: skip
    _one_line_error(r, "n_iter=1.5", "int")
    assert not (tmp_path / "r.json").exists()


def test_good_param_values_of_every_type_pass(digits_files, tmp_path):
    invoke(
        "fit", "sdh", "--data", digits_files / "train.npy", "--labels", digits_files / "ytrain.npy",
        "--bits", 8, "--param", "n_iter=2", "--param", "lam=1", "--param", "sigma=null",
        "--param", "n_anchors=50", "--out", tmp_path / "m",
    )  # fmt: skip


@pytest.mark.parametrize("where", [0, 2, -1])
def test_debug_is_accepted_anywhere(where, digits_files, tmp_path):
    args = ["fit", "nope", "--data", str(digits_files / "train.npy"), "--bits", "8"]
    args += ["--out", str(tmp_path / "m")]
    args.insert(where if where >= 0 else len(args), "--debug")
    result = CliRunner().invoke(cli, args)
    assert isinstance(result.exception, ValueError), result.output
    assert "unknown method" in str(result.exception)


def test_the_help_says_debug_is_accepted_anywhere():
    assert "accepted anywhere" in invoke("--help").stdout


def _bench_mnist(tmp_path, *extra):
    return invoke(
        "bench", "--protocol", "mnist-10k", "--methods", "lsh", "--bits", 8,
        "--data-dir", tmp_path / "empty", "--out", tmp_path / "r.json", *extra, ok=False,
    )  # fmt: skip


def test_missing_mnist_names_the_cli_ways_to_get_it(tmp_path):
    message = _one_line_error(_bench_mnist(tmp_path), "not found", "--download", "--data-dir")
    assert "HASHLEARN_DATA" in message and "download=True in Python" in message


def test_download_flag_fetches_the_protocols_dataset(tmp_path, monkeypatch):
    tried = []

    def offline(url, dest, timeout=60.0):
        tried.append(url)
        raise OSError("no network in the tests")

    monkeypatch.setattr("hashlearn.data.download._download", offline)
    _one_line_error(_bench_mnist(tmp_path, "--download"), "could not download", "no network")
    assert tried and tried[0].endswith("-idx3-ubyte.gz")


def test_download_needs_a_protocol(digits_files, tmp_path):
    r = _fit("--data", digits_files / "train.npy", "--download", "--out", tmp_path / "m")
    _one_line_error(r, "--download", "--protocol")
