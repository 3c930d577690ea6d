# Random weights for parity tests that exercise every parameter: non-trivial norm scales and biases, ConvNeXt
# layer-scale gammas, and random BatchNorm running statistics (so BN folding is not the identity). Weight tensors
# keep timm's initialisation unless `fan_in_gain` is given (then U(±sqrt(3/fan_in)) times the gain, with
# `gains` = {substring: factor} for chosen tensors, e.g. {".qkv.": 1.5} for peaked attention).
import numpy as np
import torch


def randomize_(model, fan_in_gain=None, gains=None):
    with torch.no_grad():
        for n, p in list(model.named_parameters()) + list(model.named_buffers()):
            leaf = n.split(".")[-1]
            if leaf == "num_batches_tracked":
                continue
            if leaf == "running_var":
                p.uniform_(0.5, 1.5)
            elif leaf in ("running_mean", "bias"):
                p.uniform_(-0.1, 0.1)
            elif leaf == "gamma":
                p.uniform_(0.5, 1.0)
            elif p.dim() == 1:  # norm scales
                p.uniform_(0.8, 1.2)
            elif fan_in_gain is not None:
                if leaf in ("cls_token", "pos_embed"):
                    p.normal_(0.0, 0.5)
                    continue
                g = fan_in_gain
                for key, factor in (gains or {}).items():
                    if key in n:
                        g *= factor
                bound = float(np.sqrt(3.0 / int(np.prod(p.shape[1:])))) * g
                p.uniform_(-bound, bound)
    return model


def state_dict_of(model):
    """Contiguous tensors, BN step counters left out (they are not weights)."""
    return {k: v.contiguous() for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}


def save_weights(model, folder):
    """The state dict as w.pth (torch.save) and w.safetensors in `folder`, for the engine to load either way."""
    import os

    from safetensors.torch import save_file

    sd = {k: v.contiguous() for k, v in model.state_dict().items()}
    torch.save(sd, os.path.join(folder, "w.pth"))
    save_file(sd, os.path.join(folder, "w.safetensors"))
    return sd


def write_timm_specs(names, folder):
    """specs.json: {name: [[key, shape], ...]} of timm models built on the meta device (no weights, no forward)."""
    import json
    import os

    import timm

    specs = {}
    for name in names:
        with torch.device("meta"):
            m = timm.create_model(name, pretrained=False)
        specs[name] = [[k, list(v.shape)] for k, v in m.state_dict().items()]
    with open(os.path.join(folder, "specs.json"), "w") as f:
        json.dump(specs, f)
