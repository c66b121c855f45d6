from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from mmengine.registry import DefaultScope
from PIL import Image

from folder_digest import folder_digest
from hexa_mm.datasets import (SHAPES_CLASSES, ShapesDataset, draw_shape,
                              export_shapes, shapes)
from hexa_mm.datasets.shapes import SHAPES_RADIUS, SHAPES_TILT
from hexa_mm.datasets.embedded_folder import COMPLETE
from mmpretrain.registry import DATASETS as MMPRETRAIN_DATASETS
from mmselfsup.registry import DATASETS


def lines(root, split):
    return (Path(root) / 'meta' / f'{split}.txt').read_text().splitlines()


def test_export_is_a_balanced_imagenet_style_folder(shapes_root):
    train, val = lines(shapes_root, 'train'), lines(shapes_root, 'val')
    assert len(train) == 2000 and len(val) == 500
    for split, split_lines, per_class in (('train', train, 200),
                                          ('val', val, 50)):
        labels = Counter()
        for line in split_lines:
            rel, label = line.rsplit(' ', 1)
            assert rel.startswith(f'{label}/')
            assert (Path(shapes_root) / split / rel).is_file()
            labels[int(label)] += 1
        assert labels == {c: per_class for c in range(10)}


def test_images_are_32x32_rgb_in_colour(shapes_root):
    rel = lines(shapes_root, 'val')[7].rsplit(' ', 1)[0]
    img = Image.open(Path(shapes_root) / 'val' / rel)
    assert (img.size, img.mode) == ((32, 32), 'RGB')
    pixels = np.asarray(img, dtype=np.int64)
    # Colour, not grey copied into three channels.
    assert np.abs(pixels[..., 0] - pixels[..., 1]).max() > 10


def test_splits_are_disjoint(shapes_root):
    names = {split: {line.rsplit(' ', 1)[0].split('/')[1]
                     for line in lines(shapes_root, split)}
             for split in ('train', 'val')}
    assert len(names['train']) == 2000 and len(names['val']) == 500
    assert not names['train'] & names['val']
    # ... and no validation image is a copy of a training one.
    pixels = {split: {(Path(shapes_root) / split / line.rsplit(' ', 1)[0]
                       ).read_bytes() for line in lines(shapes_root, split)}
              for split in ('train', 'val')}
    assert len(pixels['val']) == 500
    assert not pixels['train'] & pixels['val']


def test_export_is_deterministic_from_the_seed(tmp_path, shapes_root):
    again = export_shapes(tmp_path / 'again')
    assert folder_digest(again) == folder_digest(shapes_root)
    other = export_shapes(tmp_path / 'seed1', num_train=20, num_val=10, seed=1)
    small = export_shapes(tmp_path / 'seed0', num_train=20, num_val=10)
    # The first 20 images are those of the full set: each image is drawn from
    # its own seed, whatever the set's size.
    for line in lines(small, 'train'):
        rel = line.rsplit(' ', 1)[0]
        assert ((small / 'train' / rel).read_bytes() == (
            Path(shapes_root) / 'train' / rel).read_bytes())
    assert all((other / 'train' / rel).read_bytes() !=
               (small / 'train' / rel).read_bytes()
               for rel in (line.rsplit(' ', 1)[0]
                           for line in lines(small, 'train')))


def test_every_class_draws_a_different_outline():
    """The same draws (place, size, angle, colours, noise) for every class:
    only the outline differs, so no two classes draw one image."""
    images = [draw_shape(label, np.random.default_rng(5)).tobytes()
              for label in range(len(SHAPES_CLASSES))]
    assert len(set(images)) == len(SHAPES_CLASSES)


def test_export_happens_once(shapes_root):
    meta = Path(shapes_root) / 'meta' / 'train.txt'
    mtime = meta.stat().st_mtime_ns
    export_shapes(shapes_root)
    assert meta.stat().st_mtime_ns == mtime


def test_other_arguments_do_not_reuse_an_export(shapes_root):
    with pytest.raises(FileExistsError, match='seed'):
        export_shapes(shapes_root, seed=3)


def test_an_export_of_another_drawing_is_not_reused(tmp_path):
    """Drawing 1 (smaller shapes at any angle) wrote no drawing into its
    marker: such an export is refused, not read as today's set."""
    root = export_shapes(tmp_path / 'shapes', num_train=20, num_val=10)
    (root / COMPLETE).write_text(
        '{"num_train": 20, "num_val": 10, "seed": 0, "size": 32}\n')
    with pytest.raises(FileExistsError, match=f'{root}.*drawing'):
        export_shapes(root, num_train=20, num_val=10)


class _Noiseless:
    """A generator that draws as ``rng`` does but adds no pixel noise."""

    def __init__(self, rng):
        self._rng = rng

    def __getattr__(self, name):
        return getattr(self._rng, name)

    def normal(self, loc, scale, size):
        return np.zeros(size)


