"""The fast paths change speed, never results: same order, same losses, same weights."""

from __future__ import annotations

from pathlib import Path

import lightning as L
import pytest
import torch
from lightning.pytorch.callbacks import Callback
from torch import nn

from minibatch.build import build_datamodule, build_module, build_trainer
from minibatch.cli.train import run_training
from minibatch.data_spec import DataSpec
from minibatch.display.progress_bar import EpochProgressBar
from minibatch.nets.mlp import MLP
from minibatch.speed.group_size import AUTO_GROUP, group_size
from minibatch.speed.grouped_steps import GroupedStepsModule, plain_step
from tests.conftest import tiny
from tests.core.tiny_data import TinyDataModule


def final_state(compose_config, *overrides: str):
    result = run_training(compose_config(*tiny(*overrides)))
    params = torch.cat([p.detach().flatten() for p in result.model.net.parameters()])
    return result, params


def test_steps_per_call_gives_the_same_training_as_one_step_per_call(compose_config):
    # 2,000 / 100 = 20 batches an epoch; groups of 7 end with a partial group of 6.
    plain, plain_params = final_state(compose_config, "scheduler=cosine", "steps_per_call=1")
    grouped, grouped_params = final_state(compose_config, "scheduler=cosine", "steps_per_call=7")
    assert grouped.trainer.global_step == plain.trainer.global_step == 60
    assert torch.allclose(grouped_params, plain_params, rtol=0, atol=1e-6)
    for name in ("train/loss", "val/loss", "val/mae"):
        assert abs(grouped.metrics[name] - plain.metrics[name]) < 1e-5, name
    lr = [r.optimizers().param_groups[0]["lr"] for r in (plain.model, grouped.model)]
    assert lr[0] == lr[1] < 0.001, "the cosine schedule stepped once per epoch in both"


@pytest.mark.parametrize("data", ["tiny", "plain"])
def test_grouping_works_on_any_datamodule_and_keeps_a_short_last_group(compose_config, data):
    extra = ["data.drop_last=true", "data.loader=per_item"] if data == "tiny" else []
    plain, plain_params = final_state(
        compose_config, f"data={data}", "batch_size=150", "steps_per_call=1", *extra
    )
    grouped, grouped_params = final_state(
        compose_config, f"data={data}", "batch_size=150", "steps_per_call=4", *extra
    )
    assert grouped.trainer.global_step == plain.trainer.global_step
    assert torch.allclose(grouped_params, plain_params, rtol=0, atol=1e-6)


def test_batched_and_per_item_loaders_train_identically(compose_config):
    batched, batched_params = final_state(compose_config, "seed=5", "steps_per_call=1")
    per_item, per_item_params = final_state(
        compose_config, "seed=5", "steps_per_call=1", "data.loader=per_item"
    )
    assert torch.equal(batched_params, per_item_params)
    assert batched.metrics["val/loss"] == per_item.metrics["val/loss"]


