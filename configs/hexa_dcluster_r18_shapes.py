# configs/hexa_dcluster_r18_digits.py on the embedded shapes (32x32, 2,000 training
# images, drawn on first use into data/shapes): only the data set and the colour
# jitter change (configs/_base_/shapes_data.py).
_base_ = ['./hexa_dcluster_r18_digits.py', './_base_/shapes_data.py']

model = dict(num_samples={{_base_.shapes_train_size}})
train_dataloader = {{_base_.shapes_dcluster_dataloader}}
custom_hooks = {{_base_.shapes_dcluster_hooks}}
