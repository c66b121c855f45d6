"""configs/benchmarks/classification/imagenet: recipes, pre-trained backbone,
label subsets and a real training step, on a tiny fake ImageNet."""
import math
import os
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from imagenet_fakes import (BENCHMARKS, WNIDS, benchmark_cfg,
                            pretrained_backbone, write_fake_imagenet)
from tool_runs import train_tool

LINEAR = 'resnet50_linear-8xb32-steplr-100e_in1k.py'
SWAV = 'resnet50_swav-linear-8xb32-coslr-100e_in1k.py'
SEMI_1 = 'resnet50_semi-1pct-8xb32-steplr-20e_in1k.py'
SEMI_10 = 'resnet50_semi-10pct-8xb32-steplr-20e_in1k.py'
FULL = 'resnet50_ft-8xb32-steplr-20e_in1k.py'

STEP_60_80 = [dict(type='MultiStepLR', milestones=[60, 80], gamma=0.1)]
STEP_12_16 = [dict(type='MultiStepLR', milestones=[12, 16], gamma=0.2)]
COSINE_100 = [dict(type='CosineAnnealingLR', T_max=100, eta_min=0.)]
#: config -> (trunk frozen, trunk lr, head lr, weight decay, nesterov,
#: epochs, lr schedule, labelled fraction)
RECIPES = {
    LINEAR: (True, 30., 30., 0., False, 100, STEP_60_80, None),
    SWAV: (True, 0.3, 0.3, 1e-6, False, 100, COSINE_100, None),
    SEMI_1: (False, 0.02, 5., 0., False, 20, STEP_12_16, 0.01),
    SEMI_10: (False, 0.01, 0.2, 0., False, 20, STEP_12_16, 0.1),
    FULL: (False, 0.01, 0.2, 0., False, 20, STEP_12_16, None),
}
TRAIN_PER_CLASS = 30  # 1% of it: 1 image a class (at least one), 10%: 3


@pytest.fixture(scope='module')
def fake_imagenet(tmp_path_factory):
    return write_fake_imagenet(
        tmp_path_factory.mktemp('imagenet'), TRAIN_PER_CLASS, 2)


@pytest.fixture(scope='module')
def backbone(tmp_path_factory):
    return pretrained_backbone(tmp_path_factory.mktemp('pretrained'))


def test_every_imagenet_benchmark_config_is_tested():
    assert sorted(f for f in os.listdir(BENCHMARKS)
                  if f.endswith('.py')) == sorted(RECIPES)


def named_lrs(runner):
    names = {id(p): n for n, p in runner.model.named_parameters()}
    return {
        names[id(p)]: (group['lr'], group['weight_decay'], group['momentum'],
                       group['nesterov'])
        for group in runner.optim_wrapper.optimizer.param_groups
        for p in group['params']
    }


def equal_states(got, want):
    return set(got) == set(want) and all(
        torch.equal(got[k], want[k]) for k in want)


