"""A ``Pretrained`` backbone init is checked against its checkpoint before
training: MMEngine only warns when nothing of it loads."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from tool_runs import CONFIGS, train_tool
from hexa_mm.utils import (check_pretrained_backbone, extract_backbone,
                           save_backbone)
from mmselfsup.registry import MODELS

LINEAR = osp.join(CONFIGS, 'benchmarks/classification/digits/'
                  'resnet18_linear-1xb64-steplr-200i_digits.py')


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory):
    """A whole MoCo-v2 digits checkpoint and its extracted backbone."""
    tmp = tmp_path_factory.mktemp('ckpt')
    model = MODELS.build(
        Config.fromfile(osp.join(CONFIGS, 'mocov2_r18_digits.py')).model)
    whole = str(tmp / 'epoch_25.pth')
    torch.save(dict(meta=dict(epoch=25), state_dict=model.state_dict()),
               whole)
    backbone = str(tmp / 'backbone.pth')
    save_backbone(extract_backbone(whole), backbone)
    return whole, backbone


def linear_cfg(**init):
    cfg = Config.fromfile(LINEAR)
    cfg.model.backbone.init_cfg = dict(type='Pretrained', **init)
    return cfg


def test_the_extracted_backbone_or_a_prefixed_whole_checkpoint_fits(
        checkpoints):
    whole, backbone = checkpoints
    check_pretrained_backbone(linear_cfg(checkpoint=backbone))
    check_pretrained_backbone(linear_cfg(checkpoint=whole, prefix='backbone'))
    # Not a Pretrained init, or a URL: nothing to check here.
    check_pretrained_backbone(Config.fromfile(LINEAR))
    check_pretrained_backbone(
        linear_cfg(checkpoint='https://example.invalid/r18.pth'))


def test_a_whole_checkpoint_without_prefix_is_refused_with_the_fix(
        checkpoints):
    whole, _ = checkpoints
    with pytest.raises(ValueError) as error:
        check_pretrained_backbone(linear_cfg(checkpoint=whole))
    message = str(error.value)
    assert message.startswith(
        f'model.backbone.init_cfg.checkpoint: {whole} does not fit')
    assert 'backbone keys missing from it' in message
    assert 'backbone. (' in message and 'encoder_k. (' in message
    assert "prefix='backbone.'" in message
    assert 'extract_backbone_weights.py' in message


def test_other_shapes_and_a_missing_file_are_named(checkpoints, tmp_path):
    _, backbone = checkpoints
    cfg = linear_cfg(checkpoint=backbone)
    cfg.model.backbone.base_channels = 8
    with pytest.raises(ValueError, match=r'shapes differ .*conv1\.weight: '
                       r'\(8, 16, 3, 3\) vs \(16, 16, 3, 3\)'):
        check_pretrained_backbone(cfg)
    missing = str(tmp_path / 'nope.pth')
    with pytest.raises(FileNotFoundError,
                       match=f'init_cfg.checkpoint: {missing} does not exist'):
        check_pretrained_backbone(linear_cfg(checkpoint=missing))


def test_train_tool_checks_before_the_runner_starts(checkpoints, tmp_path):
    whole, _ = checkpoints
    args = train_tool.parse_args([
        LINEAR, '--work-dir',
        str(tmp_path / 'work'), '--cfg-options',
        'model.backbone.init_cfg.type=Pretrained',
        f'model.backbone.init_cfg.checkpoint={whole}'
    ])
    with pytest.raises(ValueError, match='does not fit model.backbone'):
        train_tool.build_cfg(args)
    assert not (tmp_path / 'work').exists()
