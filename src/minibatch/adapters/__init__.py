"""What the template reads of Lightning, Hydra and the launchers that they offer no public API for.

Private attributes, each behind one function (private_api.py), and the process's rank
before Lightning is imported (ranks.py); tests/core/test_private_api.py pins both.
"""