@pytest.mark.parametrize('config', sorted(RECIPES))
def test_config_loads_the_backbone_and_trains_one_real_batch(
        config, fake_imagenet, backbone, tmp_path):
    frozen, lr, head_lr, wd, nesterov, epochs, schedule, _ = RECIPES[config]
    # What the configs promise besides the model: MMPretrain's scope, hexa_mm
    # loaded, 8 x 32 images, the protocol's crops, top-1 and top-5.
    raw = Config.fromfile(osp.join(BENCHMARKS, config))
    assert raw.default_scope == 'mmpretrain'
    assert raw.custom_imports == dict(
        imports=['hexa_mm'], allow_failed_imports=False)
    assert raw.train_dataloader.batch_size == 32
    assert raw.train_cfg.max_epochs == epochs
    assert [{k: s[k] for k in want} for s, want in zip(
        raw.param_scheduler, schedule)] == schedule
    assert len(raw.param_scheduler) == 1
    assert raw.param_scheduler[0].by_epoch is True
    train_set = raw.train_dataloader.dataset
    train_steps = [(s.type, s.get('scale'))
                   for s in train_set.get('dataset', train_set).pipeline]
    assert train_steps == [('LoadImageFromFile', None),
                           ('RandomResizedCrop', 224), ('RandomFlip', None),
                           ('PackInputs', None)]
    test_steps = [(s.type, s.get('scale', s.get('crop_size')))
                  for s in raw.test_dataloader.dataset.pipeline]
    assert test_steps == [('LoadImageFromFile', None), ('ResizeEdge', 256),
                          ('CenterCrop', 224), ('PackInputs', None)]
    assert tuple(raw.test_evaluator.topk) == (1, 5)
    assert raw.model.head.in_channels == 2048
    assert raw.model.head.num_classes == 1000

    # Every config starts from the extracted backbone; none has a default.
    init_cfg = raw.model.backbone.init_cfg
    assert init_cfg.type == 'Pretrained' and init_cfg.get('prefix') is None
    assert not osp.exists(init_cfg.checkpoint)
    assert 'model.backbone.init_cfg.checkpoint=' in init_cfg.checkpoint

    # The config on the fake ImageNet, 2 images a batch, its own pipeline.
    cfg = benchmark_cfg(config, fake_imagenet, tmp_path, backbone['backbone'])
    runner = Runner.from_cfg(cfg)
    model = runner.model
    model.init_weights()
    # Every backbone tensor loaded (no key missing, none left over), bit for
    # bit, BN running statistics and num_batches_tracked included.
    got = model.backbone.state_dict()
    assert not set(got) - set(backbone['state']), 'missing keys'
    assert not set(backbone['state']) - set(got), 'unexpected keys'
    assert equal_states(got, backbone['state'])

    runner.optim_wrapper = runner.build_optim_wrapper(cfg.optim_wrapper)
    lrs = named_lrs(runner)
    assert set(lrs) == {n for n, _ in model.named_parameters()}
    for name, (got_lr, got_wd, momentum, got_nesterov) in lrs.items():
        want = head_lr if name.startswith('head.') else lr
        assert got_lr == pytest.approx(want), name
        assert (got_wd, momentum, got_nesterov) == (wd, 0.9, nesterov), name

    batch = next(iter(runner.build_dataloader(cfg.train_dataloader)))
    assert batch['inputs'][0].shape == (3, 224, 224)
    model.train()
    for name, module in model.backbone.named_modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            assert module.training is not frozen, name
    assert all(p.requires_grad is not frozen
               for p in model.backbone.parameters())
    head_before = {k: v.clone() for k, v in model.head.state_dict().items()}
    log_vars = model.train_step(batch, runner.optim_wrapper)
    assert math.isfinite(float(log_vars['loss']))
    after = model.backbone.state_dict()
    if frozen:
        assert equal_states(after, backbone['state'])
    else:
        for key in ('conv1.weight', 'layer4.2.conv3.weight',
                    'bn1.running_mean', 'layer1.0.bn1.running_var'):
            assert not torch.equal(after[key], backbone['state'][key]), key
        assert int(after['bn1.num_batches_tracked']) == 8
    assert not torch.equal(model.head.fc.weight, head_before['fc.weight'])


