"""The composed config as a rich tree, printed at the start of a run (`print_config=false`: off).

Resolved, so what you read is what the run uses; `<run>/.hydra/config.yaml` keeps it unresolved.
"""

from __future__ import annotations

from omegaconf import DictConfig, OmegaConf
from rich.console import Console
from rich.syntax import Syntax
from rich.tree import Tree

from minibatch.adapters.ranks import is_rank_zero

# Branches in this order first, then any other group in the config's own order.
ORDER = ("data", "model", "trainer", "callbacks", "logger", "paths")
SINGLE_KEYS = "run"  # the branch label of the top-level single keys


def resolved(cfg: DictConfig) -> dict:
    """The config as plain data, resolved; as written if some interpolation cannot resolve."""
    try:
        return OmegaConf.to_container(cfg, resolve=True)
    except Exception:  # the tree is for reading: show the unresolved value rather than fail
        return OmegaConf.to_container(cfg, resolve=False)


def yaml_branch(tree: Tree, label: str, values: dict) -> None:
    tree.add(label).add(Syntax(OmegaConf.to_yaml(values).rstrip(), "yaml", theme="ansi_dark"))


def config_tree(cfg: DictConfig) -> Tree:
    """A rich Tree of `cfg`: the single keys first, then one branch per group."""
    config = resolved(cfg)
    tree = Tree("[bold]config[/]", guide_style="dim")
    groups = [key for key, value in config.items() if isinstance(value, dict)]
    singles = {key: value for key, value in config.items() if key not in groups}
    if singles:
        yaml_branch(tree, SINGLE_KEYS, singles)
    for key in [key for key in ORDER if key in groups] + [k for k in groups if k not in ORDER]:
        yaml_branch(tree, key, config[key])
    return tree


def print_config_tree(cfg: DictConfig, console: Console | None = None) -> None:
    """Print the tree unless `print_config` is false (and only once in a DDP run)."""
    if not cfg.get("print_config", True) or not is_rank_zero():
        return
    (console or Console()).print(config_tree(cfg))
