"""The one place where hexa_mm meets the OpenMMLab stack's versions, bugs and
internals.

``hexa_mm/__init__.py`` imports this package first. It

1. checks every installed version against the range hexa_mm is tested with
   and reports *all* mismatches in one :class:`IncompatibleStackError`
   (:mod:`.versions`);
2. applies the fixes of the stack's known bugs that every user needs
   (:data:`IMPORT_FIXES`, each named in :mod:`.workarounds` and listed in
   docs/compat.md); the conveniences for CPU launches and short processes
   (:data:`CONVENIENCES`) wait for :func:`apply_conveniences`, which the
   tools and the tests call;
3. holds the one accessor of each upstream private member or global state
   that hexa_mm uses, with the version it was checked against
   (:mod:`.private_api`).

No other file of hexa_mm patches upstream code or reads its private members:
add a new work-around or accessor here, with a comment that names the bug or
the member and the versions it was checked against, and a test in
``tests/test_compat.py``. This package is the ground floor: it imports
nothing of hexa_mm outside it (``tests/test_layering.py``).
"""
from .atomic_io import atomic_write_bytes
from .private_api import (CHECKED_AGAINST, backward_uncounted,
                          batch_norm_base, check_batch_norm_input, normalizes,
                          numpy_global_random_state, run_forward,
                          runner_resumes, set_metainfo,
                          shut_down_loader_workers, torch_dispatch_mode,
                          torchvision_hsv_conversions)
from .versions import (OPTIONAL, REQUIRED, IncompatibleStackError,
                       check_versions, find_version_problems)
from .workarounds import (CONVENIENCES, IMPORT_FIXES, applied,
                          apply_conveniences, apply_workarounds,
                          exit_launched_worker, launched_worker,
                          module_exists)

check_versions()
apply_workarounds()
#: MMDetection is optional (OPTIONAL): detection transfer registers only when
#: it is installed.
HAS_MMDET = module_exists('mmdet')

__all__ = [
    'CHECKED_AGAINST', 'CONVENIENCES', 'HAS_MMDET', 'IMPORT_FIXES',
    'IncompatibleStackError', 'OPTIONAL', 'REQUIRED', 'applied',
    'apply_conveniences', 'apply_workarounds', 'atomic_write_bytes',
    'backward_uncounted', 'batch_norm_base', 'check_batch_norm_input',
    'check_versions', 'exit_launched_worker', 'find_version_problems',
    'launched_worker', 'module_exists', 'normalizes',
    'numpy_global_random_state', 'run_forward', 'runner_resumes',
    'set_metainfo', 'shut_down_loader_workers', 'torch_dispatch_mode',
    'torchvision_hsv_conversions'
]
