"""What a run leaves behind when it does not finish: a resume command, a marked folder, or nothing.

- Interrupted (SIGTERM, Ctrl-C): the checkpoint saved at the signal (`interrupted.ckpt`),
  and the exact command that resumes from the run's newest checkpoint (that one, mid-epoch,
  or `last.ckpt` when the data's loader cannot resume mid-epoch; see resume.py), exit 143
  or 130; a signal that came once training had finished (the last validation) says so
  instead, since there is nothing to resume (and a submitit job is not requeued). A
  submitit job that was preempted or timed out is handed back to submitit, which requeues
  it: it resumes from that checkpoint by itself (hydra_plugins/minibatch_submitit/).
- Diverged, a checkpoint that could not be written, or crashed after training started: the
  folder stays, with its checkpoints, its log and a `FAILED` file holding the reason.
- Refused (a `UserError`, or a library error that stands for one, see library_errors.py):
  a run folder this run created is removed, event file included, so TensorBoard shows no
  empty run; one that already holds checkpoints is kept and marked `FAILED`. The error
  itself is printed by entry.py.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.markup import escape

from minibatch.entry import say
from minibatch.errors import Diverged, Interrupted, NotSaved
from minibatch.library_errors import as_user_error
from minibatch.resume import newest_checkpoint, resume_command
from minibatch.run_folder import discard, restore


def mark_failed(run: Path, reason: str) -> None:
    """Write `FAILED` in the run folder: TensorBoard still shows it, the file says why."""
    if run.is_dir():
        (run / "FAILED").write_text(reason.rstrip() + "\n")


def report_interruption(stop: Interrupted, run: Path) -> None:
    """Where the run stopped, what it saved, and the command that resumes it."""
    where = f"epoch {stop.epoch}, step {stop.step}"
    saved = f"saved {escape(str(stop.checkpoint))}" if stop.checkpoint else "nothing saved"
    say(f"[bold red]interrupted[/] ({stop}) at {where}: {saved}")
    resume_from = newest_checkpoint(run)
    if stop.finished:
        final = f" (the final weights: {escape(str(resume_from))})" if resume_from else ""
        say(f"training had already finished{final}: nothing left to resume; what came after "
            "it (the test split with test=true, the summary) did not run")  # fmt: skip
        return
    if resume_from is None:
        say("no epoch finished yet: start again with the same command")
        return
    mid_epoch = resume_from.name == "interrupted.ckpt"
    how = "where it stopped" if mid_epoch else "the end of the last finished epoch"
    if stop.requeue is not None:
        say(f"[bold]requeued[/]: submitit starts the job again, which resumes from {how} "
            f"({escape(str(resume_from))})")  # fmt: skip
        return
    say(f"[bold]resume[/] (from {how}) with: {escape(resume_command(resume_from))}")


@contextmanager
def run_outcome(output_dir: str | Path) -> Iterator[None]:
    """Report an interruption, keep or remove the run folder of a failed run (see above)."""
    run = Path(output_dir)
    resumed = (run / "checkpoints").is_dir()  # a new run's folder has no checkpoints yet
    try:
        yield
    except Interrupted as stop:
        report_interruption(stop, run)
        if stop.requeue is not None:
            stop.requeue()  # submitit: the launcher's checkpoint(), the requeue, the exit
        sys.exit(stop.exit_code)
    except (Diverged, NotSaved) as error:  # it trained: what it saved is kept
        mark_failed(run, str(error))
        raise
    except Exception as error:
        mistake = as_user_error(error)
        if mistake is None:  # a bug, not a setting: its traceback is kept
            mark_failed(run, f"{type(error).__name__}: {error}")
            raise
        if resumed:
            restore(run)  # the resumed run's folder as it was
        elif any(run.glob("checkpoints/*.ckpt")):
            mark_failed(run, str(mistake))  # it trained: what it saved is kept, marked
        elif run.is_dir():
            discard(run)
        if mistake is error:
            raise
        raise mistake from error
