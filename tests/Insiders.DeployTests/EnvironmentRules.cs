using System.Text.RegularExpressions;

namespace Insiders.Tests;

/// <summary>Checks shared by the compose and Kubernetes environment of a silo.</summary>
internal static partial class EnvironmentRules
{
    /// <summary>Variables a silo container may carry besides configuration keys of the application.</summary>
    public static readonly HashSet<string> PlatformVariables = new(StringComparer.Ordinal)
    {
        "Urls", // ASP.NET Core configuration key, unprefixed on purpose (see ShadowedByAppSettings)
        "ASPNETCORE_ENVIRONMENT",
        "DOTNET_gcServer",
        "POD_NAME", "POD_NAMESPACE", "POD_IP", "ORLEANS_CLUSTER_ID", "ORLEANS_SERVICE_ID", // Orleans' Kubernetes hosting
    };

    /// <summary>
    /// Prefixed host variables that appsettings.json's <c>Urls</c> silently beats when the service runs from its own
    /// directory, as it does in the image (measured: ASPNETCORE_URLS and ASPNETCORE_HTTP_PORTS both lose).
    /// </summary>
    public static readonly string[] ShadowedByAppSettings = ["ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS"];

    /// <summary>Every problem with a silo's environment: unknown keys, values of the wrong type, shadowed variables.</summary>
    public static List<string> Problems(ConfigurationModel model, IEnumerable<KeyValuePair<string, string?>> environment, string where)
    {
        var problems = new List<string>();
        foreach (var (name, value) in environment)
        {
            if (ShadowedByAppSettings.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"{where}: {name} is ignored because appsettings.json sets Urls; set Urls instead");
            }
            else if (name.StartsWith("Insiders__", StringComparison.Ordinal) || name.StartsWith("ConnectionStrings__", StringComparison.Ordinal))
            {
                if (model.Check(ConfigurationModel.KeyOf(name), value) is { } error)
                {
                    problems.Add($"{where}: {name}: {error}");
                }
            }
            else if (!PlatformVariables.Contains(name))
            {
                problems.Add($"{where}: {name} is neither a configuration key of the application (Insiders__…, ConnectionStrings__…) nor a known platform variable");
            }
        }

        return problems;
    }

    /// <summary>Whether a variable holds a secret (password, API key, connection string).</summary>
    public static bool IsSecret(string name) =>
        name.Contains("PASSWORD", StringComparison.OrdinalIgnoreCase)
        || name.EndsWith("__Key", StringComparison.Ordinal)
        || name.StartsWith("ConnectionStrings__", StringComparison.Ordinal);

    /// <summary>
    /// The literal secret in a compose value, or null when every secret part is interpolated from the environment:
    /// a whole value <c>${VAR…}</c>, or a connection string whose Password is <c>${VAR…}</c>.
    /// </summary>
    public static string? LiteralSecret(string name, string? value)
    {
        if (value is null || WholeInterpolation().IsMatch(value))
        {
            return null;
        }

        if (name.StartsWith("ConnectionStrings__", StringComparison.Ordinal))
        {
            var password = value.Split(';').Select(p => p.Split('=', 2)).FirstOrDefault(p => p[0].Trim().Equals("Password", StringComparison.OrdinalIgnoreCase));
            return password is null || WholeInterpolation().IsMatch(password[1]) ? null : password[1];
        }

        return value;
    }

    [GeneratedRegex(@"^\$\{[A-Za-z_][A-Za-z0-9_]*(:?[-?][^}]*)?\}$")]
    private static partial Regex WholeInterpolation();
}
