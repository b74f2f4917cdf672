"""Generic nets, each built from a `DataSpec` (see `minibatch.data_spec`)."""
