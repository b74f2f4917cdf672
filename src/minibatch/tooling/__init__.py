"""Sweeps, searches, trackers and DDP launch inside Hydra: Hydra callbacks and config groups
(hparams_search=, logger=, hydra/launcher=) and the readers of a sweep's folders.
"""
