"""The loss of a small model as a function of its parameters: curves, surfaces, minima.

The run's own net and loss, evaluated at every grid point at once (`functional_call`, `vmap`).
"""

from __future__ import annotations

import numpy as np
import torch
from torch.func import functional_call, vmap

from minibatch.module import TaskModule


def loss_at(
    module: TaskModule, x: torch.Tensor, y: torch.Tensor, points: np.ndarray, chunk: int = 4096
) -> np.ndarray:
    """The module's loss on (x, y) with its parameters set to each row of `points`.

    `points` is (G, P): P numbers per point, in the order of `module.net.parameters()`
    (w then b for the perceptron). Returns G losses.
    """
    names, shapes = zip(*[(n, p.shape) for n, p in module.net.named_parameters()], strict=True)
    sizes = [int(np.prod(shape)) for shape in shapes]
    device = next(module.net.parameters()).device
    x, y = x.detach().to(device), y.detach().to(device)
    net = module.net

    def loss(theta: torch.Tensor) -> torch.Tensor:
        parts = torch.split(theta, sizes)
        params = {n: part.reshape(s) for n, part, s in zip(names, parts, shapes, strict=True)}
        return module.loss_fn(functional_call(net, params, (x,)), y)

    grid = torch.as_tensor(np.asarray(points, dtype=np.float32), device=device)
    grid = grid.reshape(len(points), sum(sizes))
    with torch.no_grad():
        losses = [vmap(loss)(part) for part in torch.split(grid, chunk)]
    return torch.cat(losses).double().cpu().numpy()


def loss_curve(module: TaskModule, x: torch.Tensor, y: torch.Tensor, w: np.ndarray) -> np.ndarray:
    """The loss of a one-parameter model at every value of `w`."""
    return loss_at(module, x, y, np.asarray(w)[:, None])


def loss_surface(
    module: TaskModule, x: torch.Tensor, y: torch.Tensor, w: np.ndarray, b: np.ndarray
) -> np.ndarray:
    """The loss of a two-parameter model (w, b) on a grid: shape (len(b), len(w))."""
    ww, bb = np.meshgrid(w, b)
    points = np.stack([ww.ravel(), bb.ravel()], axis=1)
    return loss_at(module, x, y, points).reshape(len(b), len(w))


def local_minima(w: np.ndarray, loss: np.ndarray) -> list[tuple[float, float]]:
    """The (w, loss) of every interior grid point lower than both its neighbours."""
    inner = np.flatnonzero((loss[1:-1] < loss[:-2]) & (loss[1:-1] < loss[2:])) + 1
    return [(float(w[i]), float(loss[i])) for i in inner]


def nearest_minimum(value: float, minima: list[tuple[float, float]]) -> tuple[float, float]:
    """The minimum closest to `value` along w."""
    return min(minima, key=lambda minimum: abs(minimum[0] - value))
