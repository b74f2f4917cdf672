#!/usr/bin/env bash
# The template on a CUDA GPU in one go: set up, then scripts/gpu_check.py (MNIST and cooking
# trainings, the `cuda` tests, the benchmark) into one folder. See docs/benchmark.md, "GPU".
#
#   bash scripts/gpu_check.sh [OUTPUT_FOLDER] [--budget SECONDS] [--allow-cpu] [--tiny]
#
# Setup: the Python whose torch sees CUDA (GPU_CHECK_PYTHON, else python3) is used with its own
# torch; what the project needs beside it comes from the wheels in .whl/ if there are any (a
# machine without internet; into .gpu-site/). Else the README's venv, .venv-gpu, which sees
# python3's packages (its CUDA torch) or gets pip's Linux torch wheel (the CUDA build).
set -euo pipefail
cd "$(dirname "$0")/.."

out=logs/gpu_check/$(date -u +%Y-%m-%d_%H-%M-%S)
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then out=$1; shift; fi
allow_cpu=false
for arg in "$@"; do [ "$arg" = --allow-cpu ] && allow_cpu=true; done
python=${GPU_CHECK_PYTHON:-python3}
has() {  # has PYTHON MODULE...: whether each module can be imported (found, not imported)
  "$1" -c "import importlib.util as u, sys; sys.exit(any(u.find_spec(m) is None for m in
sys.argv[1:]))" "${@:2}" 2>/dev/null
}
NEEDS=(hydra omegaconf dotenv lightning torchmetrics tensorboard rich pytest xdist)

sees_cuda() { "$1" -c "import torch, sys; sys.exit(not torch.cuda.is_available())" 2>/dev/null; }
failed() {
  echo "error: setting up failed: see $out/setup.log (no internet? put the wheels that" \
    "docs/benchmark.md names in .whl/)." >&2
  exit 2
}

ready() { { $allow_cpu || sees_cuda "$1"; } && has "$1" "${NEEDS[@]}"; }

if ! $allow_cpu && ! sees_cuda "$python" &&
  { [ -n "${GPU_CHECK_PYTHON:-}" ] || ! nvidia-smi -L >/dev/null 2>&1; }; then
  echo "error: no CUDA GPU is visible to torch here: run scripts/gpu_check.sh on a machine" \
    "with an NVIDIA GPU (or add --allow-cpu for a short try-out of the steps on a CPU)." >&2
  exit 2
fi
if ! ready "$python"; then  # never installs into $python's own environment
  mkdir -p "$out"
  if { $allow_cpu || sees_cuda "$python"; } && compgen -G ".whl/*.whl" >/dev/null; then
    echo "installing the wheels of .whl/ into .gpu-site/ (log: $out/setup.log)"
    "$python" -m pip install --no-index --no-deps --upgrade --target .gpu-site .whl/*.whl \
      >>"$out/setup.log" 2>&1 || failed
    export PYTHONPATH="$PWD/.gpu-site${PYTHONPATH:+:$PYTHONPATH}"
  else
    echo "setting up .venv-gpu as the README does (log: $out/setup.log)"
    {
      [ -x .venv-gpu/bin/python ] || python3 -m venv --system-site-packages .venv-gpu
      sees_cuda .venv-gpu/bin/python || .venv-gpu/bin/python -m pip install torch==2.13.0
      .venv-gpu/bin/python -m pip install -e ".[test]"
    } >>"$out/setup.log" 2>&1 || failed
    python=.venv-gpu/bin/python
  fi
  ready "$python" || failed
fi
if ! has "$python" minibatch; then  # the project itself, from this checkout
  export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
fi
exec "$python" scripts/gpu_check.py "$out" "$@"
