"""What a learner sees: the progress bar, the layer summary, the config tree, TensorBoard's pages.

Lightning callbacks named in configs/callbacks/ and the HPARAMS row the command line adds.
"""
