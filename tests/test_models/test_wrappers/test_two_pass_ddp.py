"""TwoPassDistributedDataParallel with two gloo processes: HEXA-MoCo's
two-pass step (reuse_clean_grad) gives the update of MMEngine's one-backward
DDP step, and any other model trains as under MMDistributedDataParallel."""
import copy
import os

import pytest
import torch

from conftest import tiny_hexa_cfg, tiny_moco_cfg, uint8_batch
from gloo import run_in_gloo_processes


def _worker(rank, out_dir):
    import hexa_mm  # noqa: F401
    from mmengine.model import MMDistributedDataParallel
    from mmengine.optim import OptimWrapper
    from mmengine.registry import MODEL_WRAPPERS, init_default_scope
    from mmselfsup.registry import MODELS
    init_default_scope('mmselfsup')
    results = {}
    for name, cfg in (('hexa', tiny_hexa_cfg(reuse_clean_grad=True)),
                      ('moco', tiny_moco_cfg())):
        states, logs = {}, {}
        for wrapper in ('TwoPassDistributedDataParallel',
                        'MMDistributedDataParallel'):
            torch.manual_seed(0)
            # As the Runner builds it from model_wrapper_cfg (MMEngine's
            # default wrapper does not broadcast buffers either).
            model = MODEL_WRAPPERS.build(
                dict(type=wrapper, device_ids=None, broadcast_buffers=False),
                default_args=dict(module=MODELS.build(cfg).train()))
            if wrapper == 'MMDistributedDataParallel':
                assert type(model) is MMDistributedDataParallel
            optim = OptimWrapper(torch.optim.SGD(
                model.parameters(), lr=0.1, momentum=0.9))
            for step in range(2):
                torch.manual_seed(100 + step)
                out = model.train_step(uint8_batch(seed=10 * rank + step),
                                       optim)
            states[wrapper] = copy.deepcopy(model.module.state_dict())
            logs[wrapper] = {k: float(v) for k, v in out.items()}
        results[name] = dict(states=states, logs=logs)
    torch.save(results, os.path.join(out_dir, f'rank{rank}.pt'))


@pytest.mark.timeout(300)
def test_two_pass_step_under_ddp_equals_the_one_backward_step(tmp_path):
    run_in_gloo_processes(_worker, str(tmp_path))
    ranks = [torch.load(tmp_path / f'rank{r}.pt') for r in (0, 1)]
    for name in ('hexa', 'moco'):
        for r in ranks:
            two_pass = r[name]['states']['TwoPassDistributedDataParallel']
            plain = r[name]['states']['MMDistributedDataParallel']
            for key, value in two_pass.items():
                torch.testing.assert_close(value, plain[key], msg=key)
            logs = r[name]['logs']
            assert logs['TwoPassDistributedDataParallel'] == pytest.approx(
                logs['MMDistributedDataParallel'], rel=1e-5, abs=1e-6)
        # The gradients were synced: both ranks hold the same weights.
        a, b = (r[name]['states']['TwoPassDistributedDataParallel']
                for r in ranks)
        for key in a:
            if 'backbone' in key and 'weight' in key:
                torch.testing.assert_close(a[key], b[key], msg=key)
    # Each rank made its own hard queries from its own batch.
    hexa_logs = [r['hexa']['logs']['TwoPassDistributedDataParallel']
                 for r in ranks]
    assert hexa_logs[0]['loss_adv'] != hexa_logs[1]['loss_adv']
