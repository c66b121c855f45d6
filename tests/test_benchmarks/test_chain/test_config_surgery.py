"""hexa_mm.benchmarks.chain.config_surgery: the options a downstream config
needs, read off its config tree."""
import os.path as osp

from mmengine.config import Config
from tool_runs import ROOT

from hexa_mm.benchmarks.chain.catalogue import CLS_DIGITS, DET
from hexa_mm.benchmarks.chain.config_surgery import (flatten,
                                                     forwarded_backbone_options,
                                                     init_options, walk)


def test_random_steps_start_from_the_modules_own_init():
    digits = Config.fromfile(
        osp.join(ROOT, CLS_DIGITS,
                 'resnet18_linear-1xb64-steplr-200i_digits.py'))
    # No init_cfg in the config: the class's own (Kaiming) applies.
    assert init_options(digits, None) == []
    imagenet = Config.fromfile(
        osp.join(ROOT, DET, 'voc0712',
                 'faster-rcnn_r50-c4_ms-24k_voc0712.py'))
    # A Pretrained placeholder can only be dropped from a command line.
    assert init_options(imagenet, None) == [
        'model.backbone.init_cfg=None',
        'model.roi_head.shared_head.init_cfg=None'
    ]


def test_walk_and_flatten_read_one_tree():
    tree = dict(a=dict(b=1, c=[dict(d=2)]), e=3)
    assert [(path, key, value) for path, key, value in walk(tree)] == [
        ('a', 'a', tree['a']), ('a.b', 'b', 1), ('a.c', 'c', [dict(d=2)]),
        ('a.c.0', '0', dict(d=2)), ('a.c.0.d', 'd', 2), ('e', 'e', 3)
    ]
    assert [p for p, _, _ in walk(tree, 'top')][:2] == ['top.a', 'top.a.b']
    # What --cfg-options can set: lists whole.
    assert flatten(tree) == {'a.b': 1, 'a.c': [dict(d=2)], 'e': 3}


def test_forwards_the_architecture_that_differs_from_the_downstream_one():
    down = Config(
        dict(
            default_scope='mmselfsup',
            model=dict(backbone=dict(type='ResNet', depth=18))))
    pretrain = Config(
        dict(
            model=dict(
                backbone=dict(
                    type='ResNet', depth=18, base_channels=8,
                    stem_channels=64, norm_cfg=dict(type='SyncBN')))))
    # depth: set alike; stem_channels: the class's default (64), which the
    # downstream backbone leaves; norm_cfg: the protocol's, never forwarded.
    assert forwarded_backbone_options(pretrain, down) == [
        'model.backbone.base_channels=8'
    ]
    pretrain.model.backbone.stem_channels = 16
    assert forwarded_backbone_options(pretrain, down) == [
        'model.backbone.base_channels=8', 'model.backbone.stem_channels=16'
    ]
    # Another backbone class: nothing to compare with.
    pretrain.model.backbone.type = 'ResNetV1c'
    assert forwarded_backbone_options(pretrain, down) == []
