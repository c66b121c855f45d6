import pytest
import torch
import torch.nn.functional as F

from gloo import run_in_gloo_processes
from hexa_mm.models.utils import gather_rows, spherical_kmeans


def separable_points(n_per=50, k=4, dim=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    centers = F.normalize(torch.randn(k, dim, generator=g), dim=1) * 4
    labels = torch.arange(k).repeat_interleave(n_per)
    points = centers[labels] + 0.3 * torch.randn(k * n_per, dim, generator=g)
    perm = torch.randperm(k * n_per, generator=g)
    return F.normalize(points[perm], dim=1), labels[perm]


def same_partition(a, b):
    """Cluster ids may be permuted; the grouping must match."""
    return torch.equal(a[:, None] == a[None], b[:, None] == b[None])


def test_recovers_separable_clusters():
    """Random initialisation (as DeepCluster-v2) can start two centroids in one
    cluster; of a few seeds, the solution with the best objective is the truth."""
    points, labels = separable_points()
    runs = []
    for seed in range(5):
        centroids, assignment = spherical_kmeans(
            points, torch.arange(len(points)), len(points), 4, num_iters=10,
            seed=seed)
        torch.testing.assert_close(centroids.norm(dim=1), torch.ones(4))
        objective = (points * centroids[assignment]).sum().item()
        runs.append((objective, assignment))
    best = max(runs, key=lambda run: run[0])[1]
    assert same_partition(best, labels)


def test_empty_cluster_keeps_its_centroid():
    # Two distinct points, duplicated: with 3 clusters one must stay empty.
    points = F.normalize(torch.tensor([[1., 0.], [0., 1.]]), dim=1).repeat(5, 1)
    centroids, assignment = spherical_kmeans(
        points, torch.arange(10), 10, 3, num_iters=5, seed=0)
    used = set(assignment.tolist())
    assert len(used) == 2
    assert torch.isfinite(centroids).all()
    torch.testing.assert_close(centroids.norm(dim=1), torch.ones(3))


def test_more_clusters_than_samples_is_refused():
    with pytest.raises(ValueError, match='num_clusters=5 exceeds'):
        spherical_kmeans(torch.ones(3, 2), torch.arange(3), 3, 5)


def _kmeans_worker(rank, world_size, points, result_file):
    # Each rank holds the rows whose global index is rank modulo world.
    index = torch.arange(rank, len(points), world_size)
    centroids, assignment = spherical_kmeans(
        points[index], index, len(points), 6, num_iters=10, seed=11)
    gathered = gather_rows(torch.arange(rank + 1))  # uneven sizes
    if rank == 0:
        torch.save(
            dict(centroids=centroids, assignment=assignment,
                 gathered=gathered), result_file)


def test_two_gloo_processes_match_one_process(tmp_path):
    points, _ = separable_points(n_per=30, k=6, dim=16, seed=5)
    single_c, single_a = spherical_kmeans(
        points, torch.arange(len(points)), len(points), 6, num_iters=10,
        seed=11)
    result = str(tmp_path / 'rank0.pt')
    run_in_gloo_processes(_kmeans_worker, 2, points, result)
    out = torch.load(result)
    assert torch.equal(out['assignment'], single_a)
    torch.testing.assert_close(out['centroids'], single_c)
    assert out['gathered'].tolist() == [0, 0, 1]
