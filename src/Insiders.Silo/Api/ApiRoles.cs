namespace Insiders.Silo.Api;

/// <summary>Roles an API key can carry, and the authorization policies built on them.</summary>
public static class ApiRoles
{
    /// <summary>May post transactions.</summary>
    public const string Ingest = "ingest";

    /// <summary>May retrain the model.</summary>
    public const string Admin = "admin";

    /// <summary>May read (only checked when <see cref="ApiOptions.RequireReadKey"/> is on).</summary>
    public const string Read = "read";

    public const string IngestPolicy = "insiders-ingest";
    public const string AdminPolicy = "insiders-admin";
    public const string ReadPolicy = "insiders-read";

    /// <summary>The request header carrying the key.</summary>
    public const string Header = "X-Api-Key";

    /// <summary>The authentication scheme name.</summary>
    public const string Scheme = "ApiKey";
}
