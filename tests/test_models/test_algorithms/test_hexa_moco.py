import copy

import pytest
import torch
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper

from conftest import (normalized_batch, tiny_hexa_cfg, tiny_moco_cfg,
                      uint8_batch)
from hexa_mm.models import HEXAMoCo
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
    for key in ('loss_clean', 'loss_adv', 'loss_mix', 'adv_flip', 'adv_gap',
                'mix_gap', 'mix_lam'):
        assert key in losses, key
        assert torch.isfinite(losses[key])
    # The adversarial queries are harder than the clean ones.
    assert losses['adv_gap'] > 0
    assert 0 <= losses['adv_flip'] <= 1
    assert 0 <= losses['mix_lam'] <= 1


@pytest.mark.parametrize('hard_bn', HEXAMoCo.HARD_BN_MODES)
def test_keys_and_queue_never_see_hard_examples(hard_bn):
    """Same weights, same views: the queue and key encoder end up identical
    with and without hard examples."""
    plain = build(tiny_hexa_cfg(adversarial=None, cutmix=None))
    hexa = build(tiny_hexa_cfg(hard_bn=hard_bn))
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


def test_separate_bn_keeps_running_statistics_clean():
    """hard_bn='separate': BN running stats equal those of clean-only training."""
    plain = build(tiny_hexa_cfg(adversarial=None, cutmix=None))
    hexa = build(tiny_hexa_cfg(hard_bn='separate'))
    hexa.load_state_dict(plain.state_dict(), strict=False)
    views = normalized_batch()
    plain.loss([v.clone() for v in views], None)
    hexa.loss([v.clone() for v in views], None)
    ours, ref = bn_buffers(hexa), bn_buffers(plain)
    for key in ref:
        assert torch.equal(ours[key], ref[key]), key


@pytest.mark.parametrize('hard_bn', ['separate_tracked', 'shared'])
def test_tracked_modes_let_running_statistics_absorb_hard_examples(hard_bn):
    """The running statistics are exactly those of the backbone, from the same
    start, run in training mode on the clean queries and then the hard
    queries ('separate_tracked'), or on all of them at once ('shared'); the
    attack's own forward leaves them alone."""
    hexa = build(tiny_hexa_cfg(hard_bn=hard_bn))
    reference = copy.deepcopy(hexa.backbone)
    made = []
    for generator in (hexa.adversarial, hexa.cutmix):
        generator.register_forward_hook(
            lambda module, args, out: made.append(out.inputs.detach()))
    views = normalized_batch()
    hexa.loss([v.clone() for v in views], None)
    hard = torch.cat(made)
    assert hard.shape == (16, 3, 16, 16)  # 8 adversarial, 8 cut-mixed
    with torch.no_grad():
        if hard_bn == 'separate_tracked':
            reference(views[0])
            reference(hard)
        else:
            reference(torch.cat([views[0], hard]))
    ours = bn_buffers(hexa)
    ref = {k: v for k, v in reference.state_dict().items() if 'running' in k}
    assert set(ours) == set(ref) and len(ref) > 10
    for key in ref:
        assert torch.equal(ours[key], ref[key]), key


@pytest.mark.parametrize('term', ['adv', 'mix'])
def test_a_hard_term_alone_trains_the_backbone(term):
    cfg = tiny_hexa_cfg(w_clean=0.)
    if term == 'adv':
        cfg['cutmix'] = None
    else:
        cfg['adversarial'] = None
    hexa = build(cfg)
    before = copy.deepcopy(hexa.backbone.state_dict())
    optim = torch.optim.SGD(hexa.parameters(), lr=0.1)
    losses = hexa.loss(normalized_batch(), None)
    assert losses['loss_clean'] == 0
    optim.zero_grad()
    total(losses).backward()
    optim.step()
    changed = [
        k for k, v in hexa.backbone.state_dict().items()
        if v.is_floating_point() and 'running' not in k
        and not torch.equal(v, before[k])
    ]
    assert 'conv1.weight' in changed and len(changed) > 10


def test_hard_fraction_limits_the_hard_queries():
    hexa = build(tiny_hexa_cfg(hard_fraction=0.25))
    assert hexa.num_hard(8) == 2
    seen = {}
    real_encode = hexa.encode

    def spy(images):
        seen.setdefault('sizes', []).append(images.size(0))
        return real_encode(images)

    hexa.encode = spy
    hexa.loss(normalized_batch(n=8), None)
    # clean queries (8), attack forward (2), hard forward (2 adv + 2 mix).
    assert seen['sizes'] == [8, 2, 4]


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


@pytest.mark.parametrize('field,value,match', [
    ('hard_fraction', 0., 'hard_fraction'),
    ('hard_fraction', 1.5, 'hard_fraction'),
    ('hard_bn', 'sync', 'hard_bn'),
    ('w_adv', -1., 'w_adv'),
])
def test_bad_fields_are_named(field, value, match):
    with pytest.raises(ValueError, match=match):
        MODELS.build(tiny_hexa_cfg(**{field: value}))


def test_head_must_take_soft_targets():
    cfg = tiny_hexa_cfg(head=tiny_moco_cfg()['head'])
    with pytest.raises(TypeError, match='SoftContrastiveHead'):
        MODELS.build(cfg)


def _adversarial_queries(model, views):
    """Run one loss and return (losses, the adversarial generator's output)."""
    made = []
    handle = model.adversarial.register_forward_hook(
        lambda module, args, kwargs_out: made.append(kwargs_out.inputs))
    try:
        losses = model.loss([v.clone() for v in views], None)
    finally:
        handle.remove()
    return losses, made[0]


