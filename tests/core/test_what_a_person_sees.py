"""What a person looks at: TensorBoard's run names, HPARAMS rows and x-axes, the console's last
line and `--help`, read as a user would (TensorBoard's own reader, the printed text)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import plugin_data_pb2

from minibatch.display.help_text import help_text, help_without_composing
from minibatch.display.progress_bar import pair_lines, value_text
from minibatch.display.run_name import run_name
from minibatch.runs.project_paths import CONFIG_DIR
from tests.conftest import REPO_ROOT, SEARCH_PATH


def test_run_name_says_data_model_batch_size_and_what_the_command_line_changed():
    overrides = ["data=csv", "batch_size=50", "optimizer.lr=0.1", "scheduler=cosine",
                 "paths.log_dir=/tmp/x", "trainer.enable_progress_bar=false", "seed=0"]  # fmt: skip
    assert run_name("csv", "mlp", 50, overrides) == "csv-mlp-bs50-lr0.1-cosine-seed0"
    assert run_name(None, None, "abc", []) == "run"


def test_final_metrics_wrap_between_pairs_only():
    pairs = {"train/loss": 0.83123, "val/loss": 0.828, "val/loss_best": 0.8277, "val/mae": 0.72}
    lines = pair_lines(pairs, width=40, first="final, after 3 epochs:")
    assert all(len(line) <= 40 for line in lines)
    assert " ".join(lines).split() == ["final,", "after", "3", "epochs:", "train/loss", "0.8312",
                                       "val/loss", "0.828", "val/loss_best", "0.8277",
                                       "val/mae", "0.72"]  # fmt: skip
    assert all(not line.endswith(tuple(pairs)) for line in lines), "a name never ends a line"


def test_help_is_printed_without_composing_a_config(monkeypatch, capsys):
    """As Hydra prints it, but also while `data: ???` is still to be chosen."""
    composed = []
    main = help_without_composing(CONFIG_DIR)(lambda: composed.append("run"))
    monkeypatch.setattr(sys, "argv", ["train.py", "data=missing", "--help"])
    main()
    assert (
        composed == []
        and capsys.readouterr().out == help_text(CONFIG_DIR).replace("$$", "$") + "\n"
    )
    monkeypatch.setattr(sys, "argv", ["train.py", "seed=1"])
    main()
    assert composed == ["run"]


def test_help_lists_every_option_file_and_top_level_key():
    text = help_text(CONFIG_DIR)
    for group in ("data", "model", "experiment", "optimizer", "scheduler", "logger", "debug"):
        for option in (CONFIG_DIR / group).glob("*.yaml"):
            assert re.search(rf"\b{option.stem}\b", text), f"{group}={option.stem} missing"
    for key in ("seed", "batch_size", "ckpt_path", "steps_per_call", "hparams"):
        assert f"\n  {key} " in text
    assert "-m batch_size=" in text and "experiment=" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def described_options(text: str) -> dict[str, str]:
    """`name: description` of every described entry of the help text: datasets, models,
    experiments and top-level keys (a description's wrapped lines joined)."""
    entries, section = {}, None
    for line in text.splitlines():
        if re.match(r"^(Datasets|Models|Experiments|Top-level keys) ", line):
            section = line
        elif not line.strip() or not line.startswith(" "):
            section = None
        elif section and (match := re.match(r"^  (\S+) +(.*)$", line)):
            name = match.group(1)
            entries[name] = match.group(2)
        elif section and line.startswith(" " * 24):
            entries[name] += " " + line.strip()
    return entries


def test_every_option_of_help_is_described_by_a_full_sentence():
    entries = described_options(help_text(CONFIG_DIR))
    files = [
        f.stem for g in ("data", "model", "experiment") for f in (CONFIG_DIR / g).glob("*.yaml")
    ]
    assert set(files) < set(entries) and {"seed", "print_config", "loss"} < set(entries)
    for name, description in entries.items():
        assert description.endswith((".", ".)")), f"{name}: {description!r} is cut"
        assert not re.search(r"-{4,}|={4,}", description), f"{name}: a separator"
        assert len(description.split()) >= 3, f"{name}: {description!r}"
        assert not description.endswith(("e.g.", "i.e.", "etc.")), (
            f"{name}: cut after {description}"
        )
    assert entries["loss"].endswith("by name, e.g. sigmoid_mse.")
    assert entries["print_config"].startswith("Print the composed config")
    assert "hydra" not in entries, "Hydra's own settings are --hydra-help's"


def test_a_run_folder_holds_no_empty_hparams_yaml(compose_config):
    from minibatch.cli.train import run_training

    cfg = compose_config("data=tiny", "batch_size=500", "trainer.max_epochs=1", "callbacks=none",
                         "logger=tensorboard", "trainer.enable_progress_bar=false")  # fmt: skip
    run_training(cfg)
    board = Path(cfg.paths.output_dir) / "tensorboard"
    assert list(board.glob("events.out.tfevents.*")), "the events are written"
    assert not (board / "hparams.yaml").exists(), "no `{}` file: HPARAMS come from the events"


def session_hparams(run: Path) -> dict[str, object]:
    events = EventAccumulator(str(run))
    events.Reload()
    content = events.PluginTagToContent("hparams")["_hparams_/session_start_info"]
    start = plugin_data_pb2.HParamsPluginData.FromString(content).session_start_info
    return {name: getattr(value, value.WhichOneof("kind")) for name, value in start.hparams.items()}


def scalars(run: Path) -> dict[str, list[tuple[int, float]]]:
    events = EventAccumulator(str(run))
    events.Reload()
    tags = events.Tags()["scalars"]
    return {tag: [(e.step, e.value) for e in events.Scalars(tag)] for tag in tags}


def train(log_dir: Path, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "train.py"), *[a for a in args if a.startswith("-")],
         SEARCH_PATH, f"paths.log_dir={log_dir}", "data=tiny", "trainer.max_epochs=3",
         *[a for a in args if not a.startswith("-")]],  # fmt: skip
        capture_output=True, text=True, timeout=300, cwd=log_dir,
        env={**os.environ, "COLUMNS": "80"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.mark.slow
def test_a_sweep_and_a_classification_run_read_apart_in_tensorboard(tmp_path):
    train(tmp_path, "-m", "batch_size=500,1000")
    console = train(tmp_path, "data.task=multiclass", "batch_size=250").stdout
    runs = sorted(tmp_path.glob("train/*/*/tensorboard")) + sorted(
        tmp_path.glob("train/multiruns/*/*/tensorboard"))  # fmt: skip
    names = [run.parent.name for run in runs]  # the single run, then the sweep's jobs
    assert names[1:] == ["0_tiny-mlp-bs500-max_epochs3", "1_tiny-mlp-bs1000-max_epochs3"]
    time = r"\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d"
    assert re.fullmatch(rf"{time}_tiny-mlp-bs250-max_epochs3-multiclass_[0-9a-f]{{6}}", names[0])

    for run in runs:
        hparams = session_hparams(run)
        assert len(hparams) <= 20
        assert {"run", "data", "model", "lr", "batch_size", "epochs", "seed"} <= set(hparams)
        assert hparams["batch_size"] in (250.0, 500.0, 1000.0)
        assert float(hparams["batch_size"]).is_integer() and hparams["data"] == "tiny"
        curves = scalars(run)
        for tag in ("train/loss", "val/loss", "val/loss_best", "train/lr"):
            assert [step for step, _ in curves[tag]] == [1, 2, 3], f"{tag} is stepped by epoch"
        assert "epoch" not in curves

    classifier = runs[0]
    assert "val/acc" in scalars(classifier), "the metric column of a classification run"
    steps = [step for step, _ in scalars(classifier)["train/loss_step"]]
    assert steps == [10, 20], "8 steps an epoch, 3 epochs: the loss of every 10th step"
    for regression in runs[1:]:  # the sweep's jobs, on the regression data
        assert {"val/mae", "val/r2"} <= set(scalars(regression)), regression
        assert "val/acc" not in scalars(regression)
    assert not {"val/mae", "val/r2"} & set(scalars(classifier))

    last = scalars(classifier)["train/loss"][-1][1]
    final = re.search(r"final, after 3 epochs:(.*)", console, re.S)
    assert final, console[-2000:]
    printed = dict(re.findall(r"(\S+/\S+) (\S+)", final.group(1)))
    assert printed["train/loss"] == value_text(last), "the console ends on the last epoch"
    log = (classifier.parent / "train.log").read_text()
    assert "after 1 epoch: train/loss" in log and "after 2 epochs: train/loss" in log
    logged = re.search(r"final, after 3 epochs:(.*)", log).group(1)
    assert dict(re.findall(r"(\S+/\S+) (\S+)", logged)) == printed, "train.log ends as the console"
    assert all(len(line) <= 80 for line in console.splitlines())
    for noise in ("GPU available: False", "TPU available", "already configured", "MeanMetric"):
        assert noise not in console
