"""Export a checkpoint to ONNX or TorchScript; the file computes what the PyTorch model does,
and it is a new file in export's own folder: the training run's folder is left as it was."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir

from minibatch.cli.evaluate import load_trained
from minibatch.cli.export import export
from minibatch.cli.train import run_training
from minibatch.runs.project_paths import CONFIG_DIR
from tests import needs
from tests.conftest import REPO_ROOT
from tests.core.fake_tables import write_csv, write_regression_csv

TOLERANCE = 1e-5


def trained_checkpoint(
    compose_config, tmp_path: Path, task: str = "regression"
) -> tuple[Path, dict[str, str]]:
    """The last checkpoint of a 2-epoch run on a generated table (regression or binary), in a
    run folder (with its .hydra/), and the data options to give again."""
    if task == "regression":
        table, target = write_regression_csv(tmp_path / "table.csv"), "target"
    else:
        table, target = write_csv(tmp_path / "table.csv"), "label"
    cfg = compose_config(
        "data=csv", f"data.path={table}", f"data.target={target}",
        "trainer.max_epochs=2", "callbacks=last_checkpoint", "logger=none",
        "trainer.enable_progress_bar=false", "trainer.enable_model_summary=false",
    )  # fmt: skip
    run = Path(cfg.paths.output_dir)
    (run / ".hydra").mkdir(parents=True)
    (run / ".hydra" / "config.yaml").write_text("as train.py's Hydra wrote it\n")
    run_training(cfg)
    return run / "checkpoints" / "last.ckpt", {"path": str(table), "target": target}


def data_args(data: dict[str, str]) -> list[str]:
    return [f"data.{key}={value}" for key, value in data.items()]


def hashes(folder: Path) -> dict[str, str]:
    """Every file under `folder` and the sha256 of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


def export_config(*overrides: str):
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return compose(config_name="export", overrides=list(overrides))


def run_exported(path: Path, inputs: torch.Tensor) -> torch.Tensor:
    if path.suffix == ".onnx":
        import onnxruntime

        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        assert [i.name for i in session.get_inputs()] == ["features"]
        return torch.from_numpy(session.run(None, {"features": inputs.numpy()})[0])
    return torch.jit.load(str(path))(inputs)


def pytorch_predictions(ckpt: Path, data: dict, inputs: torch.Tensor) -> torch.Tensor:
    """The checkpoint's predictions as `predict_step` computes them, rebuilt independently."""
    model, _ = load_trained(ckpt, data)
    with torch.no_grad():
        return model.predict_step((inputs, None), 0)


def test_export_runs_in_a_folder_of_its_own_not_the_trained_runs(compose_config, tmp_path):
    """export.yaml's own hydra.run.dir wins over configs/hydra/default.yaml's, which resumes
    into the folder of the checkpoint's run (train.py's ckpt_path=)."""
    ckpt, _ = trained_checkpoint(compose_config, tmp_path)
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose("export", overrides=[f"ckpt_path={ckpt}", f"paths.log_dir={tmp_path}"],
                      return_hydra_config=True)  # fmt: skip
    run_dir = Path(cfg.hydra.run.dir)
    assert run_dir.parent == tmp_path / "export" / "runs"
    assert ckpt.parent.parent not in (run_dir, *run_dir.parents)


@pytest.mark.parametrize("fmt", ["torchscript", "onnx"])
@pytest.mark.parametrize("task", ["regression", "binary"])
def test_exported_model_matches_the_pytorch_model(compose_config, tmp_path, fmt, task):
    if fmt == "onnx":
        needs.extra("onnxruntime", 'pip install -e ".[export]"')
        needs.extra("onnxscript", 'pip install -e ".[export]"')
    ckpt, data = trained_checkpoint(compose_config, tmp_path, task)
    wanted = tmp_path / "exported" / f"model.{fmt}"
    path = export(export_config(f"ckpt_path={ckpt}", f"format={fmt}", f"output_path={wanted}",
                                *(f"+{arg}" for arg in data_args(data))))  # fmt: skip
    assert path == wanted and path.is_file()

    generator = torch.Generator().manual_seed(0)
    # A batch size the export never saw (any batch size works), standardised features.
    inputs = torch.randn(37, 3, generator=generator)
    expected = pytorch_predictions(ckpt, data, inputs)
    exported = run_exported(path, inputs)
    assert exported.shape == expected.shape == (37, 1)
    torch.testing.assert_close(exported, expected, rtol=TOLERANCE, atol=TOLERANCE)
    if task == "binary":  # probabilities
        assert 0 <= exported.min() and exported.max() <= 1
    else:  # in the target's own units (mean 150)
        assert 50 < exported.mean() < 250


@pytest.mark.slow
def test_export_script_writes_a_new_file_in_its_own_folder_and_leaves_the_run_as_it_was(
    compose_config, tmp_path
):
    ckpt, data = trained_checkpoint(compose_config, tmp_path)
    run = ckpt.parent.parent
    before = hashes(run)
    logs = tmp_path / "logs"
    script = [sys.executable, str(REPO_ROOT / "scripts" / "export.py"), f"ckpt_path={ckpt}",
              f"paths.log_dir={logs}", *data_args(data)]  # fmt: skip
    done = subprocess.run([*script, "format=torchscript"], capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert hashes(run) == before, "the training run's folder is byte-identical"
    (output,) = (logs / "export" / "runs").glob("*/last.pt")  # export's own new folder
    assert f"torchscript: {output}" in done.stderr
    assert (output.parent / ".hydra" / "config.yaml").is_file()
    inputs = torch.linspace(-2, 2, 33).reshape(11, 3)
    torch.testing.assert_close(
        run_exported(output, inputs),
        pytorch_predictions(ckpt, data, inputs),
        rtol=TOLERANCE,
        atol=TOLERANCE,
    )
    stamp = output.read_bytes()
    again = subprocess.run([*script, "format=torchscript", f"output_path={output}"],
                           capture_output=True, text=True, timeout=300)  # fmt: skip
    assert again.returncode == 2 and "already exists" in again.stderr
    assert output.read_bytes() == stamp and hashes(run) == before
    bad = subprocess.run([*script, "format=pickle"], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2
    assert "format=pickle is not one of: onnx, torchscript." in bad.stderr
    assert "Traceback" not in bad.stderr
