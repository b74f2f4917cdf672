"""What is checked before a run starts, and the one place a mistake becomes one sentence.

The command line (minibatch/cli/) calls these before building anything: unreadable overrides,
values out of range, options a constructor does not take; `one_sentence.py` prints the error.
"""
