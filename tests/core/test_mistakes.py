"""Every mistake a clear error: the real command lines, each refused in one sentence.

Each row runs `train.py`, `evaluate.py` or `scripts/export.py` with one mistake, as a user
types it. Every row must exit non-zero, print no traceback, say what went wrong (a row
refused by the project: exactly one `error: ...` line, one sentence), and leave nothing
behind: no run or sweep folder, no event file (or a run folder marked FAILED), no file
among the prepared inputs. The rows run in forks of one warm process (command_lines.py:
the same scripts and argv, without the interpreter's start and imports each time), two at
a time; most stop before training. That mistakes in the config answer before Lightning is
imported is checked by `test_config_mistakes_answer_before_lightning_is_imported`.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import torch
from omegaconf import open_dict

from minibatch.cli.train import run_training
from minibatch.runs.run_lock import LOCK_FILE
from tests.conftest import REPO_ROOT, SEARCH_PATH, compose_train
from tests.core.command_lines import run_all
from tests.core.huge_png import write_huge_png
from tests.docs_text import page

pytestmark = pytest.mark.slow

T, E, X = "train.py", "scripts/evaluate.py", "scripts/export.py"
TINY = ("data=tiny", "batch_size=500", "trainer.max_epochs=1", "logger=tensorboard",
        "trainer.enable_progress_bar=false")  # fmt: skip
CSV = ("data=csv", "data.target=y", "trainer.max_epochs=1")
IMAGES = ("data=image_folder", "trainer.max_epochs=1")

# (id, class, script, arguments, a fragment the error must contain). {files} is the folder of
# prepared files, {good} a real checkpoint of a tiny run (1 epoch), {run} its run folder,
# {locked} the checkpoint of a copy of that run whose lock is held, as a live run holds it.
ROWS = [
    ("unknown-data", "options", T, ["data=nosuchdata"], "Could not find 'data/nosuchdata'"),
    ("unknown-model", "options", T, [*TINY, "model=nosuch"], "Could not find 'model/nosuch'"),
    ("unknown-optimizer", "options", T, [*TINY, "optimizer=nosuch"], "optimizer/nosuch"),
    ("unknown-scheduler", "options", T, [*TINY, "scheduler=nosuch"], "scheduler/nosuch"),
    ("unknown-trainer", "options", T, [*TINY, "trainer=nosuch"], "trainer/nosuch"),
    ("unknown-loss", "options", T, [*TINY, "loss=nosuch"], "nosuch"),
    ("misspelt-key", "keys", T, [*TINY, "batch_sise=50"], "batch_sise"),
    ("misspelt-nested-key", "keys", T, [*TINY, "trainer.max_epoch=3"], "max_epoch"),
    ("misspelt-data-key", "keys", T, [*TINY, "data.suffle=false"], "suffle"),
    ("added-misspelt-key", "keys", T, [*TINY, "+batchsize=50"], "the closest key is batch_size"),
    ("added-unknown-key", "keys", T, [*TINY, "+unknown=1"], "+unknown=1 adds a key that nothing"),
    ("force-added-unknown-key", "keys", T, [*TINY, "++newkey=1"], "adds a key that nothing reads"),
    (
        "added-key-nothing-builds",
        "keys",
        T,
        [*TINY, "scheduler=none", "+scheduler.step_size=5"],
        "+scheduler.step_size=5 adds a key that nothing reads",
    ),
    ("batch-zero", "batch size", T, [*TINY, "batch_size=0"], "batch_size must be a positive"),
    ("batch-negative", "batch size", T, [*TINY, "batch_size=-3"], "batch_size must be a positive"),
    ("batch-text", "batch size", T, [*TINY, "batch_size=abc"], "batch_size must be a positive"),
    ("batch-float", "batch size", T, [*TINY, "batch_size=2.5"], "batch_size must be a positive"),
    ("batch-bool", "batch size", T, [*TINY, "batch_size=true"], "batch_size must be a positive"),
    ("seed-text", "values", T, [*TINY, "seed=abc"], "seed must be an integer"),
    ("seed-float", "values", T, [*TINY, "seed=1.5"], "seed must be an integer"),
    ("steps-per-call-zero", "values", T, [*TINY, "steps_per_call=0"], "steps_per_call must be"),
    (
        "steps-per-call-accumulate",
        "values",
        T,
        [*TINY, "steps_per_call=2", "trainer.accumulate_grad_batches=2"],
        "use steps_per_call=auto or 1",
    ),
    ("epochs-zero", "never trains", T, [*TINY, "trainer.max_epochs=0"], "max_epochs must be"),
    ("epochs-forever", "never stops", T, [*TINY, "trainer.max_epochs=-1"], "max_epochs must be"),
    ("epochs-text", "never trains", T, [*TINY, "trainer.max_epochs=abc"], "max_epochs must be"),
    ("epochs-float", "never trains", T, [*TINY, "trainer.max_epochs=2.5"], "max_epochs must be"),
    (
        "no-train-batches-limit",
        "never trains",
        T,
        [*TINY, "trainer.limit_train_batches=0"],
        "limit_train_batches",
    ),
    (
        "no-train-batches-drop-last",
        "never trains",
        T,
        [*TINY, "batch_size=5000", "data.drop_last=true"],
        "no batch",
    ),
    ("lr-negative", "values", T, [*TINY, "optimizer.lr=-1"], "optimizer.lr must be a positive"),
    ("lr-zero", "values", T, [*TINY, "optimizer.lr=0"], "optimizer.lr must be a positive"),
    ("lr-nan", "values", T, [*TINY, "optimizer.lr=nan"], "optimizer.lr must be a positive"),
    ("lr-text", "values", T, [*TINY, "optimizer.lr=fast"], "optimizer.lr must be a positive"),
    ("diverges", "divergence", T, [*TINY, "optimizer=sgd", "optimizer.lr=1e12"], "learning rate"),
    ("sampler-unknown", "loader", T, [*TINY, "data.sampler=bogus"], "bogus"),
    ("workers-negative", "loader", T, [*TINY, "data.num_workers=-1"], "num_workers"),
    ("workers-text", "loader", T, [*TINY, "data.num_workers=many"], "num_workers"),
    ("loader-unknown", "loader", T, [*TINY, "data.loader=bogus"], "bogus"),
    ("collate-unknown", "loader", T, [*TINY, "data.collate=bogus"], "bogus"),
    (
        "padding-features",
        "loader",
        T,
        [*TINY, "data.loader=per_item", "data.collate=padding"],
        "use data.collate=default",
    ),
    ("eval-batch-zero", "loader", T, [*TINY, "data.eval_batch_size=0"], "eval_batch_size"),
    ("accelerator-absent", "values", T, [*TINY, "trainer.accelerator=gpu"], "gpu"),
    ("devices-zero", "values", T, [*TINY, "trainer.devices=0"], "devices=0"),
    ("unknown-experiment", "options", T, [*TINY, "experiment=nosuch"], "experiment/nosuch"),
    (
        "csv-missing-file",
        "data files",
        T,
        ["data=csv", "data.path={files}/none.csv", "data.target=y"],
        "none.csv",
    ),
    (
        "csv-empty-file",
        "data files",
        T,
        ["data=csv", "data.path={files}/empty.csv", "data.target=y"],
        "empty.csv",
    ),
    ("csv-no-path", "data files", T, ["data=csv"], "data.path"),
    (
        "csv-unknown-target",
        "data files",
        T,
        ["data=csv", "data.path={files}/good.csv", "data.target=nosuch"],
        "nosuch",
    ),
    (
        "csv-unknown-feature",
        "data files",
        T,
        ["data=csv", "data.path={files}/good.csv", "data.target=y", "data.features=[zz]"],
        "zz",
    ),
    (
        "csv-nan-cell",
        "non-finite",
        T,
        ["data=csv", "data.path={files}/nan.csv", "data.target=y"],
        "nan.csv",
    ),
    (
        "csv-inf-cell",
        "non-finite",
        T,
        ["data=csv", "data.path={files}/inf.csv", "data.target=y"],
        "inf.csv",
    ),
    (
        "csv-text-cell",
        "data files",
        T,
        ["data=csv", "data.path={files}/text.csv", "data.target=y"],
        "text.csv",
    ),
    ("resume-missing", "checkpoints", T, [*TINY, "ckpt_path={files}/none.ckpt"], "not a file"),
    ("resume-last-none", "checkpoints", T, [*TINY, "ckpt_path=last"], "found no run"),
    (
        "resume-truncated",
        "bad checkpoints",
        T,
        [*TINY, "ckpt_path={files}/truncated.ckpt"],
        "not a readable checkpoint",
    ),
    (
        "resume-random-bytes",
        "bad checkpoints",
        T,
        [*TINY, "ckpt_path={files}/random.ckpt"],
        "not a readable checkpoint",
    ),
    (
        "resume-pickled-code",
        "checkpoint as code",
        T,
        [*TINY, "ckpt_path={files}/code.ckpt"],
        "not a readable checkpoint",
    ),
    (
        "resume-not-ours",
        "bad checkpoints",
        T,
        [*TINY, "ckpt_path={files}/notours.ckpt"],
        "not written by this template",
    ),
    (
        "resume-other-model",
        "bad checkpoints",
        T,
        ["data=plain", "trainer.max_epochs=2", "ckpt_path={good}"],
        "does not fit",
    ),
    ("evaluate-missing", "checkpoints", E, ["ckpt_path={files}/none.ckpt"], "not a file"),
    ("evaluate-no-ckpt-path", "checkpoints", E, [], "ckpt_path"),
    ("evaluate-bad-split", "values", E, ["ckpt_path={good}", "split=holdout"], "not one of"),
    ("evaluate-no-test-split", "values", E, ["ckpt_path={good}", "split=test"], "no test split"),
    (
        "evaluate-truncated",
        "bad checkpoints",
        E,
        ["ckpt_path={files}/truncated.ckpt"],
        "not a readable checkpoint",
    ),
    (
        "evaluate-random-bytes",
        "bad checkpoints",
        E,
        ["ckpt_path={files}/random.ckpt"],
        "not a readable checkpoint",
    ),
    (
        "evaluate-pickled-code",
        "checkpoint as code",
        E,
        ["ckpt_path={files}/code.ckpt"],
        "not a readable checkpoint",
    ),
    (
        "evaluate-not-ours",
        "bad checkpoints",
        E,
        ["ckpt_path={files}/notours.ckpt"],
        "not written by this template",
    ),
    (
        "evaluate-no-description",
        "bad checkpoints",
        E,
        ["ckpt_path={files}/legacy.ckpt"],
        "does not describe its run",
    ),
    (
        "evaluate-target-in-model-option",
        "checkpoint as code",
        E,
        ["ckpt_path={files}/evil.ckpt"],
        "not a list of integers",
    ),
    (
        "evaluate-interpolation-in-model-option",
        "checkpoint as code",
        E,
        ["ckpt_path={files}/interpolation.ckpt"],
        "not a list of integers",
    ),
    (
        "evaluate-path-as-option",
        "checkpoint as code",
        E,
        ["ckpt_path={files}/evil_option.ckpt"],
        "plain option name",
    ),
    (
        "evaluate-target-as-config",
        "checkpoint as code",
        E,
        ["ckpt_path={files}/evil_config.ckpt"],
        "other keys than configs/model/mlp.yaml has",
    ),
    (
        "evaluate-data-file-of-checkpoint",
        "checkpoint as code",
        E,
        ["ckpt_path={files}/passwd.ckpt"],
        "give them on the command line: data.path=/etc/passwd data.target=root.",
    ),
    (
        "export-data-file-of-checkpoint",
        "checkpoint as code",
        X,
        ["ckpt_path={files}/passwd.ckpt"],
        "data options are never applied",
    ),
    ("evaluate-unknown-data", "options", E, ["ckpt_path={good}", "data=nosuch"], "data/nosuch"),
    # Where the run goes: checked and made before Hydra writes (run_folder.py).
    ("logdir-is-file", "run folder", T, [*TINY, "paths.log_dir={files}/a_file"], "is not a folder"),
    ("logdir-under-device", "run folder", T, [*TINY, "paths.log_dir=/dev/null/x"], "not a folder"),
    ("rundir-is-file", "run folder", T, [*TINY, "hydra.run.dir={files}/a_file"], "not a folder"),
    ("logdir-empty", "run folder", T, [*TINY, "paths.log_dir="], "paths.log_dir is empty"),
    ("datadir-empty", "run folder", T, [*TINY, "paths.data_dir="], "paths.data_dir is empty"),
    ("task-name-empty", "run folder", T, [*TINY, "task_name="], "plain folder name"),
    ("task-name-slash", "run folder", T, [*TINY, "task_name=a/b"], "plain folder name"),
    ("task-name-dots", "run folder", T, [*TINY, "task_name=.."], "plain folder name"),
    ("task-name-unresolved", "run folder", T, [*TINY, "task_name=${nosuch}"], "cannot be resolved"),
    ("rundir-not-empty", "run folder", T, [*TINY, "hydra.run.dir={files}"], "already holds files"),
    (
        "evaluate-rundir-not-empty",
        "run folder",
        E,
        ["ckpt_path={good}", "hydra.run.dir={files}"],
        "already holds files",
    ),  # fmt: skip
    (
        "export-rundir-not-empty",
        "run folder",
        X,
        ["ckpt_path={good}", "hydra.run.dir={files}"],
        "already holds files",
    ),  # fmt: skip
    (
        "sweep-dir-not-empty",
        "run folder",
        T,
        ["-m", *TINY, "batch_size=10,20", "hydra.sweep.dir={files}"],
        "already holds files",
    ),  # fmt: skip
    (
        "resume-locked",
        "run folder",
        T,
        [*TINY, "trainer.max_epochs=3", "ckpt_path={locked}"],
        "is in use by another command",
    ),  # fmt: skip
    (
        "evaluate-logdir-is-file",
        "run folder",
        E,
        ["ckpt_path={good}", "paths.log_dir={files}/a_file"],
        "not a folder",
    ),  # fmt: skip
    (
        "sweep-logdir-is-file",
        "run folder",
        T,
        ["-m", *TINY, "batch_size=10,20", "paths.log_dir={files}/a_file"],
        "not a folder",
    ),  # fmt: skip
    # What the command line says, as typed.
    (
        "batch-unresolved",
        "override syntax",
        T,
        [*TINY, "batch_size=${nosuch}"],
        "batch_size cannot",
    ),
    (
        "batch-unknown-resolver",
        "override syntax",
        T,
        [*TINY, "batch_size=${nosuch:}"],
        "batch_size",
    ),
    ("override-unclosed-list", "override syntax", T, [*TINY, "batch_size=[1,2"], "close every ["),
    (
        "override-equals-unquoted",
        "override syntax",
        T,
        [*TINY, "paths.log_dir=/tmp/a=b"],
        "(key='a=b')",
    ),  # fmt: skip
    ("override-unclosed-quote", "override syntax", T, [*TINY, 'batch_size="50'], "unclosed quote"),
    ("override-no-key", "override syntax", T, [*TINY, "=3"], "'=3' names no key"),
    (
        "override-no-equals",
        "override syntax",
        T,
        [*TINY, "batch_size", "50"],
        "'batch_size' has no '='",
    ),
    ("evaluate-override-no-key", "override syntax", E, ["ckpt_path={good}", "+=4"], "names no key"),
    (
        "export-override-unclosed",
        "override syntax",
        X,
        ["ckpt_path={good}", "format=[onnx"],
        "cannot read the override 'format=[onnx'",
    ),  # fmt: skip
    ("batch-empty", "override syntax", T, [*TINY, "batch_size="], "batch_size must be a positive"),
    ("append-existing-key", "override syntax", T, [*TINY, "+batch_size=5"], "++batch_size"),
    ("delete-data", "override syntax", T, ["~data"], "the config has no data"),
    ("data-empty-choice", "override syntax", T, ["data="], "Could not find 'data/'"),
    ("sweep-jobs-refused", "sweeps", T, ["-m", *TINY, "batch_size=0,-5"], "batch_size must"),
    ("sweep-unknown-launcher", "sweeps", T, ["-m", *TINY, "hydra/launcher=nosuch"], "nosuch"),
    # Trainer keys users touch.
    ("max-steps-zero", "trainer", T, [*TINY, "trainer.max_steps=0"], "trainer.max_steps must be"),
    ("precision-unknown", "trainer", T, [*TINY, "trainer.precision=17"], "trainer.precision must"),
    ("devices-text", "trainer", T, [*TINY, "trainer.devices=abc"], "trainer cannot be built"),
    (
        "strategy-unknown",
        "trainer",
        T,
        [*TINY, "trainer.strategy=bogus"],
        "trainer cannot be built",
    ),
    ("accelerator-unknown", "trainer", T, [*TINY, "trainer.accelerator=bogus"], "accelerator"),
    (
        "val-every-zero-epochs",
        "trainer",
        T,
        [*TINY, "trainer.check_val_every_n_epoch=0"],
        "check_val_every_n_epoch must",
    ),  # fmt: skip
    ("accumulate-zero", "trainer", T, [*TINY, "trainer.accumulate_grad_batches=0"], "accumulate"),
    ("clip-negative", "trainer", T, [*TINY, "trainer.gradient_clip_val=-1"], "gradient_clip_val"),
    ("min-above-max-epochs", "trainer", T, [*TINY, "trainer.min_epochs=5"], "min_epochs=5 is more"),
    (
        "val-interval-zero",
        "trainer",
        T,
        [*TINY, "trainer.val_check_interval=0"],
        "val_check_interval",
    ),
    (
        "deterministic-text",
        "types",
        T,
        [*TINY, "trainer.deterministic=maybe"],
        "deterministic must",
    ),
    ("nodes-zero", "trainer", T, [*TINY, "trainer.num_nodes=0"], "trainer.num_nodes must be"),
    ("val-fraction-above-one", "trainer", T, [*TINY, "trainer.val_check_interval=2.0"], "(0, 1]"),
    (
        "val-interval-beyond-epoch",
        "trainer",
        T,
        [*TINY, "trainer.val_check_interval=100000"],
        "Lightning refused trainer.val_check_interval",
    ),  # fmt: skip
    ("seed-negative", "values", T, [*TINY, "seed=-1"], "seed must be an integer from 0"),
    ("seed-too-large", "values", T, [*TINY, "seed=99999999999"], "seed must be an integer from 0"),
    (
        "lr-scaling-unknown-rule",
        "values",
        T,
        [*TINY, "callbacks=[default,lr_scaling]", "callbacks.lr_scaling.rule=cubic"],
        "rule='cubic' is unknown: use one of linear, sqrt, none",
    ),
    (
        "noise-scale-one-slice",
        "values",
        T,
        [*TINY, "callbacks=[default,noise_scale]", "callbacks.noise_scale.slices=1"],
        "callbacks.noise_scale needs every >= 1, slices >= 2",
    ),
    ("test-text", "types", T, [*TINY, "test=maybe"], "test must be true or false"),
    ("compile-text", "types", T, [*TINY, "compile=maybe"], "compile must be true or false"),
    ("compile-mode-unknown", "values", T, [*TINY, "compile_mode=fast"], "compile_mode must be"),
    (
        "compile-mode-not-inductor",
        "options",
        T,
        [*TINY, "compile=true", "compile_backend=aot_eager", "compile_mode=reduce-overhead"],
        "compile_backend=aot_eager ignores it",
    ),  # fmt: skip
    # The net, the optimizer, the scheduler.
    ("hidden-zero", "model", T, [*TINY, "model.hidden=[0]"], "model.hidden[0] must be a positive"),
    ("hidden-text", "types", T, [*TINY, "model.hidden=abc"], "model.hidden must be a list"),
    ("dropout-above-one", "model", T, [*TINY, "model.dropout=1.5"], "model.dropout must be"),
    ("model-unknown-option", "keys", T, [*TINY, "+model.bogus=3"], "not an option of"),
    (
        "model-target-unknown",
        "options",
        T,
        [*TINY, "model._target_=nosuch.Net"],
        "model._target_=nosuch.Net names module 'nosuch', which Python cannot find",
    ),
    (
        "data-module-not-found",
        "options",
        T,
        [*TINY, "data._target_=my_project.rings.RingsDataModule"],
        "names module 'my_project', which Python cannot find: it looks in",
    ),
    (
        "data-class-not-in-module",
        "options",
        T,
        [*TINY, "data._target_=tests.core.tiny_data.NoSuchDataModule"],
        "module 'tests.core.tiny_data' has no 'NoSuchDataModule'",
    ),
    (
        "batch-size-not-taken",
        "batch size",
        T,
        ["data=plain_own_batch", "batch_size=500", "trainer.max_epochs=1"],
        "add `batch_size: ${batch_size}` to configs/data/plain_own_batch.yaml",
    ),
    (
        "cosine-without-epochs",
        "trainer",
        T,
        ["data=tiny", "batch_size=500", "scheduler=cosine"],
        "scheduler.T_max follows trainer.max_epochs, which is null",
    ),
    (
        "fitted-length-without-its-callback",
        "trainer",
        T,
        ["data=tiny", "batch_size=500", "callbacks=none"],
        "leaves the run's length to the fit_length callback",
    ),
    (
        "conv-net-on-features",
        "model",
        T,
        [*TINY, "model=conv_net"],
        'set input_kind="images" in the DataSpec',
    ),
    ("weight-decay-negative", "optimizer", T, [*TINY, "optimizer.weight_decay=-1"], "weight_decay"),
    (
        "nesterov-without-momentum",
        "optimizer",
        T,
        [*TINY, "optimizer=sgd", "+optimizer.nesterov=true"],
        "optimizer cannot be built",
    ),  # fmt: skip
    (
        "step-size-zero",
        "scheduler",
        T,
        [*TINY, "scheduler=step", "scheduler.step_size=0"],
        "scheduler.step_size must",
    ),  # fmt: skip
    (
        "cosine-length-zero",
        "scheduler",
        T,
        [*TINY, "scheduler=cosine", "scheduler.T_max=0"],
        "scheduler.T_max must",
    ),  # fmt: skip
    # Callbacks and loggers: what they wait for, where they write.
    (
        "early-stopping-unlogged-metric",
        "callbacks",
        T,
        [
            *TINY,
            "callbacks=[default,early_stopping]",
            "callbacks.early_stopping.monitor=val/nosuch",
        ],
        "never logs",
    ),  # fmt: skip
    (
        "checkpoint-monitors-accuracy-of-regression",
        "callbacks",
        T,
        [*TINY, "callbacks=default", "callbacks.model_checkpoint.monitor=val/acc"],
        "never logs",
    ),
    (
        "optimized-metric-unlogged",
        "callbacks",
        T,
        [*TINY, "optimized_metric=val/los"],
        "never logs",
    ),
    (
        "step-loss-every-zero",
        "callbacks",
        T,
        [*TINY, "callbacks=default", "callbacks.step_loss.every=0"],
        "callbacks.step_loss.every must",
    ),  # fmt: skip
    (
        "checkpoint-dir-is-file",
        "callbacks",
        T,
        [*TINY, "callbacks=default", "callbacks.model_checkpoint.dirpath={files}/a_file/ckpts"],
        "a_file",
    ),  # fmt: skip
    (
        "tensorboard-dir-is-file",
        "callbacks",
        T,
        [*TINY, "logger.tensorboard.save_dir={files}/a_file"],
        "a_file",
    ),  # fmt: skip
    ("test-without-test-split", "never trains", T, [*TINY, "test=true"], "has no test split"),
    ("resume-finished", "checkpoints", T, [*TINY, "ckpt_path={good}"], "already trained 1 epoch"),
    (
        "resume-early-stopped",
        "checkpoints",
        T,
        [
            *TINY,
            "trainer.max_epochs=5",
            "callbacks=[default,early_stopping]",
            "ckpt_path={files}/stopped_early.ckpt",
        ],
        "early stopping finished after 1 epoch",
    ),  # fmt: skip
    ("resume-folder", "checkpoints", T, [*TINY, "ckpt_path={run}"], "is a folder"),
    # Tables (data=csv).
    ("csv-header-only", "data files", T, [*CSV, "data.path={files}/header_only.csv"], "no rows"),
    ("csv-constant-target", "data files", T, [*CSV, "data.path={files}/constant.csv"], "one value"),
    ("csv-repeated-column", "data files", T, [*CSV, "data.path={files}/repeated.csv"], "named 'a'"),
    ("csv-not-utf8", "data files", T, [*CSV, "data.path={files}/random.ckpt"], "not a UTF-8"),
    ("csv-beyond-float32", "non-finite", T, [*CSV, "data.path={files}/huge.csv"], "finite number"),
    ("csv-two-rows", "data files", T, [*CSV, "data.path={files}/two_rows.csv"], "too few"),
    ("csv-folder", "data files", T, [*CSV, "data.path={files}"], "is a folder"),
    (
        "csv-target-as-feature",
        "data files",
        T,
        [*CSV, "data.path={files}/good.csv", "data.features=[a,y]"],
        "also listed",
    ),  # fmt: skip
    (
        "csv-features-text",
        "types",
        T,
        [*CSV, "data.path={files}/good.csv", "data.features=ab"],
        "data.features must be a list of texts",
    ),  # fmt: skip
    (
        "csv-fraction-text",
        "types",
        T,
        [*CSV, "data.path={files}/good.csv", "data.valid_fraction=abc"],
        "data.valid_fraction must be",
    ),  # fmt: skip
    (
        "csv-shuffle-text",
        "types",
        T,
        [*CSV, "data.path={files}/good.csv", "data.shuffle=maybe"],
        "data.shuffle must be true or false",
    ),  # fmt: skip
    ("data-unknown-option", "keys", T, [*TINY, "+data.bogus=1"], "data.bogus is not an option"),
    ("data-batch-zero", "batch size", T, [*TINY, "data.batch_size=0"], "data.batch_size must be"),
    # Image folders (data=image_folder).
    (
        "images-empty-folder",
        "data files",
        T,
        [*IMAGES, "data.root={files}/images_empty"],
        "two class",
    ),
    ("images-one-class", "data files", T, [*IMAGES, "data.root={files}/images_one"], "two class"),
    ("images-not-images", "data files", T, [*IMAGES, "data.root={files}/images_text"], "two class"),
    (
        "images-corrupt-file",
        "data files",
        T,
        [*IMAGES, "data.root={files}/images_bad"],
        "is not an image",
    ),  # fmt: skip
    (
        "images-decompression-bomb",
        "data files",
        T,
        [*IMAGES, "data.root={files}/images_bomb"],
        "huge.png is an image of more than",
    ),
    (
        "disk-full",
        "disk",
        T,
        [
            *TINY,
            "+callbacks.fault._target_=tests.core.faults_at.DiskFullAt",
            "+callbacks.fault.at=2",
            "+callbacks.fault.path=${paths.output_dir}/checkpoints/x.ckpt",
        ],
        "the disk is full: no space left on",
    ),  # fmt: skip
    (
        "run-folder-removed",
        "disk",
        T,
        [
            *TINY,
            "+callbacks.fault._target_=tests.core.faults_at.RemoveFolderAt",
            "+callbacks.fault.at=2",
            "+callbacks.fault.folder=${paths.output_dir}",
        ],
        "was removed while the run was going",
    ),  # fmt: skip
    (
        "images-size-zero",
        "data files",
        T,
        [*IMAGES, "data.root={files}/images_bad", "data.image_size=[0,0]"],
        "image_size[0] must",
    ),
    (
        "images-size-number",
        "types",
        T,
        [*IMAGES, "data.root={files}/images_bad", "data.image_size=28"],
        "data.image_size must",
    ),
    # Evaluation and export: inputs and outputs.
    (
        "evaluate-input-without-output",
        "evaluate outputs",
        E,
        ["ckpt_path={good}", "input_path={files}/good.csv"],
        "predict_path",
    ),  # fmt: skip
    (
        "evaluate-output-is-folder",
        "evaluate outputs",
        E,
        ["ckpt_path={good}", "predict_path={files}"],
        "is a folder",
    ),  # fmt: skip
    (
        "evaluate-output-under-file",
        "evaluate outputs",
        E,
        ["ckpt_path={good}", "predict_path={files}/a_file/p.csv"],
        "not a folder",
    ),  # fmt: skip
    (
        "evaluate-input-missing",
        "evaluate outputs",
        E,
        ["ckpt_path={good}", "input_path={files}/none.csv", "predict_path=p.csv"],
        "does not exist",
    ),
    (
        "evaluate-accelerator-unknown",
        "evaluate outputs",
        E,
        ["ckpt_path={good}", "accelerator=bogus"],
        "accelerator cannot be built",
    ),  # fmt: skip
    (
        "evaluate-data-option-unknown",
        "keys",
        E,
        ["ckpt_path={good}", "+data.path=x.csv"],
        "has no option 'path'",
    ),  # fmt: skip
    (
        "evaluate-data-key-unknown",
        "keys",
        E,
        ["ckpt_path={good}", "data.path=x.csv"],
        "has no option 'path'",
    ),  # fmt: skip
    (
        "evaluate-output-exists",
        "evaluate outputs",
        E,
        ["ckpt_path={good}", "predict_path={files}/good.csv"],
        "already exists",
    ),  # fmt: skip
    (
        "evaluate-output-is-input",
        "evaluate outputs",
        E,
        [
            "ckpt_path={good}",
            "input_path={files}/two_rows.csv",
            "predict_path={files}/two_rows.csv",
        ],
        "already exists",
    ),  # fmt: skip
    (
        "evaluate-output-is-checkpoint",
        "evaluate outputs",
        E,
        ["ckpt_path={good}", "predict_path={good}"],
        "already exists",
    ),  # fmt: skip
    (
        "evaluate-output-in-run",
        "evaluate outputs",
        E,
        ["ckpt_path={good}", "predict_path={run}/predictions.csv"],
        "the run folder of the checkpoint",
    ),  # fmt: skip
    ("evaluate-ckpt-folder", "checkpoints", E, ["ckpt_path={run}"], "is a folder"),
    (
        "evaluate-batch-zero",
        "batch size",
        E,
        ["ckpt_path={good}", "+data.batch_size=0"],
        "data.batch_size must be",
    ),  # fmt: skip
    (
        "hidden-one-size-zero",
        "model",
        T,
        ["data=tiny", "model.hidden=0"],
        "model.hidden must be a positive",
    ),  # fmt: skip
    ("export-format-unknown", "export", X, ["ckpt_path={good}", "format=bogus"], "not one of"),
    ("export-ckpt-missing", "export", X, ["ckpt_path={files}/none.ckpt"], "not a file"),
    ("export-no-ckpt", "export", X, [], "ckpt_path has no value"),
    ("export-output-is-folder", "export", X, ["ckpt_path={good}", "output_path={files}"], "folder"),
    ("export-opset-text", "export", X, ["ckpt_path={good}", "opset=abc"], "opset must be"),
    ("export-output-exists", "export", X, ["ckpt_path={good}", "output_path={good}"], "exists"),
    (
        "export-output-in-run",
        "export",
        X,
        ["ckpt_path={good}", "output_path={run}/model.onnx"],
        "the run folder of the checkpoint",
    ),  # fmt: skip
    # The finders (tune=, docs/finders.md).
    ("tune-unknown-finder", "tune", T, [*TINY, "tune=nosuch"], "Could not find 'tune/nosuch'"),
    (
        "tune-apply-without-finder",
        "tune",
        T,
        [*TINY, "tune.apply=true"],
        "add tune=lr or tune=batch_size",
    ),
    (
        "tune-resumed-run",
        "tune",
        T,
        ["data=tiny", "batch_size=500", "trainer.max_epochs=2", "tune=lr", "ckpt_path={good}"],
        "drop ckpt_path= or tune=",
    ),
    (
        "tune-several-devices",
        "tune",
        T,
        [*TINY, "tune=batch_size", "trainer.devices=2"],
        "runs Lightning's finder on one device",
    ),
    ("tune-too-few-steps", "tune", T, [*TINY, "tune=lr", "tune.num_training=5"], "use at least 20"),
    (
        "tune-lr-range",
        "tune",
        T,
        [*TINY, "tune=lr", "tune.min_lr=1", "tune.max_lr=0.1"],
        "0 < min_lr < max_lr",
    ),
    ("tune-lr-mode", "tune", T, [*TINY, "tune=lr", "tune.mode=power"], "use exponential or linear"),
    (
        "tune-batch-size-mode",
        "tune",
        T,
        [*TINY, "tune=batch_size", "tune.mode=double"],
        "use power or binsearch",
    ),
    (
        "tune-batch-size-bounds",
        "tune",
        T,
        [*TINY, "tune=batch_size", "tune.init_val=64", "tune.max_val=8"],
        "is above tune.max_val",
    ),
    (
        "tune-apply-not-a-bool",
        "tune",
        T,
        [*TINY, "tune=lr", "tune.apply=maybe"],
        "is not true or false",
    ),
    ("tune-finder-unknown", "tune", T, [*TINY, "tune=lr", "tune.finder=foo"], "is not a finder"),
    (
        "tune-steps-not-whole",
        "tune",
        T,
        [*TINY, "tune=lr", "tune.num_training=abc"],
        "tune.num_training=abc is not a whole number from 1 to 10000",
    ),
    (
        "tune-steps-per-trial-negative",
        "tune",
        T,
        [*TINY, "tune=batch_size", "tune.steps_per_trial=-1"],
        "tune.steps_per_trial=-1 is not a whole number from 1 to 1000",
    ),
    (
        "tune-init-val-zero",
        "tune",
        T,
        [*TINY, "tune=batch_size", "tune.init_val=0"],
        "tune.init_val=0 is not a whole number",
    ),
    (
        "tune-threshold-not-a-number",
        "tune",
        T,
        [*TINY, "tune=lr", "tune.early_stop_threshold=abc"],
        "tune.early_stop_threshold=abc is not a number above 0",
    ),
    (
        "tune-apply-module-without-lr",
        "tune",
        T,
        [*TINY, "tune=lr", "tune.apply=true", "model=fixed_rate"],
        "give it an `lr` argument",
    ),
    (
        "tune-batch-size-without-attribute",
        "tune",
        T,
        ["data=fixed_batches", "model=fixed_rate", "tune=batch_size", "trainer.max_epochs=1"],
        "give the DataModule a batch_size",
    ),
]


class Ransom:
    """A pickled object that would run code when unpickled without weights_only."""

    def __reduce__(self):
        return (os.system, ("touch /tmp/minibatch-pwned",))


def craft(good: Path, files: Path) -> None:
    """Bad and malicious checkpoints and tables, derived from a real checkpoint."""
    data = good.read_bytes()
    (files / "truncated.ckpt").write_bytes(data[: len(data) // 2])
    (files / "random.ckpt").write_bytes(os.urandom(4096))
    torch.save({"state_dict": {}, "evil": Ransom()}, files / "code.ckpt")
    torch.save({"weights": torch.zeros(3)}, files / "notours.ckpt")
    checkpoint = torch.load(good, weights_only=True)
    target = files / "written-by-checkpoint"
    copy = {"_target_": "shutil.copyfile", "src": str(good), "dst": str(target)}
    legacy = dict(checkpoint)
    del legacy["run_choices"]
    torch.save(legacy, files / "legacy.ckpt")
    described = lambda **changes: dict(checkpoint["run_config"], **changes)  # noqa: E731
    model = checkpoint["run_config"]["model"]
    torch.save(dict(checkpoint, run_config=described(model={**model, "hidden": copy})),
               files / "evil.ckpt")  # fmt: skip
    torch.save(dict(checkpoint, run_config=described(model={**model, "hidden": "${oc.env:HOME}"})),
               files / "interpolation.ckpt")  # fmt: skip
    choices = checkpoint["run_choices"]
    torch.save(dict(checkpoint, run_choices={**choices, "data": "../../../tmp/x"}),
               files / "evil_option.ckpt")  # fmt: skip
    torch.save(dict(checkpoint, run_config=described(data=copy, model=copy)),
               files / "evil_config.ckpt")  # fmt: skip
    passwd = {"_target_": "minibatch.data.tables.csv_datamodule.CsvDataModule",
              "path": "/etc/passwd", "target": "root"}  # fmt: skip
    torch.save(dict(checkpoint, run_choices={**choices, "data": "csv"},
                    run_config=described(data=passwd)), files / "passwd.ckpt")  # fmt: skip
    torch.save(dict(checkpoint, stopped_early=True), files / "stopped_early.ckpt")
    (files / "empty.csv").write_text("")
    rows = "a,y\n" + "".join(f"{i},{2 * i}\n" for i in range(40))
    (files / "good.csv").write_text(rows)
    (files / "nan.csv").write_text(rows + "nan,3\n")  # float() reads these as numbers
    (files / "inf.csv").write_text(rows + "1,inf\n")
    (files / "text.csv").write_text(rows + "x,3\n")
    (files / "huge.csv").write_text(rows + "1e300,3\n")  # a float64, not a float32
    (files / "header_only.csv").write_text("a,y\n")
    (files / "two_rows.csv").write_text("a,y\n1,2\n2,3\n")
    (files / "constant.csv").write_text("a,y\n" + "".join(f"{i},5\n" for i in range(40)))
    (files / "repeated.csv").write_text("a,a,y\n" + "".join(f"{i},{i},{i}\n" for i in range(40)))
    (files / "a_file").write_text("a file where a folder is expected\n")
    image_folders(files)


def image_folders(files: Path) -> None:
    """Image folders: empty, one class, text files only, and two classes with a broken PNG
    (or a decompression bomb)."""
    from PIL import Image

    (files / "images_empty").mkdir()
    for name, classes in (("images_one", ["cat"]), ("images_bad", ["cat", "dog"])):
        for label, folder in enumerate(classes):
            (files / name / folder).mkdir(parents=True)
            for i in range(4):
                Image.new("L", (8, 8), 60 * label + i).save(files / name / folder / f"{i}.png")
    (files / "images_bad" / "dog" / "broken.png").write_bytes(b"not a png")
    for folder in ("cat", "dog"):  # 4 small images each, and a 15000 x 15000 one of 27 KB
        shutil.copytree(files / "images_one" / "cat", files / "images_bomb" / folder)
    write_huge_png(files / "images_bomb" / "dog" / "huge.png")
    for folder in ("cat", "dog"):
        (files / "images_text" / folder).mkdir(parents=True)
        (files / "images_text" / folder / "notes.txt").write_text("no image here")


def fill(arg: str, **paths: Path) -> str:
    """`{files}` and the like replaced by their path (`${...}` left as typed)."""
    for name, path in paths.items():
        arg = arg.replace(f"{{{name}}}", str(path))
    return arg


def command_line(args: list[str], log_dir: Path) -> list[str]:
    """The arguments as a user types them (flags such as -m first), with the test's own keys."""
    flags = [a for a in args if a.startswith("-")]
    overrides = [a for a in args if not a.startswith("-")]
    own_log_dir = any(a.startswith("paths.log_dir=") for a in args)
    return [*flags, SEARCH_PATH, *([] if own_log_dir else [f"paths.log_dir={log_dir}"]), *overrides]


