#!/usr/bin/env bash
# The GPU check on a lent machine (docs/gpu_check.md), in two steps:
#
#   tools/benchmarks/gpu_check.sh download
#       here, where pip reaches the package index: the wheels the lent machine
#       lacks, for its Python 3.12 on x86-64, into .whl/ (git-ignored)
#   tools/benchmarks/gpu_check.sh run [tools/benchmarks/gpu_check.py options]
#       there, from the repository root, .whl/ carried: installs the wheels
#       into /tmp/site, checks that the stack imports, runs the check under a
#       time limit and leaves gpu_check.{md,json,log} in $OUT
#
# Environment: WHEELS (.whl), SITE (/tmp/site), OUT (results), PYTHON
# (python3), LIMIT (seconds the check may run, 480: inside the device's
# 10-minute command limit with the install and a margin), PY_VERSION (3.12:
# the lent machine's, for download).
set -euo pipefail
cd "$(dirname "$0")/../.."

WHEELS=${WHEELS:-.whl}
SITE=${SITE:-/tmp/site}
PYTHON=${PYTHON:-python3}
LIMIT=${LIMIT:-480}

# The lent machine has Python 3.12, torch 2.11, torchvision, scikit-learn,
# matplotlib, OpenCV, PyYAML, rich, einops, ... (the device tool's KINDS.md),
# with numpy 2 and a SciPy that needs it. It lacks: the pure-Python OpenMMLab
# stack (mmcv-lite: mmcv without compiled ops, which pre-training never calls),
# what that stack needs beyond the image (addict, yapf and platformdirs,
# termcolor, modelindex and model-index with ordered-set, mat4py, future,
# importlib-metadata and lazy-importer), and numpy < 2 (hexa_mm's import-time
# check: mmcv 2.0.1's hue jitter, which --cpu-augment runs, overflows with
# numpy 2) with a SciPy built for it (SciPy 1.18 needs numpy 2; scikit-learn,
# which MMSelfSup imports, imports SciPy).
PACKAGES=(
  mmcv-lite==2.0.1 mmengine==0.11.0rc3 mmcls==1.0.0rc6 mmselfsup==1.0.0
  mmpretrain==1.2.0
  addict==2.4.0 yapf==0.43.0 platformdirs==4.14.9 termcolor==3.3.0
  modelindex==0.0.2 model-index==0.1.11 ordered-set==4.1.0 mat4py==0.6.0
  future==1.0.0 importlib-metadata==10.2.0 lazy-importer==0.1.0
  numpy==1.26.4 scipy==1.17.1
)

die() {
  echo "gpu_check.sh: error: $*" >&2
  exit 2
}

download() {
  local version=${PY_VERSION:-3.12}
  mkdir -p "$WHEELS"
  "$PYTHON" -m pip download --no-deps --only-binary=:all: \
    --python-version "$version" --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    --platform manylinux1_x86_64 -d "$WHEELS" "${PACKAGES[@]}"
  # Two versions of one distribution stop the whole install there.
  local twice
  twice=$(for w in "$WHEELS"/*.whl; do basename "$w" | cut -d- -f1; done |
    tr 'A-Z_.' 'a-z--' | sort | uniq -d)
  [ -z "$twice" ] || die "$WHEELS holds two versions of: $twice; remove one"
  ls -l "$WHEELS"
  du -ch "$WHEELS"/*.whl | tail -1
}

run() {
  local out=${OUT:-results}
  compgen -G "$WHEELS/*.whl" >/dev/null ||
    die "no wheel in $WHEELS: run '$0 download' where pip reaches the" \
      "package index, and carry $WHEELS"
  "$PYTHON" -m pip install -q --no-index --no-deps --no-compile \
    --no-cache-dir --upgrade --target "$SITE" "$WHEELS"/*.whl
  export PYTHONPATH="$SITE:$PWD${PYTHONPATH:+:$PYTHONPATH}"
  export PYTHONUNBUFFERED=1
  if ! "$PYTHON" -c 'import distutils.errors' 2>/dev/null; then
    # MMEngine's Runner imports distutils (collect_env), gone from Python
    # 3.12; setuptools provides it once imported.
    mkdir -p "$SITE/_distutils_shim"
    echo 'import setuptools' >"$SITE/_distutils_shim/sitecustomize.py"
    export PYTHONPATH="$SITE/_distutils_shim:$PYTHONPATH"
  fi
  mkdir -p "$out"
  # Every import the check needs, before any time goes into it.
  "$PYTHON" - <<'EOF' 2>&1 | tee "$out/gpu_check.log"
import importlib
import platform
names = ['numpy', 'scipy', 'sklearn', 'cv2', 'matplotlib', 'torch',
         'torchvision', 'mmcv', 'mmengine', 'mmcls', 'mmselfsup',
         'mmpretrain']
versions = {n: importlib.import_module(n).__version__ for n in names}
import distutils.errors  # noqa: F401  MMEngine's Runner needs it
import hexa_mm  # noqa: F401  its version check, every registration
import torch
print('python', platform.python_version(), versions, flush=True)
print('cuda', torch.cuda.is_available(),
      torch.cuda.get_device_name() if torch.cuda.is_available() else '')
EOF
  local status=0
  timeout --kill-after=20 "$LIMIT" "$PYTHON" tools/benchmarks/gpu_check.py \
    --out "$out/gpu_check" "$@" 2>&1 | tee -a "$out/gpu_check.log" ||
    status=$?
  [ "$status" -ne 124 ] || echo "gpu_check.sh: stopped after ${LIMIT} s;" \
    "$out/gpu_check.md holds the runs done" >&2
  return "$status"
}

case "${1:-}" in
  download) download ;;
  run) shift; run "$@" ;;
  *) die "usage: $0 download | run [gpu_check.py options]" ;;
esac
