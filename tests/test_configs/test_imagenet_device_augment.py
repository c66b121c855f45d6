"""``tools/train.py --cpu-augment`` brings MMSelfSup's CPU view pipeline back
to the ImageNet pre-training configs, and they train with it, on a tiny fake
ImageNet (2 iterations of 2 images, crops shrunk to 32 / 16). Their default,
views augmented on the device, runs in test_pretrain_configs.py."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from imagenet_fakes import write_fake_imagenet
from tool_runs import CONFIGS, train_tool

MOCO = ['mocov2_r50_200e.py', 'hexa_moco_r50_200e.py', 'hexa_moco_r50_800e.py']
DCLUSTER = [
    'deepclusterv2_r50_200e.py', 'deepclusterv2_r50_800e.py',
    'hexa_dcluster_r50_200e.py', 'hexa_dcluster_r50_800e.py'
]


@pytest.fixture(scope='module')
def fake_imagenet(tmp_path_factory):
    return write_fake_imagenet(
        tmp_path_factory.mktemp('imagenet'), [2, 1, 1], 1) + '/'


def shrunk_cfg(config, data_root, work_dir, cpu_augment):
    options = [
        f'train_dataloader.dataset.data_root={data_root}',
        'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False', 'train_cfg.max_epochs=1',
        'default_hooks.logger.interval=1', 'model.backbone.norm_cfg.type=BN',
        # Saving ResNet-50 and its optimizer state is not what is tested.
        'default_hooks.checkpoint.save_last=False'
    ]
    if config in MOCO:
        options.append('model.queue_len=8')
    else:
        options += [
            'model.num_samples=4', 'model.head.num_prototypes=2',
            'model.neck.norm_cfg.type=BN1d'
        ]
    args = [osp.join(CONFIGS, config), '--work-dir', str(work_dir)]
    args += ['--cpu-augment'] if cpu_augment else []
    cfg = train_tool.build_cfg(
        train_tool.parse_args(args + ['--cfg-options', *options]))
    for step in cfg.train_dataloader.dataset.pipeline:
        for group in step.get('transforms', []):
            for transform in group:
                if transform.type.endswith('RandomResizedCrop'):
                    transform.size = 32 if transform.size == 224 else 16
    cfg.experiment_name = f'{config}_{cpu_augment}_{osp.basename(work_dir)}'
    return cfg


def train(cfg):
    """Train ``cfg``; the data preprocessor's input views (uint8, from the
    loader) and output views of each training iteration."""
    seen = []
    runner = Runner.from_cfg(cfg)
    model = runner.model
    original = model.data_preprocessor.forward

    def spy(data, training=False):
        out = original(data, training)
        if training:
            seen.append(([v.clone() for v in data['inputs']],
                         [v.detach().clone() for v in out[0]]))
        return out

    model.data_preprocessor.forward = spy
    runner.train()
    assert runner.iter == 2
    return model, seen


#: Views of each config after the test's shrinking of the crops.
VIEWS = {
    'mocov2_r50_200e.py': [32] * 2,
    'deepclusterv2_r50_800e.py': [32] * 2 + [16] * 6,
}
#: Training-mode batches through the data preprocessor: 2 iterations, and for
#: DeepCluster-v2 first the memory bank's fill (4 images, 2 batches).
BATCHES = {'mocov2_r50_200e.py': 2, 'deepclusterv2_r50_800e.py': 4}


@pytest.mark.parametrize('config', sorted(VIEWS))
def test_cpu_augment_flag_brings_back_the_cpu_pipeline(config, fake_imagenet,
                                                       tmp_path):
    cfg = shrunk_cfg(config, fake_imagenet, tmp_path, cpu_augment=True)
    views = cfg.train_dataloader.dataset.pipeline[1].transforms
    assert [[t.type for t in group] for group in views] == [[
        'RandomResizedCrop', 'RandomApply', 'RandomGrayscale',
        'RandomGaussianBlur', 'RandomFlip'
    ]] * len(views)
    model, seen = train(cfg)
    assert type(model.data_preprocessor).__name__ == 'SelfSupDataPreprocessor'
    # The device config's normalisation (MMSelfSup's: BGR to RGB, ImageNet
    # mean and std), and nothing else: the views come augmented from the CPU.
    device_cfg = Config.fromfile(osp.join(CONFIGS, config))
    norm = device_cfg.model.data_preprocessor
    assert norm.type == 'DeviceAugDataPreprocessor' and norm.bgr_to_rgb
    mean = torch.tensor(norm.mean).view(1, 3, 1, 1)
    std = torch.tensor(norm.std).view(1, 3, 1, 1)
    assert len(seen) == BATCHES[config]
    for inputs, outputs in seen:
        assert [tuple(v.shape) for v in inputs] == [
            (2, 3, s, s) for s in VIEWS[config]]
        assert all(v.dtype == torch.uint8 for v in inputs)
        for raw, view in zip(inputs, outputs):
            want = (raw[:, [2, 1, 0]].float() - mean) / std
            torch.testing.assert_close(view, want)
        # Each view of an image is its own random crop and augmentation.
        assert not torch.equal(inputs[0], inputs[1])
