from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from folder_digest import folder_digest
from hexa_mm.datasets import DigitsDataset, export_digits, split_digits
from mmselfsup.registry import DATASETS


def test_export_is_an_imagenet_style_folder(digits_root):
    root = Path(digits_root)
    train = (root / 'meta' / 'train.txt').read_text().splitlines()
    val = (root / 'meta' / 'val.txt').read_text().splitlines()
    assert len(train) == 1297 and len(val) == 500
    rel, label = train[0].rsplit(' ', 1)
    assert rel.startswith(f'{label}/')
    img = Image.open(root / 'train' / rel)
    assert img.size == (8, 8)
    # Class-stratified: every class in both splits, in proportion.
    counts = Counter(int(line.rsplit(' ', 1)[1]) for line in val)
    assert set(counts) == set(range(10))
    assert min(counts.values()) >= 45


def test_pixels_are_the_real_scans(digits_root):
    from sklearn.datasets import load_digits
    digits = load_digits()
    rel, label = (Path(digits_root) / 'meta' /
                  'val.txt').read_text().splitlines()[3].rsplit(' ', 1)
    index = int(Path(rel).stem)
    img = np.asarray(Image.open(Path(digits_root) / 'val' / rel))
    assert int(label) == digits.target[index]
    np.testing.assert_array_equal(
        img, np.round(digits.images[index] * 255 / 16).astype(np.uint8))


def test_split_and_export_are_deterministic(tmp_path, digits_root):
    a = split_digits()
    b = split_digits()
    np.testing.assert_array_equal(a[2], b[2])
    np.testing.assert_array_equal(a[3], b[3])
    assert not set(a[2]) & set(a[3])
    other = export_digits(tmp_path / 'digits')
    assert folder_digest(other) == folder_digest(digits_root)


def test_export_happens_once(digits_root):
    marker = Path(digits_root) / 'meta' / 'train.txt'
    mtime = marker.stat().st_mtime_ns
    export_digits(digits_root)
    assert marker.stat().st_mtime_ns == mtime


def test_refuses_a_foreign_non_empty_folder(tmp_path):
    (tmp_path / 'digits').mkdir()
    (tmp_path / 'digits' / 'mine.txt').write_text('keep me')
    with pytest.raises(FileExistsError, match='digits'):
        export_digits(tmp_path / 'digits')
    assert (tmp_path / 'digits' / 'mine.txt').read_text() == 'keep me'


def test_dataset_exports_on_first_use_and_runs_a_pipeline(tmp_path):
    ds = DATASETS.build(
        dict(
            type='DigitsDataset',
            data_root=str(tmp_path / 'fresh'),
            split='val',
            pipeline=[
                dict(type='LoadImageFromFile'),
                dict(type='Resize', scale=(32, 32), backend='pillow'),
                dict(type='PackSelfSupInputs', meta_keys=['img_path'])
            ]))
    assert len(ds) == 500
    assert ds.metainfo['classes'] == tuple(str(i) for i in range(10))
    sample = ds[0]
    assert tuple(sample['inputs'][0].shape) == (3, 32, 32)


def test_bad_split_is_named(tmp_path):
    with pytest.raises(ValueError, match="split='test'"):
        DigitsDataset(data_root=str(tmp_path / 'x'), split='test')


def test_eval_pipeline_size_is_the_configs_input_size():
    """hexa_mm.datasets.DIGITS_SIZE (the evaluation pipeline) and the configs'
    digits_size (the training crops) are one number written twice."""
    import os.path as osp

    from mmengine.config import Config

    from hexa_mm.datasets import DIGITS_EVAL_PIPELINE, DIGITS_SIZE
    root = osp.join(osp.dirname(__file__), '..', '..', 'configs')
    base = Config.fromfile(
        osp.join(root, '_base_', 'models', 'digits_resnet18.py'))
    assert base.digits_size == DIGITS_SIZE
    resize, = [t for t in DIGITS_EVAL_PIPELINE if t['type'] == 'Resize']
    assert resize['scale'] == (DIGITS_SIZE, DIGITS_SIZE)
    moco = Config.fromfile(osp.join(root, 'mocov2_r18_digits.py'))
    assert moco.view_pipeline[0]['size'] == DIGITS_SIZE
