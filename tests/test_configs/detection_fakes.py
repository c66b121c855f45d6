"""A tiny fake VOC07+12 and COCO for the detection configs' tests: real JPEGs
with bright boxes on a dark background, VOC XML and COCO json (boxes and
polygons), and the config surgery that points a config at them."""
import json
from pathlib import Path

import mmcv
import numpy as np

# Fake data: landscape images (one aspect-ratio group, so any two make a batch),
# all sides >= 32 (the configs' filter_cfg min_size), objects 20-50 px.
SIZES = [(96, 64), (112, 72), (96, 80), (128, 96)]  # (width, height)
VOC_NAMES = ['dog', 'person', 'car']
VOC_CLASSES_DOG = 11  # index of 'dog' in VOCDataset's classes
COCO_CATEGORIES = [dict(id=1, name='person'), dict(id=3, name='car'),
                   dict(id=18, name='dog')]


def boxes_of(rng, width, height, n):
    """n boxes (x1, y1, x2, y2), integer pixels, inside the image."""
    out = []
    for _ in range(n):
        w, h = rng.integers(20, min(50, width - 4)), rng.integers(
            20, min(50, height - 4))
        x, y = rng.integers(1, width - w), rng.integers(1, height - h)
        out.append([int(x), int(y), int(x + w), int(y + h)])
    return out


def write_image(path, width, height, boxes, rng):
    img = rng.integers(0, 60, (height, width, 3), dtype=np.uint8)
    for x1, y1, x2, y2 in boxes:  # bright objects on a dark background
        img[y1:y2, x1:x2] = rng.integers(150, 255, 3, dtype=np.uint8)
    mmcv.imwrite(img, str(path))


def write_fake_voc(folder):
    """VOCdevkit/VOC2007 (trainval + test) and VOC2012 (trainval)."""
    root = Path(folder) / 'VOCdevkit'
    rng = np.random.default_rng(0)
    splits = {'VOC2007': {'trainval': 2, 'test': 2}, 'VOC2012': {'trainval': 2}}
    for year, counts in splits.items():
        for sub in ('JPEGImages', 'Annotations', 'ImageSets/Main'):
            (root / year / sub).mkdir(parents=True)
        index = 0
        for split, n in counts.items():
            ids = []
            for _ in range(n):
                img_id = f'{year[-4:]}_{index:06d}'
                width, height = SIZES[index % len(SIZES)]
                boxes = boxes_of(rng, width, height, 1 + index % 2)
                write_image(root / year / 'JPEGImages' / f'{img_id}.jpg',
                            width, height, boxes, rng)
                objects = ''.join(
                    f'<object><name>{VOC_NAMES[(index + j) % 3]}</name>'
                    '<difficult>0</difficult><bndbox>'
                    # VOC's pixel indices start at 1
                    f'<xmin>{x1 + 1}</xmin><ymin>{y1 + 1}</ymin>'
                    f'<xmax>{x2 + 1}</xmax><ymax>{y2 + 1}</ymax>'
                    '</bndbox></object>'
                    for j, (x1, y1, x2, y2) in enumerate(boxes))
                (root / year / 'Annotations' / f'{img_id}.xml').write_text(
                    f'<annotation><filename>{img_id}.jpg</filename><size>'
                    f'<width>{width}</width><height>{height}</height>'
                    f'<depth>3</depth></size>{objects}</annotation>')
                ids.append(img_id)
                index += 1
            (root / year / 'ImageSets' / 'Main' / f'{split}.txt').write_text(
                '\n'.join(ids) + '\n')
    return str(root) + '/'


def write_fake_coco(folder):
    """coco/{train2017,val2017} with instances json: boxes and polygons."""
    root = Path(folder) / 'coco'
    (root / 'annotations').mkdir(parents=True)
    rng = np.random.default_rng(1)
    ann_id = 1
    for split, n in (('train2017', 2), ('val2017', 2)):
        (root / split).mkdir()
        images, annotations = [], []
        for i in range(n):
            width, height = SIZES[i % len(SIZES)]
            name = f'{i + 1:012d}.jpg'
            boxes = boxes_of(rng, width, height, 1 + i % 2)
            write_image(root / split / name, width, height, boxes, rng)
            images.append(dict(id=i + 1, file_name=name, width=width,
                               height=height))
            for j, (x1, y1, x2, y2) in enumerate(boxes):
                w, h = x2 - x1, y2 - y1
                # A pentagon spanning the box: a mask that is not its box.
                poly = [x1, y1 + h / 2, x1 + w / 2, y1, x2, y1 + h / 2,
                        x1 + 0.75 * w, y2, x1 + 0.25 * w, y2]
                annotations.append(dict(
                    id=ann_id, image_id=i + 1,
                    category_id=COCO_CATEGORIES[(i + j) % 3]['id'],
                    bbox=[x1, y1, w, h], area=0.7 * w * h, iscrowd=0,
                    segmentation=[[float(v) for v in poly]]))
                ann_id += 1
        (root / 'annotations' / f'instances_{split}.json').write_text(
            json.dumps(dict(images=images, annotations=annotations,
                            categories=COCO_CATEGORIES)))
    return str(root) + '/'


def point_to(node, root):
    """Every ``data_root`` of a config subtree -> root (in place)."""
    if isinstance(node, dict):
        if 'data_root' in node:
            node['data_root'] = root
        for value in node.values():
            point_to(value, root)
    elif isinstance(node, (list, tuple)):
        for value in node:
            point_to(value, root)
    return node


def small_scales(node):
    """The multi-scale resize of the config's own pipeline, at 64 / 96 px
    shorter sides instead of 480..800 (speed only; in place)."""
    found = 0
    if isinstance(node, dict):
        if node.get('type') == 'RandomChoiceResize':
            node['scales'] = [(160, 64), (160, 96)]
            found += 1
        for value in node.values():
            found += small_scales(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            found += small_scales(value)
    return found
