"""`tune=lr` and `tune=batch_size` on the core's tiny data: Lightning's finders on the template's
grouped module and on a module of a user's, their plot in the run folder and TensorBoard,
`tune.apply=true`, and the refusals. The examples' tests check it on the notebooks' data.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from minibatch.cli.train import run_training
from minibatch.display.hparams import run_hparams
from minibatch.errors import UserError
from minibatch.runs.resume import resume_command
from minibatch.speed.grouped_steps import GroupedStepsModule, minibatches_per_epoch
from minibatch.tooling.finder_plot import IMAGE_TAG, PLOT_FILE
from minibatch.tooling.lr_suggestion import steepest_fall
from tests.conftest import REPO_ROOT, tiny
from tests.core.test_own_module import compose_run, project  # noqa: F401 (a fixture)

FAST_LR = ("tune=lr", "tune.num_training=40", "logger=tensorboard")


def scratch_checkpoints(*folders: Path) -> list[Path]:
    """The finders' `.lr_find_*.ckpt` / `.scale_batch_size_*.ckpt` in the run folder (where
    Lightning writes them by default) or the project and working folders."""
    run, *others = folders
    return [*run.rglob(".*.ckpt"), *(p for f in others for p in f.glob(".*.ckpt"))]


def test_lr_finder_prints_saves_its_plot_and_leaves_no_checkpoint(compose_config, capsys):
    cfg = compose_config(*tiny(*FAST_LR))
    result = run_training(cfg)
    lr = result.metrics["tune/lr"]
    assert cfg.tune.min_lr < lr < cfg.tune.max_lr
    assert result.trainer.global_step == 0, "the search's steps are undone (Lightning restores)"
    line = next(x for x in capsys.readouterr().err.splitlines() if "learning-rate finder" in x)
    assert f"optimizer.lr={lr:.3g}" in line and "tune.apply=true" in line
    run = Path(cfg.paths.output_dir)
    plot = run / PLOT_FILE
    assert plot.is_file() and plot.read_bytes()[:4] == b"\x89PNG"
    events = EventAccumulator(str(run / "tensorboard"), size_guidance={"images": 0})
    events.Reload()
    assert IMAGE_TAG in events.Tags()["images"]
    assert events.Images(IMAGE_TAG)[0].width > 100
    assert not scratch_checkpoints(run, REPO_ROOT, Path.cwd()), (
        "the finder's checkpoint was left behind"
    )
    assert not (run / "checkpoints").exists(), "the search trains nothing to keep"


def test_apply_trains_the_grouped_module_with_the_rate_found(compose_config):
    cfg = compose_config(*tiny(*FAST_LR, "tune.apply=true", "trainer.max_epochs=1"))
    result = run_training(cfg)
    lr = cfg.optimizer.lr
    assert isinstance(result.model, GroupedStepsModule) and result.model.group > 1, (
        "the run itself still trains grouped steps"
    )
    assert result.trainer.optimizers[0].param_groups[0]["lr"] == pytest.approx(lr)
    assert lr != 0.001, "not Adam's configured rate"
    hparams = run_hparams(cfg)
    assert hparams["lr"] == lr, "HPARAMS show the rate used"
    assert f"lr{lr}" in hparams["run"] and "tune" not in hparams["run"], hparams["run"]
    command = resume_command(Path("last.ckpt"))
    assert f"optimizer.lr={lr}" in command and "tune" not in command, (
        "an interrupted run resumes with the rate it trains with"
    )


def test_batch_size_finder_gives_a_power_of_two_within_bounds(compose_config, capsys):
    cfg = compose_config(*tiny("tune=batch_size", "tune.init_val=16", "tune.max_val=128"))
    size = int(run_training(cfg).metrics["tune/batch_size"])
    assert 16 <= size <= 128 and size & (size - 1) == 0, size
    assert f"batch_size={size}" in capsys.readouterr().err
    assert not scratch_checkpoints(Path(cfg.paths.output_dir), REPO_ROOT, Path.cwd())


def test_batch_size_apply_trains_with_the_size_found(compose_config):
    cfg = compose_config(*tiny("tune=batch_size", "tune.max_val=64", "tune.apply=true",
                               "trainer.max_epochs=1"))  # fmt: skip
    result = run_training(cfg)
    assert cfg.batch_size == 64 and result.datamodule.batch_size == 64
    assert minibatches_per_epoch(result.trainer) == math.ceil(2000 / 64), "batches of 64"
    assert run_hparams(cfg, {}, [])["batch_size"] == 64


def test_your_module_takes_the_rate_found_as_its_lr(project, tmp_path):  # noqa: F811
    cfg = compose_run(project, tmp_path / "run", *FAST_LR, "tune.apply=true",
                      "trainer.max_epochs=1")  # fmt: skip
    result = run_training(cfg)
    assert type(result.model).__name__ == "LitRegressor"
    assert cfg.model.lr != 0.01 and result.model.hparams.lr == pytest.approx(cfg.model.lr)


def test_a_module_without_an_lr_is_searched_but_not_trained_with_it(compose_config):
    searched = run_training(compose_config(*tiny(*FAST_LR, "model=fixed_rate")))
    assert searched.metrics["tune/lr"] > 0
    cfg = compose_config(*tiny(*FAST_LR, "model=fixed_rate", "tune.apply=true"))
    with pytest.raises(UserError, match="give it an `lr` argument"):
        run_training(cfg)


def test_the_suggestion_is_the_steepest_fall_per_decade():
    lrs = [10 ** (-8 + k / 10) for k in range(81)]  # 1e-8 .. 1
    # flat, a fall of 5 in the decade around 1e-3, flat, then a divergence
    losses = [10 - 5 * torch.sigmoid(torch.tensor((lr_k - 50) / 2.0)).item()
              for lr_k in range(81)]  # fmt: skip
    losses[-3:] = [20.0, float("inf"), float("nan")]
    assert steepest_fall(lrs, losses) == pytest.approx(1e-3)
    assert steepest_fall(lrs[:12], losses[:12]) is None
