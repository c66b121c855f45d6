from .deepcluster_v2_hook import DeepClusterV2Hook
from .knn_eval_hook import KNNEvalHook
from .non_finite_loss_hook import NonFiniteLossError, NonFiniteLossHook
from .online_linear_probe_hook import OnlineLinearProbeHook
from .random_state_hook import RandomStateHook

__all__ = [
    'DeepClusterV2Hook', 'KNNEvalHook', 'NonFiniteLossError',
    'NonFiniteLossHook', 'OnlineLinearProbeHook', 'RandomStateHook'
]
