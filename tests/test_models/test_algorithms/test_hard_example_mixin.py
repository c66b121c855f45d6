"""The HEXA contract: each algorithm declares its baseline's part with the
mixin's names and signatures; the hard pass and the training step are the
mixin's alone."""
import copy
import inspect

import pytest
import torch

from conftest import (multicrop_batch, normalized_batch, tiny_hexa_cfg,
                      tiny_hexa_dcluster_cfg)
from hexa_mm.models.algorithms import (HardExampleMixin, HEXADeepClusterV2,
                                       HEXAMoCo)
from mmselfsup.registry import MODELS

DECLARED = ('clean_pass', 'encode', 'pseudo_label_loss',
            'pseudo_label_flipped', 'mixed_target_loss')
SHARED = ('hard_pass', 'make_hard_examples', 'attack_loss', 'loss',
          'forward', 'train_step', 'two_pass_train_step')


@pytest.mark.parametrize('cls', [HEXAMoCo, HEXADeepClusterV2])
def test_algorithms_declare_the_contract_with_the_mixins_signatures(cls):
    for name in DECLARED:
        assert name in vars(cls), name
        assert list(inspect.signature(getattr(cls, name)).parameters) == list(
            inspect.signature(getattr(HardExampleMixin, name)).parameters)
    for name in SHARED:
        assert name not in vars(cls), name


def test_the_clean_pass_is_a_value_not_module_state():
    model = MODELS.build(tiny_hexa_cfg(reuse_clean_grad=True)).train()
    before = set(vars(model))
    losses, clean = model(normalized_batch(), None, mode='clean_pass')
    assert losses is clean.losses
    assert set(vars(model)) == before
    losses['loss_clean'].backward()
    hard = model(None, mode='hard_pass', clean=clean)
    assert {'loss_adv', 'loss_mix', 'adv_flip', 'adv_gap', 'mix_gap',
            'mix_lam'} <= set(hard)



STRONG_ATTACK = dict(type='AdversarialGenerator', eps=16 / 255, steps=3,
                     random_start=True)


def consistent_hardness(losses):
    """The figures of both kinds against the same clean rows."""
    assert losses['adv_win'] == 1 - losses['adv_flip']
    # gap = hard - clean and ratio = hard / clean: one clean loss for both.
    clean_adv = losses['adv_gap'] / (losses['adv_ratio'] - 1)
    clean_mix = losses['mix_gap'] / (losses['mix_ratio'] - 1)
    torch.testing.assert_close(clean_adv, clean_mix)
    # The attack is hard: more loss, fewer wins than the clean rows.
    assert losses['adv_ratio'] > 1
    assert losses['adv_win'] <= losses['clean_win']


def test_moco_hardness_figures_clean_adversarial_and_mixed_side_by_side():
    torch.manual_seed(0)
    model = MODELS.build(
        tiny_hexa_cfg(adversarial=STRONG_ATTACK, hard_fraction=0.5)).train()
    batch = normalized_batch(n=16)
    # Queries 0-3 of the 8 made hard find themselves in the queue: their own
    # key loses there (and some others' too: a random network's features
    # are alike), so clean_win is not a trivial 1.
    with torch.no_grad():
        model.queue[:, :4] = model.encode(batch[0])[:4].t()
    reference = copy.deepcopy(model)
    losses = model.loss(batch, None)
    consistent_hardness(losses)
    # clean_win: the clean queries that are made hard (the first 8), whose
    # own key beats every queue key.
    with torch.no_grad():
        clean = reference.clean_pass(batch, None)
        pos, neg = reference._logits(
            reference.encode(batch[0])[:8], clean.keys[:8], clean.queue)
    want = (pos.squeeze(1) > neg.max(1).values).float().mean()
    assert losses['clean_win'] == want
    assert 0 < want <= 0.5


