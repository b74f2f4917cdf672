"""From-scratch versions of the pieces the notebooks build before using the library ones.

Hand-written on purpose, to be read: tests/examples/test_scratch_*.py prove each gives the
numbers of the library version it stands in for.
"""

from minibatch.examples.scratch.collate import collate, pad_collate
from minibatch.examples.scratch.loader import DataLoader, WorkerError
from minibatch.examples.scratch.losses import (
    accuracy,
    cross_entropy,
    log_softmax,
    logsumexp,
    naive_log_softmax,
    nll,
)
from minibatch.examples.scratch.sampling import (
    BatchSampler,
    RandomSampler,
    SequentialSampler,
    WeightedSampler,
    inverse_frequency_weights,
)
from minibatch.examples.scratch.sgd import SGD

__all__ = [
    "SGD",
    "BatchSampler",
    "DataLoader",
    "RandomSampler",
    "SequentialSampler",
    "WeightedSampler",
    "WorkerError",
    "accuracy",
    "collate",
    "cross_entropy",
    "inverse_frequency_weights",
    "log_softmax",
    "logsumexp",
    "naive_log_softmax",
    "nll",
    "pad_collate",
]
