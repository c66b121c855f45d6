from typing import Dict, Union

import torch
from mmengine.model import MMDistributedDataParallel
from mmengine.optim import OptimWrapper
from mmengine.registry import MODEL_WRAPPERS


# MMEngine's root registry, as its own wrappers: Runner.wrap_model looks the
# type up there without the default scope, so a wrapper registered only in
# MMSelfSup's child registry would need the 'mmselfsup.' prefix.
@MODEL_WRAPPERS.register_module()
class TwoPassDistributedDataParallel(MMDistributedDataParallel):
    """DDP for a model whose optimisation step takes two backward passes.

    A HEXA algorithm with adversarial examples backpropagates its clean
    loss first (which gives the attack its input gradient), then its hard
    examples' loss (:meth:`HardExampleMixin.two_pass_train_step`).
    :class:`MMDistributedDataParallel`'s ``train_step`` knows one forward and
    one backward only; MMEngine's documented answer for a model with its own
    optimisation strategy is a wrapper whose ``train_step`` delegates to it.
    Both passes run through this wrapper's forward: the first under
    ``no_sync``, the second syncing the gradients of both. Any other model
    trains as under :class:`MMDistributedDataParallel`.

    Args:
        module (nn.Module): The model.
        broadcast_buffers (bool): DDP's buffer broadcast at every forward.
            Defaults to False, as MMEngine's default wrapper (MoCo's queue and
            the DeepCluster-v2 bank are buffers that every rank updates
            alike).
        **kwargs: :class:`MMDistributedDataParallel`'s arguments.
    """

    def __init__(self, module, broadcast_buffers: bool = False, **kwargs):
        super().__init__(
            module=module, broadcast_buffers=broadcast_buffers, **kwargs)

    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper: OptimWrapper) -> Dict[str, torch.Tensor]:
        if getattr(self.module, 'two_pass_step', False):
            return self.module.two_pass_train_step(
                data, optim_wrapper, model=self)
        return super().train_step(data, optim_wrapper)
