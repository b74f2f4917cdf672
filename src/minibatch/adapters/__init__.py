"""Every use of a private Lightning or Hydra attribute, in one module (private_api.py).

Where no public API does what the template needs, the wings call these functions instead of
reaching into the libraries; tests/core/test_private_api.py pins what each one does, and
pyproject.toml narrows lightning and hydra-core to the versions CI tests.
"""
