"""SplitBN in one process == BN in k processes, each on its own sub-batch
(and, behind MoCo's batch shuffle, == k processes with shuffle BN)."""
import copy
import os

import pytest
import torch
from mmcv.cnn import build_norm_layer
from mmengine.registry import DefaultScope
from torch import nn

from conftest import TINY_BACKBONE, random_images
from gloo import run_in_gloo_processes
from hexa_mm.models.utils import SplitBatchNorm2d


def _bn_pair(k, channels=6, seed=0):
    torch.manual_seed(seed)
    split = SplitBatchNorm2d(channels, num_splits=k, momentum=0.3)
    with torch.no_grad():  # off the initial values, so a mix-up shows
        split.weight.uniform_(0.5, 1.5)
        split.bias.uniform_(-1, 1)
        split.running_mean.uniform_(-1, 1)
        split.running_var.uniform_(0.5, 2)
    plain = nn.BatchNorm2d(channels, momentum=0.3)
    plain.load_state_dict(split.state_dict())
    return split, plain


@pytest.mark.parametrize('k', [2, 4])
def test_split_bn_is_k_processes_of_plain_bn(k):
    split, plain = _bn_pair(k)
    x = torch.randn(4 * k, 6, 5, 5) * 3 + torch.arange(4 * k).view(-1, 1, 1,
                                                                     1)
    x.requires_grad_(True)
    out = split(x)
    # Process r holds rows [4r, 4r + 4) and a BN of its own.
    ranks = [copy.deepcopy(plain) for _ in range(k)]
    want = torch.cat([bn(x[4 * r:4 * r + 4]) for r, bn in enumerate(ranks)])
    torch.testing.assert_close(out, want, rtol=1e-5, atol=1e-5)
    # Not what BN over the whole batch gives.
    assert not torch.allclose(out, plain(x), atol=1e-3)
    # Running statistics: the mean of the k processes' buffers.
    for name in ('running_mean', 'running_var'):
        torch.testing.assert_close(
            getattr(split, name),
            torch.stack([getattr(bn, name) for bn in ranks]).mean(0))
    assert int(split.num_batches_tracked) == 1
    # Gradients: the sum of the k processes' (DDP averages the sum's
    # per-rank shares the same way the one process's loss mean does).
    out.square().mean().backward()
    grad_split = split.weight.grad.clone()
    xs = x.detach().clone().requires_grad_(True)
    ranks = [copy.deepcopy(plain) for _ in range(k)]
    torch.cat([bn(xs[4 * r:4 * r + 4])
               for r, bn in enumerate(ranks)]).square().mean().backward()
    torch.testing.assert_close(
        grad_split, sum(bn.weight.grad for bn in ranks), rtol=1e-5, atol=1e-6)


def test_eval_mode_and_one_split_are_plain_bn():
    split, plain = _bn_pair(4)
    x = torch.randn(8, 6, 3, 3)
    split.eval(), plain.eval()
    torch.testing.assert_close(split(x), plain(x))
    one, plain = _bn_pair(1)
    torch.testing.assert_close(one(x), plain(x))


def test_batch_that_does_not_split_is_named():
    with pytest.raises(ValueError, match='batch of 6 .* num_splits=4'):
        SplitBatchNorm2d(3, num_splits=4)(torch.randn(6, 3, 2, 2))
    with pytest.raises(ValueError, match='num_splits=0'):
        SplitBatchNorm2d(3, num_splits=0)


def test_running_stats_frozen_and_hard_example_context_work():
    from hexa_mm.models.utils import running_stats_frozen
    split, _ = _bn_pair(2)
    before = split.state_dict()
    with running_stats_frozen(split):
        split(torch.randn(4, 6, 3, 3))
    for key, value in split.state_dict().items():
        assert torch.equal(value, before[key]), key


@pytest.mark.parametrize('scope', ['mmselfsup', 'mmcls', 'mmpretrain'])
def test_registered_for_every_scope_with_bn_names(scope):
    with DefaultScope.overwrite_default_scope(scope):
        name, layer = build_norm_layer(
            dict(type='SplitBN', num_splits=4), 8)
    assert name == 'bn' and isinstance(layer, SplitBatchNorm2d)
    assert layer.num_splits == 4


def test_resnet_with_split_bn_keeps_plain_bn_keys():
    from mmselfsup.registry import MODELS
    split_cfg = dict(TINY_BACKBONE, norm_cfg=dict(type='SplitBN',
                                                  num_splits=2))
    split = MODELS.build(split_cfg)
    plain = MODELS.build(TINY_BACKBONE)
    assert split.state_dict().keys() == plain.state_dict().keys()
    assert any(isinstance(m, SplitBatchNorm2d) for m in split.modules())


def _tiny_key_encoder(norm_cfg):
    from mmselfsup.registry import MODELS
    torch.manual_seed(0)
    encoder = MODELS.build(dict(TINY_BACKBONE, norm_cfg=norm_cfg))
    encoder.train()  # mmcls's ResNet.train() returns None
    return encoder


def _shuffled_keys(encoder, images, seed):
    """MoCo's key path: shuffle, embed, unshuffle (hexa_mm's batch_shuffle,
    what HEXAMoCo runs; one process or many)."""
    from hexa_mm.models.utils import batch_shuffle, batch_unshuffle
    torch.manual_seed(seed)
    shuffled, unshuffle = batch_shuffle(images)
    feats = encoder(shuffled)[-1].mean(dim=(2, 3))
    return batch_unshuffle(feats, unshuffle)


def _rank_keys(rank, images, out_dir):
    import hexa_mm  # noqa: F401
    with DefaultScope.overwrite_default_scope('mmselfsup'):
        encoder = _tiny_key_encoder(dict(type='BN'))
        n = images.size(0) // 2
        keys = _shuffled_keys(encoder, images[rank * n:(rank + 1) * n], 3)
    torch.save(dict(keys=keys, state=encoder.state_dict()),
               os.path.join(out_dir, f'rank{rank}.pth'))


def test_one_process_split_bn_equals_two_processes_with_shuffle_bn(tmp_path):
    images = random_images(8, 16, torch.Generator().manual_seed(1))
    run_in_gloo_processes(_rank_keys, images, str(tmp_path))
    ranks = [torch.load(tmp_path / f'rank{r}.pth') for r in range(2)]

    encoder = _tiny_key_encoder(dict(type='SplitBN', num_splits=2))
    keys = _shuffled_keys(encoder, images, 3)
    # Rank r gets back the keys of its own images, rows [4r, 4r + 4).
    torch.testing.assert_close(keys[:4], ranks[0]['keys'], rtol=1e-4,
                               atol=1e-5)
    torch.testing.assert_close(keys[4:], ranks[1]['keys'], rtol=1e-4,
                               atol=1e-5)
    # The shuffle matters: without it, BN statistics differ (the leak).
    unshuffled = _tiny_key_encoder(dict(type='SplitBN', num_splits=2))(
        images)[-1].mean(dim=(2, 3))
    assert not torch.allclose(keys, unshuffled, atol=1e-3)
    # Running statistics: the mean of the two processes' buffers.
    state = encoder.state_dict()
    for key, value in state.items():
        if key.endswith(('running_mean', 'running_var')):
            torch.testing.assert_close(
                value, (ranks[0]['state'][key] + ranks[1]['state'][key]) / 2,
                rtol=1e-4, atol=1e-6)
