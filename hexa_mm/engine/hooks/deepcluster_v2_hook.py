from typing import Optional

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

from mmselfsup.registry import HOOKS
from ...evaluation import sequential_loader
from ...models.utils import running_stats_frozen


@HOOKS.register_module()
class DeepClusterV2Hook(Hook):
    """Fills DeepCluster-v2's memory bank and clusters it at every epoch start.

    Unlike MMSelfSup's ``DeepClusterHook`` it runs with one process or many, on
    CPU or GPU, and keeps nothing outside the model: bank, assignments and
    prototypes are model buffers, so a resumed run skips the filling pass and
    clusters the restored bank exactly as the uninterrupted run did.

    Args:
        fill_batch_size (int, optional): Batch size of the filling pass.
            Defaults to the training batch size.
    """

    priority = 'NORMAL'

    def __init__(self, fill_batch_size: Optional[int] = None) -> None:
        self.fill_batch_size = fill_batch_size

    @staticmethod
    def _algorithm(runner: Runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def before_train(self, runner: Runner) -> None:
        model = self._algorithm(runner)
        dataset = runner.train_dataloader.dataset
        if len(dataset) != model.num_samples:
            raise ValueError(
                f'model.num_samples={model.num_samples} but the training set '
                f'has {len(dataset)} samples: set model.num_samples to '
                f'{len(dataset)}')
        if not bool(model.bank_filled):
            self._fill_bank(runner, model, dataset)

    @torch.no_grad()
    def _fill_bank(self, runner: Runner, model, dataset) -> None:
        """One pass over every training sample, without training."""
        train_loader = runner.train_dataloader
        loader = sequential_loader(
            dataset, self.fill_batch_size or train_loader.batch_size,
            train_loader.num_workers, runner.seed)
        runner.logger.info(
            f'DeepClusterV2Hook: filling the memory bank ({len(dataset)} '
            'samples)')
        # Batch statistics, as in training, without moving the running ones.
        with running_stats_frozen(model):
            for data in loader:
                inputs, data_samples = model.data_preprocessor(data, True)
                embeddings = model.embed(inputs[:model.num_bank_crops])
                model.update_bank(
                    model.sample_index(data_samples), embeddings,
                    refresh=False)
        model.bank_filled.fill_(True)

    def before_train_epoch(self, runner: Runner) -> None:
        model = self._algorithm(runner)
        stats = model.cluster(runner.epoch)
        stats['bank_refreshed'] = (model.bank_refreshes > 0).float().mean().item()
        for key, value in stats.items():
            runner.message_hub.update_scalar(f'train/{key}', value)
        runner.logger.info(
            f'DeepClusterV2Hook: epoch {runner.epoch + 1} clusters: ' +
            ', '.join(f'{k}={v:.4f}' for k, v in stats.items()))
