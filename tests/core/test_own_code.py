"""A user's own code: where it is imported from, and what a failure to import it says."""

from __future__ import annotations

import sys

import pytest
from hydra.utils import instantiate
from omegaconf import OmegaConf

import minibatch.cli.train  # noqa: F401  (an entry point: puts the project folder on the path)
from minibatch.build import build_net
from minibatch.data_spec import DataSpec
from minibatch.errors import UserError, building
from minibatch.runs.project_paths import project_root


def test_the_entry_points_import_your_modules_from_the_project_folder():
    assert str(project_root()) in sys.path


def build(target: str) -> None:
    with building("data"):
        instantiate(OmegaConf.create({"_target_": target}))


def test_a_module_that_is_not_there_is_named_with_where_python_looks():
    with pytest.raises(UserError) as error:
        build("not_a_project_here.rings.RingsDataModule")  # other tests make a my_project
    said = str(error.value)
    assert "names module 'not_a_project_here', which Python cannot find" in said
    assert str(project_root()) in said and "put not_a_project_here.py in the project folder" in said


def test_a_class_missing_from_its_module_is_named():
    with pytest.raises(UserError, match="module 'tests.core.tiny_data' has no 'Nope': check"):
        build("tests.core.tiny_data.Nope")


def test_a_conv_net_on_features_names_input_kind():
    spec = DataSpec(task="binary", input_shape=(3, 8, 8), input_kind="features")
    with pytest.raises(UserError, match=r'set input_kind="images" in the DataSpec'):
        build_net(OmegaConf.create({"_target_": "minibatch.nets.conv_net.ConvNet"}), spec)
