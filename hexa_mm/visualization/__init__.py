from .feature_map import (METHODS, MissingPackageError, drawn_panel,
                          embed_features, embedding_2d,
                          feature_map_of_dataset, save_feature_map,
                          save_feature_maps, subset_indices, tsne_embedding,
                          umap_embedding)

__all__ = [
    'METHODS', 'MissingPackageError', 'drawn_panel', 'embed_features',
    'embedding_2d', 'feature_map_of_dataset', 'save_feature_map',
    'save_feature_maps', 'subset_indices', 'tsne_embedding', 'umap_embedding'
]
