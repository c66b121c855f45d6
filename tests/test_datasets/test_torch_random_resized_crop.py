"""TorchRandomResizedCrop: MMSelfSup's crop box, PIL's resize within 1 level."""
import random

import numpy as np
import pytest
from sklearn.datasets import load_sample_images

from mmselfsup.registry import TRANSFORMS


@pytest.mark.parametrize('size,scale', [(224, (0.2, 1.)), (96, (0.05, 0.14)),
                                        (32, (0.08, 1.))])
def test_same_box_as_mmselfsup_and_pils_pixels_within_one_level(size, scale):
    photo = load_sample_images().images[1]
    img = np.ascontiguousarray(photo[:375, :500, ::-1])
    ours = TRANSFORMS.build(
        dict(type='TorchRandomResizedCrop', size=size, scale=scale))
    theirs = TRANSFORMS.build(
        dict(type='RandomResizedCrop', size=size, scale=scale,
             backend='pillow'))
    for seed in range(5):
        random.seed(seed)
        a = ours.transform(dict(img=img))
        random.seed(seed)
        b = theirs.transform(dict(img=img))
        assert a['img'].shape == b['img'].shape == (size, size, 3)
        assert a['img'].dtype == np.uint8 and a['img_shape'] == (size, size)
        diff = np.abs(a['img'].astype(int) - b['img'])
        assert diff.max() <= 1 and diff.mean() < 0.3, (diff.max(),
                                                        diff.mean())


def test_a_non_uint8_image_is_named():
    crop = TRANSFORMS.build(dict(type='TorchRandomResizedCrop', size=8))
    with pytest.raises(TypeError, match='uint8.*x.png'):
        crop.transform(
            dict(img=np.zeros((20, 20, 3), np.float32), img_path='x.png'))
