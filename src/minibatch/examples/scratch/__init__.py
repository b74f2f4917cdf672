"""From-scratch versions of the pieces the notebooks build before using the library ones.

Seed 002 writes cross entropy, an SGD optimizer and a DataLoader by hand, then switches to
`F.cross_entropy`, `torch.optim.SGD` and `torch.utils.data.DataLoader`; seed 003 explains
samplers, `collate_fn` and `num_workers`. Each module here is one of those pieces, small
enough to read in one sitting, and `tests/examples/test_scratch_*.py` prove each one gives
the same numbers as the library version it stands in for.

- `losses`: logsumexp, log_softmax, nll, cross_entropy, accuracy (and the naive
  log_softmax that overflows).
- `sgd`: SGD with momentum and weight decay, as a real `torch.optim.Optimizer`.
- `sampling`: sequential, random, batch and weighted samplers.
- `collate`: stack a list of examples into a batch; pad variable-length sequences.
- `loader`: a DataLoader with an optional pool of worker processes that does not hang.
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
