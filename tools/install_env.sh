#!/usr/bin/env bash
# Set up the whole hexa_mm stack in a virtual environment, from nothing but the
# package index:
#   torch + torchvision -> mmcv 2.0.1 with compiled ops (built once, cached) ->
#   mmengine, mmcls, mmselfsup, mmpretrain, mmdet -> hexa_mm (editable).
# Every pip install is constrained by requirements/constraints.txt: the exact
# set that is tested, inside the ranges that the other requirements/*.txt (and
# setup.py) state.
#
# Usage: tools/install_env.sh [VENV_DIR]          (default: .venv in the checkout)
# Environment:
#   PYTHON          interpreter that creates the venv (default: python3)
#   HEXA_MM_CACHE   where the built mmcv wheel is kept, outside the checkout
#                   (default: ${XDG_CACHE_HOME:-~/.cache}/hexa_mm)
#   MAX_JOBS        parallel compile jobs for the mmcv ops build (default: nproc)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${1:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
CACHE="${HEXA_MM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hexa_mm}"
REQ="$ROOT/requirements"
CONSTRAINTS="$REQ/constraints.txt"
STAMP="$VENV/.hexa_mm_installed"

log() { printf '[install_env] %s\n' "$*" >&2; }

if [ ! -x "$VENV/bin/python" ]; then
  log "creating virtual environment $VENV"
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip install --no-input -c "$CONSTRAINTS")

log "installing build tools and torch"
"${PIP[@]}" -r "$REQ/torch.txt" numpy ninja

MMCV_SPEC="$(grep -E '^mmcv==' "$CONSTRAINTS")" ||
  { log "$CONSTRAINTS pins no mmcv==VERSION to build"; exit 1; }
MMCV_VERSION="${MMCV_SPEC#mmcv==}"
TORCH_VERSION="$("$PY" -c 'import torch; print(torch.__version__)')"
PY_TAG="$("$PY" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')"
# The compiled ops link against torch's C++ ABI: one wheel per torch build.
WHEEL_DIR="$CACHE/wheels/mmcv-$MMCV_VERSION-torch-${TORCH_VERSION//+/_}-$PY_TAG"

if ! "$PY" -c "import mmcv, mmcv.ops, sys; sys.exit(mmcv.__version__ != '$MMCV_VERSION')" 2>/dev/null; then
  if ! ls "$WHEEL_DIR"/mmcv-*.whl >/dev/null 2>&1; then
    log "building $MMCV_SPEC with ops against torch $TORCH_VERSION (about 10 min on 2 cores, done once)"
    # A subshell: the build's PYTHONPATH and working files stay inside it.
    (
      BUILD="$(mktemp -d)"
      trap 'rm -rf "$BUILD"' EXIT
      # --no-build-isolation: its setup.py imports torch from this venv; the
      # overlay on PYTHONPATH gives it pkg_resources (see requirements/build.txt).
      "$PY" -m pip install --no-input --target "$BUILD/overlay" -r "$REQ/build.txt" >&2
      export PYTHONPATH="$BUILD/overlay${PYTHONPATH:+:$PYTHONPATH}"
      "$PY" -m pip download --no-deps --no-binary :all: --no-build-isolation \
        -d "$BUILD" "$MMCV_SPEC" >&2
      tar -xzf "$BUILD"/mmcv-"$MMCV_VERSION".tar.gz -C "$BUILD"
      SRC="$BUILD/mmcv-$MMCV_VERSION"
      # mmcv 2.0.1 hard-codes -std=c++14; torch 2.13's headers need C++17, 2.14's C++20.
      CXX_STD="$("$PY" -c 'import torch; v = tuple(int(x) for x in torch.__version__.split("+")[0].split(".")[:2]); print("c++20" if v >= (2, 14) else "c++17")')"
      grep -q -- '-std=c++14' "$SRC/setup.py" || { log "mmcv setup.py no longer has -std=c++14: check the build"; exit 1; }
      sed -i "s/-std=c++14/-std=$CXX_STD/g" "$SRC/setup.py"
      MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
        "$PY" -m pip wheel --no-deps --no-build-isolation -w "$BUILD/dist" "$SRC" >&2
      # Write then rename: an interrupted build never leaves a half wheel in the cache.
      mkdir -p "$WHEEL_DIR"
      WHEEL="$(ls "$BUILD"/dist/mmcv-*.whl)"
      cp "$WHEEL" "$WHEEL_DIR/.partial"
      mv "$WHEEL_DIR/.partial" "$WHEEL_DIR/$(basename "$WHEEL")"
    )
  else
    log "reusing cached $(ls "$WHEEL_DIR"/mmcv-*.whl)"
  fi
  "${PIP[@]}" --no-deps --force-reinstall "$WHEEL_DIR"/mmcv-*.whl
fi
# mmcv's own dependencies, which --no-deps skipped (the wheel was built without
# opencv-python-headless, so it requires opencv-python).
"${PIP[@]}" addict opencv-python packaging Pillow pyyaml yapf

log "installing the OpenMMLab stack and hexa_mm"
"${PIP[@]}" -r "$REQ/mmcv.txt" -r "$REQ/runtime.txt" -r "$REQ/optional.txt" \
  -r "$REQ/tests.txt"
"${PIP[@]}" --no-deps --no-build-isolation -e "$ROOT"
# Every installed distribution's requirements hold (hexa_mm's ranges included).
"$PY" -m pip check

# Proves the stack imports together (and runs hexa_mm's version check).
"$PY" -c 'import hexa_mm, mmcv.ops, mmdet.models, mmpretrain.models, mmselfsup.models; print("hexa_mm stack OK")'
date > "$STAMP"
log "done: $VENV"
