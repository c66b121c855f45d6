import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from hexa_mm.models.hard_examples import AdversarialGenerator
from hexa_mm.models.utils import pixel_bounds, running_stats_frozen
from mmengine.model import ImgDataPreprocessor
from mmselfsup.registry import MODELS

MEAN = (123.675, 116.28, 103.53)
STD = (58.395, 57.12, 57.375)


def tiny_classifier():
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 5))


def setup(n=16, size=12):
    model = tiny_classifier().train()
    preprocessor = ImgDataPreprocessor(mean=MEAN, std=STD)
    g = torch.Generator().manual_seed(1)
    pixels = torch.rand(n, 3, size, size, generator=g) * 255
    inputs = (pixels - preprocessor.mean) / preprocessor.std
    labels = torch.randint(0, 5, (n, ), generator=g)

    def loss_fn(x):
        return F.cross_entropy(model(x), labels, reduction='none')

    return model, preprocessor, inputs, loss_fn


def test_builds_from_registry_with_documented_defaults():
    gen = MODELS.build(dict(type='AdversarialGenerator'))
    assert gen.eps == pytest.approx(2 / 255)
    assert gen.step_size == pytest.approx(2 / 255) and gen.steps == 1


@pytest.mark.parametrize('steps', [1, 3])
def test_attack_raises_loss_beyond_clean_and_random_noise(steps):
    model, pre, inputs, loss_fn = setup()
    gen = AdversarialGenerator(eps=4 / 255, steps=steps)
    adv = gen(inputs, loss_fn, pre, model=model).inputs
    low, high, unit = pixel_bounds(pre, inputs)
    noise = torch.randint(0, 2, inputs.shape, generator=torch.Generator()
                          .manual_seed(3)).float() * 2 - 1
    noisy = torch.clamp(inputs + noise * gen.eps * unit, low, high)
    with torch.no_grad():
        clean_loss = loss_fn(inputs).mean()
        noisy_loss = loss_fn(noisy).mean()
        adv_loss = loss_fn(adv).mean()
    assert adv_loss > clean_loss
    assert adv_loss > noisy_loss


@pytest.mark.parametrize('steps', [1, 4])
def test_perturbation_respects_eps_and_pixel_range(steps):
    model, pre, inputs, loss_fn = setup()
    gen = AdversarialGenerator(eps=8 / 255, steps=steps)
    adv = gen(inputs, loss_fn, pre, model=model).inputs
    std = pre.std.view(1, 3, 1, 1)
    mean = pre.mean.view(1, 3, 1, 1)
    # Back to [0, 1] pixels.
    delta01 = (adv - inputs) * std / 255
    assert delta01.abs().max() <= 8 / 255 + 1e-5
    assert delta01.abs().max() > 4 / 255  # it did move
    pixels = adv * std + mean
    assert pixels.min() >= -1e-3 and pixels.max() <= 255 + 1e-3


def test_attack_clips_to_the_valid_pixel_range():
    model, pre, inputs, loss_fn = setup()
    # Saturated images: any step outwards must be clipped.
    low, high, _ = pixel_bounds(pre, inputs)
    saturated = torch.where(inputs > 0, high.expand_as(inputs),
                            low.expand_as(inputs))
    adv = AdversarialGenerator(eps=0.5)(saturated, loss_fn, pre,
                                        model=model).inputs
    assert torch.all(adv >= low - 1e-6) and torch.all(adv <= high + 1e-6)


def test_attack_changes_no_weight_gradient_or_bn_statistic():
    model, pre, inputs, loss_fn = setup()
    # Make the running statistics and gradients non-trivial first.
    loss_fn(inputs).mean().backward()
    state = copy.deepcopy(model.state_dict())
    grads = [p.grad.clone() for p in model.parameters()]
    AdversarialGenerator(eps=4 / 255, steps=3)(inputs, loss_fn, pre,
                                               model=model)
    for key, value in model.state_dict().items():
        assert torch.equal(value, state[key]), key
    for p, g in zip(model.parameters(), grads):
        assert torch.equal(p.grad, g)
    assert all(m.training for m in model.modules())
    assert all(m.track_running_stats for m in model.modules()
               if isinstance(m, nn.BatchNorm2d))


def test_attack_normalises_with_the_attacked_batch_statistics():
    """BN during the attack: the batch's own statistics, as in training (an
    attack on running statistics would be another attack)."""
    model, pre, inputs, loss_fn = setup()
    for _ in range(3):  # move running stats away from the batch's
        loss_fn(inputs * 2 + 1)
    gen = AdversarialGenerator(eps=2 / 255)
    attacked = gen(inputs, loss_fn, pre, model=model).inputs
    model.eval()
    on_running_statistics = gen(inputs, loss_fn, pre, model=model).inputs
    model.train()
    x = inputs.clone().requires_grad_(True)
    with running_stats_frozen(model):
        grad, = torch.autograd.grad(loss_fn(x).sum(), x)
    _, _, unit = pixel_bounds(pre, inputs)
    expected = inputs + 2 / 255 * unit * grad.sign()
    low, high, _ = pixel_bounds(pre, inputs)
    torch.testing.assert_close(attacked, expected.clamp(low, high))
    assert not torch.equal(attacked, on_running_statistics)


def test_given_input_gradient_replaces_the_first_step():
    model, pre, inputs, loss_fn = setup()
    x = inputs.clone().requires_grad_(True)
    with running_stats_frozen(model):
        grad, = torch.autograd.grad(loss_fn(x).mean(), x)
    gen = AdversarialGenerator(eps=2 / 255)
    computed = gen(inputs, loss_fn, pre, model=model).inputs
    reused = gen(inputs, None, pre, first_grad=grad).inputs
    assert torch.equal(computed, reused)
    # Only the first step can be given: later ones need the loss.
    with pytest.raises(ValueError, match='loss_fn'):
        AdversarialGenerator(eps=2 / 255, steps=2)(inputs, None, pre,
                                                    first_grad=grad)


def test_perturbation_survives_fp16_autocast():
    """fp16 input gradients underflow for small losses: the scale keeps them."""
    model, pre, inputs, loss_fn = setup()

    def small_loss(x):  # a well-trained model: tiny losses, tiny gradients
        return loss_fn(x) * 1e-6

    with torch.autocast('cpu', dtype=torch.float16):
        adv = AdversarialGenerator(eps=2 / 255)(inputs, small_loss, pre,
                                                 model=model).inputs
    moved = (adv - inputs).abs() > 1e-6
    assert moved.float().mean() > 0.9


@pytest.mark.parametrize('kwargs,key', [
    (dict(eps=0), 'eps'),
    (dict(eps=2), 'eps'),
    (dict(steps=0), 'steps'),
    (dict(step_size=-1.), 'step_size'),
])
def test_bad_arguments_name_the_field(kwargs, key):
    with pytest.raises(ValueError, match=key):
        AdversarialGenerator(**kwargs)
