"""Two gloo processes whose batches differ in size (an uneven last batch),
each algorithm in the DDP wrapper its configs use: a training step (forward,
backward on both ranks, gradients averaged, SGD step) must neither deadlock
nor leave the ranks apart; the MoCo queue, the bank refresh and the
clustering take both ranks' rows."""
import os

import pytest
import torch

from conftest import (multicrop_batch, tiny_dcluster_cfg, tiny_hexa_cfg,
                      tiny_hexa_dcluster_cfg, uint8_batch)
from gloo import run_in_gloo_processes

#: name -> (model config, DDP wrapper): the HEXA configs name
#: TwoPassDistributedDataParallel (a step of two backward passes), the
#: baseline MMEngine's default. (MMSelfSup's own MoCo gathers keys of equal
#: batch sizes only; MMEngine's DefaultSampler gives every rank as many
#: samples.)
ALGORITHMS = {
    'hexa_moco': (tiny_hexa_cfg, 'TwoPassDistributedDataParallel'),
    'dcluster': (tiny_dcluster_cfg, 'MMDistributedDataParallel'),
    'hexa_dcluster': (tiny_hexa_dcluster_cfg,
                      'TwoPassDistributedDataParallel'),
}
NUM_SAMPLES = 14  # DeepCluster-v2's bank: 4 + 3 rows a step, two steps


def _wrapped(name):
    from mmengine.registry import MODEL_WRAPPERS
    from mmselfsup.registry import MODELS
    make_cfg, wrapper = ALGORITHMS[name]
    cfg = make_cfg(num_samples=NUM_SAMPLES) if 'dcluster' in name else \
        make_cfg()
    torch.manual_seed(0)  # the same initial weights on both ranks
    model = MODELS.build(cfg).train()
    return MODEL_WRAPPERS.build(
        dict(type=wrapper, device_ids=None, broadcast_buffers=False),
        default_args=dict(module=model))


def _fill_bank_and_cluster(model, index):
    """Every bank row filled by the rank that holds it, then k-means."""
    for offset in (0, 7):  # rows 0-3 + 4-6, then 7-10 + 11-13
        crops, _ = multicrop_batch(index + offset, seed=offset)
        with torch.no_grad():
            model.update_bank(index + offset, model.embed(crops[:2]),
                              refresh=False)
    model.bank_filled.fill_(True)
    model.cluster(0)


def _worker(rank, out_dir):
    import hexa_mm  # noqa: F401
    from mmengine.optim import OptimWrapper
    from mmengine.registry import init_default_scope
    init_default_scope('mmselfsup')
    n = 4 if rank == 0 else 3  # rank 1 got the short last batch
    index = torch.arange(rank * 4, rank * 4 + n)
    results = {}
    for name in ALGORITHMS:
        ddp = _wrapped(name)
        model = ddp.module
        if 'dcluster' in name:
            _fill_bank_and_cluster(model, index)
            _, samples = multicrop_batch(index, seed=9)
            batch = uint8_batch(n=n, sizes=(16, 16, 8, 8), seed=rank,
                                data_samples=samples)
        else:
            batch = uint8_batch(n=n, seed=rank)
        before = {k: v.detach().clone() for k, v in model.named_parameters()}
        torch.manual_seed(100 + rank)
        logs = ddp.train_step(
            batch, OptimWrapper(torch.optim.SGD(ddp.parameters(), lr=0.1)))
        results[name] = dict(
            before=before,
            after={k: v.detach().clone()
                   for k, v in model.named_parameters()},
            buffers={k: v.clone() for k, v in model.named_buffers()
                     if k in ('queue', 'queue_ptr', 'memory_bank',
                              'assignments', 'bank_refreshes')},
            loss=float(logs['loss']))
    torch.save(results, os.path.join(out_dir, f'rank{rank}.pt'))


@pytest.mark.timeout(300)
def test_uneven_batches_train_in_step_across_two_gloo_processes(tmp_path):
    run_in_gloo_processes(_worker, str(tmp_path))
    r0 = torch.load(tmp_path / 'rank0.pt')
    r1 = torch.load(tmp_path / 'rank1.pt')
    for name in ALGORITHMS:
        a, b = r0[name], r1[name]
        # Different images on the ranks, so different losses ...
        assert a['loss'] != b['loss'], name
        # ... but averaged gradients: one update, identical on both ranks,
        # and the backbone did receive it.
        for key, value in a['after'].items():
            assert torch.isfinite(value).all(), (name, key)
            assert torch.equal(value, b['after'][key]), (name, key)
        moved = [key for key, value in a['after'].items()
                 if not torch.equal(value, a['before'][key])]
        assert any(key.startswith('backbone.') for key in moved), name
        assert any(key.startswith('neck.') for key in moved), name
        for key, value in a['buffers'].items():
            assert torch.equal(value, b['buffers'][key]), (name, key)
    # 4 + 3 keys entered the queue on both ranks.
    assert int(r0['hexa_moco']['buffers']['queue_ptr']) == 7
    for name in ('dcluster', 'hexa_dcluster'):
        buffers = r0[name]['buffers']
        assert (buffers['memory_bank'].norm(dim=2) > 0.99).all(), name
        assert (buffers['assignments'] >= 0).all(), name
        # The step refreshed the 7 rows of both ranks' batches.
        assert buffers['bank_refreshes'].tolist() == [1] * 7 + [0] * 7, name
