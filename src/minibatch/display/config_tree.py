"""The composed config as a tree, printed at the start of a run when `print_config=true`.

Resolved and never cut (the terminal wraps long paths), so what you read is what the run
uses and can be copied; `<run>/.hydra/config.yaml` keeps it unresolved.
"""

from __future__ import annotations

from omegaconf import DictConfig, OmegaConf
from rich.console import Console
from rich.syntax import Syntax
from rich.text import Text

from minibatch.adapters.ranks import is_rank_zero

# Branches in this order first, then any other group in the config's own order.
ORDER = ("data", "model", "trainer", "callbacks", "logger", "paths")
SINGLE_KEYS = "run"  # the branch label of the top-level single keys
# Settings of the displays themselves, not of the run (TensorBoard's HPARAMS columns).
LEFT_OUT = ("hparams",)


def resolved(cfg: DictConfig) -> dict:
    """The config as plain data, resolved; as written if some interpolation cannot resolve."""
    try:
        return OmegaConf.to_container(cfg, resolve=True)
    except Exception:  # the tree is for reading: show the unresolved value rather than fail
        return OmegaConf.to_container(cfg, resolve=False)


def config_branches(cfg: DictConfig) -> dict[str, dict]:
    """`label: values` of each branch: the single keys first, then one branch per group."""
    config = {k: v for k, v in resolved(cfg).items() if k not in LEFT_OUT}
    groups = [key for key, value in config.items() if isinstance(value, dict)]
    branches = {SINGLE_KEYS: {k: v for k, v in config.items() if k not in groups}}
    for key in [key for key in ORDER if key in groups] + [k for k in groups if k not in ORDER]:
        branches[key] = config[key]
    return {label: values for label, values in branches.items() if values}


def config_lines(cfg: DictConfig) -> list[Text]:
    """The tree as lines: `config`, then each branch's label and its YAML, with guides."""
    lines = [Text("config", style="bold")]
    branches = config_branches(cfg)
    for n, (label, values) in enumerate(branches.items()):
        last = n == len(branches) - 1
        lines.append(Text.assemble(("└── " if last else "├── ", "dim"), label))
        code = OmegaConf.to_yaml(values).rstrip()
        highlighted = Syntax(code, "yaml", theme="ansi_dark").highlight(code)
        guide = "    " if last else "│   "
        lines += [Text.assemble((guide, "dim"), line) for line in highlighted.split("\n")]
    return lines


def print_config_tree(cfg: DictConfig, console: Console | None = None) -> None:
    """Print the tree when `print_config` is true (and only once in a DDP run)."""
    if not cfg.get("print_config", False) or not is_rank_zero():
        return
    console = console or Console()
    for line in config_lines(cfg):
        console.print(line, soft_wrap=True, highlight=False)
