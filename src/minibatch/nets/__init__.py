"""Generic nets, each built from a `DataSpec` (see `minibatch.data_spec`).

So one net trains on any data that describes itself: features, tokens or images.
"""
