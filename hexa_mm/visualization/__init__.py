from .tsne import (embed_features, feature_map_of_dataset, save_feature_map,
                   save_feature_maps, subset_indices, tsne_embedding)

__all__ = [
    'embed_features', 'feature_map_of_dataset', 'save_feature_map',
    'save_feature_maps', 'subset_indices', 'tsne_embedding'
]
