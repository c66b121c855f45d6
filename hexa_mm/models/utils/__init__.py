from .batch_norm import bn_eval, running_stats_frozen
from .pixel_space import PIXEL_MAX, pixel_bounds

__all__ = ['bn_eval', 'running_stats_frozen', 'pixel_bounds', 'PIXEL_MAX']
