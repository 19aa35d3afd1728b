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
