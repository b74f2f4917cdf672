"""The command lines: `train.py`, `scripts/evaluate.py`, `scripts/export.py` (and minibatch-*).

Each wraps the core with the checks, the run's guards and one clear sentence when it stops.
"""
