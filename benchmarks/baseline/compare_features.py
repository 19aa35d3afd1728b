#!/usr/bin/env python3
"""Cross-check: features exported by `insiders replay --export-features` vs notebook_pipeline.py --export.
Prints the number of customers and the largest relative difference per column; exits 1 if they disagree."""
import sys

import numpy as np
import pandas as pd

ours = pd.read_csv(sys.argv[1], dtype={"customer_id": str}).set_index("customer_id")
theirs = pd.read_csv(sys.argv[2], dtype={"customer_id": str}).set_index("customer_id")
if set(ours.index) != set(theirs.index):
    print(f"customers differ: {len(set(ours.index) ^ set(theirs.index))} only on one side")
    sys.exit(1)
worst = 0.0
for c in theirs.columns:
    a, b = ours.loc[theirs.index, c].astype(float), theirs[c].astype(float)
    both_nan = a.isna() & b.isna()
    rel = ((a - b).abs() / np.maximum(1.0, b.abs())).where(~both_nan, 0.0).fillna(np.inf)
    worst = max(worst, rel.max())
print(f"features agree for {len(theirs)} customers (largest relative difference {worst:.2e})" if worst < 1e-9
      else f"features DISAGREE (largest relative difference {worst:.2e})")
sys.exit(0 if worst < 1e-9 else 1)
