"""The HEXA contract: each algorithm declares its baseline's part with the
mixin's names and signatures; the hard pass, the hard examples' forward and
the two-pass training step are the mixin's alone."""
import copy
import inspect

import pytest
import torch
from mmengine.optim import OptimWrapper

from conftest import (TINY_BACKBONE, multicrop_batch, normalized_batch,
                      tiny_hexa_cfg, tiny_hexa_dcluster_cfg, uint8_batch)
from hexa_mm.models.algorithms import (HardExampleMixin, HEXADeepClusterV2,
                                       HEXAMoCo)
from hexa_mm.models.utils import running_stats_frozen
from hexa_mm.utils.config_check import accepted_fields
from mmselfsup.registry import MODELS
from one_backward import one_backward_step
from test_deepcluster_v2 import filled

DECLARED = ('clean_pass', 'encode', 'pseudo_label_loss', 'mixed_target_loss',
            'mixed_target_excess')
SHARED = ('hard_pass', 'make_hard_examples', 'encode_hard_examples',
          'mix_in_place', 'attack_loss', 'loss', 'forward', 'train_step',
          'two_pass_train_step')


def build(cfg, seed=0):
    torch.manual_seed(seed)
    model = MODELS.build(cfg).train()
    return filled(model) if isinstance(model, HEXADeepClusterV2) else model


@pytest.mark.parametrize('cls', [HEXAMoCo, HEXADeepClusterV2])
def test_algorithms_declare_the_contract_with_the_mixins_signatures(cls):
    for name in DECLARED:
        assert name in vars(cls), name
        assert list(inspect.signature(getattr(cls, name)).parameters) == list(
            inspect.signature(getattr(HardExampleMixin, name)).parameters)
    for name in SHARED:
        assert name not in vars(cls), name


@pytest.mark.parametrize('cls', [HEXAMoCo, HEXADeepClusterV2])
def test_every_hard_example_setting_is_a_config_field(cls):
    """The settings reach init_hard_examples through **kwargs: the config
    check must know them, or it would refuse model.adversarial."""
    settings = set(inspect.signature(
        HardExampleMixin.init_hard_examples).parameters) - {'self'}
    assert settings <= accepted_fields(cls)
    assert 'hard_bn' not in accepted_fields(cls)


def test_the_clean_pass_is_a_value_not_module_state():
    model = build(tiny_hexa_cfg())
    before = set(vars(model))
    losses, clean = model(normalized_batch(), None, mode='clean_pass')
    assert losses is clean.losses
    assert set(vars(model)) == before
    losses['loss_clean'].backward()
    hard = model(None, mode='hard_pass', clean=clean)
    assert {'loss_adv', 'loss_mix', 'adv_ratio', 'mix_ratio',
            'mix_lam'} == set(hard)


def test_hard_pass_without_its_clean_pass_is_refused():
    model = build(tiny_hexa_cfg())
    with pytest.raises(RuntimeError, match="mode='clean_pass'"):
        model(normalized_batch(), None, mode='hard_pass')


def record_hard_batches(model):
    """Capture every generator's output and the hard forward's input."""
    seen = dict(made=[], forward=[])
    for generator in (model.adversarial, model.cutmix):
        generator.register_forward_hook(
            lambda module, args, out: seen['made'].append(out.inputs))
    real_encode = model.encode

    def encode(images):
        seen['forward'].append(images)
        return real_encode(images)

    model.encode = encode
    return seen


def test_hard_rows_are_interleaved_so_a_split_bn_batch_holds_both_kinds():
    """With split BN over k sub-batches (one GPU standing in for k), sub-batch
    r of the hard forward holds the adversarial and the cut-mixed queries of
    the images of clean sub-batch r, as GPU r's hard batch does; the
    features are those of one forward of the concatenation under plain BN."""
    backbone = dict(copy.deepcopy(TINY_BACKBONE),
                    norm_cfg=dict(type='SplitBN', num_splits=4))
    model = build(tiny_hexa_cfg(backbone=backbone))
    seen = record_hard_batches(model)
    model.loss(normalized_batch(n=8), None)
    adversarial, mixed = seen['made']
    hard = seen['forward'][-1]  # clean queries, the attack's, then the hard
    assert hard.shape[0] == 16
    for r, split in enumerate(hard.chunk(4)):
        rows = range(2 * r, 2 * r + 2)  # clean sub-batch r: 8 / 4 images
        assert torch.equal(split, torch.stack(
            [x for i in rows for x in (adversarial[i], mixed[i])]))

    plain = build(tiny_hexa_cfg())
    a, b = normalized_batch(seed=1)
    feats = plain.encode_hard_examples([a, b])
    with torch.no_grad(), running_stats_frozen(plain):
        reference = plain.encode(torch.cat([a, b])).split(8)
    for got, want in zip(feats, reference):
        torch.testing.assert_close(got, want)


