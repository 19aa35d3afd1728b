using Insiders.Features;
using MathNet.Numerics;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace Insiders.Clustering;

/// <summary>
/// A probabilistic model of each customer's future purchases, fitted on the customers the coordinator holds:
/// BG/NBD (Fader, Hardie &amp; Lee 2005) for how many purchases a customer will still make — each buys at a
/// Gamma(r, α)-distributed rate while alive and may drop out after any purchase with a Beta(a, b)-distributed
/// probability — and Gamma-Gamma (Fader, Hardie &amp; Lee 2005, "RFM and CLV") for how much each purchase is worth,
/// shrinking a customer's average ticket towards the population's. Their product is the expected purchase revenue
/// over the next <see cref="HorizonDays"/>: the "expected value" clustering feature.
/// </summary>
/// <remarks>
/// A transaction is an invoice, time is in days, and everything comes from one <see cref="CustomerFeatures"/> row,
/// so a grain can compute the feature from its own row and the model's parameters: x = qty_invoices − 1 repeat
/// purchases, age T = days from the first purchase to the clock date (recovered from frequency), and the last repeat
/// at t_x = T − recency_days.
/// </remarks>
[GenerateSerializer, Immutable, Alias("insiders.customer-value-model")]
public sealed record CustomerValueModel(double R, double Alpha, double A, double B, double P, double Q, double Gamma, double HorizonDays)
{
    private const int MaxSeriesTerms = 10_000;
    private const double LogParameterBound = 15;

    /// <summary>The (x, t_x, T, mean ticket) summary the model works on.</summary>
    public readonly record struct Rfm(double X, double Tx, double T, double MeanTicket)
    {
        public static Rfm Of(CustomerFeatures f)
        {
            ArgumentNullException.ThrowIfNull(f);
            var age = f.Frequency > 0 ? Math.Max(0, Math.Round((f.QtyInvoices / f.Frequency) - 1)) : 0;
            var x = Math.Max(0, f.QtyInvoices - 1);
            var tx = x == 0 ? 0 : Math.Max(0, age - f.RecencyDays);
            return new Rfm(x, tx, age, Math.Max(0, f.AvgTicket));
        }
    }

    /// <summary>Expected purchase revenue over the next <see cref="HorizonDays"/> days.</summary>
    public double ExpectedValue(CustomerFeatures f)
    {
        var c = Rfm.Of(f);
        return ExpectedTransactions(c, HorizonDays) * ExpectedTicket(c);
    }

    /// <summary>BG/NBD probability that the customer is still active.</summary>
    public double ProbabilityAlive(Rfm c)
    {
        if (c.X <= 0)
        {
            return 1;
        }

        var logRatio = (R + c.X) * (Math.Log(Alpha + c.T) - Math.Log(Alpha + c.Tx));
        return 1 / (1 + (A / (B + c.X - 1) * Math.Exp(logRatio)));
    }

    /// <summary>BG/NBD expected number of purchases in (T, T + t] given the customer's history (conditional expectation).</summary>
    public double ExpectedTransactions(Rfm c, double t)
    {
        if (t <= 0)
        {
            return 0;
        }

        if (A > 1)
        {
            var z = t / (Alpha + c.T + t);
            var hyp = Hypergeometric2F1(R + c.X, B + c.X, A + B + c.X - 1, z);
            if (hyp is { } h)
            {
                var num = (A + B + c.X - 1) / (A - 1) * (1 - (Math.Exp((R + c.X) * Math.Log((Alpha + c.T) / (Alpha + c.T + t))) * h));
                var den = 1 + (c.X > 0 ? A / (B + c.X - 1) * Math.Exp((R + c.X) * Math.Log((Alpha + c.T) / (Alpha + c.Tx))) : 0);
                var e = num / den;
                if (double.IsFinite(e) && e >= 0)
                {
                    return e;
                }
            }
        }

        // Dropout so likely that the mean is dominated by the tail (a <= 1) or the series did not converge: the
        // alive probability times the posterior rate, without further dropout (an upper bound).
        return ProbabilityAlive(c) * (R + c.X) / (Alpha + c.T) * t;
    }

