"""`python scripts/export.py ckpt_path=<run>/checkpoints/last.ckpt format=onnx|torchscript`.

Writes the model of a checkpoint as an ONNX or TorchScript file (see minibatch/cli/export.py).
"""

from minibatch.cli.export import main

if __name__ == "__main__":
    main()
