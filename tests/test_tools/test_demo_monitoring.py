"""make demo's online linear probe column and curve, and its t-SNE maps."""
import json

import numpy as np
from PIL import Image

from tool_runs import load_tool

demo = load_tool('demo')


def test_demo_reports_online_probe_and_writes_a_map_per_method(
        digits_root, tmp_path):
    out = tmp_path / 'results'
    runs = demo.main([
        '--methods', 'mocov2', '--epochs', '1', '--eval-interval', '1',
        '--data-root', str(digits_root), '--out', str(out), '--work-dir',
        str(tmp_path / 'work')
    ])
    mocov2 = runs[-1]
    assert mocov2['method'] == 'mocov2'
    # The digits config runs the probe: one score per epoch, the last one
    # in the table.
    assert [e for e, _ in mocov2['online_curve']] == [1]
    assert 10 < mocov2['online_linear_top1'] <= 100
    assert mocov2['online_linear_top1'] == mocov2['online_curve'][-1][1]
    assert all('online_linear_top1' not in r for r in runs[:2])  # random
    saved = json.loads((out / 'demo.json').read_text())
    row = saved['summary'][-1]
    assert row['online_linear_top1'] == mocov2['online_linear_top1']
    table = (out / 'demo.md').read_text()
    assert '| online linear top-1, last epoch |' in table.splitlines()[0]
    # The online probe's column, then the hardness one (none for MoCo-v2).
    assert table.splitlines()[-1].endswith(
        f"| {mocov2['online_linear_top1']:.1f} +- 0.0 |  |")
    # The plot gains a second panel: wider than the kNN-only one.
    plot = np.asarray(Image.open(out / 'demo.png').convert('L'))
    assert plot.shape[1] > 1000
    # One t-SNE map per method and per random backbone.
    maps = sorted(p.name for p in (out / 'demo_tsne').iterdir())
    assert maps == ['mocov2_seed0.png',
                    'random_init_PyTorch_default_seed0.png',
                    'random_init_seed0.png']
    for name in maps:
        pixels = np.asarray(Image.open(out / 'demo_tsne' / name).convert('L'))
        assert pixels.std() > 10
