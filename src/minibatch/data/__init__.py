"""LightningDataModules any run can name as `data._target_`: in memory, tables, image folders,
streamed shards. Each describes its data with a `DataSpec` (minibatch/data_spec.py) in `setup`.
"""
