"""The scratch DataLoader gives torch's batches, and its worker pool neither hangs nor leaks.

Worker tests use the "fork" context (fast on Linux); one test runs the default "spawn",
which is why the datasets are module-level classes: spawned workers import them by name.
Every test runs under a SIGALRM deadline, so a hanging loader fails instead of blocking.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import signal
import time
from collections.abc import Iterator

import pytest
import torch
from torch.utils import data as torch_data

from minibatch.examples.scratch.loader import DataLoader, WorkerError
from minibatch.examples.scratch.sampling import WeightedSampler, inverse_frequency_weights

DEADLINE_S = 60


@pytest.fixture(autouse=True)
def deadline() -> Iterator[None]:
    """Fail the test with TimeoutError if it runs longer than DEADLINE_S (fork children do
    not inherit the timer)."""

    def fail(signum, frame):
        raise TimeoutError(f"still running after {DEADLINE_S} s: the loader hangs")

    previous = signal.signal(signal.SIGALRM, fail)
    signal.setitimer(signal.ITIMER_REAL, DEADLINE_S)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class Squares:
    """Example i is (tensor([i, i*i]), i)."""

    def __init__(self, n: int = 20) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        return torch.tensor([float(i), float(i * i)]), i


class SlowStart(Squares):
    """Example 0 takes 0.3 s, so the first batch finishes after the ones behind it."""

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        if i == 0:
            time.sleep(0.3)
        return super().__getitem__(i)


class FailsAt(Squares):
    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        if i == 13:
            raise ValueError(f"cannot read example {i}")
        return super().__getitem__(i)


class DiesAt(Squares):
    """The worker process itself ends at example 13, as a crash or a failed import would."""

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        if i == 13:
            os._exit(3)
        return super().__getitem__(i)


class Seeds(Squares):
    """Each example is the torch seed of the process that read it."""

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        return torch.tensor(0.0), torch.initial_seed()


def _assert_same_batches(ours: list, theirs: list) -> None:
    assert len(ours) == len(theirs)
    for our_batch, their_batch in zip(ours, theirs, strict=True):
        assert len(our_batch) == len(their_batch)
        for a, b in zip(our_batch, their_batch, strict=True):
            assert a.dtype == b.dtype
            torch.testing.assert_close(a, b, rtol=0, atol=0)


def _labels(batches: list) -> list[list[int]]:
    return [batch[1].tolist() for batch in batches]


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("batch_size", [1, 4, 7, 20, 30])
def test_same_batches_as_torch_dataloader(shuffle: bool, drop_last: bool, batch_size: int) -> None:
    options = {"batch_size": batch_size, "shuffle": shuffle, "drop_last": drop_last}
    ours = DataLoader(Squares(), generator=torch.Generator().manual_seed(0), **options)
    theirs = torch_data.DataLoader(Squares(), generator=torch.Generator().manual_seed(0), **options)
    assert len(ours) == len(theirs)
    for _epoch in range(2):  # the second epoch continues the same generator
        _assert_same_batches(list(ours), list(theirs))


def test_iter_alone_draws_nothing() -> None:
    """Lightning calls iter() once just to check a loader is iterable: that must not shift
    the order (torch's own loader draws its base seed in iter(); Lightning skips the check
    for it)."""
    ours = DataLoader(Squares(), 4, shuffle=True, generator=torch.Generator().manual_seed(6))
    iter(ours)
    theirs = torch_data.DataLoader(
        Squares(), 4, shuffle=True, generator=torch.Generator().manual_seed(6)
    )
    _assert_same_batches(list(ours), list(theirs))


def test_shuffled_epochs_differ_and_cover_every_example_once() -> None:
    loader = DataLoader(Squares(), 6, shuffle=True, generator=torch.Generator().manual_seed(1))
    first, second = _labels(list(loader)), _labels(list(loader))
    assert first != second
    assert sorted(sum(first, [])) == sorted(sum(second, [])) == list(range(20))
    assert [len(batch) for batch in first] == [6, 6, 6, 2]


def test_without_generator_follows_torch_manual_seed() -> None:
    torch.manual_seed(4)
    ours = list(DataLoader(Squares(), 8, shuffle=True))
    torch.manual_seed(4)
    _assert_same_batches(ours, list(torch_data.DataLoader(Squares(), 8, shuffle=True)))


def test_a_weighted_sampler_balances_the_batches() -> None:
    labels = torch.tensor([0] * 190 + [1] * 10)
    dataset = list(zip(torch.arange(200.0), labels.tolist(), strict=True))
    sampler = WeightedSampler(
        inverse_frequency_weights(labels), 4000, torch.Generator().manual_seed(0)
    )
    batches = list(DataLoader(dataset, 100, sampler=sampler))
    assert len(batches) == 40
    share = torch.cat([y for _, y in batches]).float().mean().item()
    assert share == pytest.approx(0.5, abs=0.03)


def test_workers_give_the_main_process_batches_in_order() -> None:
    in_main = list(DataLoader(SlowStart(), 3))
    in_workers = list(DataLoader(SlowStart(), 3, num_workers=2, context="fork"))
    _assert_same_batches(in_workers, in_main)
    assert _labels(in_workers)[:2] == [[0, 1, 2], [3, 4, 5]]
    assert mp.active_children() == []


def test_workers_shuffle_like_the_main_process_epoch_after_epoch() -> None:
    def loader(num_workers: int) -> DataLoader:
        generator = torch.Generator().manual_seed(2)
        options = {"shuffle": True, "generator": generator, "context": "fork"}
        return DataLoader(Squares(23), 5, num_workers=num_workers, **options)

    in_main, in_workers = loader(0), loader(2)
    for _epoch in range(2):
        _assert_same_batches(list(in_workers), list(in_main))
        assert mp.active_children() == []


def test_workers_are_seeded_from_the_generator_like_torch() -> None:
    base = int(
        torch.empty((), dtype=torch.int64).random_(generator=torch.Generator().manual_seed(3))
    )
    options = {"batch_size": 2, "num_workers": 2}
    ours = DataLoader(
        Seeds(), generator=torch.Generator().manual_seed(3), context="fork", **options
    )
    theirs = torch_data.DataLoader(
        Seeds(),
        generator=torch.Generator().manual_seed(3),
        multiprocessing_context="fork",
        **options,
    )
    our_seeds = {seed for _, seeds in ours for seed in seeds.tolist()}
    their_seeds = {seed for _, seeds in theirs for seed in seeds.tolist()}
    assert their_seeds == {base, base + 1}
    assert our_seeds and our_seeds <= their_seeds  # a worker that got no batch reports none
    assert mp.active_children() == []


def test_an_exception_in_a_worker_reaches_the_caller_with_its_message() -> None:
    loader = DataLoader(FailsAt(), 4, num_workers=2, context="fork")
    received = []
    with pytest.raises(WorkerError, match="ValueError: cannot read example 13"):
        for batch in loader:
            received.append(batch)
    assert _labels(received) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    assert mp.active_children() == []


def test_the_same_exception_is_raised_without_workers() -> None:
    with pytest.raises(ValueError, match="cannot read example 13"):
        list(DataLoader(FailsAt(), 4))


def test_a_worker_that_dies_is_an_error_not_a_hang() -> None:
    """What hung seed 002's Pool: a worker that is gone never answers."""
    with pytest.raises(WorkerError, match="exit code 3"):
        list(DataLoader(DiesAt(), 4, num_workers=2, context="fork"))
    assert mp.active_children() == []


