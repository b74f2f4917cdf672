"""A DataLoader from scratch, with a pool of worker processes that does not hang.

Seed 002's `Pool.map` hung when a worker died; these workers share two queues (seed 003),
and the loader notices a dead worker and always stops and joins them.
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import queue
import random
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import torch

from minibatch.examples.scratch.collate import collate
from minibatch.examples.scratch.sampling import BatchSampler, RandomSampler, SequentialSampler


class WorkerError(RuntimeError):
    """A worker could not build a batch; the message holds the worker's traceback."""


class DataLoader:
    """Batches of `dataset`, read in the main process or by `num_workers` processes.

    Same batches in the same order as `torch.utils.data.DataLoader` given the same options
    and generator: like torch, each epoch first draws a base seed from `generator` (worker
    i seeds torch and `random` with base seed + i), then the sampler draws its order.
    `context` is the multiprocessing start method: "spawn" (the default, safe everywhere;
    the dataset and collate_fn must then be importable) or "fork" (Linux, faster to start).
    """

    def __init__(
        self,
        dataset: Sequence,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        generator: torch.Generator | None = None,
        collate_fn: Callable[[list], Any] = collate,
        num_workers: int = 0,
        sampler: Iterable[int] | None = None,
        context: str = "spawn",
    ) -> None:
        if sampler is None:
            sampler = RandomSampler(dataset, generator) if shuffle else SequentialSampler(dataset)
        self.dataset = dataset
        self.batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.generator = generator
        self.collate_fn = collate_fn
        self.num_workers = num_workers
        self.context = context

    def __len__(self) -> int:
        return len(self.batch_sampler)

    def __iter__(self) -> Iterator[Any]:
        # A generator: nothing is drawn until the first batch is asked for. (torch draws the
        # base seed in iter(); Lightning calls iter() once only to check the loader is
        # iterable, which would shift every later draw.)
        base_seed = int(torch.empty((), dtype=torch.int64).random_(generator=self.generator))
        batches = iter(self.batch_sampler)
        if self.num_workers == 0:
            for indices in batches:
                yield self.collate_fn([self.dataset[i] for i in indices])
        else:
            yield from self._from_workers(batches, base_seed)

    def _from_workers(self, batches: Iterator[list[int]], base_seed: int) -> Iterator[Any]:
        ctx = mp.get_context(self.context)
        tasks, results = ctx.Queue(), ctx.Queue()
        workers = []
        try:
            for i in range(self.num_workers):  # under spawn, start() pickles the dataset
                args = (self.dataset, self.collate_fn, tasks, results, base_seed + i)
                # daemon: killed with the main process, should it exit mid-epoch
                workers.append(ctx.Process(target=_work, args=args, daemon=True))
                workers[-1].start()
            sent = 0
            for indices in itertools.islice(batches, 2 * self.num_workers):  # one spare each
                tasks.put((sent, indices))
                sent += 1
            finished: dict[int, tuple[Any, str | None]] = {}
            for number in itertools.count():
                if number == sent:
                    return
                while number not in finished:  # later batches may finish first: keep them
                    done, batch, error = _receive(results, workers)
                    finished[done] = (batch, error)
                batch, error = finished.pop(number)
                if error is not None:
                    raise WorkerError(error)
                for indices in itertools.islice(batches, 1):
                    tasks.put((sent, indices))
                    sent += 1
                yield batch
        finally:
            _stop(workers, tasks)


def _work(dataset: Sequence, collate_fn: Callable, tasks: Any, results: Any, seed: int) -> None:
    """A worker's life: build the batch for each (number, indices) until a None arrives."""
    torch.manual_seed(seed)
    random.seed(seed)
    # Exit without waiting to flush results nobody will read (the main process stopped
    # early); on a normal end every result has been read before the None is sent.
    results.cancel_join_thread()
    while (task := tasks.get()) is not None:
        number, indices = task
        try:
            results.put((number, collate_fn([dataset[i] for i in indices]), None))
        except Exception:
            name = mp.current_process().name
            results.put((number, None, f"in {name}:\n{traceback.format_exc()}"))


def _receive(results: Any, workers: list) -> tuple[int, Any, str | None]:
    """The next finished batch; fails, rather than waits forever, if a worker has died.

    A worker that dies while handing a batch over breaks the transfer itself (torch passes
    tensors through shared memory and a socket): that failure is the same `WorkerError`.
    """
    while True:
        try:
            return results.get(timeout=1.0)
        except queue.Empty:
            dead = _dead_worker(workers, wait=0)
        except (OSError, EOFError):  # the sender died mid-transfer (ConnectionResetError...)
            dead = _dead_worker(workers, wait=5.0)
        if dead is not None:
            raise WorkerError(dead) from None


def _dead_worker(workers: list, wait: float) -> str | None:
    """How the first worker that has died ended, waiting up to `wait` seconds for one to end."""
    deadline = time.monotonic() + wait
    while True:
        for worker in workers:
            if not worker.is_alive():
                return f"{worker.name} (pid {worker.pid}) died with exit code {worker.exitcode}"
        if time.monotonic() >= deadline:
            return None if wait == 0 else "a worker died while sending a batch"
        time.sleep(0.05)


def _stop(workers: list, tasks: Any) -> None:
    """Ask every worker to finish, wait a little, then terminate any that did not."""
    workers = [worker for worker in workers if worker.pid is not None]  # started ones
    for _ in workers:
        tasks.put(None)
    for worker in workers:
        worker.join(timeout=5)
        if worker.is_alive():
            worker.terminate()
            worker.join()
