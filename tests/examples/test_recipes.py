"""Each notebook's recipe is written once: the data option brings it, experiments reuse it."""

from __future__ import annotations

import pytest
import yaml

from minibatch.runs.project_paths import CONFIG_DIR

EXPERIMENTS = sorted(path.stem for path in (CONFIG_DIR / "experiment").glob("*.yaml"))
RECIPES = sorted(path.stem for path in (CONFIG_DIR / "recipe").glob("*.yaml"))


def test_mnist_batch_size_50_is_seed_002s_recipe(compose_config):
    cfg = compose_config("data=mnist", "batch_size=50")
    assert cfg.model._target_ == "minibatch.nets.mlp.MLP" and list(cfg.model.hidden) == [50]
    assert cfg.optimizer._target_ == "torch.optim.SGD" and cfg.optimizer.lr == 0.5
    assert cfg.trainer.max_epochs == 3 and cfg.data.batch_size == 50


def test_cooking_defaults_match_the_notebook(compose_config):
    cfg = compose_config()
    assert cfg.data.train_size == 500_000 and cfg.data.valid_size == 18_000
    assert cfg.data.noise_scale == 0.9 and cfg.batch_size == 10_000
    assert cfg.optimizer._target_ == "torch.optim.AdamW" and cfg.optimizer.lr == 0.005


def test_command_line_beats_the_recipe(compose_config):
    cfg = compose_config("data=mnist", "model=perceptron", "optimizer.lr=0.1", "batch_size=7")
    assert cfg.model._target_.endswith("Perceptron") and cfg.optimizer.lr == 0.1
    assert cfg.data.batch_size == 7


@pytest.mark.parametrize("name", RECIPES)
def test_every_recipe_belongs_to_one_data_option_and_sets_no_data(name):
    recipe = yaml.safe_load((CONFIG_DIR / "recipe" / f"{name}.yaml").read_text())
    assert "data" not in recipe, "data options describe data; recipes the training"
    data = (CONFIG_DIR / "data" / f"{name}.yaml").read_text()
    assert f"- /recipe@_global_: {name}" in data


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_experiments_do_not_restate_their_recipe(compose_config, name):
    experiment = yaml.safe_load((CONFIG_DIR / "experiment" / f"{name}.yaml").read_text())
    data = next(d["override /data"] for d in experiment["defaults"] if "override /data" in d)
    recipe = yaml.safe_load((CONFIG_DIR / "recipe" / f"{data}.yaml").read_text())
    for key, value in experiment.items():
        if isinstance(value, dict) and isinstance(recipe.get(key), dict):
            same = {k for k, v in value.items() if recipe[key].get(k) == v}
            assert not same, f"{name} restates {key}.{same} from recipe/{data}.yaml"
        else:
            assert recipe.get(key, object()) != value, f"{name} restates {key} from its recipe"
    assert compose_config(f"experiment={name}").task_name == name
