# Writes checkpoint fixtures with real torch.save / safetensors, and the expected values as out_*.npy.
import builtins
import collections
import os

import numpy as np
import torch
from safetensors.torch import save_file

from npyio import folder, save

d = folder()
g = torch.Generator().manual_seed(0)
a = torch.randn(2, 3, generator=g)
base = torch.randn(4, 5, generator=g, dtype=torch.float64)
tensors = collections.OrderedDict(
    a=a,
    half=torch.randn(4, generator=g).half(),
    bf=torch.randn(3, generator=g).bfloat16(),
    dbl=base,
    transposed=base.t(),            # a non-contiguous view of the same storage
    row=base[2],                    # a view with an offset
    steps=torch.tensor(7),          # an int64 scalar, like num_batches_tracked
)
torch.save(tensors, os.path.join(d, "plain.pth"))
# The legacy format (before PyTorch 1.6; e.g. torchvision's 2017 AlexNet weights): pickles then raw storages.
torch.save(tensors, os.path.join(d, "plain_legacy.pth"), _use_new_zipfile_serialization=False)
for k, v in tensors.items():
    if v.is_floating_point():
        save(k, v.float().numpy())

# A training checkpoint: weights under "model" with DataParallel's "module." prefix, plus other entries.
model = collections.OrderedDict((("module.conv.weight", a), ("module.conv.bias", torch.zeros(2))))
torch.save({"model": model, "epoch": 3, "args": {"lr": 0.1}}, os.path.join(d, "nested.pth"))
torch.save({"model": model, "model_ema": collections.OrderedDict(w=a * 2)}, os.path.join(d, "ema.pth"))

save_file({"a": a, "half": tensors["half"], "bf": tensors["bf"], "i": torch.arange(5, dtype=torch.int32)},
          os.path.join(d, "st.safetensors"))
torch.nn.Module  # noqa: B018 (torch imported for its saver only)


class CallsSystem:
    def __reduce__(self):
        return (os.system, ("touch " + os.path.join(d, "PWNED_SYSTEM"),))


class CallsEval:
    def __reduce__(self):
        return (builtins.eval, ("open(%r, 'w').close()" % os.path.join(d, "PWNED_EVAL"),))


torch.save({"w": a, "x": CallsSystem()}, os.path.join(d, "evil_system.pth"))
torch.save({"w": a, "x": CallsEval()}, os.path.join(d, "evil_eval.pth"))
torch.save({"w": a, "x": CallsSystem()}, os.path.join(d, "evil_legacy.pth"), _use_new_zipfile_serialization=False)
torch.save({"model": model, "epoch": 3}, os.path.join(d, "nested_legacy.pth"), _use_new_zipfile_serialization=False)