    /// <summary>Gamma-Gamma expected value of one future purchase given the customer's mean ticket over x + 1 purchases.</summary>
    public double ExpectedTicket(Rfm c)
    {
        var n = c.X + 1;
        return Q <= 1 ? c.MeanTicket : P * (Gamma + (n * c.MeanTicket)) / ((P * n) + Q - 1);
    }

    /// <summary>Gauss hypergeometric series ₂F₁(a, b; c; z) for 0 ≤ z &lt; 1, or null when it does not converge in time.</summary>
    public static double? Hypergeometric2F1(double a, double b, double c, double z)
    {
        double term = 1, sum = 1;
        for (var n = 0; n < MaxSeriesTerms; n++)
        {
            term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
            sum += term;
            if (Math.Abs(term) <= 1e-14 * Math.Abs(sum))
            {
                return double.IsFinite(sum) ? sum : null;
            }
        }

        return null;
    }

    /// <summary>BG/NBD log-likelihood of the customers' (x, t_x, T) under parameters (r, α, a, b).</summary>
    public static double BgNbdLogLikelihood(double r, double alpha, double a, double b, IReadOnlyList<Rfm> customers)
    {
        ArgumentNullException.ThrowIfNull(customers);
        return BgNbdLogLikelihood(r, alpha, a, b, Group(customers));
    }

    // The likelihood depends on (x, t_x, T) only: identical triples are evaluated once, and the terms that depend on
    // x alone (gamma and beta functions) once per distinct x.
    private static double BgNbdLogLikelihood(double r, double alpha, double a, double b, RfmGroups g)
    {
        var lnBab = SpecialFunctions.BetaLn(a, b);
        var lgr = SpecialFunctions.GammaLn(r);
        var lnAlpha = Math.Log(alpha);
        var lnA = Math.Log(a);
        var perX = new double[g.DistinctX.Length];
        var dropX = new double[g.DistinctX.Length];
        for (var i = 0; i < perX.Length; i++)
        {
            var x = g.DistinctX[i];
            perX[i] = SpecialFunctions.GammaLn(r + x) - lgr + (r * lnAlpha) + SpecialFunctions.BetaLn(a, b + x) - lnBab;
            dropX[i] = x > 0 ? lnA - Math.Log(b + x - 1) : double.NegativeInfinity;
        }

        var sum = 0.0;
        for (var i = 0; i < g.Count; i++)
        {
            var xi = g.XIndex[i];
            var x = g.DistinctX[xi];
            var l = -(r + x) * Math.Log(alpha + g.T[i]);
            if (x > 0)
            {
                var a4 = dropX[xi] - ((r + x) * Math.Log(alpha + g.Tx[i]));
                var m = Math.Max(l, a4);
                l = m + Math.Log(Math.Exp(l - m) + Math.Exp(a4 - m));
            }

            sum += g.Weight[i] * (perX[xi] + l);
        }

        return sum;
    }

    private sealed record RfmGroups(double[] DistinctX, int[] XIndex, double[] Tx, double[] T, double[] Weight)
    {
        public int Count => XIndex.Length;
    }

    private static RfmGroups Group(IReadOnlyList<Rfm> customers)
    {
        var counts = new Dictionary<(double X, double Tx, double T), int>();
        foreach (var c in customers)
        {
            counts[(c.X, c.Tx, c.T)] = counts.GetValueOrDefault((c.X, c.Tx, c.T)) + 1;
        }

        var keys = counts.Keys.OrderBy(k => k.X).ThenBy(k => k.Tx).ThenBy(k => k.T).ToArray();
        var distinct = keys.Select(k => k.X).Distinct().ToArray();
        var index = distinct.Select((x, i) => (x, i)).ToDictionary(p => p.x, p => p.i);
        return new RfmGroups(
            distinct,
            keys.Select(k => index[k.X]).ToArray(),
            keys.Select(k => k.Tx).ToArray(),
            keys.Select(k => k.T).ToArray(),
            keys.Select(k => (double)counts[k]).ToArray());
    }

