"""tools/visualize_features.py: maps of the digits and of an ImageNet
folder, checked through what the tool returns: the points it embedded and
what the picture shows (each class's points, the axis ranges)."""
import builtins
import os.path as osp
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from tool_runs import CONFIGS, ROOT, load_tool

# The fake ImageNet of the benchmark configs' tests.
sys.path.insert(0, osp.join(osp.dirname(__file__), '..', 'test_configs'))
from imagenet_fakes import write_fake_imagenet  # noqa: E402

TOOL = osp.join(ROOT, 'tools', 'visualize_features.py')
visualize = load_tool('visualize_features')


def assert_shows(result, num_points):
    """The picture has one scatter per class, at exactly the returned
    points of that class, inside the axis ranges."""
    points, labels, panel = result['points'], result['labels'], result['panel']
    assert points.shape == (num_points, 2) and labels.shape == (num_points, )
    assert sorted(panel['points'], key=int) == [
        str(c) for c in np.unique(labels)]
    for name, xy in panel['points'].items():
        np.testing.assert_array_equal(xy, points[labels == int(name)])
    (x0, x1), (y0, y1) = panel['xlim'], panel['ylim']
    assert x0 < points[:, 0].min() and points[:, 0].max() < x1
    assert y0 < points[:, 1].min() and points[:, 1].max() < y1
    # One panel of 4.6 x 5 inches at 110 dpi.
    assert Image.open(result['out']).size == (int(4.6 * 110), int(5 * 110))


def test_digits_map_of_a_random_backbone(tmp_path, digits_root):
    out = tmp_path / 'maps' / 'digits.png'
    result = visualize.main([
        osp.join(CONFIGS, 'mocov2_r18_digits.py'), '--data-root', digits_root,
        '--max-samples', '120', '--num-workers', '0', '--out', str(out)
    ])
    assert result['out'] == str(out) and result['method'] == 'tsne'
    assert_shows(result, num_points=120)
    assert result['panel']['title'].startswith('t-SNE of mocov2_r18_digits')
    # The 120 validation digits drawn at random: every class is there.
    assert sorted(result['panel']['points'], key=int) == [
        str(c) for c in range(10)]


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
    result = visualize.main([
        osp.join(CONFIGS, 'mocov2_r50_200e.py'), str(ckpt), '--dataset',
        'imagenet', '--data-root', root, '--num-workers', '0', '--out',
        str(out), '--cfg-options', *options
    ])
    assert_shows(result, num_points=12)  # 3 classes x 4 images
    assert sorted(result['panel']['points']) == ['0', '1', '2']
    title = ' '.join(result['panel']['title'].split())  # unwrapped
    assert 'mocov2_epoch_3: 12 imagenet val images' in title


class FakeUMAP:
    """umap.UMAP's interface: records its arguments, maps each feature row
    to its first two coordinates."""
    calls = []

    def __init__(self, **kwargs):
        self.calls.append(kwargs)

    def fit_transform(self, feats):
        return np.asarray(feats)[:, :2] * 100


def test_umap_method_maps_with_umap(tmp_path, digits_root, monkeypatch):
    """--method umap: the tool's points are UMAP's output (a stand-in here:
    a real UMAP is the visualization tests'), with the command line's
    neighbours and seed."""
    fake = type(sys)('umap')
    fake.UMAP = FakeUMAP
    monkeypatch.setitem(sys.modules, 'umap', fake)
    FakeUMAP.calls.clear()
    result = visualize.main([
        osp.join(CONFIGS, 'mocov2_r18_digits.py'), '--method', 'umap',
        '--n-neighbors', '7', '--seed', '3', '--data-root', digits_root,
        '--max-samples', '30', '--num-workers', '0', '--out',
        str(tmp_path / 'umap.png')
    ])
    (kwargs, ) = FakeUMAP.calls
    assert kwargs['n_neighbors'] == 7 and kwargs['random_state'] == 3
    assert result['method'] == 'umap'
    assert result['panel']['title'].startswith('UMAP of mocov2_r18_digits')
    # The stand-in's output is what the picture shows: the first two
    # coordinates of the L2-normalised features, scaled.
    assert np.abs(result['points']).max() <= 100
    assert_shows(result, num_points=30)


def test_umap_without_umap_learn_is_a_one_line_error(tmp_path, digits_root,
                                                    monkeypatch, capsys):
    from hexa_mm.utils import run_cli
    real_import = builtins.__import__

    def no_umap(name, *args, **kwargs):
        if name == 'umap' or name.startswith('umap.'):
            raise ModuleNotFoundError(f"No module named '{name}'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, '__import__', no_umap)
    out = tmp_path / 'umap.png'
    monkeypatch.setattr(sys, 'argv', [
        TOOL, osp.join(CONFIGS, 'mocov2_r18_digits.py'), '--method', 'umap',
        '--data-root', digits_root, '--max-samples', '10', '--num-workers',
        '0', '--out', str(out)
    ])
    with pytest.raises(SystemExit) as exit_:
        run_cli(visualize.main)
    assert exit_.value.code == 2  # a user error, not a crash
    err = capsys.readouterr().err
    assert "optional package 'umap-learn'" in err
    assert 'pip install umap-learn' in err and 'Traceback' not in err
    assert not out.exists()  # no silent fall-back to t-SNE
