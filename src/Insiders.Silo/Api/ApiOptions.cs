namespace Insiders.Silo.Api;

/// <summary>HTTP API settings (section <c>Insiders:Api</c>).</summary>
public sealed class ApiOptions
{
    public const string Section = "Insiders:Api";

    /// <summary>
    /// API keys by name. Each has a secret <see cref="ApiKeyOptions.Key"/> and roles (<c>ingest</c>, <c>admin</c>,
    /// <c>read</c>). None ship with the repository: set them with environment variables or a secrets file, e.g.
    /// <c>Insiders__Api__Keys__checkout__Key=…</c> and <c>Insiders__Api__Keys__checkout__Roles__0=read</c>.
    /// </summary>
    public Dictionary<string, ApiKeyOptions> Keys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>When true, read endpoints also need a key (any role); by default they are open.</summary>
    public bool RequireReadKey { get; set; }

    /// <summary>
    /// Development only (ignored in other environments): when no key is configured, generate a random key with
    /// every role at start-up and log it, so the page's retrain button and local posts work out of the box.
    /// </summary>
    public bool GenerateDevelopmentKey { get; set; }

    /// <summary>Largest accepted body of <c>POST /api/transactions</c>, in bytes (after gzip decoding); larger is 413.</summary>
    public long MaxTransactionBodyBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>Per-line errors listed in a transactions response (all are counted).</summary>
    public int MaxReportedErrors { get; set; } = 1_000;
}

/// <summary>One API key: the secret and its roles.</summary>
public sealed class ApiKeyOptions
{
    public string Key { get; set; } = string.Empty;

    public List<string> Roles { get; set; } = [];
}
