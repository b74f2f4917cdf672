"""Data larger than memory: shards on disk (or in a bucket) read as a stream, with LitData.

LitData shuffles, shards across ranks and workers, and resumes mid-epoch, as a sampler would.
"""
