"""The fast path for data that fits in memory: tensors indexed a whole batch at a time.

`datamodule.py` is the base to subclass; the other modules are its loader's parts.
"""
