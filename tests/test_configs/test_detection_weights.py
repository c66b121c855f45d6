"""The detection configs' pre-trained parts: initialised from an extracted
backbone checkpoint tensor for tensor, or a loud stop without one; then one
real batch through the config's own pipeline and ``train_step``."""
import copy

import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.model import revert_sync_batchnorm
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from detection_configs import (ALL, C4, RGB_MEAN, RGB_STD, VOC, build_model,
                               data_root_for, load, with_checkpoint)
from detection_fakes import point_to, small_scales
from hexa_mm.utils.checkpoint import extract_backbone, save_backbone
from mmselfsup.registry import MODELS as SELFSUP_MODELS

# MoCo's extra norm after res5 (Res5ROIHeadsExtraNorm): new, not pre-trained.
EXTRA_NORM = {
    f'norm.{k}'
    for k in ('weight', 'bias', 'running_mean', 'running_var',
              'num_batches_tracked')
}


@pytest.fixture(scope='module')
def backbone_checkpoint(tmp_path_factory):
    """A backbone extracted from a Runner-shaped pre-training checkpoint of
    MMSelfSup's ResNet-50 (the backbone of configs/mocov2_r50_200e.py), every
    tensor random, BN statistics included, so that a tensor that is not loaded
    cannot pass for one that is."""
    root = tmp_path_factory.mktemp('pretrain')
    torch.manual_seed(0)
    resnet = SELFSUP_MODELS.build(
        dict(type='ResNet', depth=50, in_channels=3, out_indices=[4],
             norm_cfg=dict(type='BN')))
    g = torch.Generator().manual_seed(0)
    state = {}
    for key, value in resnet.state_dict().items():
        if not value.is_floating_point():
            state[key] = torch.full_like(value, 7)
        elif key.endswith('running_var'):
            state[key] = torch.rand(value.shape, generator=g) + 0.5
        else:
            state[key] = torch.randn(value.shape, generator=g) * 0.05
    full = {f'backbone.{k}': v for k, v in state.items()}
    full.update({f'encoder_k.0.{k}': v + 1 for k, v in state.items()})
    torch.save(dict(meta=dict(epoch=200), state_dict=full),
               root / 'epoch_200.pth')
    path = root / 'backbone.pth'
    save_backbone(extract_backbone(root / 'epoch_200.pth'), path)
    saved = torch.load(path, weights_only=True)['state_dict']
    assert set(saved) == set(state)
    return str(path), saved


@pytest.mark.parametrize('config', ALL)
def test_unset_checkpoint_stops_loudly(config):
    """No download, no silent random init: without --cfg-options, weight
    initialisation fails, naming the option to set."""
    cfg = load(config)
    parts = [cfg.model.backbone]
    if config in C4:
        parts.append(cfg.model.roi_head.shared_head)
    text = 'model.backbone.init_cfg.checkpoint'
    for part in parts:
        assert part.init_cfg.type == 'Pretrained'
        assert '://' not in part.init_cfg.checkpoint
        module = build_model(part)
        with pytest.raises(FileNotFoundError, match=text):
            module.init_weights()


def assert_rgb_preprocessor(model):
    """The model normalises RGB with the pre-training mean/std: a BGR image
    (as loaded) comes out as (RGB - mean) / std."""
    dp = model.data_preprocessor
    img = torch.randint(0, 256, (3, 32, 32), dtype=torch.uint8)
    out = dp(dict(inputs=[img], data_samples=[DetDataSample()]),
             False)['inputs'][0]
    mean = torch.tensor(RGB_MEAN).view(3, 1, 1)
    std = torch.tensor(RGB_STD).view(3, 1, 1)
    torch.testing.assert_close(out, (img.flip(0).float() - mean) / std)


