"""Bad input gives one line on stderr and exit code 2; --debug shows the traceback."""

from __future__ import annotations

import pytest
from cli_helpers import invoke

from hashlearn.cli import cli


def _one_line_error(result, *fragments):
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture(scope="module")
def model16(digits_files, tmp_path_factory):
    folder = tmp_path_factory.mktemp("m16")
    invoke("fit", "itq", "--data", digits_files / "train.npy", "--bits", 16, "--out", folder / "m")
    invoke("encode", folder / "m", "--data", digits_files / "db.npy", "--out", folder / "db.npy")
    invoke("index", "build", folder / "db.npy", "--out", folder / "db.idx")
    return folder


def test_unknown_method(digits_files, tmp_path):
    r = invoke(
        "fit",
        "nope",
        "--data",
        digits_files / "train.npy",
        "--bits",
        8,
        "--out",
        tmp_path / "m",
        ok=False,
    )
    _one_line_error(r, "unknown method 'nope'", "itq")


def test_unknown_parameter(digits_files, tmp_path):
    r = invoke(
        "fit",
        "itq",
        "--data",
        digits_files / "train.npy",
        "--bits",
        8,
        "--param",
        "foo=1",
        "--out",
        tmp_path / "m",
        ok=False,
    )
    _one_line_error(r, "foo")
    r = invoke(
        "fit",
        "itq",
        "--data",
        digits_files / "train.npy",
        "--bits",
        8,
        "--param",
        "novalue",
        "--out",
        tmp_path / "m",
        ok=False,
    )
    _one_line_error(r, "key=value")


def test_missing_file_and_wrong_shape(digits_files, tmp_path):
    r = invoke(
        "fit",
        "itq",
        "--data",
        tmp_path / "absent.npy",
        "--bits",
        8,
        "--out",
        tmp_path / "m",
        ok=False,
    )
    _one_line_error(r, "no such file", "absent.npy")
    r = invoke(
        "fit",
        "itq",
        "--data",
        digits_files / "ytrain.npy",
        "--bits",
        8,
        "--out",
        tmp_path / "m",
        ok=False,
    )
    _one_line_error(r, "2-D")


def test_supervised_without_labels(digits_files, tmp_path):
    r = invoke(
        "fit",
        "sh-bdnn",
        "--data",
        digits_files / "train.npy",
        "--bits",
        8,
        "--out",
        tmp_path / "m",
        ok=False,
    )
    _one_line_error(r, "supervised", "--labels")


def test_model_of_another_n_bits(digits_files, model16, tmp_path):
    invoke(
        "fit", "lsh", "--data", digits_files / "train.npy", "--bits", 32, "--out", tmp_path / "m32"
    )
    r = invoke(
        "search",
        model16 / "db.idx",
        "--queries",
        digits_files / "q.npy",
        "--model",
        tmp_path / "m32",
        ok=False,
    )
    _one_line_error(r, "n_bits=32", "16-bit")
    invoke(
        "encode", tmp_path / "m32", "--data", digits_files / "q.npy", "--out", tmp_path / "q32.npy"
    )
    r = invoke("search", model16 / "db.idx", "--queries", tmp_path / "q32.npy", ok=False)
    _one_line_error(r, "q32.npy holds 32-bit codes, expected n_bits=16")


def test_not_codes_not_an_index_not_a_model(digits_files, model16, tmp_path):
    r = invoke("index", "build", digits_files / "q.npy", "--out", tmp_path / "i", ok=False)
    _one_line_error(r, "packed uint8 codes")
    r = invoke("search", digits_files / "q.npy", "--queries", model16 / "db.npy", ok=False)
    _one_line_error(r, "index")
    r = invoke(
        "encode", tmp_path, "--data", digits_files / "q.npy", "--out", tmp_path / "c.npy", ok=False
    )
    _one_line_error(r)
    r = invoke(
        "encode",
        model16 / "m",
        "--data",
        digits_files / "q.npy",
        "--out",
        tmp_path / "c.txt",
        ok=False,
    )
    _one_line_error(r, ".npy or .parquet")


def test_usage_errors_are_one_line(model16):
    _one_line_error(invoke("serch", ok=False), "No such command")
    _one_line_error(invoke("search", model16 / "db.idx", ok=False), "--queries")
    r = invoke(
        "search",
        model16 / "db.idx",
        "--queries",
        model16 / "db.npy",
        "--k",
        2,
        "--radius",
        1,
        ok=False,
    )
    _one_line_error(r, "either --k or --radius")
    _one_line_error(
        invoke(
            "bench",
            "--protocol",
            "digits",
            "--methods",
            "itq",
            "--bits",
            "x",
            "--out",
            model16 / "r.json",
            ok=False,
        ),
        "--bits",
    )
    _one_line_error(
        invoke(
            "bench",
            "--protocol",
            "digits",
            "--methods",
            "zzz",
            "--out",
            model16 / "r.json",
            ok=False,
        ),
        "unknown method 'zzz'",
    )
    _one_line_error(
        invoke(
            "bench",
            "--protocol",
            "no-such-protocol",
            "--methods",
            "lsh",
            "--out",
            model16 / "r.json",
            ok=False,
        )
    )
    _one_line_error(
        invoke(
            "evaluate",
            "--queries",
            model16 / "db.npy",
            "--database",
            model16 / "db.npy",
            "--labels",
            model16 / "db.npy",
            model16 / "db.npy",
            "--metrics",
            "bogus",
            ok=False,
        ),
        "bogus",
    )


def test_debug_shows_the_exception(digits_files, tmp_path):
    from click.testing import CliRunner

    result = CliRunner().invoke(
        cli,
        [
            "--debug",
            "fit",
            "nope",
            "--data",
            str(digits_files / "train.npy"),
            "--bits",
            "8",
            "--out",
            str(tmp_path / "m"),
        ],
    )
    assert isinstance(result.exception, ValueError)
    assert "unknown method" in str(result.exception)


def test_help_on_every_command_has_an_example():
    commands = [
        ["demo"],
        ["fit"],
        ["encode"],
        ["index", "build"],
        ["search"],
        ["evaluate"],
        ["bench"],
        ["list"],
        ["info"],
    ]
    for words in commands:
        out = invoke(*words, "--help").stdout
        assert "Example:" in out and f"hashlearn {words[0]}" in out, words
    assert "demo" in invoke("--help").stdout


def test_labels_row_count_mismatch_is_one_line(digits_files, tmp_path):
    r = invoke(
        "fit",
        "sh-bdnn",
        "--data",
        digits_files / "train.npy",
        "--bits",
        8,
        "--labels",
        digits_files / "yq.npy",
        "--out",
        tmp_path / "m",
        ok=False,
    )
    _one_line_error(r, "100 labels for 800 rows")
    assert not (tmp_path / "m").exists()