def moco_data(step):
    return uint8_batch(seed=step)


def dcluster_data(step):
    index = torch.arange(8 * step, 8 * step + 8)
    return uint8_batch(8, (16, 16, 8, 8), seed=step,
                       data_samples=multicrop_batch(index)[1])


FAMILIES = [(tiny_hexa_cfg, moco_data), (tiny_hexa_dcluster_cfg, dcluster_data)]


class ScaledLossOptimWrapper(OptimWrapper):
    """Like AmpOptimWrapper's loss scaling, on CPU: backward of S * loss,
    gradients divided by S before the step."""

    SCALE = 1024.

    def backward(self, loss, **kwargs):
        (loss * self.SCALE).backward(**kwargs)
        self._inner_count += 1

    def step(self, **kwargs):
        for group in self.optimizer.param_groups:
            for p in group['params']:
                if p.grad is not None:
                    p.grad.div_(self.SCALE)
        super().step(**kwargs)


def sgd_wrapper(model, cls=OptimWrapper, **kwargs):
    return cls(torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
               **kwargs)


@pytest.mark.parametrize('make_cfg, make_data', FAMILIES)
@pytest.mark.parametrize('wrapper_cls', [OptimWrapper, ScaledLossOptimWrapper])
def test_two_pass_train_step_is_the_one_backward_step(make_cfg, make_data,
                                                      wrapper_cls):
    """train_step's clean backward gives the attack its first-step gradient:
    the update of every loss differentiated once (the attack's gradient by
    autograd on the same graph), also when the optimizer wrapper scales the
    loss (as under AMP), and no forward of the attack's own."""
    two_pass, reference = build(make_cfg()), build(make_cfg())
    assert two_pass.two_pass_step
    calls = []
    two_pass.backbone.register_forward_hook(
        lambda *_: calls.append(len(calls)))
    wrappers = [sgd_wrapper(m, wrapper_cls) for m in (two_pass, reference)]
    # The first step agrees to float precision. Two backward passes sum a
    # weight's gradients from three uses (DeepCluster: two crop sizes and the
    # hard crops) in another order than one: the second step's attack can
    # then round a few gradient entries to the other sign, which moves its
    # losses and update a little.
    tolerance = [dict(), dict(rtol=1e-3, atol=1e-4)]
    for step in range(2):
        data = make_data(step)
        torch.manual_seed(step)
        logs = two_pass.train_step(copy.deepcopy(data), wrappers[0])
        torch.manual_seed(step)
        ref_logs = one_backward_step(reference, copy.deepcopy(data),
                                     wrappers[1])
        assert set(logs) == set(ref_logs)
        for key in logs:
            torch.testing.assert_close(logs[key], ref_logs[key], msg=key,
                                       **tolerance[step])
        assert logs['adv_ratio'] > 1  # the reused step attacks
        if step == 0:
            for (name, a), b in zip(two_pass.state_dict().items(),
                                    reference.state_dict().values()):
                torch.testing.assert_close(a, b, msg=name)
    assert float(logs['loss']) == pytest.approx(
        sum(float(logs[k]) for k in ('loss_clean', 'loss_adv', 'loss_mix')))
    # Per step: the clean views (MoCo: one size; DeepCluster: 16 and 8 px),
    # then the hard ones; no forward of the attack's own.
    clean_forwards = 1 if make_cfg is tiny_hexa_cfg else 2
    assert len(calls) == 2 * (clean_forwards + 1)
    assert wrappers[0].inner_count == 2  # one count per step, not per pass


