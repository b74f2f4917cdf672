"""What the command-line entry points (train, evaluate, export) share before and after a run.

The configs' resolvers and launchers are registered, noise that says nothing to a learner is
kept off the console, and the process ends without Python's last collections.
"""

from __future__ import annotations

import atexit
import errno
import gc
import logging
import sys
import threading
import warnings

from hydra_plugins.minibatch_submitit.resuming_launcher import register_launchers
from minibatch.display.help_text import register_help_resolver
from minibatch.display.run_name import register_run_name_resolver
from minibatch.runs.project_paths import CONFIG_DIR, project_root
from minibatch.runs.run_dir import register_resolvers
from minibatch.speed.group_size import register_group_size_resolver

IGNORED_WARNINGS = (
    r".*isinstance\(treespec, LeafSpec\).*",  # a deprecation inside Lightning itself
    r".*smaller than the logging interval.*",  # the template logs per epoch, on purpose
    # Under DDP: the logged values come from torchmetrics, which already synchronise ranks.
    r".*when logging on epoch level in distributed setting.*",
    # trainer.max_epochs=null: the fit_length callback sets the epochs once the data is known.
    r".*`max_epochs` was not set\. Setting it to 1000 epochs.*",
)
# A full disk, a quota, the file-size limit, a folder removed under a file being written.
WRITE_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.ENOENT)


# Lines Lightning logs at every start that teach nothing: tips for its cloud products, the
# accelerators that are absent, and a note that our model summary replaced its own.
NOISE_PREFIXES = (
    "💡 Tip",
    "GPU available: False",
    "TPU available: False",
    "HPU available: False",
    "Trainer already configured with model summary",
)


def drop_advertisements(record: logging.LogRecord) -> bool:
    """False for the lines of NOISE_PREFIXES, which a learner does not need."""
    return not str(record.msg).startswith(NOISE_PREFIXES)


def quiet_known_noise() -> None:
    for message in IGNORED_WARNINGS:
        warnings.filterwarnings("ignore", message=message)
    logging.getLogger("lightning.pytorch.utilities.rank_zero").addFilter(drop_advertisements)
    threading.excepthook = log_write_errors_of_threads


def log_write_errors_of_threads(args: threading.ExceptHookArgs) -> None:
    """A background thread that cannot write (TensorBoard's event writer on a full disk or in
    a removed folder) logs its traceback instead of printing it: the writer hands the error
    on to the main thread, which says it in one sentence (library_errors.py)."""
    if isinstance(args.exc_value, OSError) and args.exc_value.errno in WRITE_ERRNOS:
        logging.getLogger(__name__).error(
            "in thread %s",
            args.thread,
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )
        return
    threading.__excepthook__(args)


def end_quickly() -> None:
    """Skip the garbage collections Python runs as the process ends: they walk every object
    the imports made to find cycles the operating system frees anyway. Frozen as the last exit
    handler, the objects are skipped; the rest of the exit (handlers, files, code) is as before.
    """
    atexit.register(gc.freeze)


def project_on_path() -> None:
    """Make the project folder's own modules importable, whatever folder a command runs from.

    `python train.py` puts the script's folder on `sys.path`, `python scripts/evaluate.py`
    puts `scripts/`, and `minibatch-train` nothing: each entry point puts the project folder
    (the clone, or the current folder for an installed package) first instead, so that a
    config's `_target_: my_project.rings.RingsDataModule` finds `my_project/rings.py` there.
    """
    root = str(project_root())
    if root not in sys.path:
        sys.path.insert(0, root)


def register_configs() -> None:
    """Make the resolvers (`${run_id:}`, `${run_name:}`...) and launchers the configs name
    known to Hydra; idempotent. Code that composes the configs itself calls it first."""
    register_resolvers(project_root=project_root())
    register_run_name_resolver()
    register_help_resolver(CONFIG_DIR)
    register_group_size_resolver()
    register_launchers()  # hydra/launcher=slurm|local: jobs that resume after a requeue