def test_template_matches_a_hand_written_loop(compose_config):
    """The notebooks' loop, with the sampler's documented order: randperm(seed + epoch)."""
    result, params = final_state(compose_config, "seed=11", "optimizer=sgd", "optimizer.lr=0.05")
    data = TinyDataModule().build_splits()["train"]
    torch.manual_seed(11)  # the template seeds torch before building the net
    net = MLP(DataSpec(task="regression", input_shape=(2,)), hidden=[50])
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05)
    for epoch in range(3):
        order = torch.randperm(len(data), generator=torch.Generator().manual_seed(11 + epoch))
        for start in range(0, len(data), 100):
            batch = order[start : start + 100]
            loss = nn.functional.mse_loss(net(data.features[batch]), data.targets[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    hand = torch.cat([p.detach().flatten() for p in net.parameters()])
    assert torch.allclose(params, hand, rtol=0, atol=1e-6)


def test_resuming_from_a_checkpoint_continues_exactly(compose_config):
    straight, straight_params = final_state(compose_config, "trainer.max_epochs=4")
    first = run_training(compose_config(*tiny("trainer.max_epochs=2", "callbacks=default")))
    checkpoint = Path(first.trainer.default_root_dir) / "checkpoints" / "last.ckpt"
    saved = torch.load(checkpoint, weights_only=True)
    assert saved["state_dict"]["val_loss_best.min_value"] == pytest.approx(
        first.metrics["val/loss_best"]
    )
    assert saved["data_spec"]["input_shape"] == (2,)
    resumed, resumed_params = final_state(
        compose_config, "trainer.max_epochs=4", f"ckpt_path={checkpoint}", "callbacks=default"
    )
    assert resumed.trainer.global_step == straight.trainer.global_step == 80
    assert torch.allclose(resumed_params, straight_params, rtol=0, atol=1e-6)
    assert resumed.metrics["val/loss_best"] == pytest.approx(straight.metrics["val/loss_best"])


def test_max_steps_counts_optimizer_steps_with_groups(compose_config):
    result, _ = final_state(compose_config, "steps_per_call=7", "trainer.max_steps=10")
    assert result.trainer.global_step == 10


class MiniBatchCounter(Callback):
    """Counts `on_train_minibatch_end` calls: the hook for callbacks that need every batch."""

    def __init__(self) -> None:
        self.sizes: list[int] = []

    def on_train_minibatch_end(self, trainer, module, loss, batch) -> None:
        self.sizes.append(len(batch[1]))


def test_auto_grouping_is_the_default_and_invisible(compose_config):
    """Default run: grouped steps, yet the same weights, steps, bar and per-batch hooks."""
    plain, plain_params = final_state(compose_config, "steps_per_call=1", "batch_size=130")
    cfg = compose_config(
        *tiny("batch_size=130", "callbacks=default", "trainer.enable_progress_bar=true")
    )
    assert cfg.steps_per_call == "auto" and group_size(cfg) == AUTO_GROUP
    counter = MiniBatchCounter()
    L.seed_everything(cfg.seed)  # as run() does
    datamodule, module = build_datamodule(cfg), build_module(cfg)
    trainer = build_trainer(cfg, [])
    trainer.callbacks.append(counter)
    trainer.fit(module, datamodule=datamodule)
    assert isinstance(module, GroupedStepsModule)
    params = torch.cat([p.detach().flatten() for p in module.net.parameters()])
    assert torch.allclose(params, plain_params, rtol=0, atol=1e-6)
    assert trainer.global_step == plain.trainer.global_step == 3 * 16, "2,000 / 130: 16 a epoch"
    assert counter.sizes == ([130] * 15 + [50]) * 3, "the hook sees every mini-batch"
    bar = next(c for c in trainer.callbacks if isinstance(c, EpochProgressBar))
    assert bar.total_train_batches == 16
    task = bar.progress.tasks[bar.train_progress_bar_id]
    assert (task.completed, task.total) == (16, 16), "the bar counts mini-batches"


@pytest.mark.parametrize(
    "blocker",
    ["trainer.limit_train_batches=5", "trainer.gradient_clip_val=1.0", "trainer=ddp",
     "trainer.accumulate_grad_batches=2", "trainer.overfit_batches=1"],
)  # fmt: skip
def test_auto_takes_one_batch_per_step_when_a_setting_acts_per_step(compose_config, blocker):
    assert group_size(compose_config(*tiny(blocker))) == 1


def test_plain_steps_call_the_minibatch_hook_too(compose_config):
    cfg = compose_config(*tiny("steps_per_call=1"))
    counter = MiniBatchCounter()
    trainer = build_trainer(cfg, [])
    trainer.callbacks.append(counter)
    trainer.fit(build_module(cfg), datamodule=build_datamodule(cfg))
    assert len(counter.sizes) == trainer.global_step == 60


class GradientHooks(Callback):
    """Listens to the hooks of Lightning's backward and optimizer step, as a gradient logger."""

    def __init__(self) -> None:
        self.calls = {"on_after_backward": 0, "on_before_optimizer_step": 0}

    def on_after_backward(self, trainer, module) -> None:
        self.calls["on_after_backward"] += 1

    def on_before_optimizer_step(self, trainer, module, optimizer) -> None:
        grads = [p.grad for p in module.parameters()]
        assert all(g is not None for g in grads), "called after backward, before the step"
        self.calls["on_before_optimizer_step"] += 1


def grouped_fit(cfg, *callbacks) -> tuple[L.Trainer, torch.Tensor]:
    L.seed_everything(cfg.seed)  # as run() does
    module, trainer = build_module(cfg), build_trainer(cfg, [])
    trainer.callbacks.extend(callbacks)
    trainer.fit(module, datamodule=build_datamodule(cfg))
    assert isinstance(module, GroupedStepsModule)
    return trainer, torch.cat([p.detach().flatten() for p in module.net.parameters()])


def test_backward_and_step_hooks_fire_for_every_minibatch_of_a_group(compose_config):
    """Unheard, the hooks are skipped (the direct path); a callback that listens gets them."""
    cfg = compose_config(*tiny("batch_size=130"))
    direct_trainer, direct = grouped_fit(cfg)
    hooks = GradientHooks()
    hooked_trainer, hooked = grouped_fit(cfg, hooks)
    assert direct_trainer.lightning_module._step is plain_step, "nobody listens: direct"
    assert hooks.calls == {"on_after_backward": 48, "on_before_optimizer_step": 48}
    assert hooked_trainer.global_step == direct_trainer.global_step == 48
    assert torch.equal(hooked, direct), "the same arithmetic on both paths"
