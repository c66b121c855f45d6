"""The digit canvases: a deterministic VOC-format detection set of real scans."""
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from mmengine.registry import DefaultScope
from PIL import Image

from folder_digest import folder_digest
from hexa_mm.datasets import (DigitCanvasDataset, export_digit_canvases,
                              split_digits)
from hexa_mm.datasets.digit_canvases import CANVAS_DEFAULTS, render_split

THR = CANVAS_DEFAULTS['ink_threshold']
SIZE = CANVAS_DEFAULTS['canvas_size']


@pytest.fixture(scope='module')
def canvases(tmp_path_factory):
    return export_digit_canvases(tmp_path_factory.mktemp('data') / 'canvases')


def read_split(root, split):
    """[(image uint8 (S, S), [(name, x0, y0, x1, y1) 0-based inclusive])]"""
    voc = Path(root) / 'VOC2007'
    ids = (voc / 'ImageSets' / 'Main' / f'{split}.txt').read_text().split()
    out = []
    for img_id in ids:
        img = np.asarray(Image.open(voc / 'JPEGImages' / f'{img_id}.jpg'))
        boxes = []
        for obj in ET.parse(voc / 'Annotations' /
                            f'{img_id}.xml').findall('object'):
            box = [
                int(obj.find(f'bndbox/{k}').text) - 1
                for k in ('xmin', 'ymin', 'xmax', 'ymax')
            ]
            boxes.append((obj.find('name').text, *box))
        out.append((img, boxes))
    return out


def test_export_is_deterministic(canvases, tmp_path):
    again = export_digit_canvases(tmp_path / 'again')
    assert folder_digest(again) == folder_digest(canvases)
    # ... and the seed matters.
    scans, labels, train_idx, _ = split_digits()
    draws = [
        render_split(scans[train_idx], labels[train_idx], 1,
                     np.random.default_rng(seed)) for seed in (0, 0, 1)
    ]
    assert [b for _, b in draws[0]] == [b for _, b in draws[1]]
    assert [b for _, b in draws[0]] != [b for _, b in draws[2]]


def test_every_scan_is_pasted_passes_times_with_its_label(canvases):
    _, labels, train_idx, val_idx = split_digits()
    for split, idx, passes in (('trainval', train_idx, 2), ('test', val_idx,
                                                            1)):
        names = Counter(name for _, boxes in read_split(canvases, split)
                        for name, *_ in boxes)
        assert names == Counter({
            str(label): passes * n
            for label, n in Counter(labels[idx].tolist()).items()
        })


def assert_tight(img, boxes, tol):
    """Boxes inside the canvas, disjoint, each edge touching ink, and every
    pixel brighter than the background inside a box (``tol``: JPEG error)."""
    inside = np.zeros(img.shape, bool)
    for _, x0, y0, x1, y1 in boxes:
        assert 0 <= x0 <= x1 < img.shape[1] and 0 <= y0 <= y1 < img.shape[0]
        assert not inside[y0:y1 + 1, x0:x1 + 1].any(), 'boxes overlap'
        inside[y0:y1 + 1, x0:x1 + 1] = True
        patch = img[y0:y1 + 1, x0:x1 + 1].astype(int)
        for edge in (patch[0], patch[-1], patch[:, 0], patch[:, -1]):
            assert edge.max() >= THR - tol
    assert img[~inside].max() < THR + tol


def test_boxes_are_tight_around_the_ink(canvases):
    scans, labels, train_idx, _ = split_digits()
    # What the export draws, before JPEG: exact.
    drawn = render_split(scans[train_idx], labels[train_idx], 1,
                         np.random.default_rng(0))
    assert {len(boxes) for _, boxes in drawn} == {1, 2, 3}
    for img, boxes in drawn:
        assert_tight(img, boxes, tol=0)
    # What it wrote: the same within JPEG's error.
    for img, boxes in read_split(canvases, 'test'):
        assert img.shape == (SIZE, SIZE)
        assert_tight(img, boxes, tol=24)