def test_dcluster_hardness_figures_clean_adversarial_and_mixed_side_by_side():
    from test_deepcluster_v2 import filled
    torch.manual_seed(0)
    model = filled(
        MODELS.build(tiny_hexa_dcluster_cfg(adversarial=STRONG_ATTACK))
        .train())
    crops, samples = multicrop_batch(torch.arange(8))
    reference = copy.deepcopy(model)
    losses = model.loss(crops, samples)
    consistent_hardness(losses)
    # clean_win: the high-resolution crops whose top prototype of the first
    # head is their image's cluster.
    with torch.no_grad():
        embeddings = reference.embed(crops)
        targets = reference.batch_targets(torch.arange(8))[0]
        wins = [(e @ reference.head.prototypes[0].t()).argmax(1) == targets
                for e in embeddings[:2]]
    assert losses['clean_win'] == torch.cat(wins).float().mean()


def _moco_loss(model):
    return model.loss(normalized_batch(n=8, size=16), None)


def _dcluster_loss(model):
    from test_deepcluster_v2 import filled
    return filled(model).loss(*multicrop_batch(torch.arange(8)))


HARD_SIZE_CASES = [(tiny_hexa_cfg, _moco_loss),
                   (tiny_hexa_dcluster_cfg, _dcluster_loss)]


@pytest.mark.parametrize('make_cfg, run_loss', HARD_SIZE_CASES)
def test_hard_size_makes_hard_examples_of_smaller_copies(make_cfg, run_loss):
    """The attack and the hard forward see 8-pixel copies of the 16-pixel
    attacked views (a quarter of the pixels); every term and figure is
    there, and the adversarial copies stay within eps of the clean copies."""
    torch.manual_seed(0)
    model = MODELS.build(make_cfg(adversarial=STRONG_ATTACK,
                                  hard_size=8)).train()
    made, encoded = {}, []
    real_make, real_encode = model.make_hard_examples, model.encode_hard_examples

    def make(clean, input_grads=None):
        made['views'] = [model.hard_view(x[:clean.num_hard].detach())
                         for x in clean.attack_inputs]
        made['hard'] = real_make(clean, input_grads)
        return made['hard']

    def encode(clean, images):
        encoded.append(images.shape)
        return real_encode(clean, images)

    model.make_hard_examples, model.encode_hard_examples = make, encode
    losses = run_loss(model)
    assert {'loss_adv', 'loss_mix', 'adv_ratio', 'mix_ratio',
            'clean_win'} <= set(losses)
    assert all(torch.isfinite(v) for v in losses.values())
    assert encoded and all(shape[-2:] == (8, 8) for shape in encoded)
    adversarial, _ = made['hard']
    std = model.data_preprocessor.std.view(1, -1, 1, 1)
    for view, adv in zip(made['views'], adversarial):
        assert view.shape[-2:] == (8, 8)
        assert ((adv.inputs - view) * std / 255).abs().max() <= 16 / 255 + 1e-5


@pytest.mark.parametrize('make_cfg', [tiny_hexa_cfg, tiny_hexa_dcluster_cfg])
@pytest.mark.parametrize('overrides, match', [
    (dict(hard_size=0), 'hard_size=0'),
    (dict(hard_size=8.5), 'hard_size=8.5'),
    (dict(hard_size=8, reuse_clean_grad=True), 'full-size views'),
])
def test_hard_size_refuses_what_it_cannot_do(make_cfg, overrides, match):
    with pytest.raises(ValueError, match=match):
        MODELS.build(make_cfg(**overrides))


def test_hard_size_needs_a_separate_hard_forward():
    with pytest.raises(ValueError, match="hard_bn='shared'"):
        MODELS.build(tiny_hexa_cfg(hard_size=8, hard_bn='shared'))


def test_hard_size_above_the_views_side_is_refused():
    model = MODELS.build(tiny_hexa_cfg(hard_size=32)).train()
    with pytest.raises(ValueError, match=r'hard_size=32 .*16x16'):
        _moco_loss(model)
