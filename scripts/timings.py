"""The timings docs/tour.md quotes, measured on this machine: rerun to regenerate them.

    python scripts/timings.py            # the default run, `python train.py`, wall time
    python scripts/timings.py --tests    # also the whole test suite, `python -m pytest -q`

Each is measured once (they are long); the machine is printed with them. The default run
writes to a temporary folder, so nothing is added to logs/.
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


def machine() -> str:
    import lightning
    import torch

    return (f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"torch {torch.__version__}, lightning {lightning.__version__}")  # fmt: skip


def timed(command: list[str], **kwargs) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, **kwargs)
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", action="store_true", help="also time the whole test suite")
    args = parser.parse_args()
    print(f"Machine: {machine()}; load average {os.getloadavg()[0]:.1f} at start")
    with tempfile.TemporaryDirectory() as log_dir:
        seconds, result = timed([sys.executable, "train.py", f"paths.log_dir={log_dir}"])
    lines = result.stdout.splitlines()
    final = lines[next(i for i, line in enumerate(lines) if line.startswith("final")) :]
    print(
        f"python train.py (100 epochs of cooking, batch 10,000): {seconds:.1f} s wall, "
        f"exit {result.returncode}"
    )
    print("  " + " ".join(final))
    if args.tests:
        seconds, result = timed([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"])
        print(f"python -m pytest -q: {seconds / 60:.1f} min wall, exit {result.returncode}")
        lines = result.stdout.strip().splitlines()
        for line in [*(line for line in lines if line.startswith("FAILED")), lines[-1]]:
            print("  " + line)


if __name__ == "__main__":
    main()
