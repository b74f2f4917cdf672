"""Seed 002 written by hand: the baseline `train.py data=mnist batch_size=50` is timed against.

    python scripts/hand_mnist.py [--first-batch-file PATH]

Imports torch, loads data/mnist.pkl.gz, trains the 784-50-10 MLP with SGD (lr 0.5) on
shuffled batches of 50 for 3 epochs and validates after each epoch, as the notebook does.
`--first-batch-file` writes the wall-clock time of the first training batch (for the
benchmark's start-up figure). It imports torch alone, so it repeats the pickle's sha256
rather than import it from the package (which would load Lightning into the baseline).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import pickle
import time
from pathlib import Path

import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
PICKLE_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first-batch-file", type=Path)
    args = parser.parse_args()
    data = (ROOT / "data" / "mnist.pkl.gz").read_bytes()
    if hashlib.sha256(data).hexdigest() != PICKLE_SHA256:  # unpickling runs code: check first
        raise SystemExit("data/mnist.pkl.gz is not the known MNIST pickle.")
    (x, y), (x_valid, y_valid), _ = pickle.loads(gzip.decompress(data), encoding="latin-1")
    x, y = torch.as_tensor(x), torch.as_tensor(y).long()
    x_valid, y_valid = torch.as_tensor(x_valid), torch.as_tensor(y_valid).long()
    torch.manual_seed(1337)
    net = nn.Sequential(nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 10))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.5)
    for epoch in range(3):
        order = torch.randperm(len(x))
        for i in range(0, len(x), 50):
            if epoch == 0 and i == 0 and args.first_batch_file:
                args.first_batch_file.write_text(str(time.time()))
            batch = order[i : i + 50]
            loss = nn.functional.cross_entropy(net(x[batch]), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            accuracy = (net(x_valid).argmax(1) == y_valid).float().mean().item()
        print(f"epoch {epoch}: valid accuracy {accuracy:.4f}")


if __name__ == "__main__":
    main()
