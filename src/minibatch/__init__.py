"""minibatch: a Lightning + Hydra template for learning mini-batch training."""

__version__ = "0.2.0"
