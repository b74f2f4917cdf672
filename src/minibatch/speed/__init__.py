"""Hand-written-loop speed by default: grouped steps (`module:` in configs/train.yaml) and
`compile=true`.
"""
