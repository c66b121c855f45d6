"""A HEXA run and its baseline's run at one seed are paired: they start from
bit-identical weights and see the same batches in the same order, so that a
paired comparison over seeds compares the methods and nothing else."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.hooks import Hook

from tool_runs import CONFIGS, ROOT, train_tool

#: Every HEXA config of the embedded sets, with its baseline's config.
PAIRS = sorted(
    (osp.basename(path),
     ('mocov2' if 'hexa_moco' in path else 'deepclusterv2') + '_r18_' +
     osp.basename(path).rsplit('_r18_', 1)[1])
    for path in glob.glob(osp.join(CONFIGS, 'hexa_*_r18_*.py')))


class Stop(Exception):
    """Ends a run once the hook has seen what it needs."""


class RecordStart(Hook):
    """The model's weights as training starts, and with ``iters`` the
    batches of the first iterations (their first view), then stops."""

    priority = 'HIGHEST'  # before DeepClusterV2Hook's filling pass

    def __init__(self, iters=0):
        self.iters, self.state, self.batches = iters, None, []

    def before_train(self, runner):
        self.state = {
            k: v.clone()
            for k, v in runner.model.state_dict().items()
            if not k.startswith(('cutmix.', 'adversarial.'))
        }
        if not self.iters:
            raise Stop

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.batches.append((
            [s.img_path for s in data_batch['data_samples']],
            data_batch['inputs'][0].clone()))

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if len(self.batches) == self.iters:
            raise Stop


def start_of_run(config, work_dir, data_root, iters=0, options=()):
    """What ``tools/train.py CONFIG`` starts from at the config's own seed:
    its weights and the first ``iters`` batches."""
    args = [osp.join(CONFIGS, config), '--work-dir', str(work_dir),
            '--cfg-options', f'train_dataloader.dataset.data_root={data_root}',
            'train_dataloader.num_workers=0', *options]
    cfg = train_tool.build_cfg(train_tool.parse_args(args))
    cfg.experiment_name = f'paired_{osp.basename(str(work_dir))}'
    for hook in cfg.get('custom_hooks', []):
        if 'val_dataset' in hook:
            hook.val_dataset.data_root = data_root
    from mmengine.runner import Runner
    runner = Runner.from_cfg(cfg)
    record = RecordStart(iters)
    runner.register_hook(record)
    with pytest.raises(Stop):
        runner.train()
    return record


def test_every_embedded_hexa_config_has_a_baseline_pair():
    assert len(PAIRS) >= 8
    for hexa, baseline in PAIRS:
        assert osp.isfile(osp.join(CONFIGS, baseline)), (hexa, baseline)


@pytest.mark.parametrize('hexa, baseline', PAIRS)
def test_hexa_and_baseline_start_from_identical_weights(
        hexa, baseline, tmp_path, request):
    """Every parameter and buffer that the baseline has, bit for bit, once
    the Runner has initialised the weights at the config's seed (the
    generators' own draws come from their own random state)."""
    dataset = baseline.rsplit('_r18_', 1)[1][:-3]
    data_root = request.getfixturevalue(f'{dataset}_root')
    base = start_of_run(baseline, tmp_path / 'base', data_root).state
    ours = start_of_run(hexa, tmp_path / 'hexa', data_root).state
    assert set(base) <= set(ours)
    assert any(k.startswith('backbone.') for k in base)
    for key, value in base.items():
        assert torch.equal(ours[key], value), key


def test_the_first_epoch_sees_the_same_batches(tmp_path, digits_root):
    """HEXA-MoCo draws its cut-mix boxes and pairs from its own generator:
    MoCo-v2's data order and augmentations, batch for batch."""
    options = ['train_dataloader.dataset.indices=32',
               'train_dataloader.batch_size=8', 'model.queue_len=64']
    runs = [
        start_of_run(config, tmp_path / config, digits_root, iters=4,
                     options=options)
        for config in ('mocov2_r18_digits.py', 'hexa_moco_r18_digits.py')
    ]
    assert len(runs[0].batches) == len(runs[1].batches) == 4
    for (paths, views), (their_paths, their_views) in zip(runs[0].batches,
                                                          runs[1].batches):
        assert paths == their_paths
        assert torch.equal(views, their_views)
    assert osp.isdir(ROOT)