def test_written_files_are_the_drawn_canvases(canvases):
    scans, labels, _, val_idx = split_digits()
    drawn = render_split(scans[val_idx], labels[val_idx], 1,
                         np.random.default_rng([0, 1]))
    written = read_split(canvases, 'test')
    assert len(written) == len(drawn)
    for (img, boxes), (ref, ref_boxes) in zip(written, drawn):
        assert boxes == [(str(label), *box) for label, *box in ref_boxes]
        assert np.abs(img.astype(int) - ref).mean() < 3


def test_black_background_and_other_sizes(tmp_path):
    scans, labels, train_idx, _ = split_digits()
    drawn = render_split(scans[train_idx[:40]], labels[train_idx[:40]], 1,
                         np.random.default_rng(0), canvas_size=48,
                         digit_size=(20, 24), background='black')
    for img, boxes in drawn:
        assert img.shape == (48, 48)
        assert_tight(img, boxes, tol=0)
        assert (img == 0).mean() > 0.5
    assert sum(len(boxes) for _, boxes in drawn) == 40


def test_voc_dataset_reads_the_export(canvases):
    _, _, train_idx, val_idx = split_digits()
    from mmdet.registry import DATASETS
    with DefaultScope.overwrite_default_scope('mmdet'):
        train = DATASETS.build(
            dict(
                type='DigitCanvasDataset',
                data_root=str(canvases),
                split='trainval',
                pipeline=[
                    dict(type='LoadImageFromFile'),
                    dict(type='LoadAnnotations', with_bbox=True)
                ]))
        test = DigitCanvasDataset(
            data_root=str(canvases), split='test', test_mode=True)
    assert train.metainfo['classes'] == tuple('0123456789')
    # Not tagged as Pascal VOC 2007: VOCMetric then names these classes.
    assert train.metainfo['dataset_type'] is None
    for dataset, n in ((train, 2 * len(train_idx)), (test, len(val_idx))):
        infos = [dataset.get_data_info(i) for i in range(len(dataset))]
        assert sum(len(info['instances']) for info in infos) == n
        assert all(
            inst['ignore_flag'] == 0 for info in infos
            for inst in info['instances'])
    sample = train[0]
    assert sample['img'].shape == (SIZE, SIZE, 3)
    # mmdet reads VOC's 1-based inclusive corners as 0-based [x0, y0, x1, y1].
    img, boxes = read_split(canvases, 'trainval')[0]
    np.testing.assert_array_equal(sample['gt_bboxes'].tensor.numpy(),
                                  np.array([b[1:] for b in boxes], np.float32))
    np.testing.assert_array_equal(sample['gt_bboxes_labels'],
                                  [int(b[0]) for b in boxes])


def test_bad_arguments_are_named(canvases, tmp_path):
    with pytest.raises(ValueError, match="split='val'"):
        DigitCanvasDataset(data_root=str(canvases), split='val')
    with pytest.raises(ValueError, match='ann_file'):
        DigitCanvasDataset(data_root=str(canvases), ann_file='x.txt')
    with pytest.raises(FileExistsError, match='seed'):
        export_digit_canvases(canvases, seed=3)
    with pytest.raises(ValueError, match='digit_size'):
        export_digit_canvases(tmp_path / 'a', digit_size=(16, 80))
    with pytest.raises(ValueError, match='ink_threshold'):
        export_digit_canvases(tmp_path / 'a', ink_threshold=40)
    with pytest.raises(TypeError, match='canvas_sise'):
        export_digit_canvases(tmp_path / 'a', canvas_sise=32)
    (tmp_path / 'half').mkdir()
    (tmp_path / 'half' / 'VOC2007').mkdir()
    with pytest.raises(FileExistsError, match='no complete'):
        export_digit_canvases(tmp_path / 'half')
    assert not (tmp_path / 'a').exists()
