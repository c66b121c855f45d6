import os.path as osp

import numpy as np
import pytest
from matplotlib.axes import Axes
from mmpretrain.models.utils.batch_augments import CutMix
from PIL import Image

from hexa_mm.models.hard_examples.cutmix import CutMixGenerator
from tool_runs import CONFIGS, load_tool

visualize = load_tool('visualize_hard_examples')

TINY = [
    'model.backbone.base_channels=8', 'model.backbone.stem_channels=8',
    'model.neck.in_channels=64', 'model.neck.hid_channels=64',
    'model.queue_len=64', 'train_dataloader.num_workers=0'
]


def test_writes_one_readable_grid_per_image(tmp_path, digits_root,
                                           monkeypatch):
    """Each panel is what its title says: the adversarial view is view 1
    moved by exactly eps (2/255, one FGSM step) wherever the pixel range
    allows, the perturbation panel stretches that difference, and the
    cut-mix panel is view 1 with the box of its partner's view 1."""
    shown, titles, boxes, mixes = [], [], [], []
    real_imshow, real_title = Axes.imshow, Axes.set_title
    real_box, real_mix = CutMix.cutmix_bbox_and_lam, CutMixGenerator.forward

    def imshow(ax, image, *args, **kwargs):
        shown.append(np.array(image, dtype=np.float64))
        return real_imshow(ax, image, *args, **kwargs)

    def set_title(ax, title, *args, **kwargs):
        titles.append(title)
        return real_title(ax, title, *args, **kwargs)

    def box(self, *args, **kwargs):
        boxes.append(real_box(self, *args, **kwargs))
        return boxes[-1]

    def mix(self, *args, **kwargs):
        mixes.append(real_mix(self, *args, **kwargs))
        return mixes[-1]

    monkeypatch.setattr(Axes, 'imshow', imshow)
    monkeypatch.setattr(Axes, 'set_title', set_title)
    monkeypatch.setattr(CutMix, 'cutmix_bbox_and_lam', box)
    monkeypatch.setattr(CutMixGenerator, 'forward', mix)
    paths = visualize.main([
        osp.join(CONFIGS, 'hexa_moco_r18_digits.py'), '--num-images', '4',
        '--out-dir',
        str(tmp_path), '--cfg-options',
        f'train_dataloader.dataset.data_root={digits_root}', *TINY
    ])
    assert len(paths) == 4
    for path in paths:
        image = np.asarray(Image.open(path).convert('RGB'))
        height, width, _ = image.shape
        # Six panels side by side, each a real picture (not blank).
        assert width > 4 * height > 400
        assert image.std() > 10

    eps = 2 / 255
    assert len(shown) == len(titles) == 6 * 4
    assert len(boxes) == len(mixes) == 1
    (y1, y2, x1, x2), lam = boxes[0]
    partner = mixes[0].partner.tolist()
    views = [shown[6 * row + 1] for row in range(4)]
    for row in range(4):
        original, view, _, adv, perturbation, mixed = shown[6 * row:6 * row + 6]
        assert titles[6 * row:6 * row + 6] == [
            'original', 'view 1', 'view 2', 'adversarial view 1',
            'perturbation x64', f'cut-mix, lam={lam:.2f}']
        assert original.shape == (8, 8, 3)  # the scan itself
        assert view.shape == adv.shape == mixed.shape == (16, 16, 3)
        delta = adv - view
        assert np.abs(delta).max() <= eps + 1e-5
        # Away from the ends of the pixel range, every pixel moved by eps.
        inside = (view > eps + 1e-5) & (view < 1 - eps - 1e-5)
        assert inside.sum() > 0.1 * inside.size
        np.testing.assert_allclose(np.abs(delta[inside]), eps, atol=1e-5)
        # Stretched to the grey range: 0.5 + delta * 0.5 / eps (gain 63.75).
        np.testing.assert_allclose(perturbation, 0.5 + delta * 0.5 / eps,
                                   atol=1e-4)
        expected = view.copy()
        expected[y1:y2, x1:x2] = views[partner[row]][y1:y2, x1:x2]
        assert np.array_equal(mixed, expected)
    assert 0 < (y2 - y1) * (x2 - x1) < 16 * 16
    assert lam == pytest.approx(1 - (y2 - y1) * (x2 - x1) / 16**2)
    assert any(p != row for row, p in enumerate(partner))


def test_a_config_without_generators_is_refused(tmp_path, digits_root):
    with pytest.raises(SystemExit, match='no adversarial generator'):
        visualize.main([
            osp.join(CONFIGS, 'mocov2_r18_digits.py'), '--out-dir',
            str(tmp_path), '--cfg-options',
            f'train_dataloader.dataset.data_root={digits_root}', *TINY
        ])
