"""Hooks that tests load through ``custom_imports`` to interrupt a real run."""
import json
import os
import os.path as osp
import signal

from mmengine.hooks import Hook

from mmselfsup.registry import HOOKS


class Interrupt(Exception):
    pass


class InterruptAfterFirstEpoch(Hook):
    """Stands for a pre-emption that Python sees: raises right after epoch 1's
    checkpoint (in-process runs register it directly)."""
    priority = 'LOWEST'

    def after_train_epoch(self, runner):
        if runner.epoch == 0:
            raise Interrupt


@HOOKS.register_module()
class KillAtIterHook(Hook):
    """SIGKILLs its own process after iteration ``at_iter`` (1-based): a
    pre-emption in the middle of an epoch, with no chance to clean up."""
    priority = 'LOWEST'

    def __init__(self, at_iter: int) -> None:
        self.at_iter = at_iter

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.iter + 1 == self.at_iter:
            os.kill(os.getpid(), signal.SIGKILL)


@HOOKS.register_module()
class RecordLossHook(Hook):
    """Appends each iteration's raw (unsmoothed) loss terms to a JSON-lines
    file in the work directory."""
    priority = 'VERY_LOW'

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        with open(osp.join(runner.work_dir, 'losses.jsonl'), 'a') as f:
            f.write(json.dumps(dict(
                iter=runner.iter + 1,
                **{k: float(v) for k, v in outputs.items()})) + '\n')
