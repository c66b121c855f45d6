from .prototype_ce import prototype_cross_entropy
from .soft_contrastive import mixed_key_targets, soft_contrastive_loss

__all__ = [
    'mixed_key_targets', 'prototype_cross_entropy', 'soft_contrastive_loss'
]
