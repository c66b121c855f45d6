from .batch_norm import running_stats_frozen
from .dist import (all_reduce_sum, batch_shuffle, batch_unshuffle, gather_rows,
                   rows_per_rank)
from .kmeans import assign_to_centroids, spherical_kmeans
from .pixel_space import PIXEL_MAX, pixel_bounds
from .split_batch_norm import SplitBatchNorm2d

__all__ = [
    'running_stats_frozen', 'all_reduce_sum', 'batch_shuffle',
    'batch_unshuffle', 'gather_rows', 'rows_per_rank',
    'assign_to_centroids', 'spherical_kmeans', 'pixel_bounds', 'PIXEL_MAX',
    'SplitBatchNorm2d'
]
