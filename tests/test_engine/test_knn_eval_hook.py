import copy
import json
import os.path as osp
from types import SimpleNamespace

import pytest
import torch

from conftest import tiny_moco_cfg
from gloo import run_in_gloo_processes
from hexa_mm.datasets import DIGITS_EVAL_PIPELINE
from hexa_mm.engine.hooks import KNNEvalHook
from knn_reference import reference_knn_top1
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
    # The last figure is the kNN of the trained backbone, computed here.
    assert hook.history[-1][1] == pytest.approx(
        reference_knn_top1(runner.model, digits_root, k=20, temperature=0.1,
                           train_indices=300, val_indices=100, batch_size=64),
        abs=1e-3)


def test_unindexed_samples_are_explained(tmp_path, digits_root):
    runner = digits_runner('mocov2_r18_digits.py', tmp_path, digits_root,
                           name='knn_bad')
    bad = split(digits_root, 'val', 10)
    bad['pipeline'][-1]['algorithm_keys'] = ['gt_label']
    hook = KNNEvalHook(bad, bad, k=5)
    with pytest.raises(KeyError, match="algorithm_keys=\\['gt_label', "
                       "'sample_idx'\\]"):
        hook.evaluate(runner)


#: Uneven on purpose: 2 ranks hold 19 and 18 training samples, 11 and 10
#: validation samples (the sampler pads the shorter rank).
TRAIN_N, VAL_N = 37, 21


def _tiny_model():
    from mmselfsup.registry import MODELS
    torch.manual_seed(7)
    return MODELS.build(tiny_moco_cfg(queue_len=64))


def _hook_after_one_epoch(digits_root, model):
    from mmengine.logging import MessageHub, MMLogger
    hook = KNNEvalHook(split(digits_root, 'train', TRAIN_N),
                       split(digits_root, 'val', VAL_N), k=5, batch_size=8)
    hub = MessageHub.get_instance('knn_eval_hook_test')
    runner = SimpleNamespace(model=model, seed=0, epoch=0, message_hub=hub,
                             logger=MMLogger.get_current_instance())
    hook.after_train_epoch(runner)
    return hook.history, hub.get_scalar('train/knn_top1').current()


def _ddp_worker(rank, digits_root, out_dir):
    from mmengine.model import MMDistributedDataParallel
    model = MMDistributedDataParallel(module=_tiny_model(), device_ids=None)
    history, logged = _hook_after_one_epoch(digits_root, model)
    with open(osp.join(out_dir, f'rank{rank}.json'), 'w') as f:
        json.dump(dict(history=history, logged=logged), f)


@pytest.mark.timeout(300)
def test_two_processes_give_the_one_process_figure(tmp_path, digits_root):
    """Under DDP each rank embeds its share; the gathered figure is the one
    process's and the kNN computed here from the model's features."""
    model = _tiny_model()
    history, logged = _hook_after_one_epoch(digits_root, model)
    assert len(history) == 1 and history[0][0] == 1
    top1 = history[0][1]
    assert logged == pytest.approx(top1)
    assert top1 == pytest.approx(
        reference_knn_top1(model, digits_root, k=5, temperature=0.1,
                           train_indices=TRAIN_N, val_indices=VAL_N, batch_size=8),
        abs=1e-3)
    run_in_gloo_processes(_ddp_worker, digits_root, str(tmp_path))
    for rank in (0, 1):
        with open(tmp_path / f'rank{rank}.json') as f:
            ddp = json.load(f)
        assert ddp['history'] == [[1, top1]], rank
        assert ddp['logged'] == pytest.approx(top1)
