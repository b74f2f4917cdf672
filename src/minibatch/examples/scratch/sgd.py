"""Stochastic gradient descent written out, seed 002's `SGDOptimizer` (In [437]) grown up.

torch.optim.SGD's update with momentum and weight decay, as a `torch.optim.Optimizer` so a
Lightning Trainer can drive it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch


class SGD(torch.optim.Optimizer):
    """Plain SGD, with optional momentum and weight decay."""

    def __init__(
        self,
        params: Iterable[torch.Tensor] | Iterable[dict],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        if lr < 0 or momentum < 0 or weight_decay < 0:
            raise ValueError(
                f"lr, momentum and weight_decay must be >= 0, got {lr}, {momentum}, {weight_decay}."
            )
        super().__init__(params, {"lr": lr, "momentum": momentum, "weight_decay": weight_decay})

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor] | None = None) -> torch.Tensor | None:
        """Move every parameter that has a gradient one step downhill.

        `closure` recomputes the loss (and gradients) when given; Lightning always passes
        one. It runs with gradients on, since `step` itself runs under no_grad.
        """
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    self._update(p, group)
        return loss

    def _update(self, p: torch.Tensor, group: dict) -> None:
        grad = p.grad
        if group["weight_decay"]:
            grad = grad.add(p, alpha=group["weight_decay"])
        if group["momentum"]:
            buf = self.state[p].get("momentum_buffer")
            if buf is None:
                buf = self.state[p]["momentum_buffer"] = grad.clone()
            else:
                buf.mul_(group["momentum"]).add_(grad)
            grad = buf
        p.add_(grad, alpha=-group["lr"])
