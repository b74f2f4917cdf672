"""Start your own project: `python scripts/remove_examples.py` deletes the notebook examples.

It takes exactly what the template shipped for them, listed in scripts/examples_manifest.txt,
and never a file of yours: each listed file goes unless you changed it (its sha256 is not the
one in scripts/examples_sha256.txt: it is yours now, and stays), a folder only once empty;
in the shipped files that also serve the core (README.md, configs/train.yaml, ...), the
blocks marked `examples: begin` ... `examples: end` go. `configs/train.yaml` then asks for a
dataset (`data=...`). This script and its manifest go too.

    python scripts/remove_examples.py            # delete
    python scripts/remove_examples.py --dry-run  # list what would go
    python scripts/remove_examples.py --record   # (template developers) record the sha256s
"""

from __future__ import annotations

import argparse
import hashlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = Path("scripts/examples_manifest.txt")
HASHES = Path("scripts/examples_sha256.txt")  # `sha256sum` lines: what each file was as shipped
# A marker line: a comment (# or <!--) holding "examples: begin" or "examples: end".
MARKER = re.compile(r"^\s*(?:#|<!--)\s*examples: (begin|end)\b")


def read_manifest(root: Path) -> dict[str, list[str]]:
    """{"remove": [paths], "cut": [paths]}, relative to the repository root."""
    sections: dict[str, list[str]] = {"remove": [], "cut": []}
    current = None
    for line in (root / MANIFEST).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = sections[line.strip("[]")]
        else:
            current.append(line)
    return sections


def cut_blocks(text: str, name: str = "") -> str:
    """`text` without its marked blocks (the marker lines included)."""
    kept, inside = [], False
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        marker = MARKER.match(line)
        if marker and (marker.group(1) == "begin") == inside:
            raise ValueError(f"{name}:{number}: 'examples: {marker.group(1)}' out of order")
        if marker:
            inside = marker.group(1) == "begin"
        elif not inside:
            kept.append(line)
    if inside:
        raise ValueError(f"{name}: 'examples: begin' without its 'examples: end'")
    return "".join(kept)


def ask_for_data(train_yaml: str) -> str:
    """train.yaml's default dataset is an example: without them, `data=` must be given."""
    return re.sub(r"(?m)^  - data: \w+$", "  - data: ???", train_yaml)


def without_examples(path: str, text: str) -> str:
    """A [cut] file's text once the examples are gone."""
    text = cut_blocks(text, path)
    return ask_for_data(text) if path == "configs/train.yaml" else text


def planned_cuts(root: Path, paths: list[str]) -> dict[str, str]:
    """{path: its new text} for each listed file that the cut changes. Every file is read
    and checked before any is written."""
    cuts = {}
    for path in paths:
        if (root / path).is_file():
            text = (root / path).read_text()
            if (new := without_examples(path, text)) != text:
                cuts[path] = new
    return cuts


def sha256(file: Path) -> str:
    return hashlib.sha256(file.read_bytes()).hexdigest()


def shipped_hashes(root: Path, paths: list[str]) -> str:
    """The `sha256sum` lines of the listed files (the hash file itself left out)."""
    return "".join(f"{sha256(root / path)}  {path}\n" for path in paths if path != str(HASHES))


def read_hashes(root: Path) -> dict[str, str]:
    if not (root / HASHES).is_file():
        return {}
    lines = (root / HASHES).read_text().splitlines()
    return {path: digest for digest, path in (line.split("  ", 1) for line in lines if line)}


def changed_by_you(root: Path, paths: list[str]) -> list[str]:
    """The listed files that are not as the template shipped them: yours now, kept."""
    shipped = read_hashes(root)
    return [path for path in paths
            if path != str(HASHES) and shipped.get(path) != sha256(root / path)]  # fmt: skip


def remove_files(root: Path, paths: list[str]) -> None:
    """Delete each file (and its compiled copies), then each folder they leave empty."""
    folders = set()
    for path in paths:
        file = root / path
        file.unlink()
        caches = file.parent / "__pycache__"
        for compiled in caches.glob(f"{file.stem}.*.pyc") if file.suffix == ".py" else ():
            compiled.unlink()
        folders |= {caches, *file.parents}
    for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
        if root in folder.parents and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="list, delete nothing")
    parser.add_argument("--record", action="store_true", help="write the shipped files' sha256s")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args()
    manifest = read_manifest(args.root)
    if args.record:
        (args.root / HASHES).write_text(shipped_hashes(args.root, manifest["remove"]))
        parser.exit(0, f"recorded {HASHES}\n")
    try:
        cuts = planned_cuts(args.root, manifest["cut"])
    except ValueError as error:
        parser.exit(2, f"error: {error}; nothing was changed.\n")
    listed = [path for path in manifest["remove"] if (args.root / path).is_file()]
    yours = changed_by_you(args.root, listed)
    removed = [path for path in listed if path not in yours]
    would = "would " if args.dry_run else ""
    for path in yours:
        print(f"{would}keep {path}: it is not as the template shipped it, so it is yours now")
    for path, text in cuts.items():
        print(f"{would}cut the examples out of {path}")
        if not args.dry_run:
            (args.root / path).write_text(text)
    for path in removed:
        print(f"{would}remove {path}")
    if not args.dry_run:
        remove_files(args.root, removed)
        print("configs/train.yaml now asks for data=...; files of yours were left as they were")


if __name__ == "__main__":
    main()
