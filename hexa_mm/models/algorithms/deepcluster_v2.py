from typing import Dict, List, Optional, Union

import numpy as np
import torch
from mmengine.dist import get_dist_info

from mmselfsup.models.algorithms import DeepCluster
from mmselfsup.registry import MODELS
from mmselfsup.structures import SelfSupDataSample
from ..utils import gather_rows, spherical_kmeans


@MODELS.register_module()
class DeepClusterV2(DeepCluster):
    """DeepCluster-v2.

    From `Unsupervised Learning of Visual Features by Contrasting Cluster
    Assignments <https://arxiv.org/abs/2006.09882>`_ (Caron et al., NeurIPS 2020),
    on MMSelfSup's :class:`DeepCluster` (v1's Sobel / PCA / faiss path is not
    used). Every crop predicts its image's cluster, one cross-entropy per
    prototype head (temperature 0.1), averaged over heads and crops.

    The memory bank holds the L2-normalised embeddings of the first
    ``num_bank_crops`` (high-resolution) crops of every image: filled by a pass
    before training and refreshed batch by batch (all ranks' rows, so every rank
    holds the whole bank). At every epoch start, head ``h`` runs spherical k-means
    on crop ``h % num_bank_crops``'s bank (heads alternate between the crops);
    its centroids become the head's frozen prototypes and its assignments the
    targets. The bank, assignments and prototypes are buffers, so checkpoints
    carry them and a resumed run continues exactly. :class:`DeepClusterV2Hook`
    drives the fill and the clustering.

    Args:
        backbone (dict): Backbone config.
        neck (dict): Neck config; MMSelfSup's ``SwAVNeck`` (projection MLP with
            L2 normalisation) is the recipe's.
        head (dict): Config of a :class:`MultiPrototypeHead`.
        num_samples (int): Size of the training set (rows of the bank).
        num_bank_crops (int): Leading crops kept in the bank. Defaults to 2.
        kmeans_iters (int): k-means iterations. Defaults to 10.
        seed (int): Seed of the k-means initialisation (mixed with the epoch
            and the head). Defaults to 0.
        pretrained (str, optional): Checkpoint to load.
        data_preprocessor (dict, optional): Data preprocessor config.
        init_cfg (dict or list[dict], optional): Initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 num_samples: int,
                 num_bank_crops: int = 2,
                 kmeans_iters: int = 10,
                 seed: int = 0,
                 pretrained: Optional[str] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[List[dict], dict]] = None) -> None:
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            pretrained=pretrained,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        name = type(self).__name__
        if num_samples < self.head.num_prototypes:
            raise ValueError(
                f'{name}: head.num_prototypes={self.head.num_prototypes} exceeds '
                f'num_samples={num_samples}: k-means needs at least one sample '
                'per cluster')
        if num_bank_crops < 1:
            raise ValueError(
                f'{name}: num_bank_crops={num_bank_crops} must be >= 1')
        self.num_samples = num_samples
        self.num_bank_crops = num_bank_crops
        self.kmeans_iters = kmeans_iters
        self.seed = seed
        feat_dim = self.head.prototypes.size(2)
        self.register_buffer('memory_bank',
                             torch.zeros(num_bank_crops, num_samples, feat_dim))
        # How often training refreshed each row (the filling pass not counted).
        self.register_buffer('bank_refreshes',
                             torch.zeros(num_samples, dtype=torch.long))
        self.register_buffer('bank_filled', torch.tensor(False))
        self.register_buffer(
            'assignments',
            torch.full((self.head.num_heads, num_samples), -1,
                       dtype=torch.long))

    def embed(self, crops: List[torch.Tensor]) -> List[torch.Tensor]:
        """L2-normalised embedding (B, D) of each crop; crops of one
        resolution go through the backbone together (as MMSelfSup's SwAV)."""
        sizes = torch.tensor([crop.shape[-1] for crop in crops])
        group_ends = torch.cumsum(
            torch.unique_consecutive(sizes, return_counts=True)[1], 0)
        outputs, start = [], 0
        for end in group_ends.tolist():
            outputs.append(self.backbone(torch.cat(crops[start:end])))
            start = end
        return list(self.neck(outputs)[0].chunk(len(crops)))

    @staticmethod
    def sample_index(data_samples: List[SelfSupDataSample]) -> torch.Tensor:
        """Global index of each sample of the batch (pipeline's
        ``PackSelfSupInputs(algorithm_keys=['sample_idx'])``)."""
        if not data_samples or 'sample_idx' not in data_samples[0]:
            raise KeyError(
                'DeepClusterV2 needs each sample\'s index: add '
                "algorithm_keys=['sample_idx'] to PackSelfSupInputs")
        return torch.cat([
            torch.as_tensor(s.sample_idx.value).flatten() for s in data_samples
        ]).long()

    @torch.no_grad()
    def update_bank(self,
                    index: torch.Tensor,
                    embeddings: List[torch.Tensor],
                    refresh: bool = True) -> None:
        """Write every rank's clean high-resolution embeddings into the bank."""
        index = gather_rows(index.to(self.memory_bank.device))
        for crop in range(self.num_bank_crops):
            self.memory_bank[crop, index] = gather_rows(
                embeddings[crop].detach().float())
        if refresh:
            self.bank_refreshes[index] += 1

    @torch.no_grad()
    def cluster(self, epoch: int) -> Dict[str, float]:
        """k-means of the bank for every head; sets prototypes and targets.

        Every rank runs the k-means on its share of rows (global index modulo
        the world size) and all-reduces the centroids, so any number of
        processes gives the same clusters.

        Returns:
            dict: ``cluster_max_frac`` (largest cluster's share of the data,
            over heads) and ``cluster_empty`` (mean number of empty clusters).
        """
        if not bool(self.bank_filled):
            raise RuntimeError(
                f'{type(self).__name__}.cluster: the memory bank was never '
                "filled; add custom_hooks=[dict(type='DeepClusterV2Hook')]")
        rank, world_size = get_dist_info()
        shard = torch.arange(rank, self.num_samples, world_size,
                             device=self.memory_bank.device)
        max_frac, empty = 0., 0.
        for h in range(self.head.num_heads):
            feats = self.memory_bank[h % self.num_bank_crops, shard]
            seed = int(
                np.random.SeedSequence([self.seed, epoch, h]).generate_state(1)[0])
            centroids, assignment = spherical_kmeans(
                feats, shard, self.num_samples, self.head.num_prototypes,
                self.kmeans_iters, seed)
            self.head.prototypes[h] = centroids
            self.assignments[h] = assignment
            counts = torch.bincount(
                assignment, minlength=self.head.num_prototypes)
            max_frac = max(max_frac, counts.max().item() / self.num_samples)
            empty += (counts == 0).sum().item() / self.head.num_heads
        return dict(cluster_max_frac=max_frac, cluster_empty=empty)

    def batch_targets(self, index: torch.Tensor) -> torch.Tensor:
        """Cluster of each sample of the batch in every head (H, B)."""
        targets = self.assignments[:, index.to(self.assignments.device)]
        if (targets < 0).any():
            raise RuntimeError(
                f'{type(self).__name__}: samples without a cluster assignment '
                f'(indices {index[(targets < 0).any(0).cpu()].tolist()[:5]}...); '
                "the bank is clustered by custom_hooks=[dict(type="
                "'DeepClusterV2Hook')] at every epoch start")
        return targets

    def crop_losses(self, embeddings: List[torch.Tensor],
                    targets: torch.Tensor) -> torch.Tensor:
        """Mean per-sample loss over crops (B,)."""
        return torch.stack([self.head(e, targets) for e in embeddings]).mean(0)

    def loss(self, inputs: List[torch.Tensor],
             data_samples: List[SelfSupDataSample],
             **kwargs) -> Dict[str, torch.Tensor]:
        """Cluster-prediction loss of every crop; refreshes the bank.

        Args:
            inputs (List[torch.Tensor]): The crops, high-resolution first.
            data_samples (List[SelfSupDataSample]): Carry ``sample_idx``.

        Returns:
            Dict[str, torch.Tensor]: ``loss``.
        """
        index = self.sample_index(data_samples)
        embeddings = self.embed(inputs)
        targets = self.batch_targets(index)
        loss = self.crop_losses(embeddings, targets).mean()
        self.update_bank(index, embeddings)
        return dict(loss=loss)
