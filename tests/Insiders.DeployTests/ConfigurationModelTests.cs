namespace Insiders.Tests;

/// <summary>The key check the deployment tests rely on, against hand-written keys of the options classes.</summary>
public sealed class ConfigurationModelTests
{
    private static readonly ConfigurationModel Model = ConfigurationModel.ForApplication();

    [Theory]
    [InlineData("Insiders:Storage", "Postgres")] // HostingOptions, enum
    [InlineData("Insiders:SiloPort", "11111")] // HostingOptions, int?
    [InlineData("Insiders:AdvertisedAddress", "auto")]
    [InlineData("Insiders:Kubernetes", "true")] // bool?
    [InlineData("Insiders:RetrainPeriod", "00:01:00")] // InsidersOptions, TimeSpan
    [InlineData("Insiders:Clock", "Wall")]
    [InlineData("Insiders:Api:Keys:operator:Key", "${INSIDERS_ADMIN_KEY:?}")] // dictionary entry
    [InlineData("Insiders:Api:Keys:operator:Roles:1", "ingest")] // list element
    [InlineData("insiders:api:requirereadkey", "true")] // keys are case-insensitive
    [InlineData("Insiders:Demo:Enabled", "false")] // DemoFeedOptions
    [InlineData("Insiders:Segmentation:MaxClusters", "64")] // SegmentationOptions
    [InlineData("Insiders:Membership:ProbeTimeout", "00:00:05")] // Orleans ClusterMembershipOptions
    [InlineData("ConnectionStrings:Insiders", "Host=x")]
    [InlineData("Insiders:Telemetry:OtlpEndpoint", "http://otel-collector:4317")]
    public void Check_KeyBoundByTheApplication_Accepts(string key, string value) => Assert.Null(Model.Check(key, value));

    [Theory]
    [InlineData("Insiders:SiloPrt", "11111", "no property 'SiloPrt'")]
    [InlineData("Insiders:SiloPort", "eleven", "cannot take the value 'eleven'")]
    [InlineData("Insiders:Storage", "Postgre", "cannot take the value 'Postgre'")]
    [InlineData("Insiders:RetrainPeriod", "1 minute", "cannot take the value")]
    [InlineData("Insiders:Api:Keys:operator:Roles:first", "admin", "'first' is not an index")]
    [InlineData("Insiders:Api:Keys:operator", "secret", "is a section, not a value")]
    [InlineData("Insiders:Api:Key:operator:Key", "x", "no property 'Key'")]
    [InlineData("Insiders:SiloPort:Extra", "1", "has no 'Extra'")]
    [InlineData("ConnectionStrings:Orders", "Host=x", "no options class binds")]
    [InlineData("Insiders:Telemetry:OtlpEndpiont", "http://x:4317", "OtlpEndpiont")]
    public void Check_KeyNotBoundOrWrongValue_SaysWhy(string key, string value, string expected)
    {
        var error = Model.Check(key, value);
        Assert.NotNull(error);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void EnvironmentRules_FlagShadowedUnknownAndLiteralSecrets()
    {
        var problems = EnvironmentRules.Problems(Model, new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = "http://+:8080",
            ["Insiders_Storage"] = "Postgres",
            ["Insiders__Storage"] = "Postgres",
        }, "t");
        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.Contains("ASPNETCORE_URLS is ignored", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Insiders_Storage is neither", StringComparison.Ordinal));

        Assert.Null(EnvironmentRules.LiteralSecret("POSTGRES_PASSWORD", "${POSTGRES_PASSWORD:?set it}"));
        Assert.Null(EnvironmentRules.LiteralSecret("ConnectionStrings__Insiders", "Host=db;Password=${PG:?x}"));
        Assert.Equal("hunter2", EnvironmentRules.LiteralSecret("ConnectionStrings__Insiders", "Host=db;Password=hunter2"));
        Assert.Equal("abc", EnvironmentRules.LiteralSecret("Insiders__Api__Keys__x__Key", "abc"));
    }
}
