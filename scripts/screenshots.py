"""Pictures of TensorBoard after a 2-job batch-size sweep, as docs/tensorboard.md shows them.

Runs `python train.py -m batch_size=1000,10000 trainer.max_epochs=20` into a fresh folder,
starts a real TensorBoard on 127.0.0.1, and has headless Chromium photograph the SCALARS
and HPARAMS tabs into docs/screenshots/. Needs `chromium` (Debian: apt-get install chromium).

    python scripts/screenshots.py [--keep LOGDIR]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
SWEEP = ["-m", "batch_size=1000,10000", "trainer.max_epochs=20"]
# Page, URL fragment and window width (the HPARAMS table needs room for its metric columns).
PAGES = {"scalars": ("#timeseries", 1280), "hparams": ("#hparams", 1920)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def photograph(url: str, path: Path, width: int, wait_ms: int = 15000) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        sys.exit("chromium is not installed (Debian: apt-get install chromium)")
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--window-size={width},800", f"--virtual-time-budget={wait_ms}",
         f"--screenshot={path}", url],  # fmt: skip
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="write the runs here and keep them")
    args = parser.parse_args()
    log_dir = args.keep or Path(tempfile.mkdtemp())
    subprocess.run([sys.executable, str(ROOT / "train.py"), *SWEEP, f"paths.log_dir={log_dir}",
                    "trainer.enable_progress_bar=false"], check=True)  # fmt: skip
    port = free_port()
    board = subprocess.Popen(
        [sys.executable, "-m", "tensorboard.main", "--logdir", str(log_dir),
         "--host", "127.0.0.1", "--port", str(port)],  # fmt: skip
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        time.sleep(8)  # TensorBoard reads the event files
        OUT.mkdir(parents=True, exist_ok=True)
        for name, (fragment, width) in PAGES.items():
            photograph(f"http://127.0.0.1:{port}/{fragment}", OUT / f"{name}.png", width)
            print(OUT / f"{name}.png")
    finally:
        board.terminate()
        board.wait(timeout=30)
        if args.keep is None:
            shutil.rmtree(log_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
