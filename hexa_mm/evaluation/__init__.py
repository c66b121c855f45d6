from .features import extract_features, sequential_loader
from .knn import knn_accuracy, knn_eval, knn_predict
from .kshot import (kshot_accuracy, kshot_eval, linear_probe_top1,
                    standardize)

__all__ = [
    'extract_features', 'knn_accuracy', 'knn_eval', 'knn_predict',
    'kshot_accuracy', 'kshot_eval', 'linear_probe_top1', 'sequential_loader',
    'standardize'
]
