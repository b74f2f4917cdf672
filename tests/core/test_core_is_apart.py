"""The examples come out cleanly: scripts/remove_examples.py takes exactly what its manifest
lists, the manifest is every example file the template ships, nothing kept names what it
took, and a user's own files survive it. Removed with the examples (it is in the manifest).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.core.test_layout import imported_modules

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import remove_examples  # noqa: E402
from remove_examples import MARKER, cut_blocks, read_manifest, without_examples  # noqa: E402

MANIFEST = read_manifest(REPO_ROOT)
REMOVED = set(MANIFEST["remove"])
# Folders that are examples through and through: every file in them is in the manifest.
EXAMPLE_FOLDERS = ("src/minibatch/examples/", "tests/examples/", "configs/recipe/",
                   "configs/experiment/", "configs/hparams_search/", "docs/figures/",
                   "docs/screenshots/")  # fmt: skip


def shipped_files(root: Path = REPO_ROOT) -> list[str]:
    """The repository's files: tracked, or new and not ignored."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                            cwd=root, capture_output=True, text=True, check=True)  # fmt: skip
    return sorted({name for name in listed.stdout.splitlines() if (root / name).is_file()})


SHIPPED = shipped_files()
KEPT = [path for path in SHIPPED if path not in REMOVED]


def module_of(path: Path) -> str:
    """src/minibatch/examples/__init__.py -> minibatch.examples; tests/examples/x.py -> ..."""
    parts = path.with_suffix("").parts[1 if path.parts[0] == "src" else 0 :]
    return ".".join(parts).removesuffix(".__init__")


def removed_names(removed: set[str], kept: list[str]) -> dict[str, str]:
    """What a kept file must not name once the examples are gone, each with its pattern: a
    removed config as an option (`data=mnist`, `- /data: mnist`), a removed file by its path
    (and by its bare name where no kept file shares it), a removed module or package by its
    dotted name, a folder the removal empties (outside configs/, whose groups stay)."""
    names: dict[str, str] = {}
    kept_names = {Path(path).name for path in kept}
    kept_folders = {parent for path in kept for parent in Path(path).parents}
    for path in map(Path, sorted(removed)):
        if path.parts[0] == "configs" and len(path.parts) == 3:
            group, name = path.parts[1], path.stem
            names[f"{group}={name}"] = rf"(?<![\w.]){group}(?:@\w+)?\s*[=:]\s*{name}(?![\w-])"
        gone = [f for f in path.parents if str(f) != "." and f not in kept_folders]
        if path.parts[0] != "configs" and gone:
            folder = gone[-1]  # the outermost folder that goes
            names[f"{folder}/"] = rf"(?<![\w.]){re.escape(str(folder))}(?![\w.-])"
        else:
            names[str(path)] = rf"(?<![\w.]){re.escape(str(path))}(?!\w)"
        if path.name not in kept_names:
            names[path.name] = rf"(?<![\w.-]){re.escape(path.name)}(?!\w)"
        if path.suffix == ".py" and path.parts[0] in ("src", "tests"):
            dotted = module_of(gone[-1] / "__init__.py" if gone else path)
            names[dotted] = rf"(?<![\w.]){re.escape(dotted)}(?!\w)"
    return names


NAMES = removed_names(REMOVED, KEPT)


def mentions(text: str) -> list[tuple[int, str]]:
    """(line number, removed name) for each mention of something the removal takes."""
    found = []
    for name, pattern in NAMES.items():
        word = name.split("=")[-1].rstrip("/")  # in every mention: a cheap first test
        if word in text:
            found += [(number, name) for number, line in enumerate(text.splitlines(), start=1)
                      if word in line and re.search(pattern, line)]  # fmt: skip
    return sorted(found)


def text_of(path: Path) -> str | None:
    try:
        return path.read_text()
    except UnicodeDecodeError:
        return None  # a picture


