using System.Text.Json;
using System.Text.RegularExpressions;

namespace Insiders.Tests;

/// <summary>The deployment files of the repository, read as data (paths relative to the repository root).</summary>
internal static partial class Deployment
{
    public const string ComposeFile = "docker-compose.yml";
    public const string Dockerfile = "deploy/docker/silo.Dockerfile";
    public const string DockerIgnore = ".dockerignore";
    public const string SiloProject = "src/Insiders.Silo/Insiders.Silo.csproj";
    public const string SiloAppSettings = "src/Insiders.Silo/appsettings.json";
    public const string PostgresScripts = "deploy/postgres";
    public const string PrometheusConfig = "deploy/prometheus/prometheus.yml";
    public const string CollectorConfig = "deploy/otel/collector.yaml";
    public const string GrafanaProvisioning = "deploy/grafana/provisioning";
    public const string GrafanaDashboards = "deploy/grafana/dashboards";
    public const string KubernetesDirectory = "deploy/k8s";

    public static string Root => TestData.RepoRoot;

    public static string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>Every YAML file of the deployment (compose file and everything under deploy/).</summary>
    public static IEnumerable<string> YamlFiles() =>
        new[] { PathOf(ComposeFile) }.Concat(
            Directory.EnumerateFiles(PathOf("deploy"), "*.*", SearchOption.AllDirectories)
                .Where(f => f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal);

    /// <summary>The silo's own appsettings.json (what a container reads from /app unless overridden).</summary>
    public static JsonElement AppSettings()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(PathOf(SiloAppSettings)));
        return document.RootElement.Clone();
    }

    /// <summary>A setting of appsettings.json by its configuration key (<c>A:B:C</c>, case-insensitive), or null.</summary>
    public static string? AppSetting(string key)
    {
        var node = AppSettings();
        foreach (var segment in key.Split(':'))
        {
            var match = node.ValueKind == JsonValueKind.Object
                ? node.EnumerateObject().FirstOrDefault(p => string.Equals(p.Name, segment, StringComparison.OrdinalIgnoreCase))
                : default;
            if (match.Value.ValueKind == JsonValueKind.Undefined)
            {
                return null;
            }

            node = match.Value;
        }

        return node.ValueKind == JsonValueKind.String ? node.GetString() : node.GetRawText();
    }

    /// <summary>The port of the first URL of an ASP.NET Core <c>Urls</c> value (<c>http://+:8080;…</c>).</summary>
    public static int PortOfUrls(string urls)
    {
        var first = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[0];
        var match = UrlPort().Match(first);
        return match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : throw new FormatException($"no port in Urls '{urls}'");
    }

    [GeneratedRegex(@"^[a-z]+://[^/]*:(\d+)/?$")]
    private static partial Regex UrlPort();
}
