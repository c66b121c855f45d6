"""README: the two-pass training step (``reuse_clean_grad=True``) takes less
peak memory than differentiating ``loss()`` once, as the clean pass's graph is
freed before the hard queries' forward. Measured as the peak of the bytes
that torch's CPU allocator holds during one training step, from the
profiler's allocation records: the same on every run, unlike RSS or time."""
import torch
from mmengine.optim import OptimWrapper
from torch.profiler import ProfilerActivity, profile

from conftest import tiny_hexa_cfg, uint8_batch
from mmselfsup.registry import MODELS


def peak_allocated_bytes(fn):
    """Peak, over ``fn()``, of the CPU bytes allocated beyond those held
    when it started (the profiler's '[memory]' records in time order)."""
    with profile(activities=[ProfilerActivity.CPU],
                 profile_memory=True) as prof:
        fn()
    records = sorted(
        (e for e in prof.profiler.kineto_results.events()
         if e.name() == '[memory]'), key=lambda e: e.start_ns())
    live = peak = 0
    for record in records:
        live += record.nbytes()
        peak = max(peak, live)
    return peak


def step_peak(reuse_clean_grad):
    torch.manual_seed(0)
    model = MODELS.build(tiny_hexa_cfg(reuse_clean_grad=reuse_clean_grad,
                                       queue_len=256)).train()
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1,
                                         momentum=0.9))
    data = uint8_batch(n=32, sizes=(32, 32))
    model.train_step(data, optim)  # momentum buffers, gradients exist now
    return peak_allocated_bytes(lambda: model.train_step(data, optim))


def test_two_pass_step_holds_less_memory_at_its_peak():
    one_pass, two_pass = step_peak(False), step_peak(True)
    assert step_peak(True) == two_pass  # deterministic
    # The clean graph (32 queries) no longer lives beside the hard one (64).
    assert two_pass < 0.8 * one_pass, (two_pass, one_pass)