    /// <summary>Gamma-Gamma log-likelihood of the repeat customers' mean tickets under parameters (p, q, γ).</summary>
    public static double GammaGammaLogLikelihood(double p, double q, double gamma, IReadOnlyList<Rfm> customers)
    {
        ArgumentNullException.ThrowIfNull(customers);
        var sum = 0.0;
        var lgq = SpecialFunctions.GammaLn(q);
        foreach (var c in customers)
        {
            var n = c.X + 1;
            var m = c.MeanTicket;
            sum += SpecialFunctions.GammaLn((p * n) + q) - SpecialFunctions.GammaLn(p * n) - lgq + (q * Math.Log(gamma))
                + (((p * n) - 1) * Math.Log(m)) + (p * n * Math.Log(n)) - (((p * n) + q) * Math.Log(gamma + (n * m)));
        }

        return sum;
    }

    /// <summary>
    /// Maximum-likelihood fit (Nelder-Mead on log parameters, MathNet) on at most <paramref name="sample"/> rows drawn
    /// with <paramref name="seed"/>; the fitted model then scores everyone.
    /// </summary>
    public static CustomerValueModel Fit(IReadOnlyList<CustomerFeatures> rows, double horizonDays, int sample, int seed)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            throw new ArgumentException("No customers to fit the value model on.", nameof(rows));
        }

        Rfm[] all;
        if (rows.Count > sample)
        {
            var idx = Enumerable.Range(0, rows.Count).ToArray();
            new Random(seed).Shuffle(idx);
            all = idx[..sample].Select(i => Rfm.Of(rows[i])).ToArray();
        }
        else
        {
            all = rows.Select(Rfm.Of).ToArray();
        }

        var groups = Group(all);
        var bg = Minimise(
            v => -BgNbdLogLikelihood(Math.Exp(v[0]), Math.Exp(v[1]), Math.Exp(v[2]), Math.Exp(v[3]), groups),
            [[0.5, 10, 1, 3], [1, Math.Max(1, all.Average(c => c.T)), 0.5, 2]]);

        var repeaters = all.Where(c => c.X > 0 && c.MeanTicket > 0).ToArray();
        double[] gg;
        if (repeaters.Length >= 10)
        {
            var mean = repeaters.Average(c => c.MeanTicket);
            gg = Minimise(v => -GammaGammaLogLikelihood(Math.Exp(v[0]), Math.Exp(v[1]), Math.Exp(v[2]), repeaters), [[2, 3, mean]]);
        }
        else
        {
            gg = [1, 1, 1]; // q <= 1: every customer's own mean ticket
        }

        return new CustomerValueModel(bg[0], bg[1], bg[2], bg[3], gg[0], gg[1], gg[2], horizonDays);
    }

    // Nelder-Mead over log-parameters from each start, kept within e^±15 (beyond that the models have reached their
    // limits, e.g. no dropout); the best point evaluated wins (also when an iteration cap hits).
    private static double[] Minimise(Func<double[], double> objective, double[][] starts)
    {
        double[]? best = null;
        var bestValue = double.PositiveInfinity;
        var f = ObjectiveFunction.Value(v =>
        {
            var x = v.ToArray();
            if (x.Any(z => Math.Abs(z) > LogParameterBound))
            {
                return 1e300;
            }

            var y = objective(x);
            if (!double.IsFinite(y))
            {
                return 1e300;
            }

            if (y < bestValue)
            {
                bestValue = y;
                best = x;
            }

            return y;
        });
        foreach (var start in starts)
        {
            var x0 = Vector<double>.Build.DenseOfEnumerable(start.Select(v => Math.Log(v)));
            try
            {
                new NelderMeadSimplex(1e-7, 1_000).FindMinimum(f, x0);
            }
            catch (MaximumIterationsException)
            {
                // keep the best point seen
            }
        }

        return (best ?? starts[0].Select(v => Math.Log(v)).ToArray()).Select(v => Math.Exp(v)).ToArray();
    }
}
