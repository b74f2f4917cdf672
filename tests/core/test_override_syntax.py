"""Overrides Hydra cannot read are refused in one sentence; every form it reads passes.

The command lines themselves run in test_mistakes.py ("override syntax" rows); these check
the reader against Hydra's grammar, in-process.
"""

from __future__ import annotations

import pytest

from minibatch.checks.override_syntax import check_overrides, command_line_overrides
from minibatch.errors import UserError

READABLE = [
    ["data=csv", "batch_size=50"],
    ["-m", "batch_size=5000,10000", "trainer=ddp", "trainer.devices=2"],
    ["batch_size=range(10,50,10)", "-m"],
    ["data.features=[a,b]", "+model.hidden={n:3}", "++seed=1", "~callbacks.early_stopping"],
    ["paths.log_dir='/tmp/a=b'", 'task_name="x y"', "lr=1e-3", "tags=[]", "x=${paths.log_dir}"],
    ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "data=", "ckpt_path=null"],
    ["--cfg", "job", "--package", "_global_", "batch_size=3"],
    ["-cn", "train", "--info", "defaults", "seed=2"],
    ["--version"],
    ["--shell-completion", "query=batch_size=[1"],  # a shell's half-typed line
]
UNREADABLE = [
    (["batch_size=[1,2"], "cannot read the override 'batch_size=[1,2'"),
    (["data=csv", "x={a:1"], "cannot read the override 'x={a:1'"),
    (["paths.log_dir=/tmp/a=b"], "quote a value"),
    (['batch_size="50'], "unclosed quote"),
    (["k=="], "cannot read the override 'k=='"),
    (["-m", "=3"], "'=3' names no key"),
    (["+=4"], "names no key"),
    (["~"], "names no key"),
    (["batch_size", "50"], "'batch_size' has no '='"),
    (["--cfg", "job", "a.b c=1"], "cannot read the override 'a.b c=1'"),
]


@pytest.mark.parametrize("argv", READABLE, ids=[" ".join(a) for a in READABLE])
def test_every_override_hydra_reads_passes(argv):
    check_overrides(argv)


@pytest.mark.parametrize(("argv", "fragment"), UNREADABLE, ids=[" ".join(a) for a, _ in UNREADABLE])
def test_an_override_hydra_cannot_read_is_one_sentence(argv, fragment):
    with pytest.raises(UserError) as refused:
        check_overrides(argv)
    message = str(refused.value)
    assert fragment in message
    assert "\n" not in message and message.endswith(".")


def test_flags_and_their_values_are_not_overrides():
    argv = ["-m", "--config-name", "train", "-cp=conf", "--cfg", "job", "batch_size=1,2"]
    assert command_line_overrides(argv) == ["batch_size=1,2"]
    assert command_line_overrides(["--cfg", "bogus", "=3"]) == [], "Hydra's own usage error"
