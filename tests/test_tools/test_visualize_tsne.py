"""tools/visualize_tsne.py: maps of the digits and of an ImageNet folder."""
import os.path as osp
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from hexa_mm.visualization import subset_indices, tsne_embedding
from tool_runs import CONFIGS, ROOT, run_tool

# The fake ImageNet of the benchmark configs' tests.
sys.path.insert(0, osp.join(osp.dirname(__file__), '..', 'test_configs'))
from imagenet_fakes import write_fake_imagenet  # noqa: E402

TOOL = osp.join(ROOT, 'tools', 'visualize_tsne.py')


def _assert_picture(path):
    pixels = np.asarray(Image.open(path).convert('L'))
    assert pixels.shape[0] > 200 and pixels.shape[1] > 200
    assert pixels.std() > 10  # points and text, not a blank canvas


def test_tsne_separates_separable_features_and_is_seeded():
    g = torch.Generator().manual_seed(0)
    centres = torch.randn(3, 16, generator=g) * 5
    labels = torch.arange(60) % 3
    feats = centres[labels] + 0.1 * torch.randn(60, 16, generator=g)
    points = tsne_embedding(feats, seed=0)
    assert points.shape == (60, 2)
    np.testing.assert_array_equal(points, tsne_embedding(feats, seed=0))
    # Each point's nearest other point has its label.
    dist = ((points[:, None] - points[None]) ** 2).sum(-1)
    np.fill_diagonal(dist, np.inf)
    assert (labels.numpy()[dist.argmin(1)] == labels.numpy()).all()
    with pytest.raises(ValueError, match='N >= 3'):
        tsne_embedding(feats[:2])
    assert subset_indices(10, None) is None
    assert subset_indices(10, 20) is None
    index = subset_indices(100, 7, seed=1)
    assert len(set(index)) == 7 and list(index) == sorted(index)


def test_digits_map_of_a_random_backbone(tmp_path, digits_root):
    out = tmp_path / 'maps' / 'digits.png'
    log = run_tool([
        sys.executable, TOOL, osp.join(CONFIGS, 'mocov2_r18_digits.py'),
        '--data-root', digits_root, '--max-samples', '120', '--num-workers',
        '0', '--out', str(out)
    ], cwd=tmp_path)
    assert f't-SNE map: {out}' in log
    _assert_picture(out)


def test_imagenet_folder_map_of_a_checkpoint(tmp_path):
    from mmengine.config import Config
    from mmselfsup.registry import MODELS
    root = write_fake_imagenet(tmp_path / 'in1k', 2, 4)
    # A real checkpoint of the config's model (narrowed: ResNet-18).
    options = ['model.backbone.depth=18', 'model.neck.in_channels=512',
               'model.queue_len=64']
    cfg = Config.fromfile(osp.join(CONFIGS, 'mocov2_r50_200e.py'))
    cfg.model.backbone.depth = 18
    cfg.model.neck.in_channels = 512
    cfg.model.queue_len = 64
    model = MODELS.build(cfg.model)
    ckpt = tmp_path / 'mocov2_epoch_3.pth'
    torch.save(dict(state_dict=model.state_dict(), meta={}), ckpt)
    out = tmp_path / 'in1k.png'
    run_tool([
        sys.executable, TOOL, osp.join(CONFIGS, 'mocov2_r50_200e.py'),
        str(ckpt), '--dataset', 'imagenet', '--data-root', root,
        '--num-workers', '0', '--out', str(out), '--cfg-options', *options
    ], cwd=tmp_path)
    _assert_picture(out)
