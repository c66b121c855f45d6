"""The hardness figures of a quality run: epoch means of what the HEXA
algorithms log every iteration."""
import pytest
from mmengine.logging import MessageHub

from hexa_mm.benchmarks.quality.hardness import (epoch_hardness,
                                                 mean_last_epoch)


def test_first_and_last_epoch_means_of_every_logged_figure():
    hub = MessageHub.get_instance('hardness_test')
    for i in range(6):  # 3 epochs of 2 iterations
        hub.update_scalar('train/adv_ratio', 1. + i)
        hub.update_scalar('train/mix_lam', 0.1 * i)
        hub.update_scalar('train/loss', 5.)  # not a hardness figure
    got = epoch_hardness(hub, iters_per_epoch=2)
    assert got == dict(
        first_epoch=dict(mix_lam=pytest.approx(0.05),
                         adv_ratio=pytest.approx(1.5)),
        last_epoch=dict(mix_lam=pytest.approx(0.45),
                        adv_ratio=pytest.approx(5.5)))
    # A baseline logs none of them.
    assert epoch_hardness(MessageHub.get_instance('baseline_test'), 2) == {}


def test_seed_means_of_the_last_epoch():
    runs = [dict(hardness=dict(last_epoch=dict(mix_ratio=0.2, adv_ratio=2.))),
            dict(hardness=dict(last_epoch=dict(mix_ratio=0.4, adv_ratio=3.)))]
    assert mean_last_epoch(runs) == dict(mix_ratio=pytest.approx(0.3),
                                         adv_ratio=pytest.approx(2.5))
    # A method with a run that logged nothing has no mean.
    assert mean_last_epoch(runs + [dict()]) == {}
