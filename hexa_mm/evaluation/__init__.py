from .features import extract_features, sequential_loader
from .knn import knn_accuracy, knn_eval, knn_predict

__all__ = [
    'extract_features', 'knn_accuracy', 'knn_eval', 'knn_predict',
    'sequential_loader'
]
