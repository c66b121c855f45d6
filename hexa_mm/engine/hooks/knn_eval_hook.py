from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

from mmselfsup.registry import HOOKS
from ...evaluation import knn_eval, sequential_loader


@HOOKS.register_module()
class KNNEvalHook(Hook):
    """Weighted kNN accuracy of the frozen backbone's features, every few epochs.

    The cheap monitor of pre-training (Wu et al., CVPR 2018; k = 200, T = 0.1):
    features of a labelled training split vote for the labels of a validation
    split. Each rank embeds its share of both splits; the rows are gathered (any
    number of processes gives the same figure) and the score is logged as
    ``knn_top1``.

    Args:
        train_dataset (dict): Labelled reference split, whose pipeline packs
            ``algorithm_keys=['gt_label', 'sample_idx']``.
        val_dataset (dict): Split to classify, packed likewise.
        interval (int): Epochs between evaluations. Defaults to 1.
        k (int): Neighbours. Defaults to 200.
        temperature (float): Vote weighting ``exp(sim / T)``. Defaults to 0.1.
        batch_size (int): Images per forward. Defaults to 256.
        num_workers (int): Data loading workers. Defaults to 0.
    """

    priority = 'LOW'

    def __init__(self,
                 train_dataset: dict,
                 val_dataset: dict,
                 interval: int = 1,
                 k: int = 200,
                 temperature: float = 0.1,
                 batch_size: int = 256,
                 num_workers: int = 0) -> None:
        self.dataset_cfgs = dict(train=train_dataset, val=val_dataset)
        self.interval = interval
        self.k = k
        self.temperature = temperature
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.history = []

    def evaluate(self, runner: Runner) -> float:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        train, val = (
            sequential_loader(self.dataset_cfgs[split], self.batch_size,
                              self.num_workers, runner.seed)
            for split in ('train', 'val'))
        return knn_eval(model, train, val, self.k, self.temperature)

    def after_train_epoch(self, runner: Runner) -> None:
        if not self.every_n_epochs(runner, self.interval):
            return
        top1 = self.evaluate(runner)
        self.history.append((runner.epoch + 1, top1))
        runner.message_hub.update_scalar('train/knn_top1', top1)
        runner.logger.info(f'KNNEvalHook: epoch {runner.epoch + 1} kNN '
                           f'(k={self.k}, T={self.temperature}) top-1: '
                           f'{top1:.2f}')
