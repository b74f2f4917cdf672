"""Cross entropy from scratch, the way seed 002 builds it (cells In [401] to In [427]).

The naive log_softmax, which overflows, then the logsumexp trick, the negative log
likelihood and `F.cross_entropy`; each takes raw outputs of shape (batch, classes).
"""

from __future__ import annotations

import torch


def naive_log_softmax(x: torch.Tensor) -> torch.Tensor:
    """log(exp(x) / sum exp(x)), seed 002's first try (In [401]).

    Kept to show why it is not used: exp(1000.) is inf in float32 and float64, so a logit of
    1000 turns the row into inf/inf = nan (and a very negative one into log(0) = -inf).
    """
    exps = x.exp()
    return (exps / exps.sum(-1, keepdim=True)).log()


def logsumexp(x: torch.Tensor, dim: int = -1, keepdim: bool = False) -> torch.Tensor:
    """log(sum(exp(x))) along `dim` without overflow, seed 002's In [407].

    Shift by the row's maximum m first: log sum exp(x) = m + log sum exp(x - m). Now the
    largest exponent is exp(0) = 1, so nothing overflows and at least one term is not lost.
    The shift is a constant for the gradient (it cancels), so it is detached. A row whose
    maximum is infinite (all -inf, say) is not shifted, as torch.logsumexp does.
    """
    m = x.detach().amax(dim, keepdim=True)
    m = torch.where(m.isinf(), torch.zeros_like(m), m)
    out = m + (x - m).exp().sum(dim, keepdim=True).log()
    return out if keepdim else out.squeeze(dim)


def log_softmax(x: torch.Tensor) -> torch.Tensor:
    """log of the softmax over the last dimension, with the logsumexp trick (In [411]).

    log(exp(x_i) / sum_j exp(x_j)) = x_i - logsumexp(x): no division, no overflow.
    """
    return x - logsumexp(x, dim=-1, keepdim=True)


def nll(log_probs: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Negative log likelihood: minus the mean log-probability of the true class (In [418]).

    With one-hot targets, -sum_i y_i log p_i keeps only the true class's term, so indexing
    row r at column target[r] is all there is to it (like `F.nll_loss`, mean reduction).
    """
    rows = torch.arange(log_probs.shape[0], device=log_probs.device)
    return -log_probs[rows, target].mean()


def cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """log_softmax then nll: what `F.cross_entropy` fuses into one call (In [420])."""
    return nll(log_softmax(logits), target)


def accuracy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Share of rows whose largest output is the true class (In [427]).

    Same as torchmetrics' multiclass accuracy with average="micro" (its default for
    `MulticlassAccuracy` is "macro", a mean over classes, which differs on uneven classes).
    """
    return (logits.argmax(dim=-1) == target).float().mean()
