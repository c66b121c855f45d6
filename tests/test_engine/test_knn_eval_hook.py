import copy

import pytest

from hexa_mm.datasets import DIGITS_EVAL_PIPELINE
from hexa_mm.engine.hooks import KNNEvalHook
from tool_runs import digits_runner


def split(digits_root, name, n):
    return dict(
        type='DigitsDataset',
        data_root=digits_root,
        split=name,
        indices=n,
        pipeline=copy.deepcopy(DIGITS_EVAL_PIPELINE))


def test_knn_accuracy_is_logged_every_epoch(tmp_path, digits_root):
    runner = digits_runner('mocov2_r18_digits.py', tmp_path, digits_root,
                           name='knn')
    hook = KNNEvalHook(split(digits_root, 'train', 300),
                       split(digits_root, 'val', 100), k=20, batch_size=64)
    runner.register_hook(hook)
    runner.train()
    assert [epoch for epoch, _ in hook.history] == [1, 2]
    for _, top1 in hook.history:
        # Ten classes: chance is 10%; even barely trained features do far better.
        assert 40 < top1 <= 100
    assert runner.message_hub.get_scalar('train/knn_top1').current() == \
        pytest.approx(hook.history[-1][1])


def test_unindexed_samples_are_explained(tmp_path, digits_root):
    runner = digits_runner('mocov2_r18_digits.py', tmp_path, digits_root,
                           name='knn_bad')
    bad = split(digits_root, 'val', 10)
    bad['pipeline'][-1]['algorithm_keys'] = ['gt_label']
    hook = KNNEvalHook(bad, bad, k=5)
    with pytest.raises(KeyError, match="algorithm_keys=\\['gt_label', "
                       "'sample_idx'\\]"):
        hook.evaluate(runner)
