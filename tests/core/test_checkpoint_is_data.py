"""A checkpoint is data: evaluate and export take no path, URL, hash, data option, `paths.*`,
`hydra.*` or `_target_` from one, and write only new files.

Each crafted checkpoint is a real one edited as an attacker would (crafted_checkpoints.py).
Every attack is refused or ignored, and nothing the file names is read or written. Attacks
on a downloaded dataset (a pickle and its hash, http mirrors) are tested with that dataset.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from minibatch.cli.evaluate import evaluate
from minibatch.cli.export import export
from minibatch.errors import UserError
from tests.core.crafted_checkpoints import crafted, evaluation, files_opened, trained_checkpoint


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    return trained_checkpoint(tmp_path_factory.mktemp("trained"))


@pytest.fixture(scope="module")
def expected(good) -> dict[str, float]:
    """The good checkpoint's validation metrics."""
    return evaluate(evaluation(f"ckpt_path={good}", "accelerator=cpu"))


def test_a_checkpoint_records_its_group_options_and_options_as_plain_data(good):
    checkpoint = torch.load(good, weights_only=True)
    assert checkpoint["run_choices"]["data"] == "tiny"
    assert checkpoint["run_choices"]["model"] == "mlp"
    assert checkpoint["run_config"]["model"]["hidden"] == [50]
    assert "run_overrides" not in checkpoint, "nothing evaluation would apply"


@pytest.mark.parametrize("command", ["evaluate", "export"])
def test_a_data_file_named_by_a_checkpoint_is_never_read(good, tmp_path, command):
    ckpt = crafted(good, tmp_path, "passwd", choices={"data": "csv"},
                   data={"_target_": "minibatch.data.tables.csv_datamodule.CsvDataModule",
                         "path": "/etc/passwd", "target": "root"},
                   overrides=["data=csv", "data.path=/etc/passwd", "data.target=root"])  # fmt: skip
    run = export if command == "export" else evaluate
    extra = [f"output_path={tmp_path}/model.onnx"] if command == "export" else []
    with files_opened() as opened, pytest.raises(UserError) as error:
        run(evaluation(f"ckpt_path={ckpt}", *extra, name=command))
    assert "give them on the command line: data.path=/etc/passwd data.target=root." in str(
        error.value
    )
    assert "/etc/passwd" not in opened
    assert not (tmp_path / "model.onnx").exists()


def test_a_target_anywhere_in_the_description_is_never_built(good, expected, tmp_path):
    """`_target_`s beside the options are ignored (the shipped config's are used); one in an
    option's value makes the value of the wrong type, refused."""
    victim = tmp_path / "victim"
    victim.mkdir()
    delete = {"_target_": "shutil.rmtree", "path": str(victim)}
    model = torch.load(good, weights_only=True)["run_config"]["model"]
    ckpt = crafted(good, tmp_path, "targets", model={**model, "_target_": "shutil.rmtree"},
                   loss=delete, data={"_target_": "shutil.rmtree", "path": str(victim)},
                   overrides=[f"+loss={{_target_:shutil.rmtree,path:{victim}}}"])  # fmt: skip
    metrics = evaluate(evaluation(f"ckpt_path={ckpt}", "accelerator=cpu"))
    assert metrics == pytest.approx(expected, rel=1e-6) and "valid/r2" in metrics
    assert victim.is_dir()
    inside = crafted(good, tmp_path, "inside", model={**model, "hidden": delete})
    with pytest.raises(UserError, match="describes model.hidden=.*not a list of integers"):
        evaluate(evaluation(f"ckpt_path={inside}"))
    assert victim.is_dir()


