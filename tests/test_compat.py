import importlib

import pytest
import torch

from hexa_mm import compat


def test_all_openmmlab_libraries_import_together():
    for name in ('mmcv.ops', 'mmcls.models', 'mmselfsup.models',
                 'mmpretrain.models', 'mmdet.models', 'hexa_mm'):
        importlib.import_module(name)
    from mmcv.ops import nms, RoIAlign  # noqa: F401  compiled ops for mmdet


def test_installed_stack_passes_the_version_check():
    assert compat.find_version_problems() == []


def test_version_check_reports_every_mismatch_in_one_message():
    fake = {
        'torch': '2.14.1+cu130',
        'mmengine': '0.10.7',
        'mmcv': '2.1.0',
        'mmcls': '1.0.0rc6',
        'mmselfsup': None,
        'numpy': '2.1.0',
        'mmpretrain': '1.2.0',
        'mmdet': None,  # optional: absent is fine
    }
    with pytest.raises(compat.IncompatibleStackError) as info:
        compat.check_versions(fake.get)
    message = str(info.value)
    assert 'mmengine: found 0.10.7, need >=0.11.0rc3' in message
    assert 'torch.load' in message  # says why
    assert 'mmcv: found 2.1.0, need >=2.0.0,<2.1.0' in message
    assert 'mmselfsup: not installed' in message
    assert 'numpy: found 2.1.0, need <2' in message
    assert '  - torch' not in message  # 2.14.1+cu130 is fine
    assert '  - mmdet' not in message and '  - mmcls' not in message
    assert len(message.strip().split('\n  - ')) == 1 + 4


def test_registry_location_workaround_lets_mmselfsup_build_loops():
    from mmselfsup.registry import LOOPS, RUNNERS
    assert 'mmselfsup.engine.runner' not in LOOPS._locations
    assert LOOPS.get('EpochBasedTrainLoop') is not None
    assert RUNNERS.get('Runner') is not None


def test_res_layer_extra_norm_is_registered_once_in_mmdet():
    from mmdet.registry import MODELS
    cls = MODELS.get('ResLayerExtraNorm')
    assert cls is not None
    assert cls.__module__.startswith('mmselfsup')


def test_no_other_module_patches_upstream_registries():
    """Work-arounds live in hexa_mm/compat/ only."""
    import pathlib
    compat_dir = pathlib.Path(compat.__file__).parent
    offenders = [
        str(p) for p in compat_dir.parent.rglob('*.py')
        if compat_dir not in p.parents and (
            '_module_dict' in p.read_text() or '_locations' in p.read_text())
    ]
    assert offenders == []


def test_hexa_mm_modules_are_in_mmselfsup_registries():
    from mmselfsup.registry import DATASETS, MODELS
    for name in ('HEXAMoCo', 'AdversarialGenerator', 'CutMixGenerator',
                 'SoftContrastiveHead'):
        assert MODELS.get(name) is not None, name
    assert DATASETS.get('DigitsDataset') is not None


def test_runner_builds_a_dataloader_from_a_cross_package_config(digits_root):
    """mmselfsup:: bases put _scope_ into collate_fn; the Runner must cope."""
    from mmengine.config import Config
    from mmengine.runner import Runner
    from conftest import ROOT
    cfg = Config.fromfile(f'{ROOT}/configs/mocov2_r18_digits.py')
    loader_cfg = cfg.train_dataloader
    assert loader_cfg.collate_fn.get('_scope_') == 'mmselfsup'
    loader_cfg.dataset.data_root = digits_root
    loader_cfg.num_workers = 0
    loader_cfg.persistent_workers = False
    loader_cfg.batch_size = 4
    batch = next(iter(Runner.build_dataloader(loader_cfg.to_dict(), seed=0)))
    assert len(batch['inputs']) == 2 and batch['inputs'][0].shape[0] == 4


def _sync_bn_worker(rank, out_dir):
    import os

    import torch
    import torch.distributed as dist

    import hexa_mm  # noqa: F401  applies the work-arounds in the child
    torch.manual_seed(0)
    bn = torch.nn.SyncBatchNorm(3, momentum=0.3)
    with torch.no_grad():
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-1, 1)
    # Uneven batches: 3 and 2 samples.
    g = torch.Generator().manual_seed(rank)
    x = (torch.randn(3 - rank, 3, 4, 5, generator=g) * 2 + 1).requires_grad_()
    y = bn(x)
    (y * torch.arange(y.numel()).view_as(y).sin()).sum().backward()
    grads = [bn.weight.grad.clone(), bn.bias.grad.clone()]
    for grad in grads:
        dist.all_reduce(grad)
    torch.save(
        dict(x=x.detach(), y=y.detach(), x_grad=x.grad, w_grad=grads[0],
             b_grad=grads[1], mean=bn.running_mean, var=bn.running_var,
             tracked=bn.num_batches_tracked),
        os.path.join(out_dir, f'{rank}.pth'))