def initialised_model(config, path):
    """(config, model): the config with the checkpoint ``path`` set as on a
    command line, its SyncBN parts checked, the model built and its weights
    initialised (few RoIs per image, for speed only: the R-CNN heads, res5 for
    C4, dominate the cost of a step)."""
    cfg = with_checkpoint(config, path)
    sync_parts = ['backbone'] + (['roi_head.shared_head'] if config in C4 else
                                 ['neck', 'roi_head.bbox_head',
                                  'roi_head.mask_head'])
    for part in sync_parts:
        node = cfg.model
        for key in part.split('.'):
            node = node[key]
        assert node.norm_cfg.type == 'SyncBN', part
    assert cfg.model.backbone.frozen_stages == -1
    assert cfg.model.backbone.norm_eval is False
    cfg.model.train_cfg.rpn_proposal.max_per_img = 100
    cfg.model.train_cfg.rcnn.sampler.num = 8

    model = build_model(cfg.model)
    assert any(isinstance(m, torch.nn.SyncBatchNorm)
               for m in model.backbone.modules())
    model.init_weights()
    return cfg, model


@pytest.mark.parametrize('config', ALL)
def test_pretrained_init_loads_every_checkpoint_tensor(config,
                                                       backbone_checkpoint):
    path, state = backbone_checkpoint
    _, model = initialised_model(config, path)
    # Every backbone tensor from the checkpoint (no missing key), bit for bit.
    loaded = {}
    backbone = model.backbone.state_dict()
    assert set(backbone) - set(state) == set()
    loaded.update(backbone)
    if config in C4:
        head = model.roi_head.shared_head
        assert type(head).__name__ == 'ResLayerExtraNorm'
        assert any(isinstance(m, torch.nn.SyncBatchNorm)
                   for m in head.modules())
        assert not head.norm_eval
        head_state = head.state_dict()
        # res5 from the checkpoint; only MoCo's extra norm is new.
        assert set(head_state) - set(state) == EXTRA_NORM
        loaded.update({k: v for k, v in head_state.items()
                       if k not in EXTRA_NORM})
    # ... and every checkpoint tensor used (C4: stages 1-3 + res5).
    assert set(loaded) == set(state)
    for key, value in loaded.items():
        assert torch.equal(value, state[key]), key
    assert_rgb_preprocessor(model)


@pytest.mark.parametrize('config', ALL)
def test_one_train_step_from_the_configs_own_pipeline(
        config, backbone_checkpoint, fake_voc, fake_coco):
    cfg, model = initialised_model(config, backbone_checkpoint[0])
    # One real batch from the config's own training pipeline.
    loader_cfg = copy.deepcopy(cfg.train_dataloader)
    point_to(loader_cfg, data_root_for(config, fake_voc, fake_coco))
    assert small_scales(loader_cfg) >= 1
    loader_cfg.update(batch_size=2, num_workers=0, persistent_workers=False)
    with DefaultScope.overwrite_default_scope('mmdet'):
        loader = Runner.build_dataloader(loader_cfg, seed=0)
        batch = next(iter(loader))
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    assert len(batch['inputs']) == 2

    # No weight decay on norm layers (detectron2), 1e-4 elsewhere.
    decay = {id(p): g['weight_decay']
             for g in optim_wrapper.optimizer.param_groups
             for p in g['params']}
    assert decay[id(model.backbone.bn1.weight)] == 0
    assert decay[id(model.backbone.conv1.weight)] == 1e-4

    # SyncBN needs a process group; one CPU process uses plain BN, as
    # MMEngine's Runner does when not distributed.
    model = revert_sync_batchnorm(model)
    assert not any(isinstance(m, torch.nn.SyncBatchNorm)
                   for m in model.modules())
    model.train()
    stem = model.backbone.conv1.weight.detach().clone()
    torch.manual_seed(0)
    losses = model.train_step(batch, optim_wrapper)
    expected = {'loss_rpn_cls', 'loss_rpn_bbox', 'loss_cls', 'loss_bbox'}
    if config != VOC:
        expected.add('loss_mask')
    assert expected <= set(losses)
    assert all(torch.isfinite(v).all() for v in losses.values())
    # Nothing frozen: even the stem moved.
    assert not torch.equal(stem, model.backbone.conv1.weight)
