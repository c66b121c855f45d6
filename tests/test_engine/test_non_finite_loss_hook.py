import hashlib
import os.path as osp

import pytest
from mmengine.hooks import Hook

from hexa_mm.engine.hooks import NonFiniteLossError
from tool_runs import digits_runner


class PoisonAdversarialTerm(Hook):
    """From epoch 2 on, the adversarial term's weight is NaN; records the
    digest of the last good checkpoint as the NaN iteration starts."""

    def __init__(self, good):
        self.good = good
        self.digest_before_nan = None

    def before_train_epoch(self, runner):
        if runner.epoch == 1:
            runner.model.w_adv = float('nan')
            self.digest_before_nan = digest(self.good)


def digest(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_nan_term_stops_with_its_name_and_keeps_the_good_checkpoint(
        tmp_path, digits_root):
    # A checkpoint after every iteration: the hook must stop the run before
    # the checkpoint hook of the NaN iteration (5, the first of epoch 2).
    runner = digits_runner(
        'hexa_moco_r18_digits.py', tmp_path, digits_root, name='nan', **{
            'default_hooks.checkpoint.by_epoch': False,
            'default_hooks.checkpoint.interval': 1,
            'default_hooks.checkpoint.max_keep_ckpts': 10,
        })
    good = tmp_path / 'iter_4.pth'
    poison = PoisonAdversarialTerm(good)
    runner.register_hook(poison)
    with pytest.raises(NonFiniteLossError,
                       match=r'non-finite loss at iteration 5 \(epoch 2\): '
                       r'loss=nan, loss_adv=nan'):
        runner.train()
    saved = sorted(p.name for p in tmp_path.glob('*.pth'))
    assert saved == [f'iter_{i}.pth' for i in (1, 2, 3, 4)]
    with open(tmp_path / 'last_checkpoint') as f:
        assert f.read().strip() == str(good)
    # Iteration 4's checkpoint is bit for bit what it was before iteration 5.
    assert poison.digest_before_nan is not None
    assert digest(good) == poison.digest_before_nan
    assert osp.isfile(good)
