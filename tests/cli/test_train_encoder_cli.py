"""``narrascope train roles|checkworthiness --mode default``: the shared encoder's command line, without training."""

from __future__ import annotations

import sys

import pytest

from narrascope.cli import main
from narrascope.encoder.finetune import TORCH_MISSING, find_data
from narrascope.errors import InputError


def test_without_torch_the_command_says_how_to_install_it(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch raises ImportError
    for task in ("roles", "checkworthiness"):
        rc = main(["train", task, "--mode", "default", "--data", str(tmp_path), "--out", str(tmp_path / "x.npz")])
        err = capsys.readouterr().err
        assert rc == 2 and TORCH_MISSING in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("argv,message", [
    (["--layers", "0"], "--layers"), (["--layers", "a"], "--layers"), (["--epochs", "0"], "--epochs"),
    (["--max-minutes", "-1"], "--max-minutes"), (["--limit", "0"], "--limit"),
])
def test_bad_training_options_are_usage_errors(argv, message, capsys, tmp_path):
    rc = main(["train", "roles", "--mode", "default", "--data", str(tmp_path), *argv])
    assert rc == 2 and message in capsys.readouterr().err


def test_both_data_sets_are_found_beside_each_other(tmp_path):
    semeval, checkthat = tmp_path / "data" / "semeval2025_task10", tmp_path / "data" / "checkthat2024_task1_en"
    (semeval / "train").mkdir(parents=True)
    checkthat.mkdir()
    (checkthat / "CT24_checkworthy_english_train.tsv").write_text("Sentence_id\tText\tclass_label\n")
    for given in (semeval.parent, semeval, checkthat):
        assert find_data(given) == (semeval, checkthat)
    with pytest.raises(InputError, match="share one encoder"):
        find_data(tmp_path / "elsewhere")
