"""Work-arounds for known bugs and limits of the stack, each applied once.

Each function names the bug, the versions it was checked against, and what it
patches; ``tests/test_compat.py`` checks that the patched upstream members are
still there (a release that renames one fails there, not in a run).
"""
import importlib
import importlib.util
import logging
import os
import sys
from typing import NoReturn

from .atomic_io import atomic_write_bytes


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
            loc for loc in reg._locations if module_exists(loc)
        ]


def module_exists(name: str) -> bool:
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
    if not module_exists('mmdet') or not module_exists('mmpretrain'):
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


def _shut_down_loader_workers_after_each_run() -> None:
    """Bug: torch (<= 2.14.1) stops persistent loader workers 5 s late.

    MMEngine's Runner (0.11.0rc3) never closes its data loaders: the workers of
    a loader with ``persistent_workers=True`` (MMSelfSup's, MMPretrain's and
    MMDetection's configs) are stopped when the loader's iterator is garbage
    collected. The Runner sits in reference cycles, so that happens in a
    ``gc`` pass, and there each worker's join waits out torch's full 5 s
    status-check interval before the worker exits (pytorch/pytorch#81794;
    on a 2-core CPU machine: 10 s per loader of 2 workers, at every
    ``tools/train.py`` / ``tools/test.py`` exit or the next Runner's data set
    build; 0.05 s when stopped directly). After ``Runner.train``, ``val`` and
    ``test`` (returned or raised), stop the workers of the
    Runner's built loops instead: a later run of the same Runner starts new
    ones.
    """
    from mmengine.runner import Runner

    from .private_api import shut_down_loader_workers

    def release_loaders(runner) -> None:
        for name in ('_train_loop', '_val_loop', '_test_loop'):
            loader = getattr(getattr(runner, name, None), 'dataloader', None)
            if loader is not None:
                shut_down_loader_workers(loader)

    def releasing(run):

        def patched(self, *args, **kwargs):
            try:
                return run(self, *args, **kwargs)
            finally:
                release_loaders(self)

        patched.__wrapped__ = run
        return patched

    for name in ('train', 'val', 'test'):
        setattr(Runner, name, releasing(getattr(Runner, name)))


def _format_each_config_once() -> None:
    """Limit: mmengine (<= 0.11.0rc3) formats one config with yapf many times.

    ``Config.pretty_text`` runs yapf's ``FormatCode`` (0.43.0) over the
    whole config text at every call, and a Runner calls it four times as it
    starts (the logged config, ``dump_config``, the visualizer's copy, the
    message hub's) and again for every checkpoint it saves: 2-3 s a call for
    MMDetection's configs on one core, more than the steps of a short run.
    The result is a pure function of the text and the style: remember the
    last few.
    """
    import functools

    from yapf.yapflib import yapf_api
    format_code = yapf_api.FormatCode

    @functools.lru_cache(maxsize=16)
    def format_once(source, style, options):
        if isinstance(style, tuple):
            style = dict(style)
        return format_code(source, style_config=style, **dict(options))

    def patched(unformatted_source, style_config=None, **options):
        style = (tuple(sorted(style_config.items()))
                 if isinstance(style_config, dict) else style_config)
        return format_once(unformatted_source, style,
                           tuple(sorted(options.items())))

    patched.__wrapped__ = format_code
    patched.cache_info = format_once.cache_info
    yapf_api.FormatCode = patched


def _copy_datasets_with_a_fresh_memo() -> None:
    """Bug: mmengine (<= 0.11.0rc3) ``BaseDataset._copy_without_annotation``
    takes ``memo=dict()``, one memo for every call in the process.

    ``get_subset`` (MMPretrain's semi-supervised and k-shot subsets,
    hexa_mm's ``LabelSubset``) copies the data set through it, so a second
    subset gets the first one's copies of every attribute (two subsets, one
    pipeline object), and once a copied data set is freed, its id, which the
    memo holds without keeping the object alive, can come back as a new
    transform's, whose "copy" is then the old data set: a second run in one
    process failed at random with ``'ImageNet' object is not callable`` in
    its pipeline. Give every call its own memo.
    """
    from mmengine.dataset import BaseDataset
    copy_without_annotation = BaseDataset._copy_without_annotation

    def patched(self, memo=None):
        return copy_without_annotation(self, {} if memo is None else memo)

    patched.__wrapped__ = copy_without_annotation
    BaseDataset._copy_without_annotation = patched