def test_what_spawned_workers_cannot_import_fails_at_once_in_the_caller() -> None:
    """Seed 002's hang, caught: under spawn a worker gets the dataset and collate_fn by
    pickle, so something defined on the fly (a lambda, a notebook class) cannot reach it."""
    loader = DataLoader(Squares(), 4, num_workers=2, collate_fn=lambda batch: batch)
    with pytest.raises((AttributeError, pickle.PicklingError), match="lambda"):
        next(iter(loader))
    assert mp.active_children() == []


def test_no_worker_is_left_after_an_early_break() -> None:
    loader = DataLoader(Squares(200), 2, num_workers=2, context="fork")
    for batch in loader:
        assert batch[1].tolist() == [0, 1]
        assert len(mp.active_children()) == 2
        break
    assert mp.active_children() == []


def test_no_worker_is_left_when_an_unfinished_iterator_is_dropped() -> None:
    iterator = iter(DataLoader(Squares(200), 2, num_workers=2, context="fork"))
    assert next(iterator)[1].tolist() == [0, 1]
    assert next(iterator)[1].tolist() == [2, 3]
    del iterator  # the generator's finally stops the workers
    assert mp.active_children() == []


def test_spawned_workers_give_the_same_batches() -> None:
    generator = torch.Generator().manual_seed(5)
    in_main = list(DataLoader(Squares(), 6, shuffle=True, generator=generator))
    generator = torch.Generator().manual_seed(5)
    spawned = list(DataLoader(Squares(), 6, shuffle=True, generator=generator, num_workers=2))
    _assert_same_batches(spawned, in_main)
    assert mp.active_children() == []


class BrokenTransfer:
    """A results queue whose next batch was cut off by its sender's death, as torch reports it."""

    def get(self, timeout: float):
        raise ConnectionResetError(104, "Connection reset by peer")


class DeadWorker:
    name, pid, exitcode = "Process-1", 4242, -9

    def is_alive(self) -> bool:
        return False


def test_a_transfer_cut_by_a_dying_worker_is_a_worker_error() -> None:
    """Under load a worker can die in the middle of handing a batch over: the same error."""
    from minibatch.examples.scratch import loader

    with pytest.raises(WorkerError, match="exit code -9"):
        loader._receive(BrokenTransfer(), [DeadWorker()])