def test_sync_batch_norm_runs_on_cpu_over_gloo_with_global_statistics(
        tmp_path):
    """torch's SyncBatchNorm has CUDA kernels only; compat's CPU path gives
    what one BatchNorm over the concatenated batch gives: outputs, input and
    parameter gradients, running statistics."""
    from gloo import run_in_gloo_processes
    run_in_gloo_processes(_sync_bn_worker, str(tmp_path))
    ranks = [torch.load(tmp_path / f'{r}.pth') for r in (0, 1)]
    torch.manual_seed(0)
    bn = torch.nn.BatchNorm2d(3, momentum=0.3)
    with torch.no_grad():
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-1, 1)
    x = torch.cat([r['x'] for r in ranks]).requires_grad_()
    y = bn(x)
    weights = torch.cat([
        torch.arange(r['y'].numel()).view_as(r['y']).sin() for r in ranks])
    (y * weights).sum().backward()
    got_y = torch.cat([r['y'] for r in ranks])
    got_x_grad = torch.cat([r['x_grad'] for r in ranks])
    torch.testing.assert_close(got_y, y.detach(), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(got_x_grad, x.grad, atol=1e-5, rtol=1e-5)
    for r in ranks:
        torch.testing.assert_close(r['w_grad'], bn.weight.grad)
        torch.testing.assert_close(r['b_grad'], bn.bias.grad)
        torch.testing.assert_close(r['mean'], bn.running_mean)
        torch.testing.assert_close(r['var'], bn.running_var)
        assert int(r['tracked']) == 1


def test_sync_batch_norm_workaround_wraps_what_torch_still_has():
    """The two torch members the CPU SyncBN work-around replaces exist and
    are wrapped (a torch that renames them fails here, not in a run)."""
    from torch import nn
    assert nn.SyncBatchNorm.forward.__wrapped__.__name__ == 'forward'
    check = nn.parallel.DistributedDataParallel._passing_sync_batchnorm_handle
    assert check.__wrapped__.__name__ == '_passing_sync_batchnorm_handle'


def test_runner_stops_its_persistent_loader_workers_after_each_run(tmp_path):
    """pytorch/pytorch#81794: once ``Runner.train`` / ``test`` returns (or
    raises), the workers of its loaders are stopped, not left for a gc pass
    that waits 5 s a worker."""
    from mmengine.hooks import Hook
    from mmengine.model import BaseModel
    from mmengine.runner import Runner
    from torch import nn

    class Toy(BaseModel):

        def __init__(self):
            super().__init__()
            self.layer = nn.Linear(1, 1)

        def forward(self, inputs, data_samples=None, mode='tensor'):
            out = self.layer(inputs.float().view(-1, 1))
            if mode == 'loss':
                return dict(loss=out.mean())
            return [dict(pred=o) for o in out]

    class Workers(Hook):
        """The worker processes of each loader the run iterated."""

        def __init__(self, fail=False):
            self.workers, self.fail = [], fail

        def _record(self, runner, loader):
            self.workers += list(loader._iterator._workers)
            if self.fail:
                raise KeyboardInterrupt

        def after_train_epoch(self, runner):
            self._record(runner, runner.train_dataloader)

        def after_test_epoch(self, runner, metrics=None):
            self._record(runner, runner.test_dataloader)

    class Nothing:  # an evaluator that scores nothing

        def process(self, *args, **kwargs):
            pass

        def evaluate(self, size):
            return {}

    loader = dict(dataset=[dict(inputs=float(i)) for i in range(4)],
                  batch_size=2, num_workers=2,
                  persistent_workers=True,
                  sampler=dict(type='DefaultSampler', shuffle=False),
                  collate_fn=dict(type='default_collate'))
    for fail in (False, True):
        hook = Workers(fail)
        runner = Runner(
            model=Toy(), work_dir=str(tmp_path / str(fail)),
            experiment_name=f'workers_{fail}', train_dataloader=loader,
            optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
            train_cfg=dict(by_epoch=True, max_epochs=1),
            test_dataloader=loader, test_cfg=dict(), test_evaluator=Nothing(),
            custom_hooks=[hook], default_hooks=dict(checkpoint=None))
        if fail:
            with pytest.raises(KeyboardInterrupt):
                runner.train()
        else:
            runner.train()
            runner.test()
        assert len(hook.workers) == (2 if fail else 4)
        assert not any(w.is_alive() for w in hook.workers)


def test_a_config_is_formatted_once_and_as_yapf_formats_it():
    """MMEngine's ``pretty_text`` calls yapf at every call: the work-around
    remembers the result, which stays yapf's own and follows the config."""
    from mmengine.config import Config
    from yapf.yapflib import yapf_api
    cfg = Config(dict(model=dict(type='MoCo', queue_len=65536), lr=0.03))
    before = yapf_api.FormatCode.cache_info()
    text = cfg.pretty_text
    assert yapf_api.FormatCode.cache_info().misses == before.misses + 1
    assert cfg.pretty_text == text
    assert yapf_api.FormatCode.cache_info().hits == before.hits + 1
    raw = text.replace('\n', ' ')
    assert 'queue_len=65536' in raw
    cfg.model.queue_len = 4096
    assert 'queue_len=4096' in cfg.pretty_text
    assert yapf_api.FormatCode.cache_info().misses == before.misses + 2
    # The remembered text is what yapf itself makes of the same source.
    source = "x = dict(  a = 1,b=[ 1,2 ])\n"
    style = dict(based_on_style='pep8', column_limit=79)
    assert (yapf_api.FormatCode(source, style_config=style) ==
            yapf_api.FormatCode.__wrapped__(source, style_config=style))


def test_each_dataset_subset_gets_its_own_copies():
    """MMEngine's ``get_subset`` copied every data set with one deepcopy memo
    per process: a second subset shared the first one's pipeline, and a run
    that built subsets twice in one process (``--resume`` after a run) found
    an old data set in its pipeline. The work-around gives each copy its
    own memo."""
    from mmengine.dataset import BaseDataset

    class Listed(BaseDataset):

        def load_data_list(self):
            return [dict(img_path=f'{i}.png') for i in range(4)]

    full = Listed(pipeline=[lambda results: results], serialize_data=False)
    first, second = full.get_subset([0]), full.get_subset([1, 2])
    assert [len(first), len(second)] == [1, 2]
    assert first.pipeline is not second.pipeline
    assert first.pipeline.transforms is not second.pipeline.transforms
    assert first.pipeline is not full.pipeline


def test_each_runner_of_a_process_writes_into_its_own_folder(
        tmp_path, digits_root):
    """MMSelfSup's default runtime names its visualizer ``'visualizer'`` and
    mmengine keeps one per name: without the work-around, the second
    Runner of a process wrote its ``vis_data`` (here its ``config.py``,
    written as the Runner is built) into the first one's folder."""
    import os.path as osp
    from tool_runs import digits_runner
    runners = [
        digits_runner('mocov2_r18_digits.py', tmp_path / name, digits_root,
                      name=name) for name in ('first', 'second')
    ]
    for runner in runners:
        assert osp.isfile(osp.join(runner.log_dir, 'vis_data', 'config.py'))
    assert runners[0].visualizer is not runners[1].visualizer


IMPORT_CHANGES = '''
import json, sys
import torch
from mmengine.fileio.backends import LocalBackend
from mmengine.runner import Runner
from yapf.yapflib import yapf_api
import hexa_mm
def patched():
    return dict(
        checkpoints=hasattr(LocalBackend.put, '__wrapped__'),
        visualizer=hasattr(Runner.build_visualizer, '__wrapped__'),
        runner_train=hasattr(Runner.train, '__wrapped__'),
        yapf=hasattr(yapf_api.FormatCode, '__wrapped__'),
        sync_bn=hasattr(torch.nn.SyncBatchNorm.forward, '__wrapped__'))
before, names = patched(), hexa_mm.compat.applied()
hexa_mm.compat.apply_conveniences()
print(json.dumps(dict(imported=before, names=names, after=patched(),
                      all_names=hexa_mm.compat.applied())))
'''


def test_import_changes_the_listed_fixes_only(tmp_path):
    """``import hexa_mm`` in a fresh process applies the import fixes and
    nothing else; the conveniences wait for ``apply_conveniences``; every
    one of them is in docs/compat.md's list."""
    import json
    import os.path as osp
    import subprocess
    import sys
    from tool_runs import ROOT
    proc = subprocess.run([sys.executable, '-c', IMPORT_CHANGES],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    seen = json.loads(proc.stdout.splitlines()[-1])
    assert seen['imported'] == dict(checkpoints=True, visualizer=True,
                                    runner_train=False,
                                    yapf=False, sync_bn=False)
    assert set(seen['after'].values()) == {True}
    assert seen['names'] == [p.__name__ for p in compat.IMPORT_FIXES]
    assert seen['all_names'] == [
        p.__name__ for p in compat.IMPORT_FIXES + compat.CONVENIENCES]
    with open(osp.join(ROOT, 'docs', 'compat.md')) as f:
        page = f.read()
    for patch in compat.IMPORT_FIXES + compat.CONVENIENCES:
        assert f'`{patch.__name__}`' in page, patch.__name__


def test_mmcv_lite_counts_as_mmcv(monkeypatch):
    """mmcv-lite (mmcv without compiled ops, what a machine that only
    pre-trains carries) is checked as the mmcv it is."""
    from hexa_mm.compat import versions
    real = versions.metadata.version

    def version(name):
        if name == 'mmcv':
            raise versions.metadata.PackageNotFoundError(name)
        return '2.0.1' if name == 'mmcv-lite' else real(name)

    monkeypatch.setattr(versions.metadata, 'version', version)
    assert versions._installed_version('mmcv') == '2.0.1'
    assert versions.find_version_problems() == []
