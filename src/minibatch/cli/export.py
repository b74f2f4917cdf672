"""Export a checkpoint: `python scripts/export.py ckpt_path=.../last.ckpt format=onnx`.

One file that needs neither this project nor Lightning (ONNX or TorchScript), computing what
`predict_step` does, checked against the PyTorch model before its path is printed.
"""

from __future__ import annotations

from pathlib import Path

import hydra
import torch
from lightning import LightningModule
from omegaconf import DictConfig
from torch import nn

from minibatch.checks.config_checks import POSITIVE_INT, check_ranges, optional
from minibatch.checks.one_sentence import say, user_errors_exit
from minibatch.checks.override_syntax import overrides_checked_first
from minibatch.cli.entry import end_quickly, project_on_path, quiet_known_noise, register_configs
from minibatch.cli.env_file import read_env_file
from minibatch.cli.evaluate import build_trained, evaluation_loader, inputs_of, rebuilt_config
from minibatch.cli.evaluation_data import data_on_the_command_line
from minibatch.cli.output_paths import check_new_output, run_folder_holding
from minibatch.errors import UserError
from minibatch.runs.checkpoint_file import load_checkpoint
from minibatch.runs.project_paths import CONFIG_DIR
from minibatch.runs.run_outcome import run_outcome
from minibatch.runs.stop_signals import NOT_FINISHED, stop_at_once_on_signals

read_env_file()  # .env: tracker keys and paths, never over what is set
register_configs()
project_on_path()  # your own modules import from the project folder
end_quickly()

FORMATS = {"onnx": ".onnx", "torchscript": ".pt"}
TOLERANCE = 1e-5


class Predictor(nn.Module):
    """The net followed by what `predict_step` adds: probabilities, or values in own units."""

    def __init__(self, net: nn.Module, module) -> None:
        super().__init__()
        self.net = net
        self.predictions = module.predictions  # the task's sigmoid / softmax, target unscaling

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.predictions(self.net(x))


def predictor_of(model, datamodule):
    """(the trained model's predictor in eval mode, an example input batch): the template's
    net with what its predict_step adds; a module of your own, its `forward` as it is."""
    from minibatch.module import TaskModule

    example = next(iter(evaluation_loader(datamodule, "valid")))[0]
    if not isinstance(example, torch.Tensor) or example.is_floating_point() is False:
        raise UserError(
            f"{type(datamodule).__name__} feeds token sequences (or other than a tensor of "
            "numbers); only models of feature vectors or images can be exported."
        )
    example = example.float().cpu()
    if isinstance(model, TaskModule):
        return Predictor(model.net, model).eval().cpu(), example
    try:
        with torch.no_grad():
            model.cpu().eval()(example)
    except NotImplementedError:
        raise UserError(
            f"export writes the module's forward, and {type(model).__name__} has none: give it "
            "a forward(x) that returns the predictions for a batch of inputs."
        ) from None
    return model, example


def export_onnx(predictor: nn.Module, example: torch.Tensor, path: Path, opset: int | None):
    try:
        import onnxscript  # noqa: F401  (torch.onnx's exporter is built on it)
    except ImportError:
        raise UserError('format=onnx needs the export extra: pip install -e ".[export]".') from None
    batch = torch.export.Dim("batch", min=1)
    program = torch.onnx.export(
        predictor,
        (example,),
        dynamo=True,
        opset_version=opset,
        input_names=["features"],
        output_names=["predictions"],
        dynamic_shapes={"x": {0: batch}},
        external_data=False,
        verbose=False,
    )
    program.save(str(path))


def export_torchscript(predictor: nn.Module, example: torch.Tensor, path: Path) -> None:
    if isinstance(predictor, LightningModule):  # a module of yours: Lightning's own tracing
        traced = predictor.to_torchscript(method="trace", example_inputs=example)
    else:
        traced = torch.jit.trace(predictor, example)
    traced.save(str(path))


def run_exported(path: Path, inputs: torch.Tensor) -> torch.Tensor:
    """The exported file's outputs for `inputs`, computed by its own runtime."""
    if path.suffix == ".onnx":
        import onnxruntime

        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        (outputs,) = session.run(None, {session.get_inputs()[0].name: inputs.numpy()})
        return torch.from_numpy(outputs)
    with torch.no_grad():
        return torch.jit.load(str(path)).eval()(inputs)


def export(cfg: DictConfig) -> Path:
    """Write the model file; returns its path."""
    quiet_known_noise()
    if cfg.format not in FORMATS:
        raise UserError(f"format={cfg.format} is not one of: {', '.join(FORMATS)}.")
    check_ranges(cfg, {"opset": optional(POSITIVE_INT)})
    ckpt_path = Path(cfg.ckpt_path)
    checkpoint = load_checkpoint(ckpt_path)
    run_cfg = rebuilt_config(ckpt_path, checkpoint, cfg.data, cfg.get("data_group"))
    wanted = cfg.output_path or Path(cfg.paths.output_dir, ckpt_path.stem + FORMATS[cfg.format])
    path = check_new_output("output_path", wanted, inputs_of(ckpt_path, run_cfg),
                            run_folder_holding(ckpt_path))  # fmt: skip
    predictor, example = predictor_of(*build_trained(ckpt_path, checkpoint, run_cfg))
    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        if cfg.format == "onnx":
            export_onnx(predictor, example, path, cfg.get("opset"))
        else:
            export_torchscript(predictor, example, path)
        expected = predictor(example)
    # Relative to the values' size: a price near 150 carries float32 rounding of ~1e-5.
    difference = (run_exported(path, example) - expected).abs() / expected.abs().clamp_min(1)
    difference = difference.max().item()
    if difference > TOLERANCE:
        raise UserError(f"{path} differs from the PyTorch model by {difference:.2g} on a batch.")
    say(f"[bold]{cfg.format}:[/] {path} (max difference on {len(example)} rows: {difference:.1e})")
    return path


@overrides_checked_first
@data_on_the_command_line
@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="export")
def main(cfg: DictConfig) -> None:
    """Hydra entry point (also the `minibatch-export` console script)."""
    stop_at_once_on_signals(NOT_FINISHED)
    with user_errors_exit(), run_outcome(cfg.paths.output_dir):
        export(cfg)


if __name__ == "__main__":
    main()
