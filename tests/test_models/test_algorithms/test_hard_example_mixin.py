"""The HEXA contract: each algorithm declares its baseline's part with the
mixin's names and signatures; the hard pass and the training step are the
mixin's alone."""
import inspect

import pytest

from conftest import normalized_batch, tiny_hexa_cfg
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

