"""The one place where hexa_mm checks the OpenMMLab stack and works around its bugs.

``hexa_mm/__init__.py`` imports this module first. It

1. checks every installed version against the range hexa_mm is tested with and
   reports *all* mismatches in one :class:`IncompatibleStackError`;
2. applies the work-arounds for the stack's known bugs, each named below.

No other file of hexa_mm patches upstream code: add a new work-around here, with a
comment that names the bug and the versions it affects.
"""
import importlib
import importlib.util
from importlib import metadata
from typing import Callable, Dict, List, Mapping, Optional, Tuple

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

#: distribution name -> (specifier, why that range). ``required`` entries must be
#: installed; ``optional`` ones (downstream evaluation) are checked when present.
REQUIRED: Dict[str, Tuple[str, str]] = {
    'torch': ('>=2.0', 'MMEngine 0.11 and torch.compile-era APIs'),
    'mmengine': ('>=0.11.0rc3',
                 '0.10.x calls torch.load without weights_only, so resume and '
                 'load_from fail with torch >= 2.6'),
    'mmcv': ('>=2.0.0,<2.1.0',
             'mmselfsup 1.0.0 asserts mmcv < 2.1.0 (and mmdet 3.3 < 2.2.0)'),
    'mmcls': ('>=1.0.0rc6,<1.1.0', 'mmselfsup 1.0.0 imports mmcls, not mmpretrain'),
    'mmselfsup': ('>=1.0.0,<1.1.0', 'hexa_mm subclasses its MoCo and registries'),
    'mmpretrain': ('>=1.2.0,<1.3.0',
                   'hexa_mm uses its CutMix box; downstream evaluation'),
    'numpy': ('<2',
              'with numpy 2, mmcv 2.0.1 adjust_hue (ColorJitter) raises '
              'OverflowError on uint8'),
}
OPTIONAL: Dict[str, Tuple[str, str]] = {
    'mmdet': ('>=3.3.0,<3.4.0', 'detection transfer'),
}


class IncompatibleStackError(ImportError):
    """The installed OpenMMLab stack is not one hexa_mm works with."""


def _installed_version(dist: str) -> Optional[str]:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def find_version_problems(
    installed: Callable[[str], Optional[str]] = _installed_version,
    required: Mapping[str, Tuple[str, str]] = REQUIRED,
    optional: Mapping[str, Tuple[str, str]] = OPTIONAL,
) -> List[str]:
    """Return one line per package whose installed version is out of range.

    Args:
        installed: Maps a distribution name to its installed version, or None
            when it is not installed.
        required: Packages that must be installed, with their ranges.
        optional: Packages checked only when installed.

    Returns:
        list[str]: Human-readable problems; empty when the stack is fine.
    """
    problems = []
    for table, must_exist in ((required, True), (optional, False)):
        for dist, (spec, why) in table.items():
            found = installed(dist)
            if found is None:
                if must_exist:
                    problems.append(f'{dist}: not installed, need {spec} ({why})')
                continue
            try:
                # Local build tags (torch 2.14.1+cu130) do not matter here.
                ok = Version(found.split('+')[0]) in SpecifierSet(
                    spec, prereleases=True)
            except InvalidVersion:
                ok = False
            if not ok:
                problems.append(f'{dist}: found {found}, need {spec} ({why})')
    return problems


def check_versions(
    installed: Callable[[str], Optional[str]] = _installed_version) -> None:
    """Raise one :class:`IncompatibleStackError` listing every mismatch."""
    problems = find_version_problems(installed)
    if problems:
        raise IncompatibleStackError(
            'hexa_mm cannot run on the installed OpenMMLab stack:\n  - ' +
            '\n  - '.join(problems) +
            '\nRun `make env` (tools/install_env.sh) to install the tested '
            'versions pinned in requirements/.')


