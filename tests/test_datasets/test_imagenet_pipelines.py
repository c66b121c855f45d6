"""The ImageNet pre-training configs' data pipelines, on a tiny fake ImageNet."""
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from PIL import Image

from conftest import ROOT
from mmselfsup.registry import DATASETS


@pytest.fixture(scope='module')
def fake_imagenet(tmp_path_factory):
    root = tmp_path_factory.mktemp('imagenet')
    rng = np.random.default_rng(0)
    lines = []
    for label, wnid in enumerate(['n01440764', 'n01443537']):
        (root / 'train' / wnid).mkdir(parents=True)
        for i in range(2):
            name = f'{wnid}/{wnid}_{i}.JPEG'
            pixels = rng.integers(0, 256, (300, 260, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / 'train' / name)
            lines.append(f'{name} {label}\n')
    (root / 'meta').mkdir()
    (root / 'meta' / 'train.txt').write_text(''.join(lines))
    return str(root) + '/'


@pytest.mark.parametrize('config,sizes,keys', [
    ('mocov2_r50_200e.py', [224] * 2, []),
    ('hexa_moco_r50_800e.py', [224] * 2, []),
    ('deepclusterv2_r50_200e.py', [224] * 2, ['sample_idx']),
    ('deepclusterv2_r50_800e.py', [224] * 2 + [96] * 6, ['sample_idx']),
    ('hexa_dcluster_r50_200e.py', [224] * 2, ['sample_idx']),
    ('hexa_moco_r50_200e.py', [224] * 2, []),
    ('hexa_dcluster_r50_800e.py', [224] * 2 + [96] * 6, ['sample_idx']),
])
def test_pipeline_yields_the_configs_crops(config, sizes, keys,
                                           fake_imagenet):
    cfg = Config.fromfile(osp.join(ROOT, 'configs', config))
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.data_root = fake_imagenet
    dataset = DATASETS.build(dataset_cfg)
    assert len(dataset) == 4
    sample = dataset[3]
    assert [v.shape[-1] for v in sample['inputs']] == sizes
    assert all(v.shape[0] == 3 for v in sample['inputs'])
    for key in keys:
        assert key in sample['data_samples']
    if keys:
        assert int(sample['data_samples'].sample_idx.value) == 3


def test_a_broken_imagenet_file_is_named(fake_imagenet, tmp_path):
    import shutil
    root = tmp_path / 'broken'
    shutil.copytree(fake_imagenet, root)
    bad = root / 'train' / 'n01443537' / 'n01443537_1.JPEG'
    bad.write_bytes(b'not a jpeg')
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'hexa_moco_r50_200e.py'))
    cfg.train_dataloader.dataset.data_root = str(root) + '/'
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    with pytest.raises(OSError, match=f'{bad} \\(sample 3\\)'):
        dataset[3]
