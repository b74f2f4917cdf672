"""A config value checked against a constructor's generic annotation (`Callable[...]`,
`type[X]`) is "cannot tell" on every Python: on 3.10 such an alias is an instance of `type`,
and asking whether it is a path class raised TypeError before any run could start."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from minibatch.checks.option_types import accepts


@pytest.mark.parametrize("hint", [Callable[[int], int], type[int], list[int]])
def test_a_generic_annotation_never_raises(hint):
    assert accepts(hint, "relu") in (None, False)


def test_a_plain_class_still_refuses_a_value_that_is_not_one():
    assert accepts(int, "relu") is False
