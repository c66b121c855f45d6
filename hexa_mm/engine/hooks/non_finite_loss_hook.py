import math

import torch
from mmengine.hooks import Hook

from mmselfsup.registry import HOOKS


class NonFiniteLossError(FloatingPointError):
    """A loss term became NaN or infinite."""


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Stops training at the first non-finite loss term, naming it.

    Runs right after each iteration, before any checkpoint hook (higher
    priority), so a diverged model never overwrites a good checkpoint; the
    error names every non-finite term and the iteration.
    """

    priority = 'VERY_HIGH'

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        if not outputs:
            return
        values = {
            key: float(value.detach()) if torch.is_tensor(value) else float(value)
            for key, value in outputs.items()
        }
        bad = {k: v for k, v in values.items() if not math.isfinite(v)}
        if bad:
            raise NonFiniteLossError(
                f'non-finite loss at iteration {runner.iter + 1} (epoch '
                f'{runner.epoch + 1}): ' +
                ', '.join(f'{k}={v}' for k, v in bad.items()) +
                '; stopped before saving a checkpoint')
