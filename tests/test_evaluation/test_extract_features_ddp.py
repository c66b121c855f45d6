"""extract_features under 2 gloo processes: the sampler pads 7 samples to 8;
the gathered rows must be the single process's, each sample once, in order."""
import torch

from mmselfsup.registry import MODELS

from conftest import tiny_moco_cfg
from gloo import run_in_gloo_processes

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


def _worker(rank, digits_root, out_dir):
    feats, labels = _features(digits_root)
    torch.save(dict(feats=feats, labels=labels), f'{out_dir}/rank{rank}.pt')


def test_two_processes_gather_each_sample_once_in_order(tmp_path,
                                                        digits_root):
    from knn_reference import digits_features
    single_feats, single_labels = _features(digits_root)
    # The single process's rows: the backbone's features of the first 7
    # validation digits, computed without hexa_mm.evaluation.
    torch.manual_seed(0)
    model = MODELS.build(tiny_moco_cfg())
    want_feats, want_labels = digits_features(model, digits_root, 'val',
                                              indices=7)
    assert single_labels.tolist() == want_labels.tolist()
    torch.testing.assert_close(single_feats,
                               torch.from_numpy(want_feats).float())
    run_in_gloo_processes(_worker, digits_root, str(tmp_path))
    # Every rank gets all 7 rows (4 embedded by rank 0, 3 + 1 padding by
    # rank 1), in sample order, not only rank 0.
    for rank in (0, 1):
        got = torch.load(tmp_path / f'rank{rank}.pt')
        assert torch.equal(got['labels'], single_labels), rank
        torch.testing.assert_close(got['feats'], single_feats, msg=str(rank))
