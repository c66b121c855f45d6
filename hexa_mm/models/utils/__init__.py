from .batch_norm import bn_eval, running_stats_frozen
from .dist import all_reduce_sum, gather_rows
from .kmeans import assign_to_centroids, spherical_kmeans
from .pixel_space import PIXEL_MAX, pixel_bounds

__all__ = [
    'bn_eval', 'running_stats_frozen', 'all_reduce_sum', 'gather_rows',
    'assign_to_centroids', 'spherical_kmeans', 'pixel_bounds', 'PIXEL_MAX'
]
