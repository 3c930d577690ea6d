# The PyTorch counterpart of a registry model for the benches: timm by name, torchvision's AlexNet, or the
# RepLKNet reference written from REFERENCE.md (scripts/replknet_reference.py, official key names).
import os
import sys


def build_torch_model(family, name, cfg):
    if family == "replknet":
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
        import replknet_reference as ref

        return ref.build_from_config(cfg)
    if family == "alexnet":
        import torchvision

        return torchvision.models.alexnet()
    import timm

    kw = {}
    if family == "convnext" and cfg.get("kernel_size", 7) != 7:
        kw["kernel_sizes"] = cfg["kernel_size"]
    return timm.create_model(name, pretrained=False, **kw)
