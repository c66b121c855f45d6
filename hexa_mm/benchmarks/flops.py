"""FLOPs of a piece of PyTorch code, by torch's own per-op formulas."""
from torch.utils.flop_counter import flop_registry

from .. import compat


class FlopCount(compat.torch_dispatch_mode()):
    """Counts the FLOPs of every op torch has a formula for (``flop_registry``:
    matmuls, convolutions and their backward).

    Not ``torch.utils.flop_counter.FlopCounterMode``: its module tracker breaks
    ``torch.autograd.grad`` on a leaf input, which the attack calls
    (pytorch/pytorch#131753, torch >= 2.4); the total needs no module tracking.
    """

    def __init__(self):
        super().__init__()
        self.total = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        formula = flop_registry.get(func.overloadpacket)
        if formula is not None:
            self.total += formula(*args, **kwargs, out_val=out)
        return out
