using Insiders.Features;

namespace Insiders.Clustering;

/// <summary>
/// The fitted transform from feature rows to clustering vectors; <paramref name="Value"/> is the customer value model
/// when a feature needs it (<see cref="FeatureKind.ExpectedValue"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("insiders.feature-space")]
public sealed record FeatureSpace(IReadOnlyList<FeatureScale> Scales, CustomerValueModel? Value = null)
{
    public int Dimensions => Scales.Count;

    /// <summary>Fits means and standard deviations of the prepared features on <paramref name="rows"/>.</summary>
    public static FeatureSpace Fit(IReadOnlyList<CustomerFeatures> rows, IReadOnlyList<FeatureSpec> specs, CustomerValueModel? value = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(specs);
        if (specs.Count == 0)
        {
            throw new ArgumentException("At least one feature is needed to cluster.", nameof(specs));
        }

        var scales = new List<FeatureScale>(specs.Count);
        foreach (var spec in specs)
        {
            var probe = new FeatureScale(spec.Feature, spec.Log, spec.Weight, 0, 1);
            var values = new double[rows.Count];
            for (var i = 0; i < rows.Count; i++)
            {
                values[i] = probe.Prepared(rows[i], value);
            }

            var (mean, std) = values.Length == 0 ? (0.0, 1.0) : MeanAndStd(values);
            scales.Add(probe with { Mean = mean, Std = std > 1e-12 ? std : 1.0 });
        }

        return new FeatureSpace(scales, value);
    }

    /// <summary>
    /// <see cref="Fit"/> and <see cref="Transform"/> of every row in one pass over the population, in parallel: each
    /// row's expected value is computed once (also returned, for ranking), each prepared value once. The results are
    /// exactly those of <see cref="Fit"/> followed by <see cref="Transform"/> per row.
    /// </summary>
    public static Population FitAndTransform(IReadOnlyList<CustomerFeatures> rows, IReadOnlyList<FeatureSpec> specs, CustomerValueModel? value = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(specs);
        if (specs.Count == 0)
        {
            throw new ArgumentException("At least one feature is needed to cluster.", nameof(specs));
        }

        if (value is null && specs.Any(s => s.Feature == FeatureKind.ExpectedValue))
        {
            throw new InvalidOperationException("The expected-value feature needs a fitted value model.");
        }

        var n = rows.Count;
        var expected = value is null ? null : new double[n];
        var probes = specs.Select(spec => new FeatureScale(spec.Feature, spec.Log, spec.Weight, 0, 1)).ToArray();
        var prepared = probes.Select(_ => new double[n]).ToArray();
        RowRanges.For(n, (start, end) =>
        {
            for (var i = start; i < end; i++)
            {
                var row = rows[i];
                var ev = value?.ExpectedValue(row) ?? double.NaN;
                if (expected is not null)
                {
                    expected[i] = ev;
                }

                for (var d = 0; d < probes.Length; d++)
                {
                    var raw = probes[d].Feature == FeatureKind.ExpectedValue ? ev : FeatureScale.Raw(row, probes[d].Feature);
                    prepared[d][i] = probes[d].Log ? FeatureScale.SignedLog1P(raw) : raw;
                }
            }
        });

        var scales = new FeatureScale[probes.Length];
        for (var d = 0; d < probes.Length; d++)
        {
            var (mean, std) = n == 0 ? (0.0, 1.0) : MeanAndStd(prepared[d]);
            scales[d] = probes[d] with { Mean = mean, Std = std > 1e-12 ? std : 1.0 };
        }

        var points = new float[n][];
        RowRanges.For(n, (start, end) =>
        {
            for (var i = start; i < end; i++)
            {
                var v = new float[scales.Length];
                for (var d = 0; d < v.Length; d++)
                {
                    v[d] = (float)((prepared[d][i] - scales[d].Mean) / scales[d].Std * scales[d].Weight);
                }

                points[i] = v;
            }
        });

        return new Population(new FeatureSpace(scales, value), points, expected);
    }

    /// <summary>A fitted space with every row's point in it and, when the space has a value model, every row's expected value.</summary>
    public sealed record Population(FeatureSpace Space, float[][] Points, double[]? ExpectedValues);

    public float[] Transform(CustomerFeatures features)
    {
        var v = new float[Scales.Count];
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = Scales[i].Scale(features, Value);
        }

        return v;
    }

    /// <summary>Maps a vector of this space back to prepared (log) units, per feature.</summary>
    public double[] Unscale(IReadOnlyList<float> vector)
    {
        var v = new double[Scales.Count];
        for (var i = 0; i < v.Length; i++)
        {
            var s = Scales[i];
            v[i] = vector[i] / s.Weight * s.Std + s.Mean;
        }

        return v;
    }

    /// <summary>Maps prepared (log) units into this space.</summary>
    public float[] Rescale(IReadOnlyList<double> prepared)
    {
        var v = new float[Scales.Count];
        for (var i = 0; i < v.Length; i++)
        {
            var s = Scales[i];
            v[i] = (float)((prepared[i] - s.Mean) / s.Std * s.Weight);
        }

        return v;
    }

    /// <summary>True when both spaces use the same features with the same transforms (so centroids can be compared).</summary>
    public bool IsCompatibleWith(FeatureSpace other) =>
        other.Scales.Count == Scales.Count
        && Scales.Zip(other.Scales).All(p => p.First.Feature == p.Second.Feature && p.First.Log == p.Second.Log);

    private static (double Mean, double Std) MeanAndStd(double[] values)
    {
        var (mean, variance) = MathNet.Numerics.Statistics.ArrayStatistics.MeanVariance(values);
        return (mean, values.Length > 1 ? Math.Sqrt(variance) : 1.0);
    }
}
