"""Final metrics of a sweep by swept value, mean ± std over seeds: a table and a CSV.

    python train.py -m data=csv data.path=my.csv data.target=price seed=0,1,2 batch_size=16,256
    python scripts/summarize_sweep.py logs/train/multiruns/<time>_<id>
    python scripts/summarize_sweep.py <sweep> --metrics val/loss train/loss --csv out.csv

Reads each job's `.hydra/config.yaml` and `.hydra/overrides.yaml` and its TensorBoard
event files (TensorBoard's own reader). Jobs that differ only by `seed` form one row; the
final value of each metric (its last logged value) is averaged over them, with the sample
standard deviation (n - 1). A failed job is marked in its row (and counts as far as it
logged), a metric that some jobs lack is averaged over the others ("of n" says over how
many), and every failed job is listed with why under the table. The CSV goes to
`<sweep>/summary.csv` unless --csv says where.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from minibatch.errors import UserError
from minibatch.tooling.sweeps import Row, failed_jobs, read_sweep, summarize, swept_keys


def mean_std(row: Row, metric: str) -> str:
    """`mean ± std`, `(of n)` when only n of the row's runs logged it, `-` when none did."""
    logged = len(row.finals[metric])
    if not logged:
        return "-"
    std = row.std(metric)
    text = f"{row.mean(metric):.4g}" + ("" if math.isnan(std) else f" ± {std:.2g}")
    return text + (f" (of {logged})" if logged < len(row.seeds) else "")


def runs(row: Row) -> str:
    """`3 (0,1,2)`, and the seeds of its failed runs: `3 (0,1,2; failed: 2)`."""
    seeds = ",".join(str(seed) for seed in row.seeds)
    failed = f"; failed: {','.join(str(seed) for seed in row.failed)}" if row.failed else ""
    return f"{len(row.seeds)} ({seeds}{failed})"


def write_csv(path: Path, rows: list[Row], metrics: list[str]) -> None:
    keys = list(rows[0].values)
    columns = [f"{m} {s}" for m in metrics for s in ("mean", "std", "runs")]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*keys, "runs", "failed", *columns])
        for row in rows:
            stats = [x for m in metrics for x in (f"{row.mean(m):.6g}", f"{row.std(m):.6g}",
                                                  len(row.finals[m]))]  # fmt: skip
            writer.writerow([*row.values.values(), len(row.seeds), len(row.failed), *stats])


def print_table(title: str, rows: list[Row], metrics: list[str], over: str) -> None:
    table = Table(title=title)
    for key in rows[0].values:
        table.add_column(key, justify="right")
    table.add_column(f"runs ({over})", justify="right")
    for metric in metrics:
        table.add_column(metric, justify="right")
    for row in rows:
        cells = [mean_std(row, metric) for metric in metrics]
        table.add_row(*map(str, row.values.values()), runs(row), *cells)
    Console(width=max(100, 22 * (len(metrics) + 2))).print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep", type=Path, help="a sweep folder: logs/<task>/multiruns/<run>")
    parser.add_argument("--metrics", nargs="+", help="scalars to report (default: all logged)")
    parser.add_argument("--over", default="seed", help="the key averaged over (default: seed)")
    parser.add_argument("--csv", type=Path, help="where to save the CSV (default: in the sweep)")
    args = parser.parse_args(argv)
    try:
        jobs = read_sweep(args.sweep)
        rows = summarize(jobs, args.metrics, over=args.over)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    metrics = list(rows[0].finals)
    keys = swept_keys(jobs, args.over) or ["(nothing swept)"]
    print_table(f"{args.sweep}: final metrics by {', '.join(keys)}", rows, metrics, args.over)
    for job, why in failed_jobs(args.sweep).items():
        print(f"failed: job {job}: {why}")
    out = args.csv or args.sweep / "summary.csv"
    write_csv(out, rows, metrics)
    print(f"saved {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
