"""What a run leaves behind when it does not finish: a resume command, a marked folder, or nothing.

- Interrupted (SIGTERM, Ctrl-C): the checkpoint saved at the signal (`interrupted.ckpt`),
  and the exact command that resumes from the end of the last finished epoch
  (`last.ckpt`), exit 143 or 130.
- Diverged, or crashed after training started: the folder stays, with its checkpoints, its
  log and a `FAILED` file holding the reason.
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
from minibatch.errors import Diverged, Interrupted
from minibatch.library_errors import as_user_error
from minibatch.resume import newest_checkpoint, resume_command
from minibatch.run_folder import discard, restore


def mark_failed(run: Path, reason: str) -> None:
    """Write `FAILED` in the run folder: TensorBoard still shows it, the file says why."""
    if run.is_dir():
        (run / "FAILED").write_text(reason.rstrip() + "\n")


@contextmanager
def run_outcome(output_dir: str | Path) -> Iterator[None]:
    """Report an interruption, keep or remove the run folder of a failed run (see above)."""
    run = Path(output_dir)
    resumed = (run / "checkpoints").is_dir()  # a new run's folder has no checkpoints yet
    try:
        yield
    except Interrupted as stop:
        where = f"epoch {stop.epoch}, step {stop.step}"
        saved = f"saved {escape(str(stop.checkpoint))}" if stop.checkpoint else "nothing saved"
        say(f"[bold red]interrupted[/] ({stop}) at {where}: {saved}")
        boundary = newest_checkpoint(run)
        if boundary is None:
            say("no epoch finished yet: start again with the same command")
        else:
            say(f"[bold]resume[/] (from the end of the last finished epoch) with: "
                f"{escape(resume_command(boundary))}")  # fmt: skip
        sys.exit(stop.exit_code)
    except Diverged as error:
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