def _footprints(label, monkeypatch, draws=40):
    """Pixels of the shape of ``label`` over ``draws`` draws at 128x128, on a
    black background without noise (the shape's colour is >= 80 in some
    channel)."""
    monkeypatch.setattr(shapes, '_background', lambda rng, size: (np.zeros(
        (size, size, 3)), (np.zeros(3), np.zeros(3))))
    for seed in range(draws):
        rng = _Noiseless(np.random.default_rng(seed))
        image = draw_shape(label, rng, size=128)
        yield image.max(-1) > 40


def test_shapes_are_large(monkeypatch):
    for mask in _footprints(SHAPES_CLASSES.index('circle'), monkeypatch):
        low, high = SHAPES_RADIUS
        assert 0.97 * np.pi * low**2 <= mask.mean() <= 1.03 * np.pi * high**2


def test_shapes_are_nearly_upright(monkeypatch):
    """A square tilted by t fills 1 / (cos t + sin t)**2 of its bounding box:
    1 upright, 1/2 at 45 degrees."""
    t = np.deg2rad(SHAPES_TILT)
    for mask in _footprints(SHAPES_CLASSES.index('square'), monkeypatch):
        ys, xs = np.nonzero(mask)
        box = (np.ptp(ys) + 1) * (np.ptp(xs) + 1)
        assert box / mask.sum() <= 1.02 * (np.cos(t) + np.sin(t))**2


def test_interrupted_export_is_redone(tmp_path, monkeypatch):
    root = tmp_path / 'shapes'
    saved = []
    real_save = Image.Image.save

    def save_then_stop(self, path, *args, **kwargs):
        if len(saved) == 5:
            raise KeyboardInterrupt
        saved.append(path)
        return real_save(self, path, *args, **kwargs)

    monkeypatch.setattr(Image.Image, 'save', save_then_stop)
    with pytest.raises(KeyboardInterrupt):
        export_shapes(root, num_train=20, num_val=10)
    monkeypatch.undo()
    assert len(saved) == 5
    # Nothing half-written is left where a data set would look for it ...
    assert not (root / COMPLETE).exists()
    assert list(tmp_path.iterdir()) == []
    # ... and the next call exports the whole set.
    export_shapes(root, num_train=20, num_val=10)
    assert (root / COMPLETE).is_file()
    assert (len(lines(root, 'train')), len(lines(root, 'val'))) == (20, 10)
    assert len(list((root / 'train').rglob('*.png'))) == 20


def test_folder_without_marker_is_refused_not_reused(tmp_path):
    root = tmp_path / 'shapes'
    (root / 'meta').mkdir(parents=True)
    (root / 'meta' / 'train.txt').write_text('0/0000.png 0\n')
    with pytest.raises(FileExistsError, match='no complete shapes export'):
        export_shapes(root)


@pytest.mark.parametrize('registry', [DATASETS, MMPRETRAIN_DATASETS])
def test_both_registries_build_it_and_run_a_pipeline(registry, shapes_root):
    assert registry.module_dict['ShapesDataset'] is ShapesDataset
    with DefaultScope.overwrite_default_scope(registry.scope):
        ds = registry.build(
            dict(type='ShapesDataset', data_root=shapes_root, split='val'))
    assert isinstance(ds, ShapesDataset)
    assert len(ds) == 500
    assert ds.metainfo['classes'] == SHAPES_CLASSES
    sample = ds[3]
    assert Image.open(sample['img_path']).size == (32, 32)
    assert sample['gt_label'] == 3


def test_bad_split_is_named(tmp_path):
    with pytest.raises(ValueError, match="split='test'"):
        ShapesDataset(data_root=str(tmp_path / 'x'), split='test')


@pytest.mark.parametrize('config', ['mocov2_r18_shapes.py',
                                    'deepclusterv2_r18_shapes.py'])
def test_eval_pipeline_size_is_the_configs_input_size(config):
    """hexa_mm.datasets.SHAPES_INPUT_SIZE (the evaluation pipeline), the
    configs' training crops and the online probe's pipeline are one number,
    and one pipeline, written several times."""
    import os.path as osp

    from mmengine.config import Config

    from hexa_mm.datasets import SHAPES_EVAL_PIPELINE, SHAPES_INPUT_SIZE
    root = osp.join(osp.dirname(__file__), '..', '..', 'configs')
    cfg = Config.fromfile(osp.join(root, config))
    views = cfg.train_dataloader.dataset.pipeline[1]
    assert {group[0]['size'] for group in views.transforms} == {
        SHAPES_INPUT_SIZE}
    resize, = [t for t in SHAPES_EVAL_PIPELINE if t['type'] == 'Resize']
    assert resize['scale'] == (SHAPES_INPUT_SIZE, SHAPES_INPUT_SIZE)
    probe, = [h for h in cfg.custom_hooks
              if h.type == 'OnlineLinearProbeHook']
    assert probe.val_dataset.pipeline == SHAPES_EVAL_PIPELINE
