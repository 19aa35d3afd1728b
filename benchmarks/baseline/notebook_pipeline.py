#!/usr/bin/env python3
"""The batch job Insiders replaces, as a data team writes it: pandas + scikit-learn.

Reads an Online Retail file (CSV or .csv.gz), applies the same cleaning rules as `insiders replay`, computes the same
per-customer features at T = the latest InvoiceDate, then standardises log1p features and fits k-means for each K in a
range (3 restarts each), picking K by silhouette on a sample. Prints one timing line per phase (machine-readable
`phase=seconds`) so benchmarks/replay.sh can put it beside the live system. `--export OUT.csv` writes the features with
the same header as `insiders replay --export-features` (without segment columns) for a cross-check.

Needs pandas and scikit-learn (Debian: apt-get install python3-pandas python3-sklearn).
"""
import argparse
import sys
import time

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

NON_PRODUCTS = {"POST", "D", "DOT", "M", "S", "AMAZONFEE", "m", "DCGSSBOY", "DCGSSGIRL", "PADS", "B", "CRUK"}
BAD_COUNTRIES = {"European Community", "Unspecified"}


def load_clean(path):
    df = pd.read_csv(path, dtype={"InvoiceNo": str, "StockCode": str, "CustomerID": str, "Country": str,
                                  "Description": str}, keep_default_na=False)
    lines = len(df)
    df["Quantity"] = pd.to_numeric(df["Quantity"], errors="coerce")
    df["UnitPrice"] = pd.to_numeric(df["UnitPrice"], errors="coerce")
    df["InvoiceDate"] = pd.to_datetime(df["InvoiceDate"], errors="coerce")
    df["CustomerID"] = df["CustomerID"].str.strip()
    ok = (df["Quantity"].notna() & df["UnitPrice"].notna() & df["InvoiceDate"].notna() & (df["Quantity"] != 0)
          & (df["UnitPrice"] >= 0.04) & ~df["StockCode"].isin(NON_PRODUCTS) & ~df["Country"].isin(BAD_COUNTRIES)
          & (df["CustomerID"] != ""))
    df = df[ok].copy()
    # IDs like "17850.0" (a float column saved by pandas) are the same customer as "17850".
    df["CustomerID"] = df["CustomerID"].str.replace(r"\.0$", "", regex=True)
    return lines, df


def features(df):
    t = df["InvoiceDate"].max().normalize()
    df["Day"] = df["InvoiceDate"].dt.normalize()
    df["Value"] = df["Quantity"].abs() * df["UnitPrice"]
    buy = df[df["Quantity"] > 0]
    ret = df[df["Quantity"] < 0]
    g = buy.groupby("CustomerID")
    f = pd.DataFrame({
        "gross_revenue": g["Value"].sum(),
        "qty_invoices": g["InvoiceNo"].nunique(),
        "qty_items": g["Quantity"].sum(),
        "qty_products": g["StockCode"].nunique(),
        "first": g["Day"].min(),
        "last": g["Day"].max(),
    })
    r = ret.groupby("CustomerID").agg(returns_value=("Value", "sum"), qty_returns=("Quantity", "sum"))
    f = f.join(r, how="left").fillna({"returns_value": 0.0, "qty_returns": 0})
    f["qty_returns"] = f["qty_returns"].abs()
    f["net_revenue"] = f["gross_revenue"] - f["returns_value"]
    f["recency_days"] = (t - f["last"]).dt.days
    f["avg_ticket"] = f["gross_revenue"] / f["qty_invoices"]
    f["avg_basket_size"] = f["qty_items"] / f["qty_invoices"]
    span = (f["last"] - f["first"]).dt.days
    f["avg_recency_days"] = np.where(f["qty_invoices"] > 1, span / (f["qty_invoices"] - 1).clip(lower=1), np.nan)
    f["frequency"] = f["qty_invoices"] / ((t - f["first"]).dt.days + 1)
    f["return_rate"] = f["qty_returns"] / f["qty_items"]
    return f


def cluster(f, k_min, k_max, k_step, sample, seed):
    x = np.log1p(f[["gross_revenue", "recency_days", "qty_invoices", "qty_products", "avg_ticket"]].clip(lower=0))
    x = StandardScaler().fit_transform(x)
    best = (-2.0, None, None)
    rng = np.random.default_rng(seed)
    for k in range(k_min, min(k_max, len(x) - 1) + 1, k_step):
        km = KMeans(n_clusters=k, n_init=3, random_state=seed).fit(x)
        idx = rng.choice(len(x), size=min(sample, len(x)), replace=False)
        s = silhouette_score(x[idx], km.labels_[idx])
        if s > best[0]:
            best = (s, k, km)
    score, k, km = best
    # The "Insiders": the cluster with the highest mean gross revenue.
    means = pd.Series(f["gross_revenue"].values).groupby(km.labels_).mean()
    insiders = int((km.labels_ == means.idxmax()).sum())
    return k, score, insiders


def main():
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("--export")
    p.add_argument("--k-min", type=int, default=96)
    p.add_argument("--k-max", type=int, default=128)
    p.add_argument("--k-step", type=int, default=16)
    p.add_argument("--silhouette-sample", type=int, default=2000)
    p.add_argument("--seed", type=int, default=7)
    a = p.parse_args()
    t0 = time.perf_counter()
    lines, df = load_clean(a.file)
    t1 = time.perf_counter()
    f = features(df)
    t2 = time.perf_counter()
    k, score, insiders = cluster(f, a.k_min, a.k_max, a.k_step, a.silhouette_sample, a.seed)
    t3 = time.perf_counter()
    if a.export:
        out = f.drop(columns=["first", "last"]).reset_index().rename(columns={"CustomerID": "customer_id"})
        cols = ["customer_id", "gross_revenue", "returns_value", "net_revenue", "qty_invoices", "qty_items",
                "qty_products", "qty_returns", "recency_days", "avg_ticket", "avg_basket_size", "avg_recency_days",
                "frequency", "return_rate"]
        out[cols].sort_values("customer_id").to_csv(a.export, index=False)
    print(f"pandas: {lines} lines, {len(df)} kept, {len(f)} customers; K={k} silhouette={score:.3f} insiders={insiders}")
    print(f"read_clean={t1 - t0:.3f} features={t2 - t1:.3f} cluster={t3 - t2:.3f} lines={lines}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
