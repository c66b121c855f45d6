"""extract_features under 2 gloo processes: the sampler pads 7 samples to 8;
the gathered rows must be the single process's, each sample once, in order."""
import os
import socket

import torch
import torch.multiprocessing as mp

from conftest import tiny_moco_cfg

PIPELINE = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='Resize', scale=(16, 16), backend='pillow'),
    dict(type='PackSelfSupInputs', algorithm_keys=['gt_label', 'sample_idx'])
]


def _features(digits_root):
    import hexa_mm  # noqa: F401
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner
    from hexa_mm.evaluation import extract_features
    from mmselfsup.registry import MODELS
    init_default_scope('mmselfsup')
    torch.manual_seed(0)
    model = MODELS.build(tiny_moco_cfg())
    loader = Runner.build_dataloader(
        dict(
            dataset=dict(type='DigitsDataset', data_root=digits_root,
                         split='val', indices=7, pipeline=PIPELINE),
            batch_size=3,
            num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='default_collate')))
    return extract_features(model, loader)


def _worker(rank, port, digits_root, out):
    import torch.distributed as dist
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=2)
    try:
        feats, labels = _features(digits_root)
        if rank == 0:
            torch.save(dict(feats=feats, labels=labels), out)
    finally:
        dist.destroy_process_group()


def test_two_processes_gather_each_sample_once_in_order(tmp_path,
                                                        digits_root):
    single_feats, single_labels = _features(digits_root)
    assert single_feats.shape[0] == 7
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    out = str(tmp_path / 'rank0.pt')
    mp.start_processes(_worker, args=(port, digits_root, out), nprocs=2,
                       start_method='spawn')
    got = torch.load(out)
    assert torch.equal(got['labels'], single_labels)
    torch.testing.assert_close(got['feats'], single_feats)
