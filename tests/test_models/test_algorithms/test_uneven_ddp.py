"""Two gloo processes whose batches differ in size (an uneven last batch):
the MoCo queue update, shuffle BN, the bank refresh and the clustering must
neither deadlock nor drift apart."""
import os

import pytest
import torch

from conftest import (multicrop_batch, normalized_batch, tiny_dcluster_cfg,
                      tiny_hexa_cfg)
from gloo import run_in_gloo_processes


def _worker(rank, out_dir):
    import hexa_mm  # noqa: F401
    from mmselfsup.registry import MODELS
    n = 4 if rank == 0 else 3  # rank 1 got the short last batch

    torch.manual_seed(0)
    moco = MODELS.build(tiny_hexa_cfg()).train()
    views = normalized_batch(n=n, seed=rank)
    losses = moco.loss(views, None)
    sum(v for k, v in losses.items() if 'loss' in k).backward()

    torch.manual_seed(0)
    dcluster = MODELS.build(tiny_dcluster_cfg(num_samples=14)).train()
    index = torch.arange(rank * 4, rank * 4 + n)
    for offset in (0, 7):  # fill every row: 0-3 + 4-6, then 7-10 + 11-13
        crops, _ = multicrop_batch(index + offset, seed=offset)
        with torch.no_grad():
            dcluster.update_bank(index + offset,
                                 dcluster.embed(crops[:2]), refresh=False)
    dcluster.bank_filled.fill_(True)
    dcluster.cluster(0)
    crops, samples = multicrop_batch(index, seed=9)
    dcluster.loss(crops, samples)['loss'].backward()
    torch.save(
        dict(queue=moco.queue, queue_ptr=moco.queue_ptr,
             bank=dcluster.memory_bank, assignments=dcluster.assignments,
             refreshes=dcluster.bank_refreshes),
        os.path.join(out_dir, f'rank{rank}.pt'))


@pytest.mark.timeout(300)
def test_uneven_batches_across_two_gloo_processes(tmp_path):
    run_in_gloo_processes(_worker, str(tmp_path))
    r0 = torch.load(tmp_path / 'rank0.pt')
    r1 = torch.load(tmp_path / 'rank1.pt')
    # 4 + 3 keys entered the queue on both ranks, identically.
    assert int(r0['queue_ptr']) == int(r1['queue_ptr']) == 7
    assert torch.equal(r0['queue'], r1['queue'])
    # Every rank holds the same bank and the same clusters of all 14 rows.
    assert torch.equal(r0['bank'], r1['bank'])
    assert (r0['bank'].norm(dim=2) > 0.99).all()
    assert torch.equal(r0['assignments'], r1['assignments'])
    assert r0['refreshes'].tolist() == [1] * 7 + [0] * 7
