"""`python train.py data=mnist batch_size=50`: the template's entry point (see README.md)."""

from minibatch.train import main

if __name__ == "__main__":
    main()
