import torch
import torch.nn.functional as F

from hexa_mm.evaluation import knn_accuracy, knn_predict


def test_separable_classes_are_recovered():
    g = torch.Generator().manual_seed(0)
    centers = F.normalize(torch.randn(3, 16, generator=g), dim=1)
    labels = torch.arange(3).repeat_interleave(20)
    feats = centers[labels] + 0.05 * torch.randn(60, 16, generator=g)
    test = centers[torch.tensor([2, 0, 1])] + 0.05 * torch.randn(
        3, 16, generator=g)
    assert knn_accuracy(feats, labels, test, torch.tensor([2, 0, 1]), 3,
                        k=200) == 100.0


def test_votes_are_weighted_by_similarity():
    train = torch.tensor([[1., 0.], [0.6, 0.8], [0.6, 0.8]])
    labels = torch.tensor([0, 1, 1])
    query = torch.tensor([[1., 0.]])
    # Two weaker neighbours of class 1 against one exact match of class 0:
    # a sharp temperature lets the exact match win, a flat one the majority.
    assert knn_predict(train, labels, query, 2, k=3,
                       temperature=0.1).argmax() == 0
    assert knn_predict(train, labels, query, 2, k=3,
                       temperature=100.).argmax() == 1


def test_chunks_give_the_same_scores():
    g = torch.Generator().manual_seed(1)
    train, test = torch.randn(50, 8, generator=g), torch.randn(7, 8, generator=g)
    labels = torch.randint(0, 4, (50, ), generator=g)
    torch.testing.assert_close(
        knn_predict(train, labels, test, 4, k=10, chunk_size=2),
        knn_predict(train, labels, test, 4, k=10))
