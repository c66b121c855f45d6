import torch

from mmselfsup.models.heads import ContrastiveHead
from mmselfsup.registry import MODELS


def _heads():
    cfg = dict(loss=dict(type='mmcls.CrossEntropyLoss'), temperature=0.2)
    return (MODELS.build(dict(type='SoftContrastiveHead', **cfg)),
            ContrastiveHead(**cfg))


def test_forward_is_mmselfsups_contrastive_head():
    ours, theirs = _heads()
    torch.manual_seed(0)
    pos, neg = torch.randn(8, 1), torch.randn(8, 20)
    assert torch.equal(ours(pos.clone(), neg.clone()),
                       theirs(pos.clone(), neg.clone()))


def test_per_sample_averages_to_forward():
    ours, _ = _heads()
    torch.manual_seed(1)
    pos, neg = torch.randn(8, 1), torch.randn(8, 20)
    per = ours.per_sample(pos, neg)
    assert per.shape == (8, )
    torch.testing.assert_close(per.mean(), ours(pos.clone(), neg.clone()))


def test_soft_with_one_hot_on_column_zero_equals_per_sample():
    ours, _ = _heads()
    torch.manual_seed(2)
    pos, neg = torch.randn(4, 1), torch.randn(4, 9)
    targets = torch.zeros(4, 10)
    targets[:, 0] = 1
    torch.testing.assert_close(
        ours.soft(torch.cat([pos, neg], 1), targets), ours.per_sample(pos, neg))
