import copy

import torch

from conftest import multicrop_batch, tiny_hexa_dcluster_cfg
from hexa_mm.models.hard_examples import HardExamples
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
    assert set(losses) == {'loss_clean', 'loss_adv', 'loss_mix', 'adv_ratio',
                           'mix_ratio', 'mix_lam'}
    assert all(torch.isfinite(v) for v in losses.values())
    assert losses['adv_ratio'] > 1


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
    with torch.no_grad():
        feats = model.encode_hard_examples([m.inputs for m in made])
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
    model = filled(build(w_clean=0., adversarial=None))
    before = model.backbone.conv1.weight.detach().clone()
    optim = torch.optim.SGD(model.parameters(), lr=0.1)
    crops, samples = multicrop_batch(torch.arange(8))
    losses = model.loss(crops, samples)
    assert losses['loss_clean'] == 0
    optim.zero_grad()
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    optim.step()
    assert not torch.equal(before, model.backbone.conv1.weight)


def test_mixed_in_place_keeps_the_bank_clean_and_costs_no_forward():
    """mix_mode='replace': half of each high-resolution crop's rows are
    cut-mixed in the clean forward (one forward a resolution, as
    DeepCluster-v2); their bank rows keep their value, the clean rows take
    their new embeddings."""
    model = filled(build(adversarial=None, mix_mode='replace', w_clean=1.,
                         w_mix=1.))
    reference = copy.deepcopy(model)
    forwards = []
    model.backbone.register_forward_hook(
        lambda module, args, out: forwards.append(args[0]))
    index = torch.arange(8, 16)
    crops, samples = multicrop_batch(index, seed=2)
    bank = model.memory_bank.clone()
    losses = model.loss([c.clone() for c in crops], samples)
    assert len(forwards) == 2  # the 16 px and the 8 px crops
    assert set(losses) == {'loss_clean', 'loss_mix', 'mix_ratio', 'mix_lam'}
    high = forwards[0].chunk(2)  # crops 0 and 1, as the model saw them
    with torch.no_grad():
        want = reference.embed([*high, crops[2], crops[3]])
    for crop in (0, 1):
        assert not torch.equal(high[crop][:4], crops[crop][:4])
        assert torch.equal(high[crop][4:], crops[crop][4:])
        assert torch.equal(model.memory_bank[crop, index[:4]],
                           bank[crop, index[:4]])
        torch.testing.assert_close(model.memory_bank[crop, index[4:]],
                                   want[crop][4:])


def test_mixed_excess_subtracts_the_targets_entropy_per_head():
    """The KL divergence from the mixed target: the training loss minus
    H(lam) in each head where the partner is in another cluster (a partner
    in the same cluster makes the target one-hot)."""
    model = filled(build())
    feats = torch.nn.functional.normalize(torch.randn(4, 16), dim=1)
    targets = torch.tensor([[0, 1, 2, 3], [0, 0, 1, 1]])
    clean = model.clean_pass(*multicrop_batch(torch.arange(4)))
    clean.targets = targets
    mixed = HardExamples(inputs=torch.zeros(4), partner=torch.tensor(
        [1, 0, 3, 2]), lam=0.25)
    entropy = -(0.25 * torch.log(torch.tensor(0.25)) +
                0.75 * torch.log(torch.tensor(0.75)))
    loss = model.mixed_target_loss(feats, mixed, clean)
    excess = model.mixed_target_excess(feats, mixed, clean)
    # Head 0: every partner in another cluster; head 1: all in the same.
    torch.testing.assert_close(excess, loss - entropy / 2)
