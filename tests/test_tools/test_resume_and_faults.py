"""Reliability of tools/train.py: pre-emption, checkpoints, bad configs."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
from mmengine.config import Config

from conftest import HELPERS, ROOT
from tool_runs import run_tool, tiny_digits_options, train_tool
TRAIN = osp.join(ROOT, 'tools', 'train.py')


def wrapper_config(tmp_path, base, extra_hooks):
    """A config that inherits ``base`` and adds the test hooks to its own."""
    base = osp.join(ROOT, 'configs', base)
    hooks = Config.fromfile(base).to_dict()['custom_hooks'] + extra_hooks
    path = tmp_path / f'{len(extra_hooks)}_hooks_{osp.basename(base)}'
    path.write_text(
        f"_base_ = '{base}'\n"
        "custom_imports = dict(imports=['hexa_mm', 'crash_hooks'], "
        'allow_failed_imports=False)\n'
        f'custom_hooks = {hooks!r}\n')
    return str(path)


def losses(work_dir):
    with open(osp.join(work_dir, 'losses.jsonl')) as f:
        return {row['iter']: row for row in map(json.loads, f)}


@pytest.mark.parametrize('base', ['hexa_moco_r18_digits.py',
                                  'hexa_dcluster_r18_digits.py'])
def test_sigkill_mid_epoch_then_resume_matches_the_uninterrupted_run(
        base, tmp_path, digits_root):
    """32 images / 8 = 4 iterations an epoch, 3 epochs; killed at iteration 6
    (mid epoch 2), resumed from epoch 1's checkpoint: iterations 5-12 match."""
    family = 'moco' if 'moco' in base else 'dcluster'
    options = tiny_digits_options(digits_root, family, **{
        'train_cfg.max_epochs': 3,
        'param_scheduler.0.T_max': 3,
        'param_scheduler.0.end': 3,
    })
    env = {'PYTHONPATH': HELPERS}
    ref_dir, cut_dir = tmp_path / 'ref', tmp_path / 'cut'
    run_tool([sys.executable, TRAIN,
              wrapper_config(tmp_path, base, [dict(type='RecordLossHook')]),
              '--work-dir', str(ref_dir), '--cfg-options', *options],
             cwd=tmp_path, env=env)
    killed = subprocess.run(
        [sys.executable, TRAIN,
         wrapper_config(tmp_path, base, [
             dict(type='RecordLossHook'),
             dict(type='KillAtIterHook', at_iter=6)
         ]), '--work-dir', str(cut_dir), '--cfg-options', *options],
        cwd=tmp_path, capture_output=True, text=True,
        env={**os.environ, **env, 'OMP_NUM_THREADS': '1'})
    assert killed.returncode == -9  # SIGKILL
    assert max(losses(cut_dir)) == 6
    run_tool([sys.executable, TRAIN,
              wrapper_config(tmp_path, base, [dict(type='RecordLossHook')]),
              '--work-dir', str(cut_dir), '--resume', '--cfg-options',
              *options], cwd=tmp_path, env=env)
    ref = losses(ref_dir)
    # The file now holds the killed run's 1-6, then the resumed run's 5-12.
    with open(cut_dir / 'losses.jsonl') as f:
        rows = [json.loads(line) for line in f]
    resumed = {row['iter']: row for row in rows[6:]}
    assert sorted(resumed) == list(range(5, 13))
    for it in range(5, 13):
        assert resumed[it]['loss'] == ref[it]['loss'], it


def test_resume_without_checkpoint_stops_unless_asked(tmp_path, digits_root):
    work_dir = tmp_path / 'empty'
    proc = subprocess.run(
        [sys.executable, TRAIN,
         osp.join(ROOT, 'configs', 'mocov2_r18_digits.py'), '--work-dir',
         str(work_dir), '--resume', '--cfg-options',
         *tiny_digits_options(digits_root)],
        cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode != 0
    assert f'no checkpoint in {work_dir}' in proc.stderr
    out = run_tool([
        sys.executable, TRAIN,
        osp.join(ROOT, 'configs', 'mocov2_r18_digits.py'), '--work-dir',
        str(work_dir), '--resume', '--fresh-if-no-checkpoint',
        '--cfg-options', *tiny_digits_options(
            digits_root, **{'train_cfg.max_epochs': 1})
    ], cwd=tmp_path)
    assert osp.isfile(work_dir / 'epoch_1.pth'), out[-2000:]


def test_resume_follows_what_last_checkpoint_names(tmp_path):
    """MMEngine's pointer, which hexa_mm writes atomically with every
    checkpoint; a pointer to a file that is gone is an error naming both."""
    from hexa_mm.utils import MissingCheckpointError
    work = tmp_path / 'w'
    assert train_tool.latest_checkpoint(str(work)) is None
    work.mkdir()
    (work / 'epoch_1.pth').write_bytes(b'1')
    (work / 'epoch_2.pth').write_bytes(b'2')
    assert train_tool.latest_checkpoint(str(work)) is None
    (work / 'last_checkpoint').write_text(str(work / 'epoch_1.pth'))
    assert train_tool.latest_checkpoint(str(work)) == str(work / 'epoch_1.pth')
    (work / 'last_checkpoint').write_text(str(work / 'epoch_3.pth'))
    with pytest.raises(MissingCheckpointError, match='epoch_3.pth'):
        train_tool.latest_checkpoint(str(work))