def test_loss_lets_the_attack_take_its_own_gradient():
    """loss(), differentiated once by its caller, has no clean backward to
    take the attack's step from: the attack computes the same gradient
    itself (one more forward), and its adversarial queries are the two-pass
    step's up to gradient entries that round to the other sign."""
    model = build(tiny_hexa_cfg(cutmix=None))
    other = build(tiny_hexa_cfg(cutmix=None))
    made = {}
    for name, m in (('loss', model), ('two_pass', other)):
        m.adversarial.register_forward_hook(
            lambda module, args, out, name=name: made.__setitem__(
                name, out.inputs))
    calls = []
    model.backbone.register_forward_hook(lambda *_: calls.append(1))
    views = normalized_batch(seed=3)
    losses = model.loss([v.clone() for v in views], None)
    losses_two, clean = other([v.clone() for v in views], None,
                              mode='clean_pass')
    losses_two['loss_clean'].backward()
    other(None, mode='hard_pass', clean=clean)
    assert (made['loss'] != made['two_pass']).float().mean() < 1e-3
    assert losses['adv_ratio'] > 1
    assert len(calls) == 3  # clean queries, the attack's, the hard ones


def test_two_pass_train_step_accumulates_gradients_like_mmengine():
    """With accumulative_counts=2, two steps make one optimizer update, with
    the same weights as the one-backward step."""
    two_pass, reference = build(tiny_hexa_cfg()), build(tiny_hexa_cfg())
    wrappers = [sgd_wrapper(m, accumulative_counts=2)
                for m in (two_pass, reference)]
    for w in wrappers:
        w.initialize_count_status(two_pass, 0, 4)
    before = two_pass.backbone.conv1.weight.detach().clone()
    for step in range(2):
        for model, wrapper, run in ((two_pass, wrappers[0], HEXAMoCo.train_step),
                                    (reference, wrappers[1],
                                     one_backward_step)):
            torch.manual_seed(step)
            run(model, uint8_batch(seed=step), wrapper)
        if step == 0:
            assert torch.equal(two_pass.backbone.conv1.weight, before)
    assert not torch.equal(two_pass.backbone.conv1.weight, before)
    assert wrappers[0].inner_count == 2
    for a, b in zip(two_pass.parameters(), reference.parameters()):
        torch.testing.assert_close(a, b)


def test_two_pass_train_step_clips_gradients_like_mmengine():
    """With clip_grad, the two-pass step clips the gradient of both passes
    together, once: the weights of the clipped one-backward step."""
    from mmengine.logging import MessageHub
    two_pass, reference, unclipped = (build(tiny_hexa_cfg()) for _ in range(3))
    clip = dict(max_norm=0.5)
    wrappers = [sgd_wrapper(two_pass, clip_grad=clip),
                sgd_wrapper(reference, clip_grad=clip),
                sgd_wrapper(unclipped)]
    hub = MessageHub.get_current_instance()
    for step in range(2):
        data = uint8_batch(seed=step)
        norms = []
        for model, wrapper, run in (
                (two_pass, wrappers[0], HEXAMoCo.train_step),
                (reference, wrappers[1], one_backward_step),
                (unclipped, wrappers[2], HEXAMoCo.train_step)):
            torch.manual_seed(step)
            run(model, copy.deepcopy(data), wrapper)
            if wrapper.clip_grad_kwargs:
                norms.append(hub.get_scalar('train/grad_norm').current())
        # The norm before clipping: the same, and large enough to be clipped.
        assert norms[0] == pytest.approx(norms[1], rel=1e-5)
        assert norms[0] > 2 * clip['max_norm']
    for (name, a), b in zip(two_pass.state_dict().items(),
                            reference.state_dict().values()):
        torch.testing.assert_close(a, b, msg=name)
    assert not torch.allclose(two_pass.backbone.conv1.weight,
                              unclipped.backbone.conv1.weight)


@pytest.mark.parametrize('overrides', [dict(adversarial=None),
                                       dict(w_adv=0.)])
def test_without_an_attack_the_step_is_the_one_pass_step(overrides):
    model = build(tiny_hexa_cfg(**overrides))
    assert not model.two_pass_step and model.cutmix is not None
    logs = model.train_step(uint8_batch(), sgd_wrapper(model))
    assert 'loss_mix' in logs and 'loss_adv' not in logs


@pytest.mark.parametrize('make_cfg', [tiny_hexa_cfg, tiny_hexa_dcluster_cfg])
@pytest.mark.parametrize('overrides, match', [
    (dict(w_adv=-1.), 'w_adv'),
    (dict(mix_mode='swap'), 'mix_mode'),
    (dict(replace_fraction=0.), 'replace_fraction'),
    (dict(replace_fraction=1.5), 'replace_fraction'),
    (dict(mix_mode='replace'), "mix_mode='replace'"),
    (dict(w_clean=0.), 'w_clean > 0'),
])
def test_bad_settings_are_named(make_cfg, overrides, match):
    with pytest.raises(ValueError, match=match):
        MODELS.build(make_cfg(**overrides))
