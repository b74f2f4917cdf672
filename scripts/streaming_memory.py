"""Measure streaming against memory: peak RSS of one epoch over shards larger than RAM
use, and examples/s of the streaming and the in-memory paths on the same rows.

    python scripts/streaming_memory.py --root /tmp/cooking_big --rows 300000000 \
        --compare-rows 5000000

1. Writes `--rows` cooking rows as shards under `--root` (skipped when already there) and
   `--compare-rows` under `<root>_compare`.
2. Trains one epoch of data=cooking_stream (batch 10,000, one process, no workers, no
   validation) over the big shards in a child process; prints its peak RSS against the
   shards' size on disk, and its examples/s.
3. Trains one epoch on the compare rows twice, streamed and loaded in memory (the same
   rows, the same net and batch size), and prints both examples/s.
A measurement, not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMON = ["batch_size=10000", "trainer.max_epochs=1", "trainer.limit_val_batches=0",
          "trainer.num_sanity_val_steps=0", "callbacks=none", "logger=none",
          "trainer.enable_progress_bar=false", "trainer.enable_model_summary=false"]  # fmt: skip


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def child_epoch(mode: str, root: str) -> None:
    """In a child process: one epoch, then print rows, seconds and peak RSS as JSON."""
    import torch
    from hydra import compose, initialize_config_dir
    from omegaconf import open_dict

    from minibatch.cli.entry import register_configs
    from minibatch.runs.project_paths import CONFIG_DIR
    from minibatch.train import train

    register_configs()
    torch.set_num_threads(1)
    overrides = ["data=cooking_stream", f"data.root={root}", "data.num_workers=0", *COMMON]
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("train", overrides=overrides)
    with open_dict(cfg):
        cfg.paths.output_dir = str(Path(root).parent / "measure_run")
        if mode == "memory":
            cfg.data = {"_target_": "streaming_memory_rows.RowsInMemory", "root": root,
                        "batch_size": 10000}  # fmt: skip
    start = time.perf_counter()
    result = train(cfg)
    seconds = time.perf_counter() - start
    rows = result.trainer.global_step * 10000
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_rss": peak}))


def run_child(mode: str, root: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--root", str(root)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT / "scripts",
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("/tmp/cooking_big"))
    parser.add_argument("--rows", type=int, default=300_000_000)
    parser.add_argument("--compare-rows", type=int, default=5_000_000)
    parser.add_argument("--workers", type=int, default=2, help="processes writing shards")
    parser.add_argument("--child", choices=["stream", "memory"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child_epoch(args.child, str(args.root))
    from minibatch.data.streaming.shards import shards_written
    from minibatch.examples.data.cooking_shards import write_cooking_shards

    compare = args.root.with_name(args.root.name + "_compare")
    for root, rows in ((args.root, args.rows), (compare, args.compare_rows)):
        if not shards_written(root):
            start = time.perf_counter()
            write_cooking_shards(root, rows, 10_000, num_workers=args.workers)
            print(f"wrote {rows:,} rows to {root} in {time.perf_counter() - start:.0f} s")
    big = run_child("stream", args.root)
    size = folder_bytes(args.root / "train")
    print(f"streaming epoch over {big['rows']:,} rows: shards {size / 2**30:.2f} GiB, "
          f"peak RSS {big['peak_rss'] / 2**30:.2f} GiB ({size / big['peak_rss']:.1f}x), "
          f"{big['rows'] / big['seconds']:,.0f} examples/s")  # fmt: skip
    for mode in ("stream", "memory"):
        result = run_child(mode, compare)
        print(f"{mode:>6} epoch over the same {result['rows']:,} rows: "
              f"{result['rows'] / result['seconds']:,.0f} examples/s, "
              f"peak RSS {result['peak_rss'] / 2**30:.2f} GiB")  # fmt: skip


if __name__ == "__main__":
    main()
