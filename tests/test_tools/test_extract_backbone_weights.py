import os.path as osp

import pytest
import torch
from mmengine.config import Config

from tool_runs import CONFIGS, load_tool
from mmselfsup.registry import MODELS

extract_tool = load_tool('model_converters/extract_backbone_weights')


def pretraining_checkpoint(tmp_path, config, **overrides):
    """A checkpoint shaped like the Runner's, of the config's ResNet-50."""
    cfg = Config.fromfile(osp.join(CONFIGS, config)).model
    cfg.update(overrides)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    path = tmp_path / f'{config}.pth'
    torch.save(dict(meta=dict(epoch=1), state_dict=model.state_dict()), path)
    return str(path), model


def downstream_resnet50s():
    from mmdet.registry import MODELS as DET_MODELS
    from mmpretrain.registry import MODELS as PRETRAIN_MODELS
    import mmdet.models  # noqa: F401
    return [
        PRETRAIN_MODELS.build(dict(type='ResNet', depth=50)),
        DET_MODELS.build(dict(type='ResNet', depth=50, init_cfg=None)),
    ]


@pytest.mark.parametrize('config,overrides', [
    ('hexa_moco_r50_200e.py', dict(queue_len=64)),
    ('hexa_dcluster_r50_200e.py', dict(num_samples=3000)),
])
def test_backbone_loads_into_mmpretrain_and_mmdet_with_no_missing_key(
        tmp_path, config, overrides):
    if 'dcluster' in config:
        overrides.update(
            backbone=dict(type='ResNet', depth=50, out_indices=[4],
                          norm_cfg=dict(type='BN'), zero_init_residual=True),
            neck=dict(type='SwAVNeck', in_channels=2048, hid_channels=2048,
                      out_channels=128, norm_cfg=dict(type='BN1d')))
    ckpt, model = pretraining_checkpoint(tmp_path, config, **overrides)
    out = str(tmp_path / 'backbone.pth')
    extract_tool.main([ckpt, out])
    saved = torch.load(out, weights_only=True)
    state = saved['state_dict']
    assert not any(k.startswith(('backbone.', 'encoder_k', 'neck', 'head'))
                   for k in state)
    # The query encoder's weights, BN statistics included, bit for bit.
    for key, value in model.backbone.state_dict().items():
        assert torch.equal(state[key], value), key
    for resnet in downstream_resnet50s():
        result = resnet.load_state_dict(state, strict=False)
        assert result.missing_keys == [] and result.unexpected_keys == []


def test_a_wrong_prefix_fails_and_lists_what_is_there(tmp_path):
    ckpt, _ = pretraining_checkpoint(tmp_path, 'mocov2_r50_200e.py',
                                     queue_len=64)
    with pytest.raises(KeyError, match=r"starts with 'module.backbone.'; its "
                       r'prefixes: .*backbone\. \(\d+ keys\)'):
        extract_tool.main([ckpt, str(tmp_path / 'x.pth'), '--prefix',
                           'module.backbone.'])
    assert not osp.exists(tmp_path / 'x.pth')