def test_paths_and_hydra_settings_of_a_checkpoint_are_ignored(good, expected, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    ckpt = crafted(
        good, tmp_path, "paths",
        paths={"root_dir": str(elsewhere), "data_dir": str(elsewhere), "log_dir": str(elsewhere)},
        hydra={"run": {"dir": str(good.parent.parent)}, "searchpath": [f"file://{elsewhere}"]},
        choices={"hydra/launcher": "nosuch", "paths": "nosuch"},
        overrides=[f"paths.log_dir={elsewhere}", f"hydra.run.dir={good.parent.parent}"],
    )  # fmt: skip
    metrics = evaluate(evaluation(f"ckpt_path={ckpt}", "accelerator=cpu"))
    assert metrics == pytest.approx(expected, rel=1e-6) and not elsewhere.exists()


@pytest.mark.parametrize(
    "value, refusal",
    [
        ("${oc.env:HOME}", "not a list of integers"),  # OmegaConf would resolve it
        ([50, "${oc.env:HOME}"], "not a list of integers"),
        (50, "not a list of integers"),
        ([True], "not a list of integers"),
        ([[50]], "not a list of integers"),
    ],
)
def test_a_model_option_of_another_type_than_the_shipped_default_is_refused(
    good, tmp_path, value, refusal
):
    model = torch.load(good, weights_only=True)["run_config"]["model"]
    ckpt = crafted(good, tmp_path, "typed", model={**model, "hidden": value},
                   overrides=[f"model.hidden={value}"])  # fmt: skip
    with pytest.raises(UserError, match=refusal) as error:
        evaluate(evaluation(f"ckpt_path={ckpt}"))
    assert os.environ["HOME"] not in str(error.value).replace("${oc.env:HOME}", "")


def test_model_options_of_the_shipped_types_are_applied(good, expected, tmp_path):
    """A run's own model options (an int for a float dropout) rebuild its net."""
    model = torch.load(good, weights_only=True)["run_config"]["model"]
    ckpt = crafted(good, tmp_path, "dropout", model={**model, "dropout": 0})
    assert evaluate(evaluation(f"ckpt_path={ckpt}")) == pytest.approx(expected, rel=1e-6)
    wider = crafted(good, tmp_path, "wider", model={**model, "hidden": [60]})
    with pytest.raises(UserError, match="does not fit this data and model"):
        evaluate(evaluation(f"ckpt_path={wider}"))  # the option was applied: 60 units


@pytest.mark.parametrize(
    "choices, refusal",
    [
        ({"data": "../../../tmp/x"}, "not a plain option name of configs/data/"),
        ({"model": "mlp/../../x"}, "not a plain option name of configs/model/"),
        ({"model": {"_target_": "os.system"}}, "not a plain option name of configs/model/"),
        ({"model": "nosuch"}, "Could not find 'model/nosuch'"),
    ],
)
def test_group_options_that_are_not_plain_names_are_refused(good, tmp_path, choices, refusal):
    ckpt = crafted(good, tmp_path, "choices", choices=choices)
    with pytest.raises(UserError, match=refusal):
        evaluate(evaluation(f"ckpt_path={ckpt}"))


def test_a_checkpoint_without_a_description_is_refused(good, tmp_path):
    checkpoint = torch.load(good, weights_only=True)
    del checkpoint["run_choices"]
    torch.save({**checkpoint, "run_overrides": ["data=tiny"]}, tmp_path / "old.ckpt")
    with pytest.raises(UserError, match="does not describe its run"):
        evaluate(evaluation(f"ckpt_path={tmp_path}/old.ckpt"))


def test_data_options_that_differ_are_given_on_the_command_line(good, tmp_path):
    """The run's data options, shown in the refusal, work once the user gives them."""
    data = torch.load(good, weights_only=True)["run_config"]["data"]
    ckpt = crafted(good, tmp_path, "bigger", data={**data, "valid_size": 300, "batch_size": 7})
    with pytest.raises(UserError) as error:
        evaluate(evaluation(f"ckpt_path={ckpt}"))
    assert str(error.value).endswith("give them on the command line: data.valid_size=300.")
    out = tmp_path / "predictions.csv"
    evaluate(evaluation(f"ckpt_path={ckpt}", "+data.valid_size=300", f"predict_path={out}"))
    assert len(out.read_text().splitlines()) == 1 + 300


def test_data_that_poses_another_task_than_the_checkpoints_spec_is_refused(good, tmp_path):
    """A binary classifier's weights fit a regression net of the same sizes: the checkpoint's
    data spec tells them apart, instead of metrics that mean nothing."""
    checkpoint = torch.load(good, weights_only=True)
    checkpoint["data_spec"] = {**checkpoint["data_spec"], "task": "binary", "target_mean": None}
    torch.save(checkpoint, tmp_path / "binary.ckpt")
    with pytest.raises(UserError, match="does not fit this data and model .task 'binary' when"):
        evaluate(evaluation(f"ckpt_path={tmp_path}/binary.ckpt"))


def test_other_data_is_chosen_on_the_command_line(good, tmp_path):
    """data=csv (held as data_group) with its options: the run's tiny options do not apply."""
    table = tmp_path / "table.csv"
    table.write_text("a,b,y\n" + "".join(f"{i % 7},{i % 5},{3 * (i % 7) - 2 * (i % 5) + 1}\n"
                                          for i in range(100)))  # fmt: skip
    data = ["data_group=csv", f"+data.path={table}", "+data.target=y"]
    metrics = evaluate(evaluation(f"ckpt_path={good}", *data))
    assert set(metrics) >= {"valid/loss", "valid/r2"}
    with pytest.raises(UserError, match="data=../tiny is not a plain option name"):
        evaluate(evaluation(f"ckpt_path={good}", "data_group=../tiny"))


def test_data_and_data_keys_on_the_command_line_are_for_the_checkpoints_data():
    from minibatch.cli.evaluation_data import spelled_for_hydra

    assert spelled_for_hydra("data=csv") == "data_group=csv"
    assert spelled_for_hydra("+data=csv") == "data_group=csv"
    assert spelled_for_hydra("data.path=x.csv") == "+data.path=x.csv"
    assert spelled_for_hydra("+data.path=x.csv") == "+data.path=x.csv"
    assert spelled_for_hydra("++data.path=x") == "++data.path=x"
    assert spelled_for_hydra("database=x") == "database=x"
    assert spelled_for_hydra("ckpt_path=data.ckpt") == "ckpt_path=data.ckpt"


# Outputs are new files ------------------------------------------------------------------------
def unchanged(*paths: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in paths}


def test_predictions_never_replace_an_input_or_a_file_of_the_run(good, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_text("a,b\n1,2\n3,4\n")
    other = tmp_path / "other.csv"
    other.write_text("not predictions\n")
    before = unchanged(good, rows, other, good.parent.parent / ".hydra" / "config.yaml")
    for overrides, refusal in (
        ([f"input_path={rows}", f"predict_path={rows}"], "already exists"),
        ([f"predict_path={good}"], "already exists"),
        ([f"predict_path={other}"], "already exists"),
        ([f"predict_path={good.parent.parent}/predictions.csv"], "the run folder of the ckpt"),
        ([f"predict_path={good.parent.parent}/.hydra/p.csv"], "the run folder of the checkpoint"),
    ):
        with pytest.raises(UserError, match=refusal.replace("ckpt", "checkpoint")):
            evaluate(evaluation(f"ckpt_path={good}", *overrides))
    assert unchanged(*before) == before
    assert not (good.parent.parent / "predictions.csv").exists()
    out = tmp_path / "predictions.csv"
    evaluate(evaluation(f"ckpt_path={good}", f"input_path={rows}", f"predict_path={out}"))
    assert len(out.read_text().splitlines()) == 3


def test_the_exported_file_is_never_an_existing_one_or_in_the_run(good, tmp_path):
    before = unchanged(good)
    for output, refusal in ((good, "already exists"),
                            (good.with_suffix(".onnx"), "the run folder of the checkpoint"),
                            (tmp_path, "is a folder")):  # fmt: skip
        with pytest.raises(UserError, match=refusal):
            export(evaluation(f"ckpt_path={good}", f"output_path={output}", name="export"))
    assert unchanged(good) == before and not good.with_suffix(".onnx").exists()


def test_an_output_inside_a_folder_that_is_read_is_refused(tmp_path):
    from minibatch.cli.output_paths import check_new_output

    images = tmp_path / "images"
    (images / "cat").mkdir(parents=True)
    with pytest.raises(UserError, match="lies inside .*images, which this command reads"):
        check_new_output("predict_path", images / "cat" / "p.csv", [tmp_path / "a.ckpt", images])
    assert check_new_output("predict_path", tmp_path / "p.csv", [images]) == tmp_path / "p.csv"
