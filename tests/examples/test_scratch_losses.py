"""The scratch losses give torch's values and gradients, also where the naive form overflows."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
import torchmetrics
from torchmetrics.classification import MulticlassAccuracy

from minibatch.examples.scratch import losses

CLASSES = 5


def _logits(scale: float, seed: int = 0) -> torch.Tensor:
    """(16, 5) float64 logits; at scale 1000 exp() overflows float64 (past ~709)."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(16, CLASSES, generator=generator, dtype=torch.float64) * scale


def _targets(seed: int = 1) -> torch.Tensor:
    return torch.randint(0, CLASSES, (16,), generator=torch.Generator().manual_seed(seed))


def _value_and_grad(fn, x: torch.Tensor, *args) -> tuple[torch.Tensor, torch.Tensor]:
    """fn(x, *args) and the gradient of a random weighted sum of it with respect to x."""
    x = x.clone().requires_grad_(True)
    out = fn(x, *args)
    weights = torch.randn(out.shape, generator=torch.Generator().manual_seed(2), dtype=x.dtype)
    (out * weights).sum().backward()
    return out.detach(), x.grad


SCALES = [1.0, 30.0, 1000.0]


@pytest.mark.parametrize("scale", SCALES)
def test_log_softmax_matches_torch(scale: float) -> None:
    x = _logits(scale)
    ours, our_grad = _value_and_grad(losses.log_softmax, x)
    theirs, their_grad = _value_and_grad(lambda t: torch.log_softmax(t, dim=-1), x)
    assert torch.isfinite(ours).all()
    torch.testing.assert_close(ours, theirs, atol=1e-6, rtol=0)
    torch.testing.assert_close(our_grad, their_grad, atol=1e-6, rtol=0)


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("dim, keepdim", [(-1, False), (-1, True), (0, False), (0, True)])
def test_logsumexp_matches_torch(scale: float, dim: int, keepdim: bool) -> None:
    x = _logits(scale)
    ours, our_grad = _value_and_grad(lambda t: losses.logsumexp(t, dim, keepdim), x)
    theirs, their_grad = _value_and_grad(lambda t: torch.logsumexp(t, dim, keepdim), x)
    assert ours.shape == theirs.shape
    torch.testing.assert_close(ours, theirs, atol=1e-6, rtol=0)
    torch.testing.assert_close(our_grad, their_grad, atol=1e-6, rtol=0)


def test_logsumexp_of_minus_infinity_rows_is_minus_infinity_like_torch() -> None:
    x = torch.tensor([[-torch.inf, -torch.inf], [0.0, -torch.inf]], dtype=torch.float64)
    torch.testing.assert_close(losses.logsumexp(x), torch.logsumexp(x, -1))
    assert losses.logsumexp(x).tolist() == [-torch.inf, 0.0]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_naive_log_softmax_overflows_where_the_trick_does_not(dtype: torch.dtype) -> None:
    x = torch.tensor([[1000.0, 0.0, -5.0], [1.0, 2.0, 3.0]], dtype=dtype)
    naive = losses.naive_log_softmax(x)
    assert torch.isnan(naive[0, 0])  # exp(1000) = inf, inf / inf = nan
    assert torch.isneginf(naive[0, 1:]).all()  # x / inf = 0, log(0) = -inf
    stable = losses.log_softmax(x)
    assert torch.isfinite(stable).all()
    torch.testing.assert_close(stable, torch.log_softmax(x, -1))
    torch.testing.assert_close(stable[0], torch.tensor([0.0, -1000.0, -1005.0], dtype=dtype))
    # Where nothing overflows, the naive form is right too: it is the same formula.
    torch.testing.assert_close(naive[1], torch.log_softmax(x[1], -1))


def test_naive_cross_entropy_is_not_finite_on_large_logits_but_scratch_is() -> None:
    x, y = _logits(1000.0), _targets()
    naive = losses.nll(losses.naive_log_softmax(x), y)
    assert not torch.isfinite(naive)
    torch.testing.assert_close(losses.cross_entropy(x, y), F.cross_entropy(x, y), atol=1e-6, rtol=0)


@pytest.mark.parametrize("scale", SCALES)
def test_nll_matches_nll_loss(scale: float) -> None:
    log_probs, y = torch.log_softmax(_logits(scale), -1), _targets()
    ours, our_grad = _value_and_grad(losses.nll, log_probs, y)
    theirs, their_grad = _value_and_grad(F.nll_loss, log_probs, y)
    torch.testing.assert_close(ours, theirs, atol=1e-6, rtol=0)
    torch.testing.assert_close(our_grad, their_grad, atol=1e-6, rtol=0)


@pytest.mark.parametrize("scale", SCALES)
def test_cross_entropy_matches_torch(scale: float) -> None:
    x, y = _logits(scale), _targets()
    ours, our_grad = _value_and_grad(losses.cross_entropy, x, y)
    theirs, their_grad = _value_and_grad(F.cross_entropy, x, y)
    assert torch.isfinite(ours) and ours > 0
    torch.testing.assert_close(ours, theirs, atol=1e-6, rtol=0)
    torch.testing.assert_close(our_grad, their_grad, atol=1e-6, rtol=0)


def test_cross_entropy_matches_torch_in_float32() -> None:
    x, y = _logits(1000.0).float(), _targets()
    ours, our_grad = _value_and_grad(losses.cross_entropy, x, y)
    theirs, their_grad = _value_and_grad(F.cross_entropy, x, y)
    torch.testing.assert_close(ours, theirs)
    torch.testing.assert_close(our_grad, their_grad, atol=1e-6, rtol=0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_accuracy_matches_torchmetrics(seed: int) -> None:
    x, y = _logits(1.0, seed), _targets(seed + 10)
    ours = losses.accuracy(x, y)
    functional = torchmetrics.functional.accuracy(
        x, y, task="multiclass", num_classes=CLASSES, average="micro"
    )
    metric = MulticlassAccuracy(num_classes=CLASSES, average="micro")
    metric.update(x, y)
    expected = (x.argmax(-1) == y).sum().item() / len(y)
    assert ours.item() == pytest.approx(expected, abs=1e-6)
    assert ours.item() == pytest.approx(functional.item(), abs=1e-6)
    assert ours.item() == pytest.approx(metric.compute().item(), abs=1e-6)


def test_accuracy_is_micro_not_torchmetrics_macro_default() -> None:
    # 3 of class 0 right, the one class-1 example wrong: micro 3/4, macro (1 + 0) / 2.
    x = torch.tensor([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0]])
    y = torch.tensor([0, 0, 0, 1])
    assert losses.accuracy(x, y).item() == pytest.approx(0.75)
    assert MulticlassAccuracy(num_classes=2)(x, y).item() == pytest.approx(0.5)
