"""What the two drawn embedded sets (hexa_mm.datasets.shapes, .textures) share
through ``embedded_folder.export_drawn``: a balanced ImageNet-style folder of
32x32 colour images, split without overlap, drawn deterministically from the
seed, exported once and atomically, refused when drawn otherwise, built by
both registries and scored by the probes at the set's input side."""
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from mmengine.registry import DefaultScope
from PIL import Image

from folder_digest import folder_digest
from hexa_mm.datasets import (SHAPES_CLASSES, SHAPES_EVAL_PIPELINE,
                              SHAPES_INPUT_SIZE, TEXTURES_CLASSES,
                              TEXTURES_EVAL_PIPELINE, TEXTURES_INPUT_SIZE,
                              ShapesDataset, TexturesDataset, export_shapes,
                              export_textures)
from hexa_mm.datasets.embedded_folder import COMPLETE
from hexa_mm.datasets.shapes import SHAPES_DRAWING
from hexa_mm.datasets.textures import TEXTURES_DRAWING
from hexa_mm.evaluation.probe import EMBEDDED, probe_split_cfg
from mmpretrain.registry import DATASETS as MMPRETRAIN_DATASETS
from mmselfsup.registry import DATASETS

#: name -> (export, dataset class, classes, evaluation pipeline, input side,
#: drawing version)
SETS = dict(
    shapes=(export_shapes, ShapesDataset, SHAPES_CLASSES, SHAPES_EVAL_PIPELINE,
            SHAPES_INPUT_SIZE, SHAPES_DRAWING),
    textures=(export_textures, TexturesDataset, TEXTURES_CLASSES,
              TEXTURES_EVAL_PIPELINE, TEXTURES_INPUT_SIZE, TEXTURES_DRAWING))
NAMES = sorted(SETS)


@pytest.fixture(params=NAMES)
def drawn(request):
    """``(name, export, root of the session's full export)``."""
    name = request.param
    return name, SETS[name][0], request.getfixturevalue(f'{name}_root')


def lines(root, split):
    return (Path(root) / 'meta' / f'{split}.txt').read_text().splitlines()


def rels(root, split):
    return [line.rsplit(' ', 1)[0] for line in lines(root, split)]


def test_export_is_a_balanced_imagenet_style_folder(drawn):
    _, _, root = drawn
    train, val = lines(root, 'train'), lines(root, 'val')
    assert len(train) == 2000 and len(val) == 500
    for split, split_lines, per_class in (('train', train, 200),
                                          ('val', val, 50)):
        labels = Counter()
        for line in split_lines:
            rel, label = line.rsplit(' ', 1)
            assert rel.startswith(f'{label}/')
            assert (Path(root) / split / rel).is_file()
            labels[int(label)] += 1
        assert labels == {c: per_class for c in range(10)}


def test_images_are_32x32_rgb_in_colour(drawn):
    _, _, root = drawn
    img = Image.open(Path(root) / 'val' / rels(root, 'val')[7])
    assert (img.size, img.mode) == ((32, 32), 'RGB')
    pixels = np.asarray(img, dtype=np.int64)
    # Colour, not grey copied into three channels.
    assert np.abs(pixels[..., 0] - pixels[..., 1]).max() > 10


def test_splits_are_disjoint(drawn):
    _, _, root = drawn
    names = {split: {rel.split('/')[1] for rel in rels(root, split)}
             for split in ('train', 'val')}
    assert len(names['train']) == 2000 and len(names['val']) == 500
    assert not names['train'] & names['val']
    # ... and no validation image is a copy of a training one, nor of another
    # image of its split.
    pixels = {split: {(Path(root) / split / rel).read_bytes()
                      for rel in rels(root, split)}
              for split in ('train', 'val')}
    assert len(pixels['train']) == 2000 and len(pixels['val']) == 500
    assert not pixels['train'] & pixels['val']


def test_export_is_deterministic_from_the_seed(tmp_path, drawn):
    _, export, root = drawn
    again = export(tmp_path / 'again')
    assert folder_digest(again) == folder_digest(root)
    other = export(tmp_path / 'seed1', num_train=20, num_val=10, seed=1)
    small = export(tmp_path / 'seed0', num_train=20, num_val=10)
    # The first 20 images are those of the full set: each image is drawn from
    # its own seed, whatever the set's size or the drawing order.
    for rel in rels(small, 'train'):
        assert ((small / 'train' / rel).read_bytes() == (
            Path(root) / 'train' / rel).read_bytes())
    assert all((other / 'train' / rel).read_bytes() !=
               (small / 'train' / rel).read_bytes()
               for rel in rels(small, 'train'))


