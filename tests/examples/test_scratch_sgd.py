"""The scratch SGD follows torch.optim.SGD's parameter trajectory step for step."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from minibatch.examples.scratch.sgd import SGD

STEPS = 100


pytestmark = pytest.mark.usefixtures("one_thread")


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def _batches() -> list[tuple[torch.Tensor, torch.Tensor]]:
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(STEPS, 10, 4, generator=generator)
    y = torch.randint(0, 3, (STEPS, 10), generator=generator)
    return list(zip(x, y, strict=True))


def _trajectory(model: nn.Module, optimizer: torch.optim.Optimizer) -> list[torch.Tensor]:
    """The parameters, flattened into one vector, after each of STEPS mini-batch steps."""
    points = []
    for x, y in _batches():
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
        points.append(torch.cat([p.detach().flatten() for p in model.parameters()]))
    return points


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"momentum": 0.9},
        {"weight_decay": 0.01},
        {"momentum": 0.9, "weight_decay": 0.01},
    ],
    ids=["plain", "momentum", "weight_decay", "both"],
)
def test_same_trajectory_as_torch_sgd(options: dict) -> None:
    ours_model = _model()
    theirs_model = copy.deepcopy(ours_model)
    start = torch.cat([p.detach().flatten() for p in ours_model.parameters()])
    ours = _trajectory(ours_model, SGD(ours_model.parameters(), lr=0.1, **options))
    theirs_sgd = torch.optim.SGD(theirs_model.parameters(), lr=0.1, **options)
    theirs = _trajectory(theirs_model, theirs_sgd)
    for step, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=0, msg=lambda m, s=step: f"step {s}: {m}")
    assert (ours[-1] - start).abs().max() > 0.1  # the parameters did move


def test_param_groups_each_use_their_own_lr() -> None:
    ours_model = _model()
    theirs_model = copy.deepcopy(ours_model)

    def groups(model: nn.Module) -> list[dict]:
        return [
            {"params": model[0].parameters(), "lr": 0.3, "momentum": 0.5},
            {"params": model[2].parameters()},
        ]

    ours = _trajectory(ours_model, SGD(groups(ours_model), lr=0.05, weight_decay=0.1))
    theirs = _trajectory(
        theirs_model, torch.optim.SGD(groups(theirs_model), lr=0.05, weight_decay=0.1)
    )
    torch.testing.assert_close(ours[-1], theirs[-1], atol=1e-6, rtol=0)


def test_step_with_closure_returns_its_loss_like_torch() -> None:
    """Lightning calls step(closure): the closure computes loss and gradients."""
    x, y = _batches()[0]
    results = []
    for make in (SGD, torch.optim.SGD):
        model = _model()
        optimizer = make(model.parameters(), lr=0.1, momentum=0.9)

        def closure(model=model, optimizer=optimizer) -> torch.Tensor:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            return loss

        loss = optimizer.step(closure)
        results.append((loss.item(), model[0].weight.detach().clone()))
    (our_loss, our_weight), (their_loss, their_weight) = results
    assert our_loss == pytest.approx(their_loss, abs=1e-7)
    torch.testing.assert_close(our_weight, their_weight, atol=1e-7, rtol=0)


def test_momentum_buffer_lives_in_state_dict() -> None:
    """A checkpoint keeps the momentum, so a resumed run steps exactly as an unbroken one."""
    model = _model()
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    _trajectory(model, optimizer)
    resumed = SGD(model.parameters(), lr=0.1, momentum=0.9)
    resumed.load_state_dict(optimizer.state_dict())
    first = next(iter(model.parameters()))
    torch.testing.assert_close(
        resumed.state[first]["momentum_buffer"], optimizer.state[first]["momentum_buffer"]
    )
    assert resumed.state[first]["momentum_buffer"].abs().sum() > 0


def test_negative_lr_is_refused() -> None:
    with pytest.raises(ValueError, match="lr, momentum and weight_decay must be >= 0"):
        SGD(_model().parameters(), lr=-0.1)
