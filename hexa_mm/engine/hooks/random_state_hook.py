import random
from typing import Optional

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_rank
from mmengine.hooks import CheckpointHook, Hook

from mmselfsup.registry import HOOKS
from ... import compat


def capture_random_states() -> dict:
    """This process's torch (CPU and CUDA), numpy and Python random states."""
    return dict(
        torch=torch.get_rng_state(),
        cuda=torch.cuda.get_rng_state_all()
        if torch.cuda.is_available() else None,
        numpy=np.random.get_state(),
        python=random.getstate())


def restore_random_states(states: dict) -> None:
    torch.set_rng_state(states['torch'])
    if states['cuda'] is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states['cuda'])
    np.random.set_state(states['numpy'])
    random.setstate(states['python'])


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Saves every rank's random states in checkpoints and restores them on resume.

    MMEngine's checkpoints hold the model, optimizer, schedulers and seed, not
    the random generators' states, so a resumed run draws other augmentations
    and other MoCo batch shuffles than the uninterrupted one would have. With
    this hook the resumed run continues exactly (same loss curve on CPU). The
    hard-example generators keep their own state in model buffers.

    The states are restored at ``before_train`` (after everything the Runner
    does on resume) and only when resuming, not for ``load_from``.

    Only rank 0 runs ``save_checkpoint``, so every rank's states are gathered
    earlier, in the epoch's (or iteration's) last hooks before the checkpoint
    hook; nothing between the two draws random numbers.
    """

    priority = 'BELOW_NORMAL'  # before CheckpointHook (VERY_LOW)
    KEY = 'hexa_random_states'

    def __init__(self) -> None:
        self._pending: Optional[list] = None
        self._gathered: Optional[list] = None

    @staticmethod
    def _checkpoint_hook(runner) -> Optional[CheckpointHook]:
        return next((h for h in runner.hooks if isinstance(h, CheckpointHook)),
                    None)

    def after_train_epoch(self, runner) -> None:
        hook = self._checkpoint_hook(runner)
        if hook is not None and hook.by_epoch:
            self._gathered = all_gather_object(capture_random_states())

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        hook = self._checkpoint_hook(runner)
        if hook is not None and not hook.by_epoch and (
                self.every_n_train_iters(runner, hook.interval)
                or self.is_last_train_iter(runner)):
            self._gathered = all_gather_object(capture_random_states())

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self._gathered is not None:
            checkpoint[self.KEY] = self._gathered

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._pending = checkpoint.get(self.KEY)

    def before_train(self, runner) -> None:
        states, self._pending = self._pending, None
        if not compat.runner_resumes(runner) or states is None:
            return
        rank = get_rank()
        if rank >= len(states):
            runner.logger.warning(
                f'RandomStateHook: the checkpoint holds random states of '
                f'{len(states)} ranks, this is rank {rank}: it keeps its own')
            return
        restore_random_states(states[rank])
        runner.logger.info('RandomStateHook: random states restored')
