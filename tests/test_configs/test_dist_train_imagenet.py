"""``tools/dist_train.sh`` with the ImageNet HEXA configs, as an 8-GPU user
runs them, on 2 gloo processes on CPU: SyncBN (synchronised over gloo, see
compat), MoCo's shuffle BN, the DeepCluster-v2 hook's bank fill and k-means
over both ranks, and ``TwoPassDistributedDataParallel`` together. The
overrides are the single-process test's (test_pretrain_configs.py), on 8
images: 2 per process and step, 2 steps."""
import os.path as osp
import sys

import pytest

from config_runs import load_checkpoint, logged_iterations
from gloo import DIST_TRAIN_ENV
from imagenet_fakes import write_fake_imagenet
from test_pretrain_configs import cpu_overrides
from tool_runs import CONFIGS, ROOT, run_tool


@pytest.mark.parametrize('config',
                         ['hexa_moco_r50_200e.py', 'hexa_dcluster_r50_800e.py'])
def test_dist_train_imagenet_config_two_gloo_processes(config, tmp_path):
    root = write_fake_imagenet(tmp_path / 'imagenet', [3, 3, 2], 1)
    options = cpu_overrides(config, root)
    options.update({'train_cfg.max_epochs': 1,
                    'train_dataloader.num_workers': 1})
    if 'dcluster' in config:
        options['model.num_samples'] = 8
    work_dir = tmp_path / 'work'
    out = run_tool(
        ['bash', osp.join(ROOT, 'tools', 'dist_train.sh'),
         osp.join(CONFIGS, config), '2', '--work-dir', str(work_dir),
         '--cfg-options'] + [f'{k}={v}' for k, v in options.items()],
        cwd=tmp_path, env={'PYTHON': sys.executable, **DIST_TRAIN_ENV})
    assert "dist_cfg: {'backend': 'gloo'}" in out
    assert 'GPU number: 2' in out
    assert "type='TwoPassDistributedDataParallel'" in out
    ckpt = load_checkpoint(work_dir / 'epoch_1.pth')
    assert ckpt['meta']['iter'] == 2
    assert len(ckpt['hexa_random_states']) == 2  # one per rank
    state = ckpt['state_dict']
    if 'queue_ptr' in state:  # both ranks' keys entered the queue
        assert int(state['queue_ptr']) == 8
    else:
        # Filled by both ranks, clustered, every row refreshed once.
        assert state['bank_refreshes'].tolist() == [1] * 8
        assert (state['assignments'] >= 0).all()
        assert (state['memory_bank'].norm(dim=2) - 1).abs().max() < 1e-4
    logs = logged_iterations(work_dir)
    assert [line['iter'] for line in logs] == [1, 2]
    assert all('loss_adv' in line and 'loss_mix' in line for line in logs)
