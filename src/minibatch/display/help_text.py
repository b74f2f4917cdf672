"""`python train.py --help`, generated from the configs' own comments at each call.

Hydra's stock help dumps every config and says what none does; this is Hydra's help template
(configs/hydra/help/minibatch.yaml) filled with each option's first sentence, so it cannot drift.
"""

from __future__ import annotations

import functools
import re
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

from omegaconf import OmegaConf

WIDTH = 80
DESCRIBED_GROUPS = (("data", "Datasets"), ("model", "Models"), ("experiment", "Experiments"))
LISTED_GROUPS = ("optimizer", "scheduler", "trainer", "logger", "callbacks", "debug", "tune")
# Top-level entries of train.yaml that are not options of a run (Hydra's are --hydra-help's).
NOT_OPTIONS = ("defaults", "hydra")
EXAMPLES = (
    ("python train.py data=<name> batch_size=50", "a dataset listed above, your batch size"),
    ("python train.py experiment=<name>", "an experiment listed above: its data and settings"),
    ("python train.py optimizer=sgd optimizer.lr=0.1 trainer.max_epochs=5", "any key"),
    ("python train.py -m batch_size=1000,10000", "a sweep: one run per value"),
    ("python train.py data=csv data.path=my.csv data.target=price", "your own table"),
    ("python train.py tune=lr tune.apply=true", "find a learning rate, then train with it"),
)


# A full stop after these ends no sentence.
ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "cf.")
# A comment line that only separates sections (`# Tooling ------`) describes no key.
SEPARATOR = re.compile(r"^#.*(-{4,}|={4,})\s*$")


def first_sentence(comment_lines: list[str]) -> str:
    """The first sentence of a comment (up to its first full stop that is not an
    abbreviation's, or up to a line that starts with a capital), on one line."""
    texts = [line.lstrip("#").strip() for line in comment_lines]
    for n, line in enumerate(texts[1:], start=1):
        if line[:1].isupper():
            texts = texts[:n]
            break
    text = " ".join(texts)
    for end in re.finditer(r"[.!?](?=\s|$)", text):
        if not text[: end.end()].endswith(ABBREVIATIONS):
            return text[: end.end()]
    return text


def file_description(path: Path) -> str:
    """The first sentence of the file's leading comment (`# @package` lines skipped)."""
    comment = []
    for line in path.read_text().splitlines():
        if not line.startswith("#"):
            break
        if not line.lstrip("#").strip().startswith("@package"):
            comment.append(line)
    return first_sentence(comment)


def one_line(name: str, description: str, indent: int = 2, column: int = 24) -> str:
    """`  name        description`, the description wrapped under itself to fit WIDTH."""
    parts = textwrap.wrap(description, width=WIDTH - column) or [""]
    first = f"{' ' * indent}{name:<{column - indent - 1}} {parts[0]}".rstrip()
    return "\n".join([first, *(" " * column + part for part in parts[1:])])


def group_section(config_dir: Path, group: str, title: str) -> list[str]:
    files = sorted((config_dir / group).glob("*.yaml"))
    if not files:
        return []
    lines = [f"{title} ({group}=)"]
    lines += [one_line(f.stem, file_description(f)) for f in files]
    return [*lines, ""]


def options_line(config_dir: Path, group: str) -> str:
    names = " | ".join(f.stem for f in sorted((config_dir / group).glob("*.yaml")))
    return one_line(f"{group}=", names)


def top_level_keys(train_yaml: Path) -> list[str]:
    """Each top-level key of train.yaml with the first sentence of the comment above it."""
    lines, comment = [], []
    for line in train_yaml.read_text().splitlines():
        if SEPARATOR.match(line):
            comment = []
        elif line.startswith("#"):
            comment.append(line)
            continue
        match = re.match(r"^(\w+):", line)
        if match and match.group(1) not in NOT_OPTIONS:
            lines.append(one_line(match.group(1), first_sentence(comment)))
        comment = []
    return lines


def help_text(config_dir: Path) -> str:
    """The whole `--help` text (`$` doubled: Hydra reads it as a string.Template)."""
    lines = [
        "minibatch: train a model with mini-batches (PyTorch Lightning + Hydra).",
        "",
        "  python train.py [group=option] [key=value]...     one run",
        "  python train.py -m key=a,b [key=value]...         a sweep: one run per value",
        "",
    ]
    for group, title in DESCRIBED_GROUPS:
        lines += group_section(config_dir, group, title)
    lines += ["Other groups (group=option)"]
    lines += [options_line(config_dir, g) for g in LISTED_GROUPS if (config_dir / g).is_dir()]
    lines += ["", "Top-level keys (key=value; any nested key too: optimizer.lr=0.01)"]
    lines += top_level_keys(config_dir / "train.yaml")
    lines += ["", "Examples"]
    for command, what in EXAMPLES:
        lines += [f"  {command}", f"      {what}"]
    lines += [
        "",
        "The composed config: python train.py --cfg job   Hydra's flags: --hydra-help",
        "Runs go to logs/<task_name>/runs/; view them with: tensorboard --logdir logs",
    ]
    return "\n".join(lines).replace("$", "$$") + "\n"


def register_help_resolver(config_dir: Path) -> None:
    """Make `${help_text:}` (used by configs/hydra/help/minibatch.yaml) available; idempotent."""
    if not OmegaConf.has_resolver("help_text"):
        OmegaConf.register_new_resolver("help_text", lambda: help_text(config_dir))


def help_without_composing(config_dir: Path) -> Callable[[Callable], Callable]:
    """An entry point that answers `--help` (`-h`) with this text itself, as Hydra would print
    it, but without composing a config first: help must work while a group is still to be
    chosen (`data: ???`, once the examples are removed), where Hydra's own help fails."""

    def decorate(hydra_main: Callable) -> Callable:
        @functools.wraps(hydra_main)
        def main(*args, **kwargs):
            if {"--help", "-h"} & set(sys.argv[1:]):
                print(help_text(config_dir).replace("$$", "$"))
                return None
            return hydra_main(*args, **kwargs)

        return main

    return decorate
