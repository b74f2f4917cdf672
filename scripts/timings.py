"""The timings docs/tour.md and docs/development.md quote, measured on this machine: a run's
and the test suite's two tiers. Rerun to regenerate them.

    python scripts/timings.py [KEY=VALUE ...]     # `python train.py KEY=VALUE ...`, wall time
    python scripts/timings.py --tests             # the whole suite, then the fast tier
    python scripts/timings.py --fast --repeat 5   # the fast tier five times (a flaky test?)

The fast tier must also import every core module (each module of src/minibatch but the
examples), checked as it runs; the exit code is 1 when a tier fails or misses one.
Each is measured once unless --repeat says, with the machine and its load average (the
machine's speed varies with what else runs: compare timings taken in one sitting). The run
writes to a temporary folder, so nothing is added to logs/. The tiers are those of
docs/development.md: `python -m pytest` and `python -m pytest -m "not slow"`, on --workers
pytest-xdist workers. --root measures another checkout (a past commit's copy): run this file
with that checkout's own Python.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIERS = {"whole suite": [], "fast tier": ["-m", "not slow"]}


def machine() -> str:
    import lightning
    import torch

    return (f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"torch {torch.__version__}, lightning {lightning.__version__}")  # fmt: skip


def load() -> str:
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def timed(command: list[str], root: Path, env: dict | None = None):
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, cwd=root, env=env)
    return time.perf_counter() - start, result


def core_modules(root: Path) -> set[str]:
    """Every module of src/minibatch but the examples' wing, as dotted names."""
    package = root / "src" / "minibatch"
    paths = [p.relative_to(package) for p in package.rglob("*.py")]
    return {".".join(["minibatch", *p.with_suffix("").parts]).removesuffix(".__init__")
            for p in paths if p.parts[0] != "examples"}  # fmt: skip


def missed_modules(root: Path, imported_to: Path) -> list[str] | None:
    """The core modules no test process of the tier imported (None: nothing was recorded,
    a checkout whose tests/conftest.py does not record them)."""
    files = list(imported_to.glob("*.txt"))
    if not files:
        return None
    imported = {name for file in files for name in file.read_text().split()}
    return sorted(core_modules(root) - imported)


def time_run(root: Path, overrides: list[str]) -> None:
    with tempfile.TemporaryDirectory() as log_dir:
        command = [sys.executable, "train.py", *overrides, f"paths.log_dir={log_dir}"]
        seconds, result = timed(command, root)
    print(f"python train.py {' '.join(overrides)}: {seconds:.1f} s wall, exit {result.returncode}")
    lines = result.stdout.splitlines()
    final = [i for i, line in enumerate(lines) if line.startswith("final")]
    print("  " + " ".join(lines[final[0] :] if final else result.stderr.splitlines()[-1:]))


def time_tier(root: Path, name: str, workers: int) -> bool:
    """Time one tier; True when it passed (and, for the fast tier, imported every core
    module: tests/conftest.py records what each test process imported)."""
    options = [*TIERS[name], "-n", str(workers), "-q", "-p", "no:cacheprovider"]
    started = load()
    with tempfile.TemporaryDirectory() as imported_to:
        env = {**os.environ, "MINIBATCH_IMPORTED_TO": imported_to}
        seconds, result = timed([sys.executable, "-m", "pytest", *options], root, env)
        missed = missed_modules(root, Path(imported_to))
    lines = result.stdout.strip().splitlines() or [result.stderr.strip()]
    print(f"{name}, python -m pytest {' '.join(options)}: {seconds:.0f} s wall "
          f"({seconds / 60:.1f} min), exit {result.returncode}; {started} at start, "
          f"{load()} at the end")  # fmt: skip
    for line in [*(line for line in lines if line.startswith(("FAILED", "ERROR"))), lines[-1]]:
        print("  " + line)
    if name == "fast tier" and missed is not None:
        count = len(core_modules(root))
        print(
            f"  imports {count - len(missed)} of the {count} core modules"
            + (f"; none of its tests imports {', '.join(missed)}" if missed else "")
        )
    sys.stdout.flush()
    return result.returncode == 0 and not (name == "fast tier" and missed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("overrides", nargs="*", help="for the run: train.py's KEY=VALUE")
    parser.add_argument("--tests", action="store_true", help="the whole suite and fast tier")
    parser.add_argument("--fast", action="store_true", help="the fast tier only")
    parser.add_argument("--repeat", type=int, default=1, help="how many times each")
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers (-n)")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to measure")
    args = parser.parse_args()
    print(f"Machine: {machine()}; {load()} at start; {args.root}")
    tiers = ["fast tier"] if args.fast else list(TIERS) if args.tests else []
    passed = True
    for _ in range(args.repeat):
        for name in tiers:
            passed &= time_tier(args.root, name, args.workers)
        if not tiers:
            time_run(args.root, args.overrides)
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
