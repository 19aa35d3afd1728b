using System.Globalization;
using System.Text.RegularExpressions;

namespace Insiders.Tests;

/// <summary>Reads the collector configuration and PromQL expressions.</summary>
internal static partial class Observability
{
    private static readonly HashSet<string> PromQlWords = new(StringComparer.Ordinal)
    {
        "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "and", "or", "unless", "inf", "nan",
    };

    /// <summary>The ports of the collector's OTLP receiver by protocol (grpc, http).</summary>
    public static Dictionary<string, int> OtlpReceiverPorts(string collectorConfig)
    {
        var root = Yaml.LoadMap(collectorConfig);
        var protocols = root.Map("receivers", collectorConfig).Map("otlp", "receivers").Map("protocols", "receivers.otlp");
        return protocols.Entries().ToDictionary(
            p => p.Key,
            p => PortOf(Yaml.AsMap(p.Value, $"receivers.otlp.protocols.{p.Key}").String("endpoint", $"receivers.otlp.protocols.{p.Key}")));
    }

    /// <summary>The port of the collector's Prometheus exporter, and whether a pipeline uses it.</summary>
    public static (int Port, bool Used) PrometheusExporter(string collectorConfig)
    {
        var root = Yaml.LoadMap(collectorConfig);
        var port = PortOf(root.Map("exporters", collectorConfig).Map("prometheus", "exporters").String("endpoint", "exporters.prometheus"));
        var used = root.Map("service", collectorConfig).Map("pipelines", "service").Values
            .Any(p => Yaml.AsMap(p, "pipeline").Find("exporters") is List<object?> exporters && exporters.Contains("prometheus"));
        return (port, used);
    }

    public static int PortOf(string endpoint) => int.Parse(endpoint[(endpoint.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);

    /// <summary>
    /// The metric names a PromQL expression selects: identifiers that are not functions (followed by '('), keywords,
    /// label names (inside {…}, by (…), without (…)), durations ([…]) or string literals.
    /// </summary>
    public static SortedSet<string> MetricNames(string expr)
    {
        var text = StringLiteral().Replace(expr, "\"\"");
        text = LabelMatchers().Replace(text, "{}");
        text = Range().Replace(text, "[]");
        text = Grouping().Replace(text, " ");
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (Match m in Identifier().Matches(text))
        {
            var rest = text[(m.Index + m.Length)..].TrimStart();
            if (!rest.StartsWith('(') && !PromQlWords.Contains(m.Value))
            {
                names.Add(m.Value);
            }
        }

        return names;
    }

    /// <summary>The label matchers of every selector in an expression (name → value), e.g. job="insiders".</summary>
    public static IEnumerable<(string Label, string Value)> LabelMatchers(string expr) =>
        Matcher().Matches(expr).Select(m => (m.Groups[1].Value, m.Groups[2].Value));

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex LabelMatchers();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Range();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"(?<![\w.$])[A-Za-z_:][A-Za-z0-9_:]*")]
    private static partial Regex Identifier();

    [GeneratedRegex("([A-Za-z_][A-Za-z0-9_]*)\\s*=~?\\s*\"([^\"]*)\"")]
    private static partial Regex Matcher();
}
