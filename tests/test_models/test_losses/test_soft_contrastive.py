import pytest
import torch
import torch.nn.functional as F

from hexa_mm.models.losses import mixed_key_targets, soft_contrastive_loss


def test_one_hot_targets_give_infonce():
    torch.manual_seed(0)
    logits = torch.randn(5, 7)
    labels = torch.tensor([0, 3, 6, 1, 0])
    loss = soft_contrastive_loss(logits, F.one_hot(labels, 7).float(), 0.2)
    expected = F.cross_entropy(logits / 0.2, labels, reduction='none')
    torch.testing.assert_close(loss, expected)


def test_soft_targets_are_the_mixture_of_hard_losses():
    torch.manual_seed(1)
    logits = torch.randn(4, 6)
    a, b = torch.tensor([0, 1, 2, 3]), torch.tensor([3, 2, 1, 0])
    lam = 0.3
    targets = lam * F.one_hot(a, 6).float() + (1 - lam) * F.one_hot(b, 6).float()
    mixed = soft_contrastive_loss(logits, targets, 0.1)
    expected = (lam * F.cross_entropy(logits / 0.1, a, reduction='none') +
                (1 - lam) * F.cross_entropy(logits / 0.1, b, reduction='none'))
    torch.testing.assert_close(mixed, expected)


def test_mixed_key_targets_put_lam_on_own_and_rest_on_partner():
    partner = torch.tensor([2, 0, 1, 3])
    t = mixed_key_targets(partner, lam=0.7, num_columns=10)
    assert t.shape == (4, 10)
    torch.testing.assert_close(t.sum(1), torch.ones(4))
    assert t[0, 0] == pytest.approx(0.7) and t[0, 2] == pytest.approx(0.3)
    assert t[1, 1] == pytest.approx(0.7) and t[1, 0] == pytest.approx(0.3)
    # Paired with itself: both weights land on its own key.
    assert t[3, 3] == pytest.approx(1.0)
    # Queue columns are negatives only.
    assert t[:, 4:].abs().sum() == 0


def test_lam_zero_and_query_equal_to_partner_key_is_the_smallest_loss():
    """The partner's column is the one the mixed target points at."""
    torch.manual_seed(2)
    n, c, k = 6, 16, 32
    keys = F.normalize(torch.randn(n, c), dim=1)
    queue = F.normalize(torch.randn(c, k), dim=0)
    queries = F.normalize(torch.randn(n, c), dim=1)
    partner = torch.tensor([1, 2, 3, 4, 5, 0])
    # Query 0 is made equal to its partner's key; the others stay random.
    queries[0] = keys[partner[0]]
    logits = torch.cat([queries @ keys.t(), queries @ queue], dim=1)
    loss = soft_contrastive_loss(
        logits, mixed_key_targets(partner, 0.0, logits.size(1)), 0.2)
    assert int(loss.argmin()) == 0
    # With lam = 1 the same query is no longer the best one: its own key is
    # not the one it matches.
    loss_own = soft_contrastive_loss(
        logits, mixed_key_targets(partner, 1.0, logits.size(1)), 0.2)
    assert loss_own[0] > loss[0]


def test_shape_mismatch_is_named():
    with pytest.raises(ValueError, match=r'logits \(2, 3\) and targets'):
        soft_contrastive_loss(torch.zeros(2, 3), torch.zeros(2, 4), 0.1)
