import pytest
import torch

from conftest import multicrop_batch, tiny_dcluster_cfg
from mmselfsup.registry import MODELS


def build(**overrides):
    torch.manual_seed(0)
    return MODELS.build(tiny_dcluster_cfg(**overrides)).train()


def filled(model):
    """Fill the bank from random crops and cluster, as the hook does."""
    for start in range(0, model.num_samples, 8):
        index = torch.arange(start, start + 8)
        crops, _ = multicrop_batch(index, seed=start)
        with torch.no_grad():
            model.update_bank(index, model.embed(crops[:2]), refresh=False)
    model.bank_filled.fill_(True)
    model.cluster(epoch=0)
    return model


def test_embeddings_are_l2_normalised_per_crop():
    model = build()
    crops, _ = multicrop_batch(torch.arange(4))
    embeddings = model.embed(crops)
    assert len(embeddings) == 4
    for e in embeddings:
        assert e.shape == (4, 16)
        torch.testing.assert_close(e.norm(dim=1), torch.ones(4))


def test_cluster_sets_prototypes_and_assignments_of_every_sample():
    model = filled(build())
    assert (model.assignments >= 0).all()
    assert (model.assignments < 4).all()
    torch.testing.assert_close(
        model.head.prototypes.norm(dim=2), torch.ones(2, 4))
    # Heads alternate between the two crops' banks: different data.
    assert not torch.equal(model.memory_bank[0], model.memory_bank[1])


def test_prototypes_are_frozen_under_training_steps():
    model = filled(build())
    assert not any('prototypes' in name for name, _ in model.named_parameters())
    before = model.head.prototypes.clone()
    optim = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    for step in range(3):
        crops, samples = multicrop_batch(torch.arange(8), seed=step)
        optim.zero_grad()
        model.loss(crops, samples)['loss'].backward()
        optim.step()
    assert torch.equal(model.head.prototypes, before)


def test_every_crop_targets_its_images_assignment():
    model = filled(build())
    index = torch.tensor([3, 17, 5, 30])
    seen = []
    real_head = model.head.forward

    def spy(embeddings, targets):
        seen.append(targets.clone())
        return real_head(embeddings, targets)

    model.head.forward = spy
    crops, samples = multicrop_batch(index)
    model.loss(crops, samples)
    assert len(seen) == 4  # one call per crop
    for targets in seen:
        assert torch.equal(targets, model.assignments[:, index])


def test_training_refreshes_the_bank_rows_of_the_batch():
    model = filled(build())
    index = torch.tensor([1, 2, 3, 4])
    others = torch.tensor([i for i in range(32) if i not in index.tolist()])
    untouched = model.memory_bank[:, others].clone()
    # The neck's output of the training forward: all 4 crops, high-resolution
    # first, BN1d over all of them together.
    necks = []
    model.neck.register_forward_hook(
        lambda module, args, out: necks.append(out[0].detach().clone()))
    crops, samples = multicrop_batch(index, seed=9)
    model.loss(crops, samples)
    assert len(necks) == 1 and necks[0].shape == (16, 16)
    assert model.bank_refreshes[index].tolist() == [1, 1, 1, 1]
    assert model.bank_refreshes.sum() == 4
    # Rows hold the (train-mode) embeddings of the two high-resolution crops
    # from that same forward, bit for bit; no other row moved.
    assert torch.equal(model.memory_bank[0, index], necks[0][0:4])
    assert torch.equal(model.memory_bank[1, index], necks[0][4:8])
    assert torch.equal(model.memory_bank[:, others], untouched)


def test_missing_sample_index_is_explained():
    model = filled(build())
    crops, samples = multicrop_batch(torch.arange(2))
    for s in samples:
        del s.sample_idx
    with pytest.raises(KeyError, match="algorithm_keys=\\['sample_idx'\\]"):
        model.loss(crops, samples)


def test_clustering_an_unfilled_bank_or_training_unclustered_is_explained():
    model = build()
    with pytest.raises(RuntimeError, match='DeepClusterV2Hook'):
        model.cluster(0)
    crops, samples = multicrop_batch(torch.arange(2))
    with pytest.raises(RuntimeError, match='without a cluster assignment'):
        model.loss(crops, samples)


def test_more_prototypes_than_samples_is_refused():
    with pytest.raises(ValueError, match='num_prototypes=4 exceeds'):
        build(num_samples=3)