def test_the_manifest_lists_shipped_files_once_each():
    for section, paths in MANIFEST.items():
        assert len(paths) == len(set(paths)), f"[{section}] lists a file twice"
        missing = [path for path in paths if path not in SHIPPED]
        assert not missing, f"[{section}] lists files the template does not ship: {missing}"
    assert not REMOVED & set(MANIFEST["cut"]), "a file is either removed or cut"


def test_the_recorded_sha256s_are_those_of_the_shipped_files():
    recorded = (REPO_ROOT / remove_examples.HASHES).read_text()
    now = remove_examples.shipped_hashes(REPO_ROOT, MANIFEST["remove"])
    assert recorded == now, "an example file changed: python scripts/remove_examples.py --record"


def test_a_shipped_file_you_changed_is_kept(tmp_path, monkeypatch, capsys):
    (tmp_path / "scripts").mkdir()
    (tmp_path / remove_examples.MANIFEST).write_text("[remove]\na.txt\nb.txt\n[cut]\n")
    (tmp_path / "a.txt").write_text("shipped")
    (tmp_path / "b.txt").write_text("shipped")
    (tmp_path / remove_examples.HASHES).write_text(
        remove_examples.shipped_hashes(tmp_path, ["a.txt", "b.txt"])
    )
    (tmp_path / "b.txt").write_text("shipped, then changed by you")
    monkeypatch.setattr(sys, "argv", ["remove_examples.py", "--root", str(tmp_path)])
    remove_examples.main()
    assert not (tmp_path / "a.txt").exists()
    assert (tmp_path / "b.txt").read_text() == "shipped, then changed by you"
    assert "keep b.txt: it is not as the template shipped it" in capsys.readouterr().out


def test_the_manifest_lists_every_file_of_the_example_folders():
    unlisted = [path for path in KEPT if path.startswith(EXAMPLE_FOLDERS)]
    assert not unlisted, f"add to scripts/examples_manifest.txt: {unlisted}"


def test_kept_code_imports_nothing_that_goes():
    gone = {module_of(Path(path)) for path in REMOVED if path.endswith(".py")}
    for path in KEPT:
        if path.endswith(".py"):
            bad = {name for name in imported_modules(REPO_ROOT / path) if name in gone}
            assert not bad, f"{path} imports {bad}"


def test_the_files_with_marked_blocks_are_the_manifests_cut_list():
    marked = {
        path for path in KEPT
        if any(MARKER.match(line) for line in (text_of(REPO_ROOT / path) or "").splitlines())
    }  # fmt: skip
    assert marked == set(MANIFEST["cut"]) - {"configs/train.yaml"}


def test_nothing_kept_names_what_the_removal_takes():
    """The removal simulated on this tree: the marked blocks cut, every kept text file read."""
    found = []
    for path in KEPT:
        text = text_of(REPO_ROOT / path)
        if text is not None:
            text = without_examples(path, text) if path in MANIFEST["cut"] else text
            found += [f"{path}:{number}: {name}" for number, name in mentions(text)]
    assert not found, "mark these lines as examples or reword them:\n" + "\n".join(found)


def test_a_marker_out_of_order_is_refused_before_anything_changes():
    with pytest.raises(ValueError, match="README.md:2: 'examples: end' out of order"):
        cut_blocks("a\n<!-- examples: end -->\n", "README.md")
    with pytest.raises(ValueError, match="without its 'examples: end'"):
        cut_blocks("# examples: begin\nb\n", "x")
    assert cut_blocks("a\n  # examples: begin\nb\n# examples: end\nc\n") == "a\nc\n"


def help_options(text: str) -> set[tuple[str, str]]:
    """(group, option) for each option `--help` lists: `  name  description` under a
    `Title (group=)` line, and `  group=  a | b` lines."""
    options, group = set(), None
    for line in text.splitlines():
        if title := re.match(r"^\S.*\((\w+)=\)$", line):
            group = title.group(1)
        elif listed := re.match(r"^  (\w+)=\s+(.*)$", line):
            options |= {(listed.group(1), name.strip()) for name in listed.group(2).split("|")}
        elif group and (row := re.match(r"^  (\w+)\s", line)):
            options.add((group, row.group(1)))
        elif not line.strip():
            group = None
    return options


