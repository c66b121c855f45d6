"""spherical_kmeans against Lloyd's iteration written out here from its
definition, on clusters close enough that its update step has work to do:
centroids left at their initial rows, or updated once only, misplace points
that the full iteration puts right."""
import pytest
import torch
import torch.nn.functional as F

from gloo import run_in_gloo_processes
from hexa_mm.models.utils import gather_rows, spherical_kmeans

K = 4
#: A k-means seed whose initial rows fall one in each cluster of
#: ``touching_clusters()`` (checked below), so the truth is reachable.
COVERING_SEED = 6


def touching_clusters(n_per=50, k=K, dim=8, spread=0.15, seed=0):
    """L2-normalised points of ``k`` clusters near enough to one another
    that a point can lie closer to another cluster's member than to its
    own; the true labels."""
    g = torch.Generator().manual_seed(seed)
    centers = F.normalize(torch.randn(k, dim, generator=g), dim=1)
    labels = torch.arange(k).repeat_interleave(n_per)
    points = centers[labels] + spread * torch.randn(k * n_per, dim,
                                                     generator=g)
    perm = torch.randperm(k * n_per, generator=g)
    return F.normalize(points[perm], dim=1), labels[perm]


def initial_rows(num_samples, k, seed):
    """The documented initialisation: the rows of ``k`` distinct indices
    drawn from ``seed``."""
    g = torch.Generator().manual_seed(seed)
    return torch.randperm(num_samples, generator=g)[:k]


def reference_lloyd(points, k, num_iters, seed):
    """Spherical Lloyd: assign each point to its most similar centroid, move
    each non-empty centroid to its members' normalised mean; a loop per
    cluster, one process."""
    centroids = points[initial_rows(len(points), k, seed)].clone()
    for _ in range(num_iters):
        assignment = (points @ centroids.t()).argmax(dim=1)
        for j in range(k):
            members = points[assignment == j]
            if len(members):
                centroids[j] = F.normalize(members.mean(dim=0), dim=0)
    return centroids, (points @ centroids.t()).argmax(dim=1)


def same_partition(a, b):
    """Cluster ids may be permuted; the grouping must match."""
    return torch.equal(a[:, None] == a[None], b[:, None] == b[None])


def normalised_means(points, assignment, k):
    return F.normalize(
        torch.stack([points[assignment == j].mean(dim=0) for j in range(k)]),
        dim=1)


def test_the_data_needs_every_update():
    """What makes the tests below able to fail: from the covering start,
    assigning to the initial rows, or updating once, misplaces points."""
    points, labels = touching_clusters()
    init = initial_rows(len(points), K, COVERING_SEED)
    assert sorted(labels[init].tolist()) == list(range(K))
    no_update = (points @ points[init].t()).argmax(dim=1)
    _, one_update = reference_lloyd(points, K, 1, COVERING_SEED)
    # Each point takes the true label of its most similar initial row.
    assert (labels[init][no_update] != labels).sum() >= 10
    assert not same_partition(one_update, labels)


@pytest.mark.parametrize('seed', [0, 1, COVERING_SEED])
def test_matches_the_reference_lloyd_iteration(seed):
    points, _ = touching_clusters()
    centroids, assignment = spherical_kmeans(
        points, torch.arange(len(points)), len(points), K, num_iters=10,
        seed=seed)
    want_c, want_a = reference_lloyd(points, K, 10, seed)
    torch.testing.assert_close(centroids, want_c, rtol=0, atol=1e-5)
    assert torch.equal(assignment, want_a)


def test_recovers_the_clusters_at_their_normalised_means():
    points, labels = touching_clusters()
    centroids, assignment = spherical_kmeans(
        points, torch.arange(len(points)), len(points), K, num_iters=10,
        seed=COVERING_SEED)
    assert same_partition(assignment, labels)
    # Converged: each centroid is the normalised mean of its members, which
    # are the true cluster's.
    torch.testing.assert_close(
        centroids, normalised_means(points, assignment, K), rtol=0,
        atol=1e-5)


def test_empty_cluster_keeps_its_centroid():
    # Two distinct points, five copies each: of 3 initial rows two are the
    # same point, and the second of those never wins a point (argmax takes
    # the first of equal columns).
    points = F.normalize(torch.tensor([[1., 0.], [0., 1.]]), dim=1).repeat(5, 1)
    init = initial_rows(10, 3, 0)
    start = points[init]
    centroids, assignment = spherical_kmeans(
        points, torch.arange(10), 10, 3, num_iters=5, seed=0)
    empty = sorted(set(range(3)) - set(assignment.tolist()))
    assert len(empty) == 1
    assert torch.equal(centroids[empty[0]], start[empty[0]])
    for j in set(assignment.tolist()):
        assert torch.equal(centroids[j], points[assignment == j][0])


def test_more_clusters_than_samples_is_refused():
    with pytest.raises(ValueError, match='num_clusters=5 exceeds'):
        spherical_kmeans(torch.ones(3, 2), torch.arange(3), 3, 5)


def _kmeans_worker(rank, world_size, points, out_dir):
    # Each rank holds the rows whose global index is rank modulo world: 100
    # rows each, none of the initial rows on both.
    index = torch.arange(rank, len(points), world_size)
    centroids, assignment = spherical_kmeans(
        points[index], index, len(points), K, num_iters=10,
        seed=COVERING_SEED)
    gathered = gather_rows(torch.arange(rank + 1))  # uneven sizes
    torch.save(
        dict(centroids=centroids, assignment=assignment, gathered=gathered),
        f'{out_dir}/rank{rank}.pt')


def test_two_gloo_processes_give_the_reference_clusters(tmp_path):
    points, labels = touching_clusters()
    want_c, want_a = reference_lloyd(points, K, 10, COVERING_SEED)
    run_in_gloo_processes(_kmeans_worker, 2, points, str(tmp_path))
    for rank in (0, 1):
        out = torch.load(tmp_path / f'rank{rank}.pt')
        assert torch.equal(out['assignment'], want_a), rank
        assert same_partition(out['assignment'], labels), rank
        torch.testing.assert_close(out['centroids'], want_c, rtol=0,
                                   atol=1e-5)
        assert out['gathered'].tolist() == [0, 0, 1]
