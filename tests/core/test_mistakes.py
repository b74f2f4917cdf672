"""Every mistake a clear error: the real command lines, each refused in one sentence.

Each row runs `train.py` or `evaluate.py` as a user would, with one mistake. Every row must
exit non-zero, print no traceback, say what went wrong, and leave no run folder behind
(or one marked FAILED). The rows run two at a time: most stop before training, in seconds.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import torch

from tests.conftest import REPO_ROOT, SEARCH_PATH

pytestmark = pytest.mark.slow

T, E = "train.py", "src/minibatch/evaluate.py"
TINY = ("data=tiny", "batch_size=500", "trainer.max_epochs=1", "logger=tensorboard",
        "trainer.enable_progress_bar=false")  # fmt: skip

# (id, class, script, arguments, a fragment the error must contain). {files} is the folder of
# prepared files, {good} a real checkpoint of a tiny run.
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
        "evaluate-no-overrides",
        "bad checkpoints",
        E,
        ["ckpt_path={files}/legacy.ckpt"],
        "does not record the overrides",
    ),
    (
        "evaluate-target-in-override",
        "checkpoint as code",
        E,
        ["ckpt_path={files}/evil.ckpt"],
        "names code",
    ),
    (
        "evaluate-path-as-option",
        "checkpoint as code",
        E,
        ["ckpt_path={files}/evil_option.ckpt"],
        "plain option name",
    ),
    (
        "evaluate-target-in-data",
        "checkpoint as code",
        E,
        ["ckpt_path={files}/evil_config.ckpt"],
        "other config files",
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
    del legacy["run_overrides"]
    torch.save(legacy, files / "legacy.ckpt")
    code = f"+loss={{_target_:shutil.copyfile,src:{good},dst:{target}}}"
    evil = dict(checkpoint, run_overrides=[*checkpoint["run_overrides"], code])
    torch.save(evil, files / "evil.ckpt")
    torch.save(dict(checkpoint, run_overrides=["data=../../../tmp/x"]), files / "evil_option.ckpt")
    config = dict(checkpoint["run_config"], data=copy, model=copy)
    torch.save(dict(checkpoint, run_config=config), files / "evil_config.ckpt")
    (files / "empty.csv").write_text("")
    rows = "a,y\n" + "".join(f"{i},{2 * i}\n" for i in range(40))
    (files / "good.csv").write_text(rows)
    (files / "nan.csv").write_text(rows + "nan,3\n")  # float() reads these as numbers
    (files / "inf.csv").write_text(rows + "1,inf\n")
    (files / "text.csv").write_text(rows + "x,3\n")


def run(script: str, args: list[str], log_dir: Path) -> subprocess.CompletedProcess:
    log_dir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    env["PYTHONPATH"] = str(REPO_ROOT)  # evaluate.py imports the tiny data's module
    return subprocess.run(
        [sys.executable, str(REPO_ROOT / script), SEARCH_PATH, f"paths.log_dir={log_dir}", *args],
        capture_output=True, text=True, timeout=300, cwd=log_dir, env=env,
    )  # fmt: skip


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, tuple[subprocess.CompletedProcess, Path, Path]]:
    """Every row's result, run two at a time."""
    root = tmp_path_factory.mktemp("mistakes")
    files = root / "files"
    files.mkdir()
    trained = run(T, [*TINY, "callbacks=default"], root / "good")
    assert trained.returncode == 0, trained.stderr
    (good,) = (root / "good").glob("train/runs/*/checkpoints/last.ckpt")
    craft(good, files)

    def one(row):
        name, _, script, args, _ = row
        args = [a.format(files=files, good=good) for a in args]
        return name, (run(script, args, root / name), root / name, files)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(one, ROWS))


def test_the_table_covers_at_least_50_mistakes():
    assert len(ROWS) >= 50 and len({row[0] for row in ROWS}) == len(ROWS)


@pytest.mark.parametrize("row", ROWS, ids=[row[0] for row in ROWS])
def test_mistake_is_one_clear_error(outcomes, row):
    name, _, script, _, fragment = row
    result, log_dir, files = outcomes[name]
    assert result.returncode not in (0, None) and result.returncode > 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert fragment in result.stderr, result.stderr
    message = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    if message:
        assert len(message) == 1 and message[0].rstrip().endswith((".", ")")), message
    runs = [p for p in log_dir.glob("*/runs/*") if not (p / "FAILED").is_file()]
    assert runs == [], f"{name} left {runs}"
    assert not (files / "written-by-checkpoint").exists(), "a checkpoint ran code"
    assert not Path("/tmp/minibatch-pwned").exists()
