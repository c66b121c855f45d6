import copy

import pytest
import torch
import torch.nn.functional as F

from conftest import normalized_batch, tiny_hexa_cfg, tiny_moco_cfg
from hexa_mm.models.algorithms.hexa_moco import MoCoCleanPass
from hexa_mm.models.hard_examples import HardExamples
from mmselfsup.registry import MODELS


def build(cfg, seed=0):
    torch.manual_seed(seed)
    return MODELS.build(cfg).train()


def total(losses):
    return sum(v for k, v in losses.items() if 'loss' in k)


def test_both_terms_off_reproduce_mmselfsup_moco_exactly():
    moco = build(tiny_moco_cfg())
    hexa = build(tiny_hexa_cfg(adversarial=None, cutmix=None))
    missing, unexpected = hexa.load_state_dict(moco.state_dict(), strict=False)
    assert not missing and not unexpected
    for step in range(3):
        views = normalized_batch(seed=step)
        torch.manual_seed(100 + step)
        ref = moco.loss([v.clone() for v in views], None)
        torch.manual_seed(100 + step)
        ours = hexa.loss([v.clone() for v in views], None)
        assert set(ours) == {'loss_clean'}
        assert torch.equal(ours['loss_clean'], ref['loss'])
    assert torch.equal(hexa.queue, moco.queue)
    assert torch.equal(hexa.queue_ptr, moco.queue_ptr)
    for (name, a), b in zip(hexa.state_dict().items(),
                            moco.state_dict().values()):
        assert torch.equal(a, b), name


def test_weight_zero_switches_a_term_off():
    hexa = build(tiny_hexa_cfg(w_adv=0.))
    assert hexa.adversarial is None and hexa.cutmix is not None
    losses = hexa.loss(normalized_batch(), None)
    assert 'loss_adv' not in losses and 'loss_mix' in losses


def test_losses_and_hardness_figures_are_reported():
    hexa = build(tiny_hexa_cfg())
    losses = hexa.loss(normalized_batch(), None)
    assert set(losses) == {'loss_clean', 'loss_adv', 'loss_mix', 'adv_ratio',
                           'mix_ratio', 'mix_lam'}
    assert all(torch.isfinite(v) for v in losses.values())
    # The adversarial queries are harder than the clean ones.
    assert losses['adv_ratio'] > 1
    assert 0 <= losses['mix_lam'] <= 1


def test_keys_and_queue_never_see_hard_examples():
    """Same weights, same views: the queue and key encoder end up identical
    with and without hard examples."""
    plain = build(tiny_hexa_cfg(adversarial=None, cutmix=None))
    hexa = build(tiny_hexa_cfg())
    hexa.load_state_dict(plain.state_dict(), strict=False)
    views = normalized_batch()
    torch.manual_seed(7)
    plain.loss([v.clone() for v in views], None)
    torch.manual_seed(7)
    hexa.loss([v.clone() for v in views], None)
    assert torch.equal(hexa.queue, plain.queue)
    assert torch.equal(hexa.queue_ptr, plain.queue_ptr)
    for a, b in zip(hexa.encoder_k.module.parameters(),
                    plain.encoder_k.module.parameters()):
        assert torch.equal(a, b)


def bn_buffers(model):
    return {
        k: v.clone()
        for k, v in model.backbone.state_dict().items() if 'running' in k
    }


def test_hard_examples_leave_running_statistics_clean():
    """BN running statistics equal those of clean-only training: a frozen-BN
    probe sees the statistics of clean views."""
    plain = build(tiny_hexa_cfg(adversarial=None, cutmix=None))
    hexa = build(tiny_hexa_cfg())
    hexa.load_state_dict(plain.state_dict(), strict=False)
    views = normalized_batch()
    plain.loss([v.clone() for v in views], None)
    hexa.loss([v.clone() for v in views], None)
    ours, ref = bn_buffers(hexa), bn_buffers(plain)
    assert len(ref) > 10
    for key in ref:
        assert torch.equal(ours[key], ref[key]), key


@pytest.mark.parametrize('term', ['adv', 'mix'])
def test_a_hard_term_trains_the_backbone(term):
    hexa = build(tiny_hexa_cfg())
    losses = hexa.loss(normalized_batch(), None)
    losses[f'loss_{term}'].backward()
    changed = [
        name for name, p in hexa.backbone.named_parameters()
        if p.grad is not None and p.grad.abs().sum() > 0
    ]
    assert 'conv1.weight' in changed and len(changed) > 10


