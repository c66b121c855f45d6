"""OnlineLinearProbeHook: a probe that learns, is logged, and leaves the
pre-training exactly as it was."""
import os.path as osp

import pytest
import torch
from mmengine.hooks import Hook

from hexa_mm.engine.hooks import OnlineLinearProbeHook
from knn_reference import digits_features
from tool_runs import digits_runner


class RecordBackboneGrads(Hook):
    """Every gradient the backbone's parameters receive, as it arrives."""

    def __init__(self):
        self.grads = []

    def before_train(self, runner):
        for name, param in runner.model.backbone.named_parameters():
            param.register_hook(
                lambda grad, name=name: self.grads.append(
                    (name, grad.detach().clone())))


def _probe(runner):
    return next(h for h in runner.hooks
                if isinstance(h, OnlineLinearProbeHook))


def _run(config, work_dir, digits_root, enabled, name):
    runner = digits_runner(config, work_dir, digits_root, name=name)
    _probe(runner).enabled = enabled
    record = RecordBackboneGrads()
    runner.register_hook(record)
    runner.train()
    return runner, record.grads


def test_probe_learns_logs_and_leaves_backbone_gradients_alone(
        tmp_path, digits_root):
    # (The DeepCluster family runs the probe in the demo's test.)
    config = 'mocov2_r18_digits.py'
    with_probe, grads = _run(config, tmp_path / 'on', digits_root, True, 'on')
    without, grads_off = _run(config, tmp_path / 'off', digits_root, False,
                              'off')
    # Identical gradients, every parameter, every backward of both epochs.
    assert len(grads) == len(grads_off) > 0
    for (name, got), (_, want) in zip(grads, grads_off):
        assert torch.equal(got, want), name
    for (key, got), want in zip(with_probe.model.state_dict().items(),
                                without.model.state_dict().values()):
        assert torch.equal(got, want), key

    probe = _probe(with_probe)
    assert [e for e, _ in probe.history] == [1, 2]
    # The last figure is the classifier's top-1 on the 500 validation digits,
    # their features computed here without hexa_mm.evaluation. (8 steps of 8
    # images say little; that the probe learns is the next test's.)
    feats, labels = digits_features(with_probe.model, digits_root, 'val')
    probe.classifier.eval()
    with torch.no_grad():
        pred = probe.classifier(torch.from_numpy(feats).float()).argmax(1)
    assert len(labels) == 500
    assert probe.history[-1][1] == pytest.approx(
        100. * (pred.numpy() == labels).mean(), abs=1e-4)
    scalars = with_probe.message_hub.log_scalars
    assert scalars['train/online_linear_top1'].current() == \
        probe.history[-1][1]
    assert 'train/online_linear_loss' in scalars
    assert _probe(without).history == []
    assert 'train/online_linear_top1' not in without.message_hub.log_scalars

    # Its state rides in the checkpoint and comes back on resume.
    ckpt = torch.load(osp.join(with_probe.work_dir, 'epoch_2.pth'),
                      map_location='cpu', weights_only=False)
    saved = ckpt[OnlineLinearProbeHook.CHECKPOINT_KEY]
    assert [tuple(h) for h in saved['history']] == probe.history
    fresh = OnlineLinearProbeHook(val_dataset={}, num_classes=10, seed=1)
    fresh.after_load_checkpoint(None, ckpt)
    assert fresh.history == probe.history
    fresh._build(probe.classifier[1].in_features, torch.device('cpu'))
    for key, value in probe.classifier.state_dict().items():
        assert torch.equal(fresh.classifier.state_dict()[key], value), key
    assert torch.equal(
        fresh.optimizer.state_dict()['state'][0]['momentum_buffer'],
        probe.optimizer.state_dict()['state'][0]['momentum_buffer'])


def test_probe_learns_the_digits_from_a_random_backbone(digits_root):
    from mmselfsup.registry import MODELS

    from conftest import tiny_moco_cfg
    from hexa_mm.datasets import DIGITS_EVAL_PIPELINE
    from hexa_mm.evaluation import sequential_loader
    torch.manual_seed(0)
    model = MODELS.build(tiny_moco_cfg())
    model.init_weights()
    split = dict(type='DigitsDataset', data_root=digits_root,
                 pipeline=DIGITS_EVAL_PIPELINE)
    hook = OnlineLinearProbeHook(val_dataset=dict(split, split='val'),
                                 num_classes=10)
    train = sequential_loader(dict(split, split='train'), batch_size=32)
    for _ in range(2):
        for batch in train:
            hook.train_step(model, batch)
    # A random conv net's features already hold the digits (README: kNN
    # 66% for the digits backbone); the probe must find that.
    assert hook.evaluate(model) > 50


def test_probe_without_labels_names_the_pipeline_fix(digits_root):
    from mmselfsup.registry import MODELS

    from conftest import tiny_moco_cfg, uint8_batch
    model = MODELS.build(tiny_moco_cfg())
    hook = OnlineLinearProbeHook(val_dataset={}, num_classes=10)
    with pytest.raises(KeyError, match="algorithm_keys=\\['gt_label'"):
        hook.train_step(model, uint8_batch(n=4))
    with pytest.raises(ValueError, match='num_classes=1'):
        OnlineLinearProbeHook(val_dataset={}, num_classes=1)
