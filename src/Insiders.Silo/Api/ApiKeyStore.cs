using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Insiders.Silo.Api;

/// <summary>The configured API keys, compared in constant time (by SHA-256, so lengths do not leak either).</summary>
internal sealed partial class ApiKeyStore
{
    private readonly List<(string Name, byte[] Hash, string[] Roles)> _keys = [];

    public ApiKeyStore(IOptions<ApiOptions> options, IHostEnvironment environment, ILogger<ApiKeyStore> logger)
    {
        foreach (var (name, key) in options.Value.Keys)
        {
            if (string.IsNullOrWhiteSpace(key.Key))
            {
                continue;
            }

            if (key.Key.Length < 16)
            {
                throw new OptionsValidationException(ApiOptions.Section, typeof(ApiOptions), [$"{ApiOptions.Section}:Keys:{name}:Key must be at least 16 characters."]);
            }

            _keys.Add((name, Hash(key.Key), key.Roles.Select(r => r.Trim().ToLowerInvariant()).ToArray()));
        }

        if (_keys.Count == 0 && options.Value.GenerateDevelopmentKey && environment.IsDevelopment())
        {
            var generated = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            _keys.Add(("development", Hash(generated), [ApiRoles.Read, ApiRoles.Ingest, ApiRoles.Admin]));
            LogDevelopmentKey(logger, generated);
        }
        else if (_keys.Count == 0)
        {
            LogNoKeys(logger);
        }
    }

    public int Count => _keys.Count;

    /// <summary>The name and roles of <paramref name="presented"/>, or null when it is not a configured key.</summary>
    public (string Name, string[] Roles)? Find(string presented)
    {
        var hash = Hash(presented);
        (string, string[])? found = null;
        foreach (var (name, expected, roles) in _keys)
        {
            // Compare against every key: the time taken does not depend on which one matched.
            if (CryptographicOperations.FixedTimeEquals(hash, expected))
            {
                found = (name, roles);
            }
        }

        return found;
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    [LoggerMessage(EventId = 400, Level = LogLevel.Warning, Message = "Development API key (roles read, ingest, admin), valid until the host stops: {Key}. Configure Insiders:Api:Keys to use your own.")]
    private static partial void LogDevelopmentKey(ILogger logger, string key);

    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "No API keys configured (Insiders:Api:Keys): POST /api/transactions and POST /api/model/retrain will answer 401.")]
    private static partial void LogNoKeys(ILogger logger);
}
