import os.path as osp

import numpy as np
import pytest
from PIL import Image

from tool_runs import CONFIGS, load_tool

visualize = load_tool('visualize_hard_examples')

TINY = [
    'model.backbone.base_channels=8', 'model.backbone.stem_channels=8',
    'model.neck.in_channels=64', 'model.neck.hid_channels=64',
    'model.queue_len=64', 'train_dataloader.num_workers=0'
]


def test_writes_one_readable_grid_per_image(tmp_path, digits_root):
    paths = visualize.main([
        osp.join(CONFIGS, 'hexa_moco_r18_digits.py'), '--num-images', '3',
        '--out-dir',
        str(tmp_path), '--cfg-options',
        f'train_dataloader.dataset.data_root={digits_root}', *TINY
    ])
    assert len(paths) == 3
    for path in paths:
        image = np.asarray(Image.open(path).convert('RGB'))
        height, width, _ = image.shape
        # Six panels side by side, each a real picture (not blank).
        assert width > 4 * height > 400
        assert image.std() > 10


def test_a_config_without_generators_is_refused(tmp_path, digits_root):
    with pytest.raises(SystemExit, match='no adversarial generator'):
        visualize.main([
            osp.join(CONFIGS, 'mocov2_r18_digits.py'), '--out-dir',
            str(tmp_path), '--cfg-options',
            f'train_dataloader.dataset.data_root={digits_root}', *TINY
        ])