def _name_each_runners_visualizer_after_its_run() -> None:
    """Bug: every Runner of a process after the first writes its
    ``vis_data`` into the first one's folder (mmengine <= 0.11.0rc3).

    MMSelfSup's, MMPretrain's and MMDetection's default runtimes name the
    visualizer ``'visualizer'``, and mmengine keeps one visualizer per name:
    ``Runner.build_visualizer`` gets the first Runner's back, with its
    ``save_dir``. A process that runs one config after another
    (``quality.py run``, ``tools/demo.py``, the test suite) put each later
    run's ``config.py`` and ``scalars.json`` in the first run's folder, and
    failed once that folder was gone. Name it after the Runner's
    experiment, as mmengine does for a config that names none.
    """
    from mmengine.runner import Runner
    build_visualizer = Runner.build_visualizer

    def patched(self, visualizer=None):
        if isinstance(visualizer, dict):
            visualizer = dict(visualizer, name=self.experiment_name)
        return build_visualizer(self, visualizer)

    patched.__wrapped__ = build_visualizer
    Runner.build_visualizer = patched


def launched_worker() -> bool:
    """Whether torchrun, MMEngine's Slurm or MPI set-up made this process a
    rank (each sets ``WORLD_SIZE``)."""
    return 'WORLD_SIZE' in os.environ


def exit_launched_worker() -> NoReturn:
    """Bug: a gloo rank can abort at interpreter exit after a run that
    succeeded (torch 2.14.1, CPU).

    ``terminate called without an active exception`` (SIGABRT) ended one rank
    of ``tools/dist_train.sh ... 2`` now and then (in ``tests/test_tools/
    test_train.py``'s resumed 2-process run, the last checkpoint written and
    the process group already destroyed). torchrun then stops the other rank
    and reports the run as failed. Gloo's C++ threads hold objects that are
    freed only while the interpreter finalises, when freeing them aborts
    (pytorch/pytorch#179291: an atexit fix, proposed 2026-04 and abandoned).
    A rank whose work is done and saved has nothing left to finalise: flush
    what the interpreter would flush (logging, stdout, stderr) and leave with
    ``os._exit(0)``, before finalisation begins.
    """
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(0)


#: What ``import hexa_mm`` changes in the upstream stack: fixes of bugs
#: that any process meets which builds hexa_mm's configs or saves its
#: checkpoints (the list, with the bug each one fixes: docs/compat.md).
IMPORT_FIXES = (
    # First: looking up mmselfsup.engine.runner imports mmselfsup.models.
    _import_mmselfsup_models_beside_mmpretrain,
    _drop_missing_registry_locations,
    _drop_scope_from_collate_fn,
    _write_checkpoints_atomically,
    _copy_datasets_with_a_fresh_memo,
    _name_each_runners_visualizer_after_its_run,
)
#: Switched on by the tools (``hexa_mm.utils.run_cli``) and the test suite
#: only, by :func:`apply_conveniences`: DDP code launched on CPUs, and the
#: seconds a process would lose at its start and exit.
CONVENIENCES = (
    _init_dist_pytorch_without_cuda,
    _sync_batch_norm_over_gloo,
    _shut_down_loader_workers_after_each_run,
    _format_each_config_once,
)
_applied = set()


def _apply_once(patches) -> None:
    for patch in patches:
        if patch not in _applied:
            patch()
            _applied.add(patch)


def apply_workarounds() -> None:
    """Apply :data:`IMPORT_FIXES` (once; ``import hexa_mm`` calls it)."""
    _apply_once(IMPORT_FIXES)


def apply_conveniences() -> None:
    """Apply :data:`CONVENIENCES` (once): the tools and the tests call it."""
    _apply_once(CONVENIENCES)


def applied() -> list:
    """The names of the patches applied in this process, in order."""
    return [patch.__name__ for patch in IMPORT_FIXES + CONVENIENCES
            if patch in _applied]
