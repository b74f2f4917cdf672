"""`+key=value` that nothing reads is refused with the closest key; what something reads passes."""

from __future__ import annotations

import pytest

from minibatch.checks.config_checks import check_config
from minibatch.errors import UserError

READ = [
    ("+callbacks.mine._target_=lightning.pytorch.callbacks.Timer", "+callbacks.mine.duration=1"),
    ("+hparams.momentum=optimizer.momentum",),  # a column of the HPARAMS tab
    ("+trainer.gradient_clip_val=1.0",),  # a real Trainer argument
    ("+data.data_seed=3",),  # checked against the data module's signature at build time
    ("++seed=3",),  # a key the config file has
    ("++optimizer.momentum=0.9", "optimizer=sgd"),
    ("+my_lr=0.01", "optimizer.lr=${my_lr}"),  # read by a ${...}
]
UNREAD = [
    (("+batchsize=50",), "+batchsize=50", "batch_size"),
    (("+unknown=1",), "+unknown=1", None),
    (("++newkey=1",), "++newkey=1", None),
    (("scheduler=none", "+scheduler.step_size=5"), "+scheduler.step_size=5", None),
    (("+callbacks.mine.every=5",), "+callbacks.mine.every=5", "callbacks.step_loss.every"),
]


@pytest.mark.parametrize("overrides", READ, ids=[o[0] for o in READ])
def test_a_key_something_reads_can_be_added(compose_config, overrides):
    check_config(compose_config(*overrides))


@pytest.mark.parametrize(("overrides", "typed", "closest"), UNREAD, ids=[u[1] for u in UNREAD])
def test_a_key_nothing_reads_is_refused_with_the_closest_key(compose_config, overrides, typed,
                                                             closest):  # fmt: skip
    with pytest.raises(UserError) as refused:
        check_config(compose_config(*overrides))
    message = str(refused.value)
    assert message.startswith(f"{typed} adds a key that nothing reads, so it would change nothing")
    if closest is not None:
        assert f"the closest key is {closest} (set it with {closest}=...)" in message
