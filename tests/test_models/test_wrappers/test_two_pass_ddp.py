"""TwoPassDistributedDataParallel with two gloo processes: HEXA-MoCo's
two-pass step gives the update of MMEngine's one-backward DDP step (where
``loss()`` lets the attack take its own gradient), and any other model
trains exactly as under MMDistributedDataParallel; with
one batch on both ranks, each rank draws its own CutMix partners and mixes
against its own keys, while the queue takes both ranks' keys."""
import copy
import os

import pytest
import torch

from conftest import tiny_hexa_cfg, tiny_moco_cfg, uint8_batch
from gloo import run_in_gloo_processes


def _worker(rank, out_dir):
    import hexa_mm  # noqa: F401
    from mmengine.model import MMDistributedDataParallel
    from mmengine.optim import OptimWrapper
    from mmengine.registry import MODEL_WRAPPERS, init_default_scope
    from mmselfsup.registry import MODELS
    init_default_scope('mmselfsup')
    results = {}
    for name, cfg in (('hexa', tiny_hexa_cfg()),
                      ('moco', tiny_moco_cfg())):
        states, logs = {}, {}
        for wrapper in ('TwoPassDistributedDataParallel',
                        'MMDistributedDataParallel'):
            torch.manual_seed(0)
            # As the Runner builds it from model_wrapper_cfg (MMEngine's
            # default wrapper does not broadcast buffers either).
            model = MODEL_WRAPPERS.build(
                dict(type=wrapper, device_ids=None, broadcast_buffers=False),
                default_args=dict(module=MODELS.build(cfg).train()))
            if wrapper == 'MMDistributedDataParallel':
                assert type(model) is MMDistributedDataParallel
            optim = OptimWrapper(torch.optim.SGD(
                model.parameters(), lr=0.1, momentum=0.9))
            for step in range(2):
                torch.manual_seed(100 + step)
                out = model.train_step(uint8_batch(seed=10 * rank + step),
                                       optim)
            states[wrapper] = copy.deepcopy(model.module.state_dict())
            logs[wrapper] = {k: float(v) for k, v in out.items()}
        results[name] = dict(states=states, logs=logs)
    results['same_batch'] = _same_batch_step()
    torch.save(results, os.path.join(out_dir, f'rank{rank}.pt'))


def _same_batch_step():
    """One two-pass step on the batch that both ranks get; records the CutMix
    draw, the rank's keys, the mixed queries' logits and targets (checked
    here against the rank's own keys) and the queue."""
    from mmengine.optim import OptimWrapper
    from mmengine.registry import MODEL_WRAPPERS
    from mmselfsup.registry import MODELS
    torch.manual_seed(0)
    model = MODEL_WRAPPERS.build(
        dict(type='TwoPassDistributedDataParallel', device_ids=None),
        default_args=dict(
            module=MODELS.build(tiny_hexa_cfg()).train()))
    algo, seen = model.module, dict(encoded=[])
    momentum_keys, encode, soft = algo._momentum_keys, algo.encode, algo.head.soft

    def keys_spy(images):
        seen['keys'] = momentum_keys(images).clone()
        return seen['keys']

    def encode_spy(images):
        seen['encoded'].append(encode(images))
        return seen['encoded'][-1]

    def soft_spy(logits, targets):
        seen.update(logits=logits.detach().clone(), targets=targets.clone())
        return soft(logits, targets)

    algo._momentum_keys, algo.encode, algo.head.soft = (keys_spy, encode_spy,
                                                         soft_spy)
    algo.cutmix.register_forward_hook(lambda module, args, out: seen.update(
        partner=out.partner.clone(), lam=out.lam))
    torch.manual_seed(200)
    model.train_step(uint8_batch(seed=5),
                     OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1)))
    keys, n = seen['keys'], 8
    # Clean queries (8), then adversarial and cut-mixed ones (16) in one
    # forward, interleaved (query i's adversarial, then its cut-mixed one).
    assert [e.size(0) for e in seen['encoded']] == [n, 2 * n]
    mixed_queries = seen['encoded'][1][1::2].detach()
    # In-batch columns: this rank's 8 keys (not 16 gathered ones), then the
    # queue as it was before the step.
    assert seen['logits'].shape == (n, n + 64)
    assert torch.equal(seen['logits'][:, :n], mixed_queries @ keys.t())
    expected = torch.zeros(n, n + 64)
    for i, j in enumerate(seen['partner'].tolist()):
        expected[i, i] += seen['lam']
        expected[i, j] += 1 - seen['lam']
    assert torch.equal(seen['targets'], expected)
    return dict(keys=keys, partner=seen['partner'], lam=seen['lam'],
                queue=algo.queue.clone(), queue_ptr=int(algo.queue_ptr))


@pytest.mark.timeout(300)
def test_two_pass_step_under_ddp_equals_the_one_backward_step(tmp_path):
    run_in_gloo_processes(_worker, str(tmp_path))
    ranks = [torch.load(tmp_path / f'rank{r}.pt') for r in (0, 1)]
    # The attack's own gradient (loss()) and the clean backward's are the
    # same gradient computed twice: a few entries can round to the other
    # sign, which moves HEXA's update a little; MoCo-v2's is the same.
    tolerance = dict(hexa=dict(rtol=1e-3, atol=1e-4), moco=dict())
    for name in ('hexa', 'moco'):
        for r in ranks:
            two_pass = r[name]['states']['TwoPassDistributedDataParallel']
            plain = r[name]['states']['MMDistributedDataParallel']
            for key, value in two_pass.items():
                torch.testing.assert_close(value, plain[key], msg=key,
                                           **tolerance[name])
            logs = r[name]['logs']
            assert logs['TwoPassDistributedDataParallel'] == pytest.approx(
                logs['MMDistributedDataParallel'], rel=1e-3, abs=1e-6)
        # The gradients were synced: both ranks hold the same weights.
        a, b = (r[name]['states']['TwoPassDistributedDataParallel']
                for r in ranks)
        for key in a:
            if 'backbone' in key and 'weight' in key:
                torch.testing.assert_close(a[key], b[key], msg=key)
    # One batch on both ranks: each rank drew its own CutMix pairing and lam
    # (the rank enters the generator's seed) ...
    same = [r['same_batch'] for r in ranks]
    assert not torch.equal(same[0]['partner'], same[1]['partner'])
    assert same[0]['lam'] != same[1]['lam']
    # ... and mixed against its own keys (checked in the worker), which shuffle
    # BN makes differ between the ranks; the queue took both ranks' keys, in
    # rank order, and is the same on both.
    assert not torch.equal(same[0]['keys'], same[1]['keys'])
    for r in same:
        assert r['queue_ptr'] == 16
        assert torch.equal(r['queue'][:, :16].t(),
                           torch.cat([same[0]['keys'], same[1]['keys']]))
