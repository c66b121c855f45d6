"""The reference that HEXA's two-pass training step must equal: every loss
of the step differentiated once, the attack's first step taken from the
clean loss's gradient by ``torch.autograd.grad`` on the same graph."""
import torch


def one_backward_step(model, data, optim_wrapper) -> dict:
    """One optimizer step of ``model`` (a HEXA algorithm with adversarial
    examples) on the loader batch ``data``, in one backward pass."""
    with optim_wrapper.optim_context(model):
        data = model.data_preprocessor(data, True)
        # MMSelfSup's preprocessors return (inputs, data_samples).
        inputs, samples = ((data['inputs'], data['data_samples'])
                           if isinstance(data, dict) else data)
        clean = model.clean_pass(inputs, samples, attack_grad=True)
        grads = torch.autograd.grad(
            clean.losses['loss_clean'], clean.attack_inputs,
            retain_graph=True)
        losses = {**clean.losses, **model.hard_pass(clean, list(grads))}
    loss, log_vars = model.parse_losses(losses)
    optim_wrapper.update_params(loss)
    return log_vars
