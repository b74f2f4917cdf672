"""The fast paths change speed, never results: same order, same losses, same weights."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from minibatch.data.cooking import CookingDataModule
from minibatch.models.regression_network import RegressionNetwork
from minibatch.train import train
from tests.conftest import small_cooking


def final_state(compose_config, *overrides: str):
    result = train(compose_config(*small_cooking("trainer.max_epochs=3", *overrides)))
    params = torch.cat([p.detach().flatten() for p in result.model.net.parameters()])
    return result, params


def test_steps_per_call_gives_the_same_training_as_one_step_per_call(compose_config):
    # 20,000 / 200 = 100 batches an epoch; groups of 7 end with a partial group of 2.
    plain, plain_params = final_state(compose_config, "scheduler=cosine")
    grouped, grouped_params = final_state(compose_config, "scheduler=cosine", "steps_per_call=7")
    assert grouped.trainer.global_step == plain.trainer.global_step == 300
    assert torch.allclose(grouped_params, plain_params, rtol=0, atol=1e-6)
    for name in ("train/loss", "val/loss", "val/mae"):
        assert abs(grouped.metrics[name] - plain.metrics[name]) < 1e-5, name
    lr = [r.optimizers().param_groups[0]["lr"] for r in (plain.model, grouped.model)]
    assert lr[0] == lr[1] < 0.005, "the cosine schedule stepped once per epoch in both"


def test_batched_and_per_item_loaders_train_identically(compose_config):
    batched, batched_params = final_state(compose_config, "seed=5")
    per_item, per_item_params = final_state(compose_config, "seed=5", "data.loader=per_item")
    assert torch.equal(batched_params, per_item_params)
    assert batched.metrics["val/loss"] == per_item.metrics["val/loss"]


def test_template_matches_the_notebooks_hand_written_loop(compose_config):
    """Seed 000's loop, with the sampler's documented order: randperm seeded by seed + epoch."""
    result, params = final_state(compose_config, "seed=11", "model.optimizer.lr=0.005")
    data = CookingDataModule(train_size=20_000, valid_size=4_000).build_splits()["train"]
    torch.manual_seed(11)  # the template seeds torch before building the net
    net = RegressionNetwork(1, 1)
    optimizer = torch.optim.AdamW(net.parameters(), lr=0.005)
    for epoch in range(3):
        order = torch.randperm(len(data), generator=torch.Generator().manual_seed(11 + epoch))
        for start in range(0, len(data), 200):
            batch = order[start : start + 200]
            loss = nn.functional.mse_loss(net(data.features[batch]), data.targets[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    hand = torch.cat([p.detach().flatten() for p in net.parameters()])
    assert torch.allclose(params, hand, rtol=0, atol=1e-6)


def test_resuming_from_a_checkpoint_continues_exactly(compose_config, tmp_path):
    straight, straight_params = final_state(compose_config, "trainer.max_epochs=4")
    first = train(compose_config(*small_cooking("trainer.max_epochs=2", "callbacks=default")))
    checkpoint = first.trainer.checkpoint_callback.last_model_path
    assert checkpoint.endswith("last.ckpt")
    saved = torch.load(checkpoint, weights_only=False)["state_dict"]
    assert saved["val_loss_best.min_value"] == pytest.approx(first.metrics["val/loss_best"])
    resumed, resumed_params = final_state(
        compose_config, "trainer.max_epochs=4", f"ckpt_path={checkpoint}", "callbacks=default"
    )
    assert resumed.trainer.global_step == straight.trainer.global_step == 400
    assert torch.allclose(resumed_params, straight_params, rtol=0, atol=1e-6)
    assert resumed.metrics["val/loss_best"] == pytest.approx(straight.metrics["val/loss_best"])


def test_max_steps_counts_optimizer_steps_with_groups(compose_config):
    result, _ = final_state(compose_config, "steps_per_call=7", "+trainer.max_steps=10")
    assert result.trainer.global_step == 10
