#!/usr/bin/env python3
"""How far can any per-customer ranking go on the backtest? (issue #2; see docs/backtest.md)

Independent of the C# code: cleans the Online Retail file by the same rules, computes features at each cut, fits its
own BG/NBD + Gamma-Gamma (scipy), and prints the share of the forward purchase revenue (customers known at the cut,
forward window cut .. end of file) captured by the top 15% of customers under many rankings, beside the oracle (the
top 15% by the forward revenue itself). Needs Debian's python3-pandas, python3-scipy:
    /usr/bin/python3 benchmarks/baseline/backtest_ceiling.py ../shared/data/online-retail-2010-12_2011-05.csv.gz
"""
import itertools
import sys

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1

NOT_PRODUCTS = {"POST", "D", "DOT", "M", "S", "AMAZONFEE", "m", "DCGSSBOY", "DCGSSGIRL", "PADS", "B", "CRUK"}
SHARE = 0.15
HORIZON = 90


def load(path):
    df = pd.read_csv(path, dtype={"CustomerID": str, "InvoiceNo": str, "StockCode": str})
    keep = (df.UnitPrice >= 0.04) & ~df.StockCode.isin(NOT_PRODUCTS) & ~df.Country.isin(["European Community", "Unspecified"])
    df = df[keep & (df.Quantity != 0) & df.CustomerID.notna()].copy()
    df["InvoiceDate"] = pd.to_datetime(df.InvoiceDate)
    df["rev"] = df.Quantity * df.UnitPrice
    return df


def features(df, cut):
    before = df[df.InvoiceDate < cut]
    buys = before[before.Quantity > 0]
    clock = before.InvoiceDate.max().normalize()
    g = buys.groupby("CustomerID")
    f = pd.DataFrame({"gross": g.rev.sum(), "invoices": g.InvoiceNo.nunique(), "items": g.Quantity.sum(),
                      "products": g.StockCode.nunique(), "first": g.InvoiceDate.min().dt.normalize(),
                      "last": g.InvoiceDate.max().dt.normalize()})
    f["recency"] = (clock - f["last"]).dt.days
    f["age"] = (clock - f["first"]).dt.days
    f["ticket"] = f.gross / f.invoices
    f["months"] = buys.assign(m=buys.InvoiceDate.dt.to_period("M")).groupby("CustomerID").m.nunique()
    forward = df[(df.InvoiceDate >= cut) & (df.Quantity > 0)]
    f["forward"] = forward.groupby("CustomerID").rev.sum().reindex(f.index).fillna(0)
    return f


def expected_value(f):
    x = np.maximum(f.invoices.values - 1, 0).astype(float)
    T = f.age.values.astype(float)
    tx = np.where(x > 0, T - f.recency.values, 0).astype(float)
    m = f.ticket.values

    def nll(p):
        r, al, a, b = np.exp(p)
        drop = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-12)) - (r + x) * np.log(al + tx), -np.inf)
        return -(gammaln(r + x) - gammaln(r) + r * np.log(al) + betaln(a, b + x) - betaln(a, b)
                 + np.logaddexp(-(r + x) * np.log(al + T), drop)).sum()

    fits = [minimize(nll, np.log(s), method="Nelder-Mead", options={"maxiter": 4000}) for s in ([.5, 10, 1, 3], [1, max(1, T.mean()), .5, 2])]
    r, al, a, b = np.exp(min(fits, key=lambda o: o.fun).x)
    rep = (x > 0) & (m > 0)
    n_rep, m_rep = x[rep] + 1, m[rep]

    def gg_nll(q):
        p, qq, g = np.exp(q)
        return -(gammaln(p * n_rep + qq) - gammaln(p * n_rep) - gammaln(qq) + qq * np.log(g) + (p * n_rep - 1) * np.log(m_rep)
                 + p * n_rep * np.log(n_rep) - (p * n_rep + qq) * np.log(g + n_rep * m_rep)).sum()

    p, q, g = np.exp(minimize(gg_nll, np.log([2, 3, m_rep.mean()]), method="Nelder-Mead", options={"maxiter": 4000}).x)
    odds = np.where(x > 0, a / (b + x - 1) * ((al + T) / (al + tx)) ** (r + x), 0)
    if a > 1:
        z = HORIZON / (al + T + HORIZON)
        num = (a + b + x - 1) / (a - 1) * (1 - ((al + T) / (al + T + HORIZON)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z))
        purchases = num / (1 + odds)
    else:
        purchases = (r + x) / (al + T) * HORIZON / (1 + odds)
    ticket = p * (g + (x + 1) * m) / (p * (x + 1) + q - 1) if q > 1 else m
    return purchases * ticket


def capture(f, score):
    top = np.argsort(-np.asarray(score, dtype=float), kind="stable")[: int(np.floor(SHARE * len(f)))]
    return f.forward.values[top].sum() / f.forward.sum()


def main(path):
    df = load(path)
    cuts = ["2011-03-01", "2011-04-01", "2011-05-01"]
    frames = {}
    for c in cuts:
        f = features(df, pd.Timestamp(c))
        f["expected_value"] = expected_value(f)
        frames[c] = f
    log = lambda s: np.log1p(s.clip(lower=0).astype(float))
    pct = lambda s: s.rank(pct=True)
    rankings = {
        "oracle: forward revenue itself": lambda f: f.forward,
        "gross revenue (the issue's baseline)": lambda f: f.gross,
        "expected value (BG/NBD x Gamma-Gamma, 90 days)": lambda f: f.expected_value,
        "sqrt(pct gross x pct expected value)": lambda f: np.sqrt(pct(f.gross) * pct(f.expected_value)),
        "gross x exp(-recency/180)": lambda f: f.gross * np.exp(-f.recency / 180),
        "gross x months active^0.2": lambda f: f.gross * f.months ** 0.2,
    }
    cols = ["gross", "expected_value", "invoices", "items", "products", "age", "months", "ticket"]
    for a, b in itertools.combinations(cols, 2):
        for w in (0.25, 0.5, 1.0):
            rankings[f"log {a} + {w} log {b}"] = lambda f, a=a, b=b, w=w: log(f[a]) + w * log(f[b])
    rows = [(name, [capture(frames[c], fn(frames[c])) for c in cuts]) for name, fn in rankings.items()]
    best = sorted(rows[6:], key=lambda r: -np.mean(r[1]))[:10]
    print(f"customers known at the cut: {', '.join(f'{c}: {len(frames[c]):,}' for c in cuts)}")
    print("| ranking (top 15% of customers) | " + " | ".join(cuts) + " | mean |")
    print("|---|" + "---|" * (len(cuts) + 1))
    for name, r in rows[:6] + [("— best 10 of %d two-feature log blends —" % (len(rows) - 6), None)] + best:
        if r is None:
            print(f"| {name} |" + " |" * (len(cuts) + 1))
        else:
            print(f"| {name} | " + " | ".join(f"{100 * v:.1f}%" for v in r) + f" | {100 * np.mean(r):.2f}% |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/online-retail-2010-12_2011-05.csv.gz")
