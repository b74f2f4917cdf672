"""The noise-scale callback against the exact B_simple = tr(Σ) / |G|² of a whole dataset.

With the learning rate at 0 the parameters stay where they start, so every measurement the
callback makes is of one parameter value, whose per-example gradients the test computes all.
"""

from __future__ import annotations

import pytest
import torch

from minibatch.scaling.noise_scale import GradientNoiseScale
from minibatch.scaling.two_batch_estimator import SmoothedNoiseScale, two_batch_estimates
from minibatch.train import train
from tests.conftest import QUIET


def exact_noise_scale(module, loader) -> tuple[float, float, float]:
    """(B_simple, |G|², tr(Σ)) from every training example's own gradient."""
    params = [p for p in module.parameters() if p.requires_grad]
    per_example = []
    for x, y in loader:
        for i in range(len(y)):
            loss = module.batch_loss((x[i : i + 1], y[i : i + 1]))
            grads = torch.autograd.grad(loss, params)
            per_example.append(torch.cat([g.flatten() for g in grads]))
    grads = torch.stack(per_example).double()
    mean = grads.mean(0)
    gradient_sq = float(mean.square().sum())
    trace = float((grads - mean).square().sum(1).mean())  # tr of the per-example covariance
    return trace / gradient_sq, gradient_sq, trace


@pytest.mark.parametrize(
    "overrides",
    [
        # Seed 000's y = w x on 500 points, at w = 1 (the data's slope is 2).
        ("data=linear", "model.w_init=1.0", "batch_size=50"),
        # Seed 001's perceptron on 100 points, at torch's initial (w, b) of seed 3.
        ("data=logistic", "seed=3", "batch_size=20"),
    ],
    ids=["linear_regression", "perceptron"],
)
def test_the_callback_estimates_the_exact_noise_scale_within_ten_percent(
    compose_config, one_thread, overrides
):
    cfg = compose_config(
        *overrides, *QUIET, "optimizer.lr=0.0", "trainer.max_epochs=40", "steps_per_call=1",
        "trainer.limit_val_batches=0", "trainer.num_sanity_val_steps=0", "~scheduler",
    )  # fmt: skip
    callback = GradientNoiseScale(every=1, slices=5, beta=0.99)
    result = train(cfg, callbacks=[callback])
    exact, _, _ = exact_noise_scale(result.model, result.datamodule.train_dataloader())
    measured = callback.smoothed.noise_scale
    assert len(callback.history) == result.trainer.global_step  # measured before every step
    assert measured == pytest.approx(exact, rel=0.10), (measured, exact)


def test_two_batch_sizes_give_back_the_ingredients_they_were_made_of():
    """E|G_B|² = |G|² + tr(Σ) / B: two sizes' squared norms give both exactly back."""
    gradient_sq, trace = torch.tensor(4.0), torch.tensor(60.0)
    small, big = gradient_sq + trace / 5, gradient_sq + trace / 20
    assert [float(v) for v in two_batch_estimates(small, big, 5, 20)] == pytest.approx([4, 60])


def test_the_smoothed_ratio_is_the_ratio_of_the_averages():
    smoothed = SmoothedNoiseScale(beta=0.5)
    smoothed.update(gradient_sq=2.0, trace=10.0)
    smoothed.update(gradient_sq=4.0, trace=10.0)
    # |G|²: 0.5 * 2 = 1, then 0.5 * 1 + 0.5 * 4 = 2.5; tr(Σ): 5, then 7.5
    assert smoothed.noise_scale == pytest.approx(7.5 / 2.5)
    assert smoothed.mean_gradient_sq == pytest.approx(2.5 / (1 - 0.5**2))
