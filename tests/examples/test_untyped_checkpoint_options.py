"""A checkpoint's model option whose shipped default is `null` (the example nets' `w_init`) takes
any plain value, but never one OmegaConf would read as more than text: evaluate refuses it in
one sentence and resolves nothing (the core's nets have no such option)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from minibatch.cli.evaluate import evaluate
from minibatch.errors import UserError
from tests.core.crafted_checkpoints import crafted, evaluation, trained_checkpoint


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    return trained_checkpoint(tmp_path_factory.mktemp("trained"))


@pytest.mark.parametrize("value", ["${oc.env:HOME}", "???", ["${oc.env:HOME}"]])
def test_a_value_omegaconf_would_resolve_is_refused(good, tmp_path, value):
    model = {"_target_": "minibatch.examples.nets.linear.LinearModel", "bias": True,
             "w_init": value}  # fmt: skip
    ckpt = crafted(good, tmp_path, "resolved", model=model, choices={"model": "affine"})
    with pytest.raises(UserError, match=r"model\.w_init=.*a checkpoint is data") as error:
        evaluate(evaluation(f"ckpt_path={ckpt}"))
    assert os.environ["HOME"] not in str(error.value).replace("${oc.env:HOME}", "")
