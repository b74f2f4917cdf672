"""`python scripts/evaluate.py ckpt_path=<run>/checkpoints/last.ckpt [split=test] [predict_path=]`.

Metrics of a checkpoint on a split, and its predictions in a CSV (see minibatch/cli/evaluate.py).
"""

from minibatch.cli.evaluate import main

if __name__ == "__main__":
    main()
