from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from torch import nn

from mmselfsup.registry import HOOKS
from ...evaluation import extract_features, sequential_loader
from .random_state_hook import capture_random_states, restore_random_states


@HOOKS.register_module()
class OnlineLinearProbeHook(Hook):
    """A linear classifier trained on the frozen backbone's features during
    pre-training, scored on a validation split every few epochs.

    The online linear probe of solo-learn and lightly: after every training
    iteration, the backbone (in eval mode, under ``no_grad``) embeds the
    batch's first view; a classifier (an affine-free ``BatchNorm1d``, as the
    digits linear probe standardises its features, then ``nn.Linear``) takes
    one SGD step on those features and the batch's labels. The pre-training
    loss, its gradients and BN's running statistics are untouched, and the
    hook leaves every random generator as it found it, so a run with the
    probe trains exactly as one without. Every ``interval`` epochs the
    classifier labels ``val_dataset`` (features of the eval-mode backbone);
    its top-1 is logged as ``online_linear_top1``, beside
    :class:`KNNEvalHook`'s ``knn_top1``.

    The training pipeline must pack the labels:
    ``PackSelfSupInputs(algorithm_keys=['gt_label', ...])``. Under DDP the
    classifier's gradients are averaged over ranks (one classifier). Its
    weights, optimizer state and history go into checkpoints and come back
    on resume.

    Cost: one eval-mode forward of the backbone per iteration (about a
    quarter of a MoCo-v2 step), and one pass over ``val_dataset`` per
    evaluation.

    Args:
        val_dataset (dict): Labelled split to score, packed with
            ``algorithm_keys=['gt_label', 'sample_idx']``.
        num_classes (int): Classes of the labels.
        interval (int): Epochs between evaluations. Defaults to 1.
        lr (float): SGD learning rate of the classifier. Defaults to 0.1.
        momentum (float): SGD momentum. Defaults to 0.9.
        weight_decay (float): SGD weight decay. Defaults to 0.
        batch_size (int): Images per forward of the evaluation. Defaults
            to 256.
        num_workers (int): Loader workers of the evaluation. Defaults to 0.
        seed (int): Seed of the classifier's initialisation (its own
            generator). Defaults to 0.
        enabled (bool): False makes the hook do nothing, to switch it off
            from the command line. Defaults to True.
    """

    priority = 'LOW'
    CHECKPOINT_KEY = 'online_linear_probe'

    def __init__(self,
                 val_dataset: dict,
                 num_classes: int,
                 interval: int = 1,
                 lr: float = 0.1,
                 momentum: float = 0.9,
                 weight_decay: float = 0.,
                 batch_size: int = 256,
                 num_workers: int = 0,
                 seed: int = 0,
                 enabled: bool = True) -> None:
        if num_classes < 2:
            raise ValueError(f'OnlineLinearProbeHook: num_classes='
                             f'{num_classes}, expected >= 2')
        if interval < 1:
            raise ValueError(
                f'OnlineLinearProbeHook: interval={interval}, expected >= 1')
        self.val_dataset = val_dataset
        self.num_classes = num_classes
        self.interval = interval
        self.optim_cfg = dict(lr=lr, momentum=momentum,
                              weight_decay=weight_decay)
        self.batch_size = batch_size
        self.num_workers = num_workers
        self.seed = seed
        self.enabled = enabled
        self.classifier: Optional[nn.Module] = None
        self.optimizer: Optional[torch.optim.Optimizer] = None
        self.history: List[Tuple[int, float]] = []
        self._pending: Optional[dict] = None

    @staticmethod
    def _model(runner: Runner) -> nn.Module:
        return runner.model.module if is_model_wrapper(
            runner.model) else runner.model

    @torch.no_grad()
    def features(self, model: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
        """Pooled last backbone output, BN on running statistics (as the
        evaluation and a frozen downstream backbone see it)."""
        was_training = model.backbone.training
        model.backbone.eval()
        try:
            return model.backbone(inputs)[-1].mean(dim=(2, 3)).float()
        finally:
            model.backbone.train(was_training)

    def _build(self, channels: int, device: torch.device) -> None:
        generator = torch.Generator().manual_seed(self.seed)
        linear = nn.Linear(channels, self.num_classes)
        with torch.no_grad():  # nn.Linear's init, from our own generator
            bound = channels**-0.5
            linear.weight.uniform_(-bound, bound, generator=generator)
            linear.bias.uniform_(-bound, bound, generator=generator)
        self.classifier = nn.Sequential(
            nn.BatchNorm1d(channels, affine=False), linear).to(device)
        self.optimizer = torch.optim.SGD(self.classifier.parameters(),
                                         **self.optim_cfg)
        if self._pending is not None:
            self.classifier.load_state_dict(self._pending['state_dict'])
            self.optimizer.load_state_dict(self._pending['optimizer'])
            self._pending = None

    def train_step(self, model: nn.Module, data_batch: dict) -> float:
        """One classifier step on the first view of ``data_batch``; returns
        its loss."""
        samples = data_batch['data_samples']
        if not all(s is not None and 'gt_label' in s for s in samples):
            raise KeyError(
                'OnlineLinearProbeHook needs labels in the training batches: '
                "pack them with PackSelfSupInputs(algorithm_keys=['gt_label', "
                "...]) in train_dataloader's pipeline")
        inputs, samples = model.data_preprocessor(data_batch, False)
        feats = self.features(model, inputs[0])
        labels = torch.cat([s.gt_label.value for s in samples]).to(
            feats.device)
        if self.classifier is None:
            self._build(feats.size(1), feats.device)
        self.classifier.train()
        loss = F.cross_entropy(self.classifier(feats), labels)
        self.optimizer.zero_grad()
        loss.backward()
        if get_world_size() > 1:
            for param in self.classifier.parameters():
                all_reduce(param.grad, op='mean')
        self.optimizer.step()
        return loss.item()

    @torch.no_grad()
    def evaluate(self, model: nn.Module, seed: Optional[int] = None) -> float:
        """Top-1 (%) of the classifier on ``val_dataset``, on ``model``'s
        frozen backbone features."""
        loader = sequential_loader(self.val_dataset, self.batch_size,
                                   self.num_workers, seed)
        feats, labels = extract_features(model, loader)
        self.classifier.eval()
        device = next(self.classifier.parameters()).device
        pred = self.classifier(feats.to(device)).argmax(dim=1).cpu()
        return 100. * (pred == labels).float().mean().item()

    def after_train_iter(self, runner: Runner, batch_idx: int,
                         data_batch=None, outputs=None) -> None:
        if not self.enabled:
            return
        states = capture_random_states()
        try:
            loss = self.train_step(self._model(runner), data_batch)
        finally:
            restore_random_states(states)
        runner.message_hub.update_scalar('train/online_linear_loss', loss)

    def after_train_epoch(self, runner: Runner) -> None:
        if not self.enabled or self.classifier is None or \
                not self.every_n_epochs(runner, self.interval):
            return
        states = capture_random_states()
        try:
            top1 = self.evaluate(self._model(runner), runner.seed)
        finally:
            restore_random_states(states)
        self.history.append((runner.epoch + 1, top1))
        runner.message_hub.update_scalar('train/online_linear_top1', top1)
        runner.logger.info(f'OnlineLinearProbeHook: epoch {runner.epoch + 1} '
                           f'online linear top-1: {top1:.2f}')

    def before_save_checkpoint(self, runner: Runner, checkpoint: dict) -> None:
        if self.classifier is not None:
            checkpoint[self.CHECKPOINT_KEY] = dict(
                state_dict=self.classifier.state_dict(),
                optimizer=self.optimizer.state_dict(),
                history=list(self.history))

    def after_load_checkpoint(self, runner: Runner, checkpoint: dict) -> None:
        state = checkpoint.get(self.CHECKPOINT_KEY)
        if state is None:
            return
        self.history = [tuple(h) for h in state['history']]
        if self.classifier is None:
            self._pending = state
        else:
            self.classifier.load_state_dict(state['state_dict'])
            self.optimizer.load_state_dict(state['optimizer'])