def _drop_missing_registry_locations() -> None:
    """Bug: mmselfsup 1.0.0 names a module its wheel does not contain.

    mmselfsup.registry's RUNNERS, RUNNER_CONSTRUCTORS and LOOPS list
    ``mmselfsup.engine.runner`` as their import location. MMEngine >= 0.10 imports
    every location on first use, so building a train loop with
    ``default_scope='mmselfsup'`` raises ModuleNotFoundError. The location holds
    nothing (those registries only inherit MMEngine's), so drop it.
    """
    from mmselfsup import registry
    for reg in (registry.RUNNERS, registry.RUNNER_CONSTRUCTORS,
                registry.LOOPS):
        reg._locations = [
            loc for loc in reg._locations if _module_exists(loc)
        ]


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def _import_mmselfsup_models_beside_mmpretrain() -> None:
    """Bug: mmselfsup 1.0.0 and mmpretrain 1.2.0 both register ResLayerExtraNorm.

    Both define the same ``ResLayerExtraNorm`` (an mmdet ResLayer with an extra
    norm) and register it into *mmdet's* MODELS. mmdet 3.3 imports mmpretrain when it
    is installed, so with all three installed ``import mmselfsup.models`` raises
    ``KeyError: 'ResLayerExtraNorm is already registered in model'``. Import
    mmpretrain's first, then let mmselfsup's (identical) class take the name.
    """
    if not _module_exists('mmdet') or not _module_exists('mmpretrain'):
        importlib.import_module('mmselfsup.models')
        return
    import mmpretrain.models  # noqa: F401  registers its ResLayerExtraNorm
    from mmdet.registry import MODELS as MMDET_MODELS
    MMDET_MODELS._module_dict.pop('ResLayerExtraNorm', None)
    importlib.import_module('mmselfsup.models')


def _drop_scope_from_collate_fn() -> None:
    """Bug: mmengine (0.10.x - 0.11.0rc3) hands ``_scope_`` to the collate function.

    A config that inherits another package's (``_base_ = 'mmselfsup::...'``) gets
    ``_scope_='mmselfsup'`` in every dict with a ``type``. ``Runner.build_dataloader``
    pops only ``type`` from ``collate_fn`` and binds the rest as keyword arguments,
    so ``default_collate()`` raises ``TypeError: unexpected keyword argument
    '_scope_'``. Drop the key before the Runner sees it.
    """
    from mmengine.runner import Runner
    build_dataloader = Runner.build_dataloader  # a staticmethod

    def patched(dataloader, *args, **kwargs):
        if isinstance(dataloader, dict) and isinstance(
                dataloader.get('collate_fn'), dict):
            dataloader = dict(dataloader)
            dataloader['collate_fn'] = {
                k: v
                for k, v in dataloader['collate_fn'].items() if k != '_scope_'
            }
        return build_dataloader(dataloader, *args, **kwargs)

    patched.__wrapped__ = build_dataloader
    Runner.build_dataloader = staticmethod(patched)


def _init_dist_pytorch_without_cuda() -> None:
    """Bug: mmengine (<= 0.11.0rc3) cannot launch with torchrun on a CPU machine.

    ``mmengine.dist.utils._init_dist_pytorch`` calls
    ``torch.cuda.set_device(local_rank)`` before ``init_process_group`` whatever
    the backend, so a ``gloo`` run on a machine without GPUs dies with
    ``RuntimeError: Found no NVIDIA driver``. Without CUDA, skip that call.
    """
    import torch
    import torch.distributed as torch_dist
    from mmengine.dist import utils as dist_utils
    init_dist_pytorch = dist_utils._init_dist_pytorch

    def patched(backend, init_backend='torch', **kwargs):
        if torch.cuda.is_available() or init_backend != 'torch':
            return init_dist_pytorch(
                backend, init_backend=init_backend, **kwargs)
        torch_dist.init_process_group(backend=backend, **kwargs)

    patched.__wrapped__ = init_dist_pytorch
    dist_utils._init_dist_pytorch = patched


def _write_checkpoints_atomically() -> None:
    """Bug: mmengine (<= 0.11.0rc3) writes checkpoints in place.

    ``save_checkpoint`` hands the serialised bytes to ``LocalBackend.put``, which
    opens the destination with ``'wb'`` and writes: a job killed (pre-empted,
    out of disk) while saving leaves a truncated ``epoch_N.pth``, and a
    truncated ``last_checkpoint`` that resume would follow. Write through a
    temporary file and a rename instead.
    """
    from mmengine.fileio.backends import LocalBackend

    from .utils.atomic_io import atomic_write_bytes
    put = LocalBackend.put

    def atomic_put(self, obj: bytes, filepath) -> None:
        atomic_write_bytes(obj, filepath)

    atomic_put.__wrapped__ = put
    LocalBackend.put = atomic_put


