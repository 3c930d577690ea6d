# Shared I/O for the oracle scripts: cases.json and .npy arrays in the folder given on the command line.
import json
import os
import sys

import numpy as np


def folder():
    return sys.argv[1]


def cases():
    with open(os.path.join(folder(), "cases.json")) as f:
        return json.load(f)


def load(name):
    return np.load(os.path.join(folder(), name + ".npy"))


def save(name, arr):
    np.save(os.path.join(folder(), "out_" + name + ".npy"), np.ascontiguousarray(arr))
