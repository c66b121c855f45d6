# `make demo` (tools/demo.py): the baselines, HEXA as the paper designs it
# (our attack values) and the two cut-mix settings, for both families, on the
# embedded digits at one seed. One seed shows that each method trains and how
# hard its hard examples are; it cannot show which method is better (the
# report protocols do). Once the three-set report is complete, the tables mark
# the setting it recommends for each family (recommended_by).
kind = 'demo'
datasets = ['digits']
seeds = [0]
random_backbone = '../configs/mocov2_r18_{dataset}.py'
recommended_by = '../results/report_three_sets.json'
# As the selection defines it, so that the demo shows it if recommended.
_in_place = {
    'model.w_clean': 1.,
    'model.w_adv': 0.,
    'model.w_mix': 1.,
    'model.mix_mode': 'replace',
    'model.replace_fraction': 0.5
}
methods = dict(
    mocov2=dict(config='../configs/mocov2_r18_{dataset}.py', label='MoCo-v2'),
    hexa_moco=dict(
        config='../configs/hexa_moco_r18_{dataset}.py',
        baseline='mocov2',
        label='HEXA-MoCo'),
    hexa_moco_cutmix=dict(
        config='../configs/hexa_moco_cutmix_r18_{dataset}.py',
        baseline='mocov2',
        label='HEXA-MoCo, cut-mix only'),
    hexa_moco_in_place=dict(
        config='../configs/hexa_moco_r18_{dataset}.py',
        cfg_options=_in_place,
        baseline='mocov2',
        label='HEXA-MoCo, cut-mix in place'),
    deepclusterv2=dict(
        config='../configs/deepclusterv2_r18_{dataset}.py',
        label='DeepCluster-v2'),
    hexa_dcluster=dict(
        config='../configs/hexa_dcluster_r18_{dataset}.py',
        baseline='deepclusterv2',
        label='HEXA-DCluster'),
    hexa_dcluster_cutmix=dict(
        config='../configs/hexa_dcluster_cutmix_r18_{dataset}.py',
        baseline='deepclusterv2',
        label='HEXA-DCluster, cut-mix only'),
    hexa_dcluster_in_place=dict(
        config='../configs/hexa_dcluster_r18_{dataset}.py',
        cfg_options=_in_place,
        baseline='deepclusterv2',
        label='HEXA-DCluster, cut-mix in place'),
)