def _sync_batch_norm_over_gloo() -> None:
    """Limit: torch (<= 2.14) runs ``nn.SyncBatchNorm`` on CUDA tensors only.

    Its forward refuses CPU tensors once a process group exists ("SyncBatchNorm
    expected input tensor to be on GPU"), and its kernels
    (``aten::batch_norm_stats``) have no CPU implementation, so the configs'
    ``norm_cfg=dict(type='SyncBN')`` cannot run in a CPU ``gloo`` launch, the
    way DDP code is tested here. For CPU inputs in training mode with more
    than one process, normalise with the statistics of the global batch
    instead: per-channel sums all-reduced with autograd
    (``torch.distributed.nn.all_reduce``, whose backward all-reduces the
    gradient), which is what the CUDA kernels compute. CUDA inputs, eval mode
    and single-process runs keep torch's own path. ``DistributedDataParallel``
    refuses a CPU module holding SyncBatchNorm for the same reason
    (``_passing_sync_batchnorm_handle``, a check and nothing else): skip that
    check for CPU modules.
    """
    import torch
    import torch.distributed as torch_dist
    from torch import nn
    forward = nn.SyncBatchNorm.forward

    def global_batch_norm(bn, x):
        from torch.distributed.nn import all_reduce
        group = bn.process_group or torch_dist.group.WORLD
        dims = [0] + list(range(2, x.dim()))
        count = torch.tensor([x.numel() / x.size(1)], dtype=x.dtype)
        total, sums, squares = all_reduce(
            torch.cat([count, x.sum(dims), (x * x).sum(dims)]),
            group=group).split([1, x.size(1), x.size(1)])
        mean = sums / total
        var = squares / total - mean * mean
        if bn.track_running_stats:
            with torch.no_grad():
                momentum = bn.momentum
                if momentum is None:  # cumulative moving average
                    bn.num_batches_tracked.add_(1)
                    momentum = 1.0 / float(bn.num_batches_tracked)
                else:
                    bn.num_batches_tracked.add_(1)
                unbiased = var * (total / (total - 1).clamp(min=1))
                bn.running_mean.lerp_(mean.detach(), momentum)
                bn.running_var.lerp_(unbiased.detach(), momentum)
        shape = [1, -1] + [1] * (x.dim() - 2)
        out = (x - mean.view(shape)) * torch.rsqrt(var.view(shape) + bn.eps)
        if bn.affine:
            out = out * bn.weight.view(shape) + bn.bias.view(shape)
        return out

    def patched(self, input):
        if (input.device.type == 'cpu' and self.training
                and torch_dist.is_available() and torch_dist.is_initialized()
                and torch_dist.get_world_size(self.process_group
                                              or torch_dist.group.WORLD) > 1):
            self._check_input_dim(input)
            return global_batch_norm(self, input)
        return forward(self, input)

    patched.__wrapped__ = forward
    nn.SyncBatchNorm.forward = patched

    ddp = nn.parallel.DistributedDataParallel
    check = ddp._passing_sync_batchnorm_handle

    def check_unless_cpu(self, module):
        if self.device_type != 'cpu':
            check(self, module)

    check_unless_cpu.__wrapped__ = check
    ddp._passing_sync_batchnorm_handle = check_unless_cpu


_applied = False


def apply_workarounds() -> None:
    """Apply every work-around once (idempotent)."""
    global _applied
    if _applied:
        return
    # First: looking up mmselfsup.engine.runner imports mmselfsup.models.
    _import_mmselfsup_models_beside_mmpretrain()
    _drop_missing_registry_locations()
    _drop_scope_from_collate_fn()
    _init_dist_pytorch_without_cuda()
    _write_checkpoints_atomically()
    _sync_batch_norm_over_gloo()
    _applied = True


check_versions()
apply_workarounds()
#: MMDetection is optional (OPTIONAL above): detection transfer registers only
#: when it is installed.
HAS_MMDET = _module_exists('mmdet')


def torchvision_hsv_conversions() -> Tuple[Callable, Callable]:
    """torchvision's batched RGB <-> HSV conversions (``(..., 3, H, W)``
    float tensors in [0, 1]).

    Limitation, torchvision <= 0.29: the public ``adjust_hue`` takes one hue
    factor per call, so a batch whose samples each have their own factor would
    need one call per sample; the conversions it is built on are batched but
    private (``transforms.v2.functional._color``). BatchColorJitter shifts
    each sample's hue between the two.
    """
    from torchvision.transforms.v2.functional import _color
    return _color._rgb_to_hsv, _color._hsv_to_rgb
