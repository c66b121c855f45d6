"""hard_size's resize as a pure function (the rules of reuse_clean_grad are
tested through the algorithms, in test_hard_example_mixin.py)."""
import pytest
import torch

from hexa_mm.models.algorithms.hard_example_rules import shrink_to_side


def test_shrink_to_side_keeps_the_aspect_and_filters():
    # A one-pixel checkerboard: an antialiased copy at 6/16 of the side is
    # grey away from the border; plain bilinear sampling at that factor is
    # off grey by up to 0.22.
    rows, cols = torch.meshgrid(torch.arange(16), torch.arange(24),
                                indexing='ij')
    view = ((rows + cols) % 2).float().expand(2, 3, 16, 24)
    small = shrink_to_side(view, 6, 'Owner')
    assert small.shape == (2, 3, 6, 9)
    assert torch.allclose(small[..., 1:-1, 1:-1], torch.tensor(0.5),
                          atol=0.05)


def test_shrink_to_side_at_the_views_side_is_the_view():
    view = torch.rand(1, 3, 16, 16)
    assert shrink_to_side(view, 16, 'Owner') is view


def test_shrink_to_side_refuses_to_upsample_naming_the_owner():
    with pytest.raises(ValueError, match=r'Owner: hard_size=20 .*16x24'):
        shrink_to_side(torch.rand(1, 3, 16, 24), 20, 'Owner')
