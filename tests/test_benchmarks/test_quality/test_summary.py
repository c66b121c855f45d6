"""hexa_mm.benchmarks.quality.summary: the quality table's means, spreads
and paired differences."""
import pytest

from hexa_mm.benchmarks import quality


def test_quality_summary_has_mean_spread_and_paired_difference():
    runs = [
        dict(method=m, seed=s, epochs=3, minutes=1., knn_top1=k + d,
             linear_top1=k + 1, curve=[[3, k]]) for s, k in enumerate((80, 84))
        for m, d in (('mocov2', 0), ('hexa_moco', s + 1))
    ] + [
        dict(method='hexa_dcluster', seed=0, epochs=3, minutes=2.,
             knn_top1=90, linear_top1=91, curve=[])
    ]
    base, hexa, dcluster = quality.summarize(runs)
    assert base['seeds'] == 2 and base['knn_top1'] == 82
    assert base['knn_top1_std'] == 2 and base['linear_top1'] == 83
    assert base['baseline'] is None and 'knn_top1_diff' not in base
    # Seed noise (80 vs 84) is shared; the paired differences are 1 and 2.
    assert hexa['baseline'] == 'mocov2'
    assert hexa['knn_top1'] == 83.5 and hexa['knn_top1_std'] == 2.5
    assert hexa['knn_top1_diff'] == 1.5 and hexa['knn_top1_diff_std'] == 0.5
    assert hexa['linear_top1_diff'] == 0
    # Paired t-test of (81, 86) against (80, 84): t = 1.5 / (0.71 / sqrt 2)
    # = 3 on 1 degree of freedom; identical differences have no p.
    assert hexa['knn_top1_diff_p'] == pytest.approx(0.205, abs=1e-3)
    assert hexa['linear_top1_diff_p'] is None
    table = quality.markdown([base, hexa, dcluster])
    assert '| mocov2 | 3 | 2 | 1.0 | 82.0 +- 2.0 | 83.0 +- 2.0 |  |' in table
    assert '| hexa_moco | 3 | 2 | 1.0 | 83.5 +- 2.5 | 83.0 +- 2.0 | ' \
        'mocov2: +1.5 +- 0.5 (p 0.20) / +0.0 +- 0.0 |' in table
    assert '| deepclusterv2 not run |' in table
    # Every comparison above rests on two seeds: no one-seed warning.
    assert quality.ONE_SEED_NOTE not in table


def test_a_one_seed_comparison_says_what_it_cannot_show():
    runs = [
        dict(method=m, seed=0, epochs=3, minutes=1., knn_top1=k,
             linear_top1=k, curve=[]) for m, k in (('mocov2', 80),
                                                   ('hexa_moco', 82))
    ]
    rows = quality.summarize(runs)
    assert rows[1]['knn_top1_diff'] == 2 and rows[1]['knn_top1_diff_p'] is None
    table = quality.markdown(rows)
    assert 'mocov2: +2.0 +- 0.0 / +2.0 +- 0.0 |' in table
    assert table.endswith(quality.ONE_SEED_NOTE)
    # Baselines alone compare nothing: no warning.
    assert quality.ONE_SEED_NOTE not in quality.markdown(rows[:1])


def test_a_method_whose_baseline_did_not_run_compares_further_up():
    # hexa_moco_half -> hexa_moco (not run) -> mocov2 (run).
    runs = [
        dict(method=m, seed=s, epochs=3, minutes=1., knn_top1=k + s,
             linear_top1=k, curve=[]) for s in (0, 1)
        for m, k in (('mocov2', 80), ('hexa_moco_half', 83))
    ]
    base, half = quality.summarize(runs)
    assert half['baseline'] == 'mocov2' and half['knn_top1_diff'] == 3
    # With hexa_moco run too, the direct comparison wins.
    runs += [dict(runs[0], method='hexa_moco', knn_top1=90, seed=s)
             for s in (0, 1)]
    assert quality.summarize(runs)[1]['baseline'] == 'hexa_moco'
    # Nothing up the chain ran: the table names the direct baseline.
    alone = quality.summarize([r for r in runs
                               if r['method'] == 'hexa_moco_half'])
    assert quality.markdown(alone).count('| hexa_moco not run |') == 1
