"""What a run leaves behind when it does not finish: a resume command, a marked folder, or nothing.

Interrupted: the command that resumes it; diverged or failed once it trained: its folder, marked
`FAILED`; refused before its first checkpoint: nothing of what it wrote (run_folder.py).
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.markup import escape
from rich.text import Text

from minibatch.checks.library_errors import WriteFailed, as_user_error
from minibatch.checks.one_sentence import say
from minibatch.errors import UserError
from minibatch.runs.resume import newest_checkpoint, progress, resume_command
from minibatch.runs.run_folder import claim_of, forget, trained_here
from minibatch.runs.stops import Diverged, Interrupted

log = logging.getLogger(__name__)


def mark_failed(run: Path, reason: str) -> None:
    """Write `FAILED` in the run folder: TensorBoard still shows it, the file says why. A
    run that failed before (resumed since) gets the new reason added below the old ones."""
    line = reason.rstrip() + "\n"
    marker = run / "FAILED"
    with contextlib.suppress(OSError):  # a full disk takes no FAILED file either
        if run.is_dir() and not (marker.is_file() and line in marker.read_text()):
            with marker.open("a") as file:  # a DDP run's ranks may each mark it
                file.write(line)


def what_was_kept(failed: WriteFailed, run: Path) -> WriteFailed:
    """The sentence of a failed write, ending with the command that resumes from the run's
    newest checkpoint once the disk takes files again."""
    checkpoint = newest_checkpoint(run)
    if checkpoint is None or progress(checkpoint)[0] < 0:
        return failed.then("start the run again (it kept no checkpoint that can be read)")
    return failed.then(f"resume from the last checkpoint it kept: {resume_command(checkpoint)}")


def folder_removed(run: Path) -> UserError:
    return UserError(f"the run folder {run} was removed while the run was going: start it again.")


def tell(line: str) -> None:
    """A line on stderr and in the run's log: after SIGHUP the terminal may be gone."""
    say(line)
    log.info(Text.from_markup(line).plain)


def report_interruption(stop: Interrupted, run: Path) -> None:
    """Where the run stopped, what it saved, and the command that resumes it."""
    where = f"epoch {stop.epoch}, step {stop.step}"
    saved = f"saved {escape(str(stop.checkpoint))}" if stop.checkpoint else "nothing saved"
    tell(f"[bold red]interrupted[/] ({stop}) at {where}: {saved}")
    resume_from = newest_checkpoint(run)
    if stop.finished:
        final = f" (the final weights: {escape(str(resume_from))})" if resume_from else ""
        tell(f"training had already finished{final}: nothing left to resume; what came after "
             "it (the test split with test=true, the summary) did not run")  # fmt: skip
        return
    if resume_from is None:
        tell("no epoch finished yet: start again with the same command")
        return
    mid_epoch = resume_from.name == "interrupted.ckpt"
    how = "where it stopped" if mid_epoch else "the end of the last finished epoch"
    if stop.requeue is not None:
        tell(f"[bold]requeued[/]: submitit starts the job again, which resumes from {how} "
             f"({escape(str(resume_from))})")  # fmt: skip
        return
    tell(f"[bold]resume[/] (from {how}) with: {escape(resume_command(resume_from))}")


@contextmanager
def run_outcome(output_dir: str | Path) -> Iterator[None]:
    """Report an interruption, keep or remove the run folder of a failed run (see above)."""
    run = Path(output_dir)
    try:
        yield
    except Interrupted as stop:
        report_interruption(stop, run)
        if stop.requeue is not None:
            stop.requeue()  # submitit: the launcher's checkpoint(), the requeue, the exit
        sys.exit(stop.exit_code)
    except Diverged as error:  # it trained: what it saved is kept
        mark_failed(run, str(error))
        raise
    except Exception as error:
        if not run.is_dir():  # whatever failed next: the folder it was writing into is gone
            raise folder_removed(run) from error
        mistake = as_user_error(error, run)
        if isinstance(mistake, WriteFailed):  # as a divergence: what it saved is kept, marked
            mistake = what_was_kept(mistake, run)
            mark_failed(run, str(mistake))
            raise mistake from error
        if mistake is None:  # a bug, not a setting: its traceback is kept
            mark_failed(run, f"{type(error).__name__}: {error}")
            raise
        claimed = claim_of(run)
        if claimed is not None and trained_here(claimed):
            mark_failed(run, str(mistake))  # it trained: what it saved is kept, marked
        elif claimed is not None:
            forget(run)  # only what this run wrote
        if mistake is error:
            raise
        raise mistake from error
