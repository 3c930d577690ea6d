# sklearn's average_precision_score and roc_auc_score for each case: scores_<i>.npy, labels_<i>.npy in,
# out_ap_<i>.npy and out_auroc_<i>.npy out (float64 scalars as shape (1,)).
import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from npyio import cases, load, save

for i in range(cases()["count"]):
    s = load(f"scores_{i}").astype(np.float64)
    y = load(f"labels_{i}").astype(np.int64)
    save(f"ap_{i}", np.array([average_precision_score(y, s)], dtype=np.float64))
    save(f"auroc_{i}", np.array([roc_auc_score(y, s)], dtype=np.float64))
