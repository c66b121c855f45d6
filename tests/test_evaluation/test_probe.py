import math

import pytest
import torch

from conftest import tiny_moco_cfg
from hexa_mm.evaluation import build_probe_model, probe_split_cfg


def first_conv(model):
    return model.backbone.conv1.weight


def test_random_init_is_the_modules_init_cfg_unless_pytorch_is_asked():
    torch.manual_seed(0)
    ours = build_probe_model(tiny_moco_cfg())
    torch.manual_seed(0)
    default = build_probe_model(tiny_moco_cfg(), random_init='pytorch')
    # ResNet's init_cfg: Kaiming normal, fan_out, std sqrt(2 / fan_out);
    # PyTorch's default (kaiming_uniform, a=sqrt(5)) is about 3x narrower.
    w = first_conv(ours)
    fan_out = w.shape[0] * w.shape[2] * w.shape[3]
    assert w.std().item() == pytest.approx(math.sqrt(2 / fan_out), rel=0.15)
    assert first_conv(default).std() < 0.7 * w.std()
    assert not torch.equal(first_conv(default), w)


def test_checkpoint_is_loaded_strictly_and_checked(tmp_path):
    torch.manual_seed(1)
    source = build_probe_model(tiny_moco_cfg())
    ckpt = tmp_path / 'ckpt.pth'
    torch.save(dict(state_dict=source.state_dict()), ckpt)
    torch.manual_seed(2)
    loaded = build_probe_model(tiny_moco_cfg(), str(ckpt))
    for key, value in source.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        build_probe_model(tiny_moco_cfg(), str(tmp_path / 'missing.pth'))
    with pytest.raises(ValueError, match="random_init 'xavier'"):
        build_probe_model(tiny_moco_cfg(), random_init='xavier')


def test_split_cfg_names_a_bad_dataset():
    assert probe_split_cfg('digits', 'd', 'val')['split'] == 'val'
    assert probe_split_cfg('imagenet', 'i', 'train')['ann_file'] == \
        'meta/train.txt'
    with pytest.raises(ValueError, match="dataset 'cifar'"):
        probe_split_cfg('cifar', 'c', 'train')