@pytest.mark.parametrize('config,per_class', [(SEMI_1, 1), (SEMI_10, 3)])
def test_label_subset_is_class_balanced_and_takes_a_subset_file(
        config, per_class, fake_imagenet, backbone, tmp_path):
    from mmpretrain.registry import DATASETS
    cfg = benchmark_cfg(config, fake_imagenet, tmp_path)
    assert cfg.train_dataloader.dataset.fraction == RECIPES[config][-1]
    assert cfg.train_dataloader.dataset.subset_file is None
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        subset = DATASETS.build(cfg.train_dataloader.dataset)
        again = DATASETS.build(cfg.train_dataloader.dataset)
    labels = [subset.get_cat_ids(i)[0] for i in range(len(subset))]
    assert [labels.count(c) for c in range(len(WNIDS))] == [per_class] * 3
    paths = [subset.get_data_info(i)['img_path'] for i in range(len(subset))]
    assert paths == [
        again.get_data_info(i)['img_path'] for i in range(len(again))
    ]

    # SimCLR's list format: one file name a line.
    listed = [f'{WNIDS[0]}_4.JPEG', f'{WNIDS[0]}_17.JPEG', f'{WNIDS[2]}_0.JPEG']
    subset_file = tmp_path / 'subset.txt'
    subset_file.write_text('\n'.join(listed) + '\n')
    # Through the command line's parsing, as a user passes them.
    cfg = train_tool.build_cfg(
        train_tool.parse_args([
            osp.join(BENCHMARKS, config), '--work-dir',
            str(tmp_path), '--cfg-options',
            f'train_dataloader.dataset.dataset.data_root={fake_imagenet}',
            f'train_dataloader.dataset.subset_file={subset_file}',
            f"model.backbone.init_cfg.checkpoint={backbone['backbone']}",
        ]))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        subset = DATASETS.build(cfg.train_dataloader.dataset)
    assert sorted(
        osp.basename(subset.get_data_info(i)['img_path'])
        for i in range(len(subset))) == sorted(listed)
    assert sorted(subset.get_cat_ids(i)[0]
                  for i in range(len(subset))) == [0, 0, 2]


def test_forgotten_backbone_path_stops_before_training(
        fake_imagenet, tmp_path):
    # Fine-tuning a random backbone would give plausible, wrong numbers.
    cfg = benchmark_cfg(SEMI_1, fake_imagenet, tmp_path, image_size=32)
    placeholder = cfg.model.backbone.init_cfg.checkpoint
    assert not osp.exists(placeholder)
    runner = Runner.from_cfg(cfg)
    with pytest.raises(
            FileNotFoundError,
            match='--cfg-options model.backbone.init_cfg.checkpoint='):
        runner.train()
    assert runner.iter == 0
    assert not [f for f in os.listdir(tmp_path) if f.endswith('.pth')]
    # tools/train.py stops earlier, before the Runner is built.
    with pytest.raises(
            FileNotFoundError,
            match='--cfg-options model.backbone.init_cfg.checkpoint='):
        train_tool.build_cfg(
            train_tool.parse_args([
                osp.join(BENCHMARKS, SEMI_1), '--work-dir',
                str(tmp_path / 'tool')
            ]))
    assert not (tmp_path / 'tool').exists()


class RecordStartState(Hook):
    """The model's state once the Runner has initialised it."""

    def before_train(self, runner):
        self.backbone = {
            k: v.clone() for k, v in runner.model.backbone.state_dict().items()
        }
        self.head = {
            k: v.clone() for k, v in runner.model.head.state_dict().items()
        }


def test_linear_probe_training_leaves_the_backbone_bit_identical(
        fake_imagenet, backbone, tmp_path):
    cfg = benchmark_cfg(LINEAR, fake_imagenet, tmp_path,
                        backbone['backbone'], batch_size=4, image_size=32)
    cfg.train_dataloader.dataset.indices = 12  # 3 iterations
    cfg.train_cfg.max_epochs = 1
    cfg.randomness = dict(seed=0)
    runner = Runner.from_cfg(cfg)
    start = RecordStartState()
    runner.register_hook(start)
    runner.train()
    assert runner.iter == 3
    assert equal_states(start.backbone, backbone['state'])
    end = runner.model.backbone.state_dict()
    assert equal_states(end, backbone['state'])
    assert int(end['layer3.5.bn2.num_batches_tracked']) == 7
    assert not torch.equal(runner.model.head.fc.weight, start.head['fc.weight'])
    assert not torch.equal(runner.model.head.fc.bias, start.head['fc.bias'])
    # The saved classifier carries the same backbone.
    saved = torch.load(
        osp.join(tmp_path, 'epoch_1.pth'), map_location='cpu',
        weights_only=False)['state_dict']
    assert equal_states(
        {k[len('backbone.'):]: v
         for k, v in saved.items() if k.startswith('backbone.')},
        backbone['state'])
