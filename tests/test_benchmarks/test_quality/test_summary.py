"""What a protocol's runs say: paired differences over the same seeds, raw
and Holm-corrected p side by side, the bar, and no report of a protocol
that did not run all of it."""
import pytest
from scipy import stats

from hexa_mm.benchmarks.quality import (ProtocolError, comparisons, holm,
                                        load_protocol, method_rows,
                                        missing_runs, require_complete,
                                        verdicts)
from hexa_mm.benchmarks.quality.summary import minutes_left
from protocol_files import write_protocol

RANDOM = ('random init', 'random init (PyTorch default)')


def runs_of(table, dataset='digits'):
    """Run records from ``{method: [(knn, linear) a seed]}``."""
    return [
        dict(method=m, dataset=dataset, seed=s, epochs=1, minutes=1.,
             knn_top1=k, linear_top1=lin)
        for m, scores in table.items() for s, (k, lin) in enumerate(scores)
    ]


def protocol(tmp_path, seeds=(0, 1, 2), **kwargs):
    return load_protocol(write_protocol(tmp_path, seeds=seeds, **kwargs))


def test_comparisons_are_paired_with_raw_and_holm_p(tmp_path):
    base = [(80., 90.), (84., 91.), (82., 92.)]
    hexa = [(83., 90.5), (86., 91.6), (85., 92.4)]
    rows = comparisons(protocol(tmp_path),
                       runs_of(dict(mocov2=base, hexa_moco=hexa)))
    knn, linear = rows
    assert (knn['probe'], knn['seeds']) == ('knn_top1', 3)
    assert knn['diff'] == pytest.approx(8 / 3, abs=0.01)
    raw = [stats.ttest_rel([h[i] for h in hexa], [b[i] for b in base]).pvalue
           for i in (0, 1)]
    assert [knn['p'], linear['p']] == pytest.approx(raw)
    assert [knn['p_holm'], linear['p_holm']] == pytest.approx(holm(raw))
    # kNN clears the bar alone; the linear gain is under a point.
    assert knn['clears'] and not linear['clears']
    assert verdicts(protocol(tmp_path), rows) == {('digits', 'hexa_moco'):
                                                  False}


def test_the_correction_spans_every_comparison_of_the_protocol(tmp_path):
    """The same kNN gain: significant alone, not once the second set's two
    comparisons join the family."""
    base = [(80., 90.), (84., 91.), (82., 92.)]
    hexa = [(83., 91.), (86.9, 92.1), (85., 93.)]
    alone = comparisons(protocol(tmp_path), runs_of(dict(mocov2=base,
                                                         hexa_moco=hexa)))
    two_sets = protocol(tmp_path, datasets=('digits', 'shapes'))
    runs = (runs_of(dict(mocov2=base, hexa_moco=hexa)) +
            runs_of(dict(mocov2=base, hexa_moco=base), 'shapes'))
    both = comparisons(two_sets, runs)
    assert alone[0]['p'] == both[0]['p']
    assert both[0]['p_holm'] == pytest.approx(
        holm([r['p'] for r in both])[0])
    assert both[0]['p_holm'] > alone[0]['p_holm']


def test_unequal_seed_sets_are_refused(tmp_path):
    runs = runs_of(dict(mocov2=[(80., 90.)] * 3, hexa_moco=[(81., 91.)] * 2))
    with pytest.raises(ProtocolError, match=r'seeds \[0, 1\] .* seeds '
                       r'\[0, 1, 2\]'):
        comparisons(protocol(tmp_path), runs)


def test_a_protocol_is_reported_whole_or_not_at_all(tmp_path):
    p = protocol(tmp_path, seeds=(0, 1))
    runs = runs_of(dict(mocov2=[(80., 90.)] * 2, hexa_moco=[(81., 91.)] * 2))
    missing = missing_runs(p, runs)
    assert missing == [(r, 'digits', s) for s in (0, 1) for r in RANDOM]
    with pytest.raises(ProtocolError, match=r'4 run\(s\) .* missing'):
        require_complete(p, runs)
    runs += runs_of({r: [(20., 30.)] * 2 for r in RANDOM})
    require_complete(p, runs)
    rows = method_rows(p, runs)
    assert [r['method'] for r in rows] == [*RANDOM, 'mocov2', 'hexa_moco']
    assert rows[-1]['knn_top1'] == 81. and rows[-1]['seeds'] == 2


def test_the_bar_is_judged_on_holms_p_not_the_raw_one(tmp_path):
    """kNN gains of 1.5, 2.5 and 2 points: raw p 0.02 (under 0.05); with
    the shapes' two comparisons in the family, Holm's p is 0.08: no bar."""
    base = [(80., 90.), (84., 91.), (82., 92.)]
    hexa = [(81.5, 90.), (86.5, 91.), (84., 92.)]
    runs = (runs_of(dict(mocov2=base, hexa_moco=hexa)) +
            runs_of(dict(mocov2=base, hexa_moco=base), 'shapes'))
    knn = comparisons(protocol(tmp_path, datasets=('digits', 'shapes')),
                      runs)[0]
    assert knn['p'] == pytest.approx(0.0202, abs=1e-3)
    assert knn['p_holm'] == pytest.approx(4 * knn['p'])
    assert knn['diff'] == 2. and not knn['clears']
    alone = comparisons(protocol(tmp_path), runs_of(dict(mocov2=base,
                                                         hexa_moco=hexa)))
    assert alone[0]['p_holm'] < 0.05 and alone[0]['clears']


def test_minutes_left_count_each_missing_run_at_its_own_methods_pace(
        tmp_path):
    p = protocol(tmp_path, seeds=(0, 1, 2))
    runs = runs_of(dict(mocov2=[(80., 90.)] * 2, hexa_moco=[(81., 91.)]))
    for run, minutes in zip(runs, (2., 4., 10.)):
        run['minutes'] = minutes
    minutes, unknown = minutes_left(p, runs)
    # mocov2's seed 2 at (2 + 4) / 2, hexa_moco's seeds 1 and 2 at 10 each.
    assert minutes == pytest.approx(3. + 2 * 10.)
    assert unknown == [(r, 'digits', s) for s in (0, 1, 2) for r in RANDOM]
