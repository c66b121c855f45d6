import hashlib
import os.path as osp

import pytest
from mmengine.hooks import Hook

from hexa_mm.engine.hooks import NonFiniteLossError
from tool_runs import digits_runner


class PoisonAdversarialTerm(Hook):
    """From epoch 2 on, the adversarial term's weight is NaN."""

    def before_train_epoch(self, runner):
        if runner.epoch == 1:
            runner.model.w_adv = float('nan')


def digest(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_nan_term_stops_with_its_name_and_keeps_the_good_checkpoint(
        tmp_path, digits_root):
    runner = digits_runner('hexa_moco_r18_digits.py', tmp_path, digits_root,
                           name='nan')
    runner.cfg.default_hooks.checkpoint.interval = 1
    runner.register_hook(PoisonAdversarialTerm())
    good = tmp_path / 'epoch_1.pth'
    with pytest.raises(NonFiniteLossError,
                       match=r'non-finite loss at iteration 5 \(epoch 2\): '
                       r'loss=nan, loss_adv=nan'):
        runner.train()
    assert osp.isfile(good)
    before = digest(good)
    assert not osp.exists(tmp_path / 'epoch_2.pth')
    with open(tmp_path / 'last_checkpoint') as f:
        assert f.read().strip() == str(good)
    assert digest(good) == before
