"""This project's Hydra plugin: submitit launchers whose jobs resume after a requeue.

Hydra takes launchers only from its `hydra_plugins` namespace, which it scans at start-up.
"""
