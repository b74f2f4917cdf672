"""Hand-written-loop speed by default: grouped steps (`module:` in configs/train.yaml) and
`compile=true`; the benchmark in scripts/benchmark.py holds both to a hand loop.
"""
