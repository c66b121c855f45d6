from .features import extract_features, sequential_loader
from .knn import knn_accuracy, knn_eval, knn_predict
from .kshot import (kshot_accuracy, kshot_eval, linear_probe_top1,
                    standardize)
from .probe import (RANDOM_INITS, add_probe_args, build_probe_model,
                    probe_split_cfg, run_probe)

__all__ = [
    'RANDOM_INITS', 'add_probe_args', 'build_probe_model', 'probe_split_cfg',
    'run_probe', 'extract_features', 'knn_accuracy', 'knn_eval', 'knn_predict',
    'kshot_accuracy', 'kshot_eval', 'linear_probe_top1', 'sequential_loader',
    'standardize'
]
