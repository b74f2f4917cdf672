"""`python train.py data=csv batch_size=50`: the template's entry point (see README.md).

A run's computation: src/minibatch/train.py; the command line around it: minibatch/cli/train.py.
"""

from minibatch.runs.stop_signals import stop_at_once_on_signals

stop_at_once_on_signals()  # before the imports: a signal during them ends in one sentence

from minibatch.cli.train import main  # noqa: E402

if __name__ == "__main__":
    main()
