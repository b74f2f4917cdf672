"""This project's Hydra plugin: submitit launchers whose jobs resume after a requeue.

Hydra only takes launchers from its `hydra_plugins` namespace (no `__init__.py` above this
package), which it scans at start-up; see resuming_launcher.py.
"""
