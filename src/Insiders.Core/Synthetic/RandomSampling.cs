namespace Insiders.Synthetic;

/// <summary>The continuous and discrete distributions the generator draws from, on top of <see cref="Random"/>.</summary>
internal static class RandomSampling
{
    /// <summary>Standard normal (Box–Muller).</summary>
    public static double NextGaussian(this Random random)
    {
        var u1 = 1.0 - random.NextDouble(); // in (0, 1]: log is finite
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Lognormal with the given median and log-scale standard deviation.</summary>
    public static double NextLogNormal(this Random random, double median, double sigma) =>
        median * Math.Exp(sigma * random.NextGaussian());

    /// <summary>Exponential with the given mean.</summary>
    public static double NextExponential(this Random random, double mean) => -mean * Math.Log(1.0 - random.NextDouble());

    /// <summary>Exponential with rate <paramref name="rate"/> conditioned on falling below <paramref name="limit"/>.</summary>
    public static double NextTruncatedExponential(this Random random, double rate, double limit)
    {
        var mass = 1.0 - Math.Exp(-rate * limit); // P(X < limit)
        if (mass < 1e-9)
        {
            return random.NextDouble() * limit; // the exponential is flat over the interval
        }

        var value = -Math.Log(1.0 - random.NextDouble() * mass) / rate;
        return Math.Min(value, Math.BitDecrement(limit));
    }

    /// <summary>Gamma with the given shape and scale (Marsaglia–Tsang; shape below 1 by the boost u^(1/shape)).</summary>
    public static double NextGamma(this Random random, double shape, double scale)
    {
        if (shape < 1.0)
        {
            var boost = Math.Pow(1.0 - random.NextDouble(), 1.0 / shape);
            return random.NextGamma(shape + 1.0, scale) * boost;
        }

        var d = shape - 1.0 / 3.0;
        var c = 1.0 / Math.Sqrt(9.0 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = random.NextGaussian();
                v = 1.0 + c * x;
            }
            while (v <= 0.0);

            v = v * v * v;
            var u = 1.0 - random.NextDouble();
            if (Math.Log(u) < 0.5 * x * x + d - d * v + d * Math.Log(v))
            {
                return d * v * scale;
            }
        }
    }

    /// <summary>Beta(a, b) as a ratio of gammas.</summary>
    public static double NextBeta(this Random random, double a, double b)
    {
        var x = random.NextGamma(a, 1.0);
        var y = random.NextGamma(b, 1.0);
        return x / (x + y);
    }

    /// <summary>Failures before the first success of trials with success probability <paramref name="p"/>.</summary>
    public static int NextGeometric(this Random random, double p)
    {
        var failures = 0;
        while (random.NextDouble() >= p)
        {
            failures++;
        }

        return failures;
    }
}
