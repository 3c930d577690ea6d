# Reads a.npy written by lkrobust, writes it doubled, and a float64 vector.
import numpy as np
from npyio import load, save

a = load("a")
assert a.dtype == np.float32 and a.shape == (2, 3)
save("a2", a * 2)
save("f64", np.arange(4, dtype=np.float64) / 3)