def test_export_happens_once(drawn):
    _, export, root = drawn
    meta = Path(root) / 'meta' / 'train.txt'
    mtime = meta.stat().st_mtime_ns
    export(root)
    assert meta.stat().st_mtime_ns == mtime


def test_other_arguments_do_not_reuse_an_export(drawn):
    _, export, root = drawn
    with pytest.raises(FileExistsError, match='seed'):
        export(root, seed=3)


@pytest.mark.parametrize('name', NAMES)
@pytest.mark.parametrize('old', ['no drawing', 'drawing 1'])
def test_an_export_of_another_drawing_is_not_reused(tmp_path, name, old):
    """An export of an earlier drawing, whose marker named no drawing or
    another one, is refused, not read as today's set."""
    export, drawing = SETS[name][0], SETS[name][-1]
    root = export(tmp_path / name, num_train=20, num_val=10)
    marker = (root / COMPLETE).read_text()
    drawn = f', "drawing": {drawing}'
    assert drawn in marker
    (root / COMPLETE).write_text(
        marker.replace(drawn, '' if old == 'no drawing' else
                       ', "drawing": 1'))
    with pytest.raises(FileExistsError, match=f'{root}.*drawing'):
        export(root, num_train=20, num_val=10)


@pytest.mark.parametrize('name', NAMES)
def test_interrupted_export_is_redone(tmp_path, monkeypatch, name):
    export = SETS[name][0]
    root = tmp_path / name
    saved = []
    real_save = Image.Image.save

    def save_then_stop(self, path, *args, **kwargs):
        if len(saved) == 5:
            raise KeyboardInterrupt
        saved.append(path)
        return real_save(self, path, *args, **kwargs)

    monkeypatch.setattr(Image.Image, 'save', save_then_stop)
    with pytest.raises(KeyboardInterrupt):
        export(root, num_train=20, num_val=10)
    monkeypatch.undo()
    assert len(saved) == 5
    # Nothing half-written is left where a data set would look for it ...
    assert not (root / COMPLETE).exists()
    assert list(tmp_path.iterdir()) == []
    # ... and the next call exports the whole set.
    export(root, num_train=20, num_val=10)
    assert (root / COMPLETE).is_file()
    assert (len(lines(root, 'train')), len(lines(root, 'val'))) == (20, 10)
    assert len(list((root / 'train').rglob('*.png'))) == 20


@pytest.mark.parametrize('name', NAMES)
def test_folder_without_marker_is_refused_not_reused(tmp_path, name):
    root = tmp_path / name
    (root / 'meta').mkdir(parents=True)
    (root / 'meta' / 'train.txt').write_text('0/0000.png 0\n')
    with pytest.raises(FileExistsError, match=f'no complete {name} export'):
        SETS[name][0](root)


@pytest.mark.parametrize('registry', [DATASETS, MMPRETRAIN_DATASETS])
def test_both_registries_build_it_and_run_a_pipeline(registry, drawn):
    name, _, root = drawn
    dataset_cls, classes = SETS[name][1:3]
    assert registry.module_dict[dataset_cls.__name__] is dataset_cls
    with DefaultScope.overwrite_default_scope(registry.scope):
        ds = registry.build(
            dict(type=dataset_cls.__name__, data_root=root, split='val'))
    assert isinstance(ds, dataset_cls)
    assert len(ds) == 500
    assert ds.metainfo['classes'] == classes
    sample = ds[3]
    assert Image.open(sample['img_path']).size == (32, 32)
    assert sample['gt_label'] == 3


@pytest.mark.parametrize('name', NAMES)
def test_bad_split_is_named(tmp_path, name):
    with pytest.raises(ValueError, match="split='test'"):
        SETS[name][1](data_root=str(tmp_path / 'x'), split='test')


def test_the_probes_know_the_set(drawn):
    """tools/benchmarks/{knn,kshot}.py and the quality benchmark score it
    at its input side, with its evaluation pipeline."""
    name, _, root = drawn
    dataset_cls, _, pipeline, side = SETS[name][1:5]
    assert EMBEDDED[name] == (dataset_cls.__name__, pipeline)
    ds = DATASETS.build(probe_split_cfg(name, root, 'val'))
    image, = ds[0]['inputs']
    assert image.shape == (3, side, side)
