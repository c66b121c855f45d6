"""tools/train.py, dist_train.sh and the configs, end to end on CPU."""
import json
import os
import os.path as osp
import shutil
import sys

import pytest
import torch
from mmengine.hooks import Hook

from crash_hooks import Interrupt, InterruptAfterFirstEpoch
from gloo import DIST_TRAIN_ENV
from tool_runs import (CONFIGS, ROOT, digits_runner, load_tool, run_tool,
                       tiny_digits_options)


def scalars(work_dir):
    """The json log lines the Runner wrote."""
    runs = sorted(os.listdir(work_dir))
    lines = []
    for run in runs:
        path = osp.join(work_dir, run, 'vis_data', 'scalars.json')
        if osp.isfile(path):
            with open(path) as f:
                lines += [json.loads(line) for line in f]
    return lines


def test_train_hexa_moco_on_digits_logs_terms_and_hardness(
        tmp_path, digits_root):
    work_dir = tmp_path / 'work'
    out = run_tool([
        sys.executable,
        osp.join(ROOT, 'tools', 'train.py'),
        osp.join(CONFIGS, 'hexa_moco_r18_digits.py'), '--work-dir',
        str(work_dir), '--cfg-options', *tiny_digits_options(
            digits_root, **{'train_cfg.max_epochs': 1})
    ], cwd=tmp_path)
    logs = [line for line in scalars(str(work_dir)) if 'loss' in line]
    assert len(logs) == 4  # 32 images / 8 per batch
    for key in ('loss', 'loss_clean', 'loss_adv', 'loss_mix', 'adv_ratio',
                'mix_ratio', 'mix_lam'):
        assert key in logs[0], key
    assert logs[0]['loss'] == pytest.approx(
        logs[0]['loss_clean'] + logs[0]['loss_adv'] + logs[0]['loss_mix'],
        rel=1e-3)
    assert osp.isfile(work_dir / 'epoch_1.pth')
    assert 'Checkpoint:' in out and 'epoch_1.pth' in out


def dist_train(config, work_dir, digits_root, epochs, resume=False):
    """tools/dist_train.sh on 2 gloo processes, with the config's own
    param_scheduler and loader workers."""
    options = tiny_digits_options(
        digits_root, config, loader_workers=None,
        **{'train_cfg.max_epochs': epochs})
    return run_tool(
        ['bash', osp.join(ROOT, 'tools', 'dist_train.sh'),
         osp.join(CONFIGS, config), '2', '--work-dir', str(work_dir)] +
        (['--resume'] if resume else []) + ['--cfg-options', *options],
        cwd=work_dir.parent,
        env={'PYTHON': sys.executable, **DIST_TRAIN_ENV})


@pytest.mark.parametrize('config',
                         ['hexa_moco_r18_digits.py', 'hexa_dcluster_r18_digits.py'])
def test_dist_train_resume_is_exact_on_two_gloo_processes(
        config, tmp_path, digits_root):
    """README's promise for DDP: 2 epochs in one go, or a run stopped after
    epoch 1 and started again with --resume, give the same epoch_2.pth, bit
    for bit. The stopped run is the first one's state after epoch 1: its
    checkpoint alone in a work directory."""
    straight, cut = tmp_path / 'straight', tmp_path / 'cut'
    out = dist_train(config, straight, digits_root, epochs=2)
    assert 'Distributed launcher: pytorch' in out
    assert "dist_cfg: {'backend': 'gloo'}" in out
    assert 'GPU number: 2' in out  # MMEngine's name for the world size
    cut.mkdir()
    shutil.copy(straight / 'epoch_1.pth', cut / 'epoch_1.pth')
    (cut / 'last_checkpoint').write_text(str(cut / 'epoch_1.pth'))
    out = dist_train(config, cut, digits_root, epochs=2, resume=True)
    assert f'Load checkpoint from {cut / "epoch_1.pth"}' in out
    want = torch.load(straight / 'epoch_2.pth', map_location='cpu',
                      weights_only=False)
    got = torch.load(cut / 'epoch_2.pth', map_location='cpu',
                     weights_only=False)
    # 32 images, 8 per rank and step, 2 ranks: 2 steps an epoch.
    assert got['meta']['iter'] == want['meta']['iter'] == 4
    assert len(got['hexa_random_states']) == 2  # one per rank
    assert set(got['state_dict']) == set(want['state_dict'])
    for key, value in want['state_dict'].items():
        assert torch.equal(got['state_dict'][key], value), key
    assert got['optimizer']['param_groups'] == want['optimizer'][
        'param_groups']
    for index, buffers in want['optimizer']['state'].items():
        for name, value in buffers.items():
            assert torch.equal(got['optimizer']['state'][index][name],
                               value), (index, name)
    state = got['state_dict']
    if 'queue_ptr' in state:
        assert int(state['queue_ptr']) == 0  # 4 steps x 16 keys, queue 64
    else:  # every rank refreshed every row of the shared bank, each epoch
        assert state['bank_refreshes'].tolist() == [2] * 32
        assert (state['assignments'] >= 0).all()


class RecordState(Hook):
    """What a run looks like when epoch 2 (index 1) starts."""

    def __init__(self):
        self.state = None

    def _record(self, runner):
        model = runner.model
        self.state = dict(
            epoch=runner.epoch,
            iter=runner.iter,
            lr=runner.optim_wrapper.get_lr()['lr'][0],
            queue=model.queue.clone(),
            queue_ptr=int(model.queue_ptr),
            conv1=model.backbone.conv1.weight.detach().clone())

    def before_train_epoch(self, runner):
        if runner.epoch == 1 and self.state is None:
            self._record(runner)


@pytest.mark.parametrize('config',
                         ['mocov2_r18_digits.py', 'hexa_moco_r18_digits.py'])
def test_resume_continues_epoch_iteration_lr_and_queue(
        config, tmp_path, digits_root):
    reference = digits_runner(config, tmp_path / 'ref', digits_root, name='ref')
    ref_state = RecordState()
    reference.register_hook(ref_state)
    reference.train()

    interrupted = digits_runner(
        config, tmp_path / 'cut', digits_root, name='cut')
    interrupted.register_hook(InterruptAfterFirstEpoch())
    with pytest.raises(Interrupt):
        interrupted.train()
    assert osp.isfile(tmp_path / 'cut' / 'epoch_1.pth')

    resumed = digits_runner(
        config, tmp_path / 'cut', digits_root, resume='auto', name='resumed')
    state = RecordState()
    resumed.register_hook(state)
    resumed.train()
    got, want = state.state, ref_state.state
    assert got['epoch'] == want['epoch'] == 1
    assert got['iter'] == want['iter'] == 4
    assert got['lr'] == pytest.approx(want['lr'])
    assert got['queue_ptr'] == want['queue_ptr']
    assert torch.equal(got['queue'], want['queue'])
    assert torch.equal(got['conv1'], want['conv1'])
    assert resumed.iter == 8 and resumed.epoch == 2


def test_test_tool_names_a_missing_checkpoint(tmp_path):
    test_tool = load_tool('test')
    missing = str(tmp_path / 'nope.pth')
    with pytest.raises(FileNotFoundError, match=f'checkpoint {missing}'):
        test_tool.main([
            osp.join(CONFIGS, 'mocov2_r18_digits.py'), missing, '--work-dir',
            str(tmp_path)
        ])
