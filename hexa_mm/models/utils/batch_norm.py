"""A context manager that controls how BatchNorm treats a forward pass.

HEXA forwards extra (hard) views through the query encoder. Whether BN's running
statistics absorb them matters downstream: the linear probe freezes BN, so running
statistics drawn from adversarial or cut-mixed views would shift the features of
clean images.
"""
from contextlib import contextmanager
from typing import Iterator, List

from torch import nn

from ... import compat


def _bn_layers(module: nn.Module) -> List[nn.Module]:
    batch_norm = compat.batch_norm_base()
    return [m for m in module.modules() if isinstance(m, batch_norm)]


@contextmanager
def running_stats_frozen(module: nn.Module) -> Iterator[None]:
    """Normalise with the batch's statistics but leave running statistics alone.

    In training mode, BN with ``track_running_stats=False`` normalises with batch
    statistics and never writes ``running_mean``, ``running_var`` or
    ``num_batches_tracked`` (this holds for SyncBatchNorm too).
    """
    layers = [m for m in _bn_layers(module) if m.track_running_stats]
    for m in layers:
        m.track_running_stats = False
    try:
        yield
    finally:
        for m in layers:
            m.track_running_stats = True
