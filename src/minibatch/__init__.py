"""minibatch: a Lightning + Hydra template for learning mini-batch training.

The training path sits at the top of the package; every other concern is a wing below it.
"""

__version__ = "0.2.0"
