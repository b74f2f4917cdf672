"""The fast path for data that fits in memory: tensors indexed a whole batch at a time."""