def test_reuse_clean_grad_makes_the_same_attack_with_one_forward_less():
    separate = build(tiny_hexa_cfg(cutmix=None))
    reused = build(tiny_hexa_cfg(cutmix=None, reuse_clean_grad=True))
    reused.load_state_dict(separate.state_dict())
    calls = {'separate': 0, 'reused': 0}
    for name, model in (('separate', separate), ('reused', reused)):
        model.backbone.register_forward_hook(
            lambda *_, name=name: calls.__setitem__(name, calls[name] + 1))
    views = normalized_batch(seed=3)
    ref_losses, ref_adv = _adversarial_queries(separate, views)
    losses, adv = _adversarial_queries(reused, views)
    # Same perturbation (sign of the same gradient), same losses and updates.
    assert (adv != ref_adv).float().mean() < 1e-3
    for key in ('loss_clean', 'loss_adv'):
        torch.testing.assert_close(losses[key], ref_losses[key])
    for (name, a), b in zip(reused.state_dict().items(),
                            separate.state_dict().values()):
        torch.testing.assert_close(a, b, msg=name)
    # Query encoder: clean + hard queries, and for 'separate' the attack's own.
    assert calls == {'separate': 3, 'reused': 2}


def test_reuse_clean_grad_gives_the_weights_the_same_gradients():
    separate = build(tiny_hexa_cfg(cutmix=None))
    reused = build(tiny_hexa_cfg(cutmix=None, reuse_clean_grad=True))
    reused.load_state_dict(separate.state_dict())
    views = normalized_batch(seed=4)
    for model in (separate, reused):
        total(model.loss([v.clone() for v in views], None)).backward()
    for (name, a), b in zip(reused.named_parameters(),
                            separate.parameters()):
        if a.grad is not None or b.grad is not None:
            torch.testing.assert_close(a.grad, b.grad, msg=name)


@pytest.mark.parametrize('overrides, match', [
    (dict(w_clean=0.), 'w_clean=0'),
    (dict(adversarial=dict(type='AdversarialGenerator', bn_mode='running')),
     'bn_mode'),
    (dict(adversarial=dict(type='AdversarialGenerator', random_start=True)),
     'random_start'),
    (dict(hard_bn='shared'), "hard_bn='shared'"),
])
def test_reuse_clean_grad_refuses_what_it_cannot_reproduce(overrides, match):
    with pytest.raises(ValueError, match=match):
        build(tiny_hexa_cfg(reuse_clean_grad=True, **overrides))


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


def one_backward_step(model, data, wrapper):
    """MMEngine's plain training step: loss() differentiated once."""
    return BaseModel.train_step(model, data, wrapper)


@pytest.mark.parametrize('hard_fraction', [1.0, 0.5])
@pytest.mark.parametrize('wrapper_cls', [OptimWrapper, ScaledLossOptimWrapper])
def test_two_pass_train_step_is_the_one_backward_step(hard_fraction,
                                                      wrapper_cls):
    """train_step's clean backward gives the attack its input gradient: the
    same update as differentiating loss() (autograd.grad for the attack) once,
    also when the optimizer wrapper scales the loss (as under AMP)."""
    cfg = tiny_hexa_cfg(reuse_clean_grad=True, hard_fraction=hard_fraction)
    two_pass, reference = build(cfg), build(cfg)
    assert two_pass.two_pass_step
    calls = []
    two_pass.backbone.register_forward_hook(
        lambda *_: calls.append(len(calls)))
    wrappers = [sgd_wrapper(m, wrapper_cls) for m in (two_pass, reference)]
    for step in range(2):
        data = uint8_batch(seed=step)
        torch.manual_seed(step)
        logs = two_pass.train_step(copy.deepcopy(data), wrappers[0])
        torch.manual_seed(step)
        ref_logs = one_backward_step(reference, copy.deepcopy(data),
                                     wrappers[1])
        assert set(logs) == set(ref_logs)
        for key in logs:
            torch.testing.assert_close(logs[key], ref_logs[key], msg=key)
    assert float(logs['loss']) == pytest.approx(
        sum(float(logs[k]) for k in ('loss_clean', 'loss_adv', 'loss_mix')))
    for (name, a), b in zip(two_pass.state_dict().items(),
                            reference.state_dict().values()):
        torch.testing.assert_close(a, b, msg=name)
    # Per step: the clean queries, then the hard ones; no attack forward.
    assert len(calls) == 2 * 2
    assert wrappers[0].inner_count == 2  # one count per step, not per pass


def test_two_pass_train_step_accumulates_gradients_like_mmengine():
    """With accumulative_counts=2, two steps make one optimizer update, with
    the same weights as MMEngine's one-backward step."""
    cfg = tiny_hexa_cfg(reuse_clean_grad=True)
    two_pass, reference = build(cfg), build(cfg)
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
    together, once: the weights of MMEngine's clipped one-backward step."""
    from mmengine.logging import MessageHub
    cfg = tiny_hexa_cfg(reuse_clean_grad=True)
    two_pass, reference, unclipped = build(cfg), build(cfg), build(cfg)
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
def test_reuse_clean_grad_without_an_attack_is_the_one_pass_step(overrides):
    model = build(tiny_hexa_cfg(reuse_clean_grad=True, **overrides))
    assert not model.two_pass_step and model.cutmix is not None
    logs = model.train_step(uint8_batch(), sgd_wrapper(model))
    assert 'loss_mix' in logs and 'loss_adv' not in logs


def test_hard_pass_without_its_clean_pass_is_refused():
    model = build(tiny_hexa_cfg(reuse_clean_grad=True))
    with pytest.raises(RuntimeError, match="mode='clean_pass'"):
        model(normalized_batch(), None, mode='hard_pass')
