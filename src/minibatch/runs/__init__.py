"""Run folders, checkpoints, resume and interruption: a run owns only what it made.

Attached by the command line: a Hydra callback makes the run folder (run_folder.py), and
the guards of guards.py join the Trainer as Lightning callbacks.
"""
