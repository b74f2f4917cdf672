"""How fast `data=csv` reads a table, and its peak memory: a generated numeric CSV, read in a
fresh process by the table reader and by the whole DataModule (reading, float32, splits).

    python scripts/table_reader_speed.py                     # 500,000 rows x 21 columns (~96 MB)
    python scripts/table_reader_speed.py --compare /work/main/src   # and another checkout's code
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

# Run in a fresh process, so that its peak memory is the reading's alone (over the imports').
MEASURE = """
import json, os, resource, sys, time
from minibatch.data.tables.csv_datamodule import CsvDataModule
from minibatch.data.tables.table_file import read_table

def rss_mb():
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6

path, part = sys.argv[1], sys.argv[2]
before = rss_mb()
wall, cpu = time.perf_counter(), time.process_time()
if part == "reader":
    table = read_table(path)
    columns = [table.numbers(name) for name in table.columns]
else:
    CsvDataModule(path=path, target="y").setup()
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
import minibatch
numbers = {"before_mb": before, "peak_mb": peak, "wall_s": wall, "cpu_s": cpu}
print(json.dumps({"code": minibatch.__file__, **numbers}))
"""


def write_table(path: Path, rows: int, columns: int, seed: int = 0) -> None:
    """`columns - 1` normal features and a regression target y, six decimals each."""
    rng = np.random.default_rng(seed)
    header = ",".join([f"x{i}" for i in range(columns - 1)] + ["y"])
    with path.open("w") as file:
        file.write(header + "\n")
        for start in range(0, rows, 100_000):
            block = rng.normal(size=(min(100_000, rows - start), columns))
            np.savetxt(file, block, fmt="%.6f", delimiter=",")


def measure(path: Path, part: str, src: str | None) -> dict:
    env = dict(os.environ, **({"PYTHONPATH": src} if src else {}))
    result = subprocess.run([sys.executable, "-c", MEASURE, str(path), part], env=env,
                            capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])


def report(name: str, part: str, numbers: dict, size_mb: float) -> None:
    grown = numbers["peak_mb"] - numbers["before_mb"]
    print(
        f"{name:>8} {part:>10}: {size_mb / numbers['wall_s']:6.0f} MB/s "
        f"({size_mb / numbers['cpu_s']:4.0f} MB per CPU second), peak {numbers['peak_mb']:5.0f} MB "
        f"= {numbers['before_mb']:3.0f} MB of imports + {grown:5.0f} MB "
        f"({grown / size_mb:.1f}x the file); code in {Path(numbers['code']).parent.parent}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--columns", type=int, default=21)
    parser.add_argument("--compare", help="the src/ folder of another checkout (the old reader)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "table.csv"
        write_table(path, args.rows, args.columns)
        size_mb = path.stat().st_size / 1e6
        print(f"{args.rows:,} rows x {args.columns} columns: {size_mb:.0f} MB of CSV, "
              f"{args.rows * args.columns * 4 / 1e6:.0f} MB as float32; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")  # fmt: skip
        codes = [("old", args.compare)] if args.compare else []
        for name, src in [*codes, ("this", None)]:
            for part in ("reader", "datamodule"):
                report(name, part, measure(path, part, src), size_mb)


if __name__ == "__main__":
    main()