# The core tests that read what the removal changes: every config option composes, the docs
# and README (links, navigation), the project files, the layout and `--help`. The whole core
# tier there (`pytest tests/core -m "not slow"`) takes minutes on a busy machine: run it by hand.
AFTER_REMOVAL = ["tests/core/test_config_composition.py", "tests/core/test_docs.py",
                 "tests/core/test_layout.py", "tests/core/test_project_files.py",
                 "tests/core/test_what_a_person_sees.py"]  # fmt: skip

# A user's own files, in their folders and in the examples' folders.
USER_FILES = {
    "configs/experiment/my_experiment.yaml": (
        "# @package _global_\n# My experiment on my data.\n"
        "defaults:\n  - override /data: my_data\n\ntask_name: mine\n"
    ),
    "configs/data/my_data.yaml": (
        "# My own table.\ndefaults:\n  - csv\n  - _self_\n\npath: my.csv\ntarget: price\n"
    ),
    "configs/recipe/my_recipe.yaml": "# My recipe, beside the notebooks' ones.\nbatch_size: 32\n",
}


@pytest.mark.slow
def test_removing_the_examples_keeps_your_files_and_leaves_the_core_green(tmp_path):
    copy = tmp_path / "project"
    for name in SHIPPED:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, copy / name)
    for name, text in USER_FILES.items():
        (copy / name).write_text(text)
    subprocess.run(["git", "init", "-q"], cwd=copy, check=True)  # a clone is a repository
    removed = subprocess.run([sys.executable, "scripts/remove_examples.py"], cwd=copy,
                             capture_output=True, text=True)  # fmt: skip
    assert removed.returncode == 0, removed.stderr

    left = {
        str(p.relative_to(copy)) for p in copy.rglob("*") if p.is_file() and ".git" not in p.parts
    }
    assert left == set(KEPT) | set(USER_FILES), "exactly the manifest's files went"
    assert not (copy / "src" / "minibatch" / "examples").exists(), "emptied folders go"
    assert (copy / "configs" / "recipe").is_dir(), "a folder holding a file of yours stays"
    for name, text in USER_FILES.items():
        assert (copy / name).read_text() == text
    found = [f"{path}:{number}: {name}" for path in KEPT
             for number, name in mentions(text_of(copy / path) or "")]  # fmt: skip
    assert not found, found

    env = {**os.environ, "PYTHONPATH": str(copy / "src")}
    shown = subprocess.run([sys.executable, "train.py", "--help"], cwd=copy, capture_output=True,
                           text=True, env=env, timeout=120)  # fmt: skip
    options = help_options(shown.stdout)
    assert {("data", "my_data"), ("experiment", "my_experiment"), ("data", "csv")} <= options
    gone = {(Path(p).parts[1], Path(p).stem) for p in REMOVED if p.startswith("configs/")}
    assert not options & gone and not mentions(shown.stdout), shown.stdout
    no_data = subprocess.run([sys.executable, "train.py"], cwd=copy, capture_output=True,
                             text=True, env=env, timeout=120)  # fmt: skip
    assert no_data.returncode != 0 and "You must specify 'data'" in no_data.stderr
    assert "csv" in no_data.stderr and "my_data" in no_data.stderr

    core = subprocess.run(
        [sys.executable, "-m", "pytest", *AFTER_REMOVAL, "-q", "-x", "-m", "not slow", "-p",
         "no:cacheprovider"],
        cwd=copy, capture_output=True, text=True, env=env, timeout=1800,
    )  # fmt: skip
    assert core.returncode == 0, core.stdout[-3000:]
    assert " passed" in core.stdout.splitlines()[-1]
