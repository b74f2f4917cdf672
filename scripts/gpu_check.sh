#!/usr/bin/env bash
# The template on a CUDA GPU in one go: set up as the README says, then scripts/gpu_check.py
# (MNIST and cooking trainings, the `cuda` tests, the benchmark) into one folder.
#
#   bash scripts/gpu_check.sh [OUTPUT_FOLDER] [--budget SECONDS] [--allow-cpu] [--tiny]
#
# Setup: a venv .venv-gpu that sees the machine's own packages (--system-site-packages), so
# a CUDA torch already installed is used as it is; without one, pip installs torch (its Linux
# wheel is the CUDA build). GPU_CHECK_PYTHON=/path/to/python uses that Python and skips setup.
set -euo pipefail
cd "$(dirname "$0")/.."

out=logs/gpu_check/$(date -u +%Y-%m-%d_%H-%M-%S)
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then out=$1; shift; fi
allow_cpu=false
for arg in "$@"; do [ "$arg" = --allow-cpu ] && allow_cpu=true; done
sees_cuda() { "$1" -c "import torch, sys; sys.exit(not torch.cuda.is_available())" 2>/dev/null; }

python=${GPU_CHECK_PYTHON:-}
if [ -z "$python" ]; then
  if ! $allow_cpu && ! nvidia-smi -L >/dev/null 2>&1 && ! sees_cuda python3; then
    echo "error: no CUDA GPU here (nvidia-smi finds none, torch sees none): run" \
      "scripts/gpu_check.sh on a machine with an NVIDIA GPU." >&2
    exit 2
  fi
  mkdir -p "$out"
  echo "setting up .venv-gpu (log: $out/setup.log)"
  {
    [ -x .venv-gpu/bin/python ] || python3 -m venv --system-site-packages .venv-gpu
    sees_cuda .venv-gpu/bin/python || .venv-gpu/bin/python -m pip install torch==2.13.0
    .venv-gpu/bin/python -m pip install -e ".[test]"
  } >"$out/setup.log" 2>&1 || {
    echo "error: setting up .venv-gpu failed: see $out/setup.log (offline? then" \
      "run with GPU_CHECK_PYTHON= a Python that has torch and the project installed)." >&2
    exit 2
  }
  python=.venv-gpu/bin/python
fi
exec "$python" scripts/gpu_check.py "$out" "$@"