def test_adversarial_queries_respect_eps_through_the_preprocessor():
    hexa = build(tiny_hexa_cfg())
    views = normalized_batch()
    loss_fn = hexa.attack_loss(hexa.clean_pass(views, None))
    adv = hexa.adversarial(views[0], loss_fn, hexa.data_preprocessor,
                           model=hexa).inputs
    delta01 = (adv - views[0]) * hexa.data_preprocessor.std / 255
    assert delta01.abs().max() <= 4 / 255 + 1e-5
    with torch.no_grad():
        assert loss_fn(adv).mean() > loss_fn(views[0]).mean()


def test_head_must_take_soft_targets():
    cfg = tiny_hexa_cfg(head=tiny_moco_cfg()['head'])
    with pytest.raises(TypeError, match='SoftContrastiveHead'):
        MODELS.build(cfg)


def test_mixed_in_place_costs_one_forward_and_averages_over_the_batch():
    """mix_mode='replace': the first half of the queries are cut-mixed among
    themselves in the clean forward (no forward of their own: MoCo-v2's
    cost); L_clean and L_mix are sums over their rows over the batch size,
    so with weights of 1 the loss is the batch's mean per-query loss."""
    hexa = build(tiny_hexa_cfg(adversarial=None, mix_mode='replace',
                               replace_fraction=0.5))
    reference = copy.deepcopy(hexa)
    forwards, made = [], []
    hexa.backbone.register_forward_hook(
        lambda module, args, out: forwards.append(args[0]))
    hexa.cutmix.register_forward_hook(lambda m, a, out: made.append(out))
    views = normalized_batch(n=8)
    clean = hexa.clean_pass([v.clone() for v in views], None)
    assert set(clean.losses) == {'loss_clean', 'loss_mix', 'mix_ratio',
                                 'mix_lam'}
    (queries, ), (mixed, ) = forwards, made
    assert mixed.partner.numel() == 4
    assert torch.equal(queries[:4], mixed.inputs)
    assert torch.equal(queries[4:], views[0][4:])
    assert not torch.equal(queries[:4], views[0][:4])
    with torch.no_grad():
        q = reference.encode(queries)
        per_clean = reference.head.per_sample(
            *reference._logits(q[4:], clean.keys[4:], clean.queue))
        per_mixed = reference.mixed_target_loss(q[:4], mixed, clean)
    torch.testing.assert_close(clean.losses['loss_clean'],
                               per_clean.sum() / 8)
    torch.testing.assert_close(clean.losses['loss_mix'], per_mixed.sum() / 8)


def test_mixed_in_place_refuses_adversarial_examples():
    with pytest.raises(ValueError, match="mix_mode='replace'"):
        build(tiny_hexa_cfg(mix_mode='replace'))


def test_mixed_excess_is_the_kl_divergence_from_the_mixed_target():
    """mix_ratio's numerator: the mixed target's cross-entropy minus its
    entropy, i.e. KL(target || softmax), over the clean loss's columns (own
    key, queue) and the partner's key; for a query mixed with itself, its
    clean InfoNCE."""
    hexa = build(tiny_hexa_cfg())
    t = hexa.head.temperature
    g = torch.Generator().manual_seed(0)
    keys = F.normalize(torch.randn(3, 16, generator=g), dim=1)
    queue = F.normalize(torch.randn(16, 6, generator=g), dim=0)
    clean = MoCoCleanPass(losses={}, attack_inputs=[], keys=keys, queue=queue)
    feats = F.normalize(torch.randn(3, 16, generator=g), dim=1)
    mixed = HardExamples(inputs=torch.zeros(3), partner=torch.tensor([1, 0, 2]),
                         lam=0.7)
    excess = hexa.mixed_target_excess(feats, mixed, clean)
    for i, j in ((0, 1), (1, 0)):
        logits = torch.cat([feats[i] @ keys[i, None].t(),
                            feats[i] @ keys[j, None].t(), feats[i] @ queue])
        p = F.softmax(logits / t, dim=0)
        target = torch.tensor([0.7, 0.3])
        kl = (target * (target / p[:2]).log()).sum()
        torch.testing.assert_close(excess[i], kl)
    own = hexa.head.per_sample(*hexa._logits(feats[2:], keys[2:], queue))
    torch.testing.assert_close(excess[2:], own)
