"""The teaching notebooks reproduced: their datasets, nets and measures.

Nothing in the core imports this package: delete it (with its configs and tests, see
docs/make-it-yours.md) and the template still trains your own data.
"""