def trained_checkpoint(root: Path) -> Path:
    """A real checkpoint of a tiny run (one epoch), trained in-process; it describes its run."""
    run = root / "train" / "runs" / "good"
    cfg = compose_train(*TINY, "callbacks=default", "logger=none", "print_config=false")
    with open_dict(cfg):
        cfg.paths.output_dir = str(run)
    (run / ".hydra").mkdir(parents=True)  # a run folder, as resume.py recognises one
    run_training(cfg)
    return run / "checkpoints" / "last.ckpt"


def tree(folder: Path) -> dict[str, tuple[str, int] | None]:
    """Every path under `folder`: a file's (sha256, mtime), None for a folder."""
    return {str(p.relative_to(folder)): None if p.is_dir() else
            (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*"))}  # fmt: skip


@contextmanager
def held(run: Path) -> Iterator[None]:
    """Hold the run's lock, as a run that is training holds it (run_lock.py)."""
    with open(run / LOCK_FILE, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, tuple[int, str, Path]]:
    """Every row's (exit code, stderr, its own folder); and the inputs before and after."""
    root = tmp_path_factory.mktemp("mistakes")
    files, inputs = root / "inputs" / "files", root / "inputs"
    files.mkdir(parents=True)
    good = trained_checkpoint(inputs / "good")
    craft(good, files)
    locked = shutil.copytree(good.parent.parent, inputs / "locked" / "train" / "runs" / "locked")
    locked_checkpoint = locked / "checkpoints" / "last.ckpt"
    (locked / LOCK_FILE).touch()
    before = tree(inputs)
    commands = []
    for name, _, script, args, _ in ROWS:
        args = [fill(a, files=files, good=good, run=good.parent.parent, locked=locked_checkpoint)
                for a in args]  # fmt: skip
        (root / name).mkdir()
        commands.append({"script": str(REPO_ROOT / script), "cwd": str(root / name),
                         "args": command_line(args, root / name)})  # fmt: skip
    with held(locked):
        ended = run_all(commands)
    results = {
        name: (x["returncode"], x["stderr"], root / name)
        for (name, *_), x in zip(ROWS, ended, strict=True)
    }
    results["inputs"] = (before, tree(inputs), files)
    return results


def test_the_table_covers_at_least_50_mistakes():
    assert len(ROWS) >= 50 and len({row[0] for row in ROWS}) == len(ROWS)


def test_the_docs_count_the_rows_of_this_table():
    assert f"runs {len(ROWS)} of them through" in page("troubleshooting.md")


@pytest.mark.parametrize("row", ROWS, ids=[row[0] for row in ROWS])
def test_mistake_is_one_clear_error(outcomes, row):
    name, _, script, _, fragment = row
    code, stderr, folder = outcomes[name]
    assert code > 0, stderr
    assert "Traceback" not in stderr, stderr
    assert fragment in stderr, stderr
    message = [line for line in stderr.splitlines() if line.startswith("error:")]
    if code == 2 and "usage:" not in stderr:  # refused by the project, not by Hydra's parser
        assert len(message) == 1 and message[0].rstrip().endswith((".", ")")), stderr
    failed = [p for p in folder.glob("**/FAILED")]
    left = [p for p in folder.rglob("*") if p.is_file() and p.parent != folder
            and not any(p.is_relative_to(f.parent) for f in failed)]  # fmt: skip
    assert left == [], f"{name} left {left}"
    assert not Path("/tmp/minibatch-pwned").exists()


def test_no_mistake_wrote_among_the_inputs(outcomes):
    """Checkpoints, tables and run folders given to a command are read, never written:
    every file's bytes and time as they were, no file added or removed."""
    before, after, files = outcomes["inputs"]
    assert after == before
    assert not (files / "written-by-checkpoint").exists(), "a checkpoint ran code"


EARLY = ["override-unclosed-list", "added-misspelt-key", "batch-zero", "seed-negative",
         "clip-negative", "hidden-zero", "logdir-is-file", "task-name-slash", "batch-unresolved",
         "delete-data", "max-steps-zero", "tune-apply-without-finder", "tune-too-few-steps",
         "tune-several-devices"]  # fmt: skip


def test_config_mistakes_answer_before_lightning_is_imported(tmp_path):
    """Mistakes in the config's values stop before Lightning (seconds of imports) is loaded:
    a real `python` that runs train.py for each of these rows, then looks at its modules."""
    rows = {row[0]: row for row in ROWS}
    commands = [command_line([fill(a, files=tmp_path) for a in rows[n][3]], tmp_path / n)
                for n in EARLY]  # fmt: skip
    (tmp_path / "a_file").write_text("x")
    probe = (
        "import json, runpy, sys\n"
        f"codes = []\nfor args in json.loads({json.dumps(json.dumps(commands))}):\n"
        f"    sys.argv = [{str(REPO_ROOT / T)!r}, *args]\n"
        "    try:\n"
        f"        runpy.run_path({str(REPO_ROOT / T)!r}, run_name='__main__')\n"
        "    except SystemExit as stop:\n"
        "        codes.append(stop.code)\n"
        "print(json.dumps([codes, 'lightning' in sys.modules]))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    env.pop("HYDRA_FULL_ERROR", None)
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=300)  # fmt: skip
    codes, imported = json.loads(result.stdout.splitlines()[-1])
    assert codes == [2] * len(EARLY), result.stderr
    assert not imported, "a config mistake was answered only after Lightning was imported"


def test_full_error_shows_the_traceback_of_a_library_error(tmp_path):
    """HYDRA_FULL_ERROR=1 prints the traceback above the one line (here: Lightning's own)."""
    args = command_line([*TINY, "trainer.strategy=bogus"], tmp_path)
    commands = [{"script": str(REPO_ROOT / T), "cwd": str(tmp_path), "args": args,
                 "env": {"HYDRA_FULL_ERROR": "1"}}]  # fmt: skip
    (ended,) = run_all(commands)
    assert ended["returncode"] == 2
    stderr = ended["stderr"]
    assert "Traceback" in stderr and "error: trainer cannot be built" in stderr
