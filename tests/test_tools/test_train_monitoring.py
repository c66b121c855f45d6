"""tools/train.py --vis tensorboard, and the online probe in the log."""
import glob
import json
import os.path as osp
import sys

from tool_runs import CONFIGS, ROOT, run_tool, tiny_digits_options, train_tool


def test_vis_tensorboard_adds_the_backend_once(tmp_path):
    config = osp.join(CONFIGS, 'mocov2_r18_digits.py')
    plain = train_tool.build_cfg(train_tool.parse_args([config]))
    cfg = train_tool.build_cfg(train_tool.parse_args(
        [config, '--vis', 'tensorboard', 'tensorboard']))
    backends = [b['type'] for b in cfg.visualizer.vis_backends]
    assert backends == [b['type'] for b in plain.visualizer.vis_backends
                        ] + ['TensorboardVisBackend']


def test_online_probe_in_the_log_and_tensorboard_events(tmp_path,
                                                        digits_root):
    work_dir = tmp_path / 'work'
    run_tool([
        sys.executable, osp.join(ROOT, 'tools', 'train.py'),
        osp.join(CONFIGS, 'mocov2_r18_digits.py'), '--work-dir',
        str(work_dir), '--vis', 'tensorboard', '--cfg-options',
        *tiny_digits_options(digits_root, **{
            'train_cfg.max_epochs': 2,
            'custom_hooks.2.val_dataset.data_root': digits_root
        })
    ], cwd=tmp_path)
    (scalars, ) = glob.glob(str(work_dir / '*' / 'vis_data' /
                                'scalars.json'))
    lines = [json.loads(line) for line in open(scalars)]
    top1 = [line['online_linear_top1'] for line in lines
            if 'online_linear_top1' in line]
    assert top1 and all(10 < t <= 100 for t in top1)
    assert any('online_linear_loss' in line for line in lines)
    events = glob.glob(str(work_dir / '*' / 'vis_data' / 'events.out.*'))
    assert events and osp.getsize(events[0]) > 0
