import pytest
import torch
import torch.nn.functional as F

from hexa_mm.models.losses import prototype_cross_entropy


def test_averages_cross_entropy_over_heads():
    torch.manual_seed(0)
    emb = F.normalize(torch.randn(5, 8), dim=1)
    protos = F.normalize(torch.randn(3, 4, 8), dim=2)
    targets = torch.randint(0, 4, (3, 5))
    loss = prototype_cross_entropy(emb, protos, targets, 0.1)
    expected = torch.stack([
        F.cross_entropy(emb @ protos[h].t() / 0.1, targets[h], reduction='none')
        for h in range(3)
    ]).mean(0)
    torch.testing.assert_close(loss, expected)


def test_embedding_on_its_prototype_has_the_lowest_loss():
    protos = torch.eye(4).unsqueeze(0)
    emb = torch.eye(4)
    right = prototype_cross_entropy(emb, protos, torch.arange(4)[None], 0.1)
    wrong = prototype_cross_entropy(emb, protos, torch.arange(4).roll(1)[None],
                                    0.1)
    assert torch.all(right < wrong)


def test_target_shape_is_checked():
    with pytest.raises(ValueError, match='heads, samples'):
        prototype_cross_entropy(
            torch.zeros(2, 3), torch.zeros(1, 4, 3), torch.zeros(2, 2).long(),
            0.1)
