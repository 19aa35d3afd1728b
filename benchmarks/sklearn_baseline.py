#!/usr/bin/env python3
"""scikit-learn baseline for the retrain fit: the same points the C# trainer clusters (exported by
`insiders-bench retrain --export-points`), the same procedure: a 10,000-point sample, K in 96..128 step 16 with three
k-means++ restarts each (n_init=3), silhouette on a 2,000-point sample, best K, then every point assigned.
Prints one sentence with the median time over --runs."""
import argparse, statistics, sys, time

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score


def fit(points, seed):
    rng = np.random.default_rng(seed)
    sample = points[rng.choice(len(points), size=min(10_000, len(points)), replace=False)]
    best, best_score = None, -np.inf
    for k in range(96, 129, 16):
        km = KMeans(n_clusters=k, n_init=3, init="k-means++", random_state=seed + 1000 * k).fit(sample)
        score = silhouette_score(sample, km.labels_, sample_size=min(2_000, len(sample)), random_state=seed)
        if score > best_score:
            best, best_score = km, score
    labels = best.predict(points)
    return best.n_clusters, best_score, labels


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("points")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    points = np.loadtxt(args.points, delimiter=",", skiprows=1, dtype=np.float32, ndmin=2)
    times = []
    for run in range(args.runs):
        start = time.perf_counter()
        k, score, _ = fit(points, 7)
        times.append(time.perf_counter() - start)
        print(f"sklearn run {run + 1}: {times[-1]:.2f} s (K={k}, silhouette {score:.3f})", file=sys.stderr)
    print(f"scikit-learn {__import__('sklearn').__version__}: k-means + silhouette + assign in "
          f"{statistics.median(times):.2f} s (median of {args.runs}; K={k}; compare with the fit column above).")


if __name__ == "__main__":
    main()
