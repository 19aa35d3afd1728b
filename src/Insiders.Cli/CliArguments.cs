namespace Insiders.Cli;

/// <summary>Minimal parser: positional arguments and <c>--name value</c> / <c>--flag</c> options, with clear errors.</summary>
internal sealed class CliArguments
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    private CliArguments(List<string> positional) => Positional = positional;

    public List<string> Positional { get; }

    public static CliArguments Parse(IEnumerable<string> args, IReadOnlySet<string> flags)
    {
        var positional = new List<string>();
        var result = new CliArguments(positional);
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var a = e.Current;
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                var eq = a.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    result._options[a[..eq]] = a[(eq + 1)..];
                }
                else if (flags.Contains(a))
                {
                    result._options[a] = null;
                }
                else
                {
                    result._options[a] = e.MoveNext() ? e.Current : throw new UsageException($"option {a} needs a value");
                }
            }
            else
            {
                positional.Add(a);
            }
        }

        return result;
    }

    public string? Get(string name)
    {
        _used.Add(name);
        return _options.TryGetValue(name, out var v) ? v : null;
    }

    public bool Has(string name)
    {
        _used.Add(name);
        return _options.ContainsKey(name);
    }

    public DateOnly? GetDate(string name)
    {
        var text = Get(name);
        if (text is null)
        {
            return null;
        }

        return DateOnly.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var d)
            ? d
            : throw new UsageException($"{name} expects a date like 2011-04-01, got '{text}'");
    }

    public int GetInt(string name, int defaultValue, int min)
    {
        var text = Get(name);
        if (text is null)
        {
            return defaultValue;
        }

        return int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var v) && v >= min
            ? v
            : throw new UsageException($"{name} expects an integer >= {min}, got '{text}'");
    }

    /// <summary>Fails on options the command does not know (typos must not be ignored silently).</summary>
    public void RejectUnknown()
    {
        var unknown = _options.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new UsageException($"unknown option(s): {string.Join(", ", unknown)}");
        }
    }
}

internal sealed class UsageException(string message) : Exception(message);
