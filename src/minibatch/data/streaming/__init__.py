"""Data larger than memory: shards on disk (or in a bucket) read as a stream, with LitData."""
