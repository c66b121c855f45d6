"""The quality benchmark's test and correction against independent
computations."""
import pytest
from scipy import stats

from hexa_mm.benchmarks.quality import holm, paired_p


def test_paired_p_is_the_two_sided_paired_t_test():
    values, bases = [81., 86., 90.5], [80., 84., 88.]
    diffs = [v - b for v, b in zip(values, bases)]
    mean = sum(diffs) / 3
    sd = (sum((d - mean)**2 for d in diffs) / 2)**0.5
    t = mean / (sd / 3**0.5)
    assert paired_p(values, bases) == pytest.approx(
        2 * stats.t.sf(abs(t), df=2))
    # Undefined: one pair, or every difference the same.
    assert paired_p([1.], [0.]) is None
    assert paired_p([2., 3.], [1., 2.]) is None
    with pytest.raises(ValueError, match='paired'):
        paired_p([1., 2.], [1.])


def test_holm_step_down_by_hand():
    """Holm (1979): sorted p_(i) times (m - i), running maximum, capped."""
    raw = [0.01, 0.04, 0.03, 0.005]
    # 0.005 * 4 = 0.02; 0.01 * 3 = 0.03; 0.03 * 2 = 0.06; 0.04 * 1 -> 0.06.
    assert holm(raw) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.6]) == pytest.approx([1.0, 1.0])
    assert holm([]) == []


def test_an_undefined_p_counts_in_the_family_and_stays_undefined():
    # Three comparisons, one undefined: the others are corrected for three.
    assert holm([0.01, None, 0.02]) == pytest.approx([0.03, None, 0.04])
