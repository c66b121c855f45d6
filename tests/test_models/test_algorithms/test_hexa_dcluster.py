import copy

import pytest
import torch
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper

from conftest import multicrop_batch, tiny_hexa_dcluster_cfg, uint8_batch
from hexa_mm.models.utils import running_stats_frozen
from mmselfsup.registry import MODELS
from test_deepcluster_v2 import filled


def build(**overrides):
    torch.manual_seed(0)
    return MODELS.build(tiny_hexa_dcluster_cfg(**overrides)).train()


def test_adversarial_crop_raises_the_prototype_loss_within_eps():
    model = filled(build())
    index = torch.arange(8)
    crops, samples = multicrop_batch(index)
    loss_fn = model.attack_loss(model.clean_pass(crops, samples))
    adv = model.adversarial(crops[0], loss_fn, model.data_preprocessor,
                            model=model).inputs
    delta01 = (adv - crops[0]) * model.data_preprocessor.std / 255
    assert delta01.abs().max() <= 4 / 255 + 1e-5
    with torch.no_grad(), running_stats_frozen(model):
        assert loss_fn(adv).mean() > loss_fn(crops[0]).mean()


def test_losses_and_hardness_figures():
    model = filled(build())
    crops, samples = multicrop_batch(torch.arange(8))
    losses = model.loss(crops, samples)
    for key in ('loss_clean', 'loss_adv', 'loss_mix', 'adv_flip', 'adv_gap',
                'mix_gap', 'mix_lam'):
        assert torch.isfinite(losses[key]), key
    assert losses['adv_gap'] > 0


def test_cut_mixed_targets_are_lam_mixed_per_head():
    model = filled(build(adversarial=None))
    index = torch.arange(8)
    crops, samples = multicrop_batch(index)
    made = []
    real_cutmix = model.cutmix.forward

    def record(*args, **kwargs):
        made.append(real_cutmix(*args, **kwargs))
        return made[-1]

    model.cutmix.forward = record
    losses = model.loss(crops, samples)
    targets = model.assignments[:, index]
    with torch.no_grad(), running_stats_frozen(model):
        feats = model.embed([torch.cat([m.inputs for m in made])])[0].chunk(2)
        expected = torch.stack([
            m.lam * model.head(f, targets) +
            (1 - m.lam) * model.head(f, targets[:, m.partner])
            for f, m in zip(feats, made)
        ]).mean()
    torch.testing.assert_close(losses['loss_mix'], expected)
    assert any(0 < m.lam < 1 and not torch.equal(m.partner, index)
               for m in made)


def test_bank_and_assignments_come_from_clean_crops_only():
    plain = filled(build(adversarial=None, cutmix=None))
    hexa = build()
    hexa.load_state_dict(plain.state_dict(), strict=False)
    index = torch.arange(8, 16)
    crops, samples = multicrop_batch(index, seed=4)
    plain.loss([c.clone() for c in crops], samples)
    hexa.loss([c.clone() for c in crops], samples)
    assert torch.equal(hexa.memory_bank, plain.memory_bank)
    assert torch.equal(hexa.assignments, plain.assignments)


def test_hard_term_alone_trains_the_backbone():
    model = filled(build(w_clean=0., cutmix=None))
    before = model.backbone.conv1.weight.detach().clone()
    optim = torch.optim.SGD(model.parameters(), lr=0.1)
    crops, samples = multicrop_batch(torch.arange(8))
    losses = model.loss(crops, samples)
    optim.zero_grad()
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    optim.step()
    assert not torch.equal(before, model.backbone.conv1.weight)


def test_two_pass_train_step_is_the_one_backward_step():
    """reuse_clean_grad: the attack's step comes from the clean backward; the
    update equals differentiating loss() once, and the attack runs no forward
    of its own."""
    two_pass = filled(build(reuse_clean_grad=True))
    reference = build(reuse_clean_grad=True)
    reference.load_state_dict(two_pass.state_dict())
    calls = []
    two_pass.backbone.register_forward_hook(
        lambda *_: calls.append(len(calls)))
    wrappers = [OptimWrapper(torch.optim.SGD(m.parameters(), lr=0.1))
                for m in (two_pass, reference)]
    for step in range(2):
        index = torch.arange(8 * step, 8 * step + 8)
        data = uint8_batch(8, (16, 16, 8, 8), seed=step,
                           data_samples=multicrop_batch(index)[1])
        logs = two_pass.train_step(copy.deepcopy(data), wrappers[0])
        ref_logs = BaseModel.train_step(reference, copy.deepcopy(data),
                                        wrappers[1])
        assert set(logs) == set(ref_logs)
        for key in logs:
            torch.testing.assert_close(logs[key], ref_logs[key], msg=key)
        assert logs['adv_gap'] > 0  # the reused step still attacks
    for (name, a), b in zip(two_pass.state_dict().items(),
                            reference.state_dict().values()):
        torch.testing.assert_close(a, b, msg=name)
    # Per step: the 16 px and the 8 px clean crops, then the hard crops.
    assert len(calls) == 3 * 2


def test_reuse_clean_grad_refuses_a_zero_clean_weight():
    with pytest.raises(ValueError, match='w_clean=0'):
        build(reuse_clean_grad=True, w_clean=0.)
