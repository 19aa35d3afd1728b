using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Hosting.Kubernetes;

namespace Insiders.Tests;

/// <summary>How a silo picks its advertised address and whether it uses Orleans' Kubernetes hosting.</summary>
public sealed class HostingTests
{
    private static readonly IPAddress ContainerIp = IPAddress.Parse("172.18.0.5");

    private static IPAddress[] Hosts(string name) => name switch
    {
        "3f2a9c1b7d44" => [IPAddress.IPv6Loopback, IPAddress.Loopback, ContainerIp], // a scaled container's host name
        "silo1" => [IPAddress.Parse("172.18.0.3")],
        "localhost" => [IPAddress.Loopback],
        "v6only" => [IPAddress.Parse("fd00::5")],
        _ => throw new System.Net.Sockets.SocketException(11001),
    };

    [Fact]
    public void Resolve_Unset_IsLoopback() => Assert.Equal(IPAddress.Loopback, AdvertisedAddress.Resolve(null, "h", Hosts));

    [Fact]
    public void Resolve_Auto_IsTheHostNamesFirstNonLoopbackIPv4() =>
        Assert.Equal(ContainerIp, AdvertisedAddress.Resolve("auto", "3f2a9c1b7d44", Hosts));

    [Fact]
    public void Resolve_ServiceName_IsItsAddress_AndLiteralsPassThrough()
    {
        Assert.Equal(IPAddress.Parse("172.18.0.3"), AdvertisedAddress.Resolve("silo1", "ignored", Hosts));
        Assert.Equal(IPAddress.Parse("10.1.2.3"), AdvertisedAddress.Resolve(" 10.1.2.3 ", "ignored", Hosts));
        Assert.Equal(IPAddress.Loopback, AdvertisedAddress.Resolve("localhost", "ignored", Hosts));
    }

    [Theory]
    [InlineData("0.0.0.0", "wildcard")]
    [InlineData("nosuchhost", "does not resolve")]
    [InlineData("v6only", "no IPv4 address (fd00::5)")]
    public void Resolve_Unusable_FailsNamingTheSetting(string value, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => AdvertisedAddress.Resolve(value, "h", Hosts));
        Assert.Contains("Insiders:AdvertisedAddress=" + value, e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, null, null, true)]
    [InlineData(false, "10.0.0.1", "pod-0", false)]
    [InlineData(null, "10.0.0.1", "pod-0", true)]
    [InlineData(null, "10.0.0.1", null, false)] // a pod our manifest did not describe
    [InlineData(null, null, "pod-0", false)] // not in Kubernetes
    public void KubernetesDetection_ExplicitWins_OtherwiseNeedsServiceHostAndPodName(bool? configured, string? serviceHost, string? podName, bool expected)
    {
        var env = new Dictionary<string, string?> { [KubernetesDetection.ServiceHostVariable] = serviceHost, [KubernetesDetection.PodNameVariable] = podName };
        Assert.Equal(expected, KubernetesDetection.IsEnabled(configured, name => env.GetValueOrDefault(name)));
    }

    [Fact]
    public void AddInsiders_KubernetesOn_UsesTheHostingPackage_AndLeavesTheAddressToIt()
    {
        using var provider = SiloServices(new() { ["Insiders:Kubernetes"] = "true" });
        Assert.NotEmpty(provider.GetServices<IConfigureOptions<KubernetesHostingOptions>>());
        var endpoints = ConfiguredEndpoints(provider);
        Assert.Equal(11111, endpoints.SiloPort);
        Assert.Equal(30000, endpoints.GatewayPort);
        Assert.Null(endpoints.AdvertisedIPAddress); // the package sets POD_IP in its post-configuration

        // Without POD_NAMESPACE (or a service account) the package refuses to start: the manifest sets it.
        var e = Assert.ThrowsAny<OptionsValidationException>(() => provider.GetRequiredService<IOptions<KubernetesHostingOptions>>().Value);
        Assert.Contains(KubernetesHostingOptions.PodNamespaceEnvironmentVariable, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddInsiders_KubernetesOnWithAddress_AdvertisesThatAddress()
    {
        using var provider = SiloServices(new() { ["Insiders:Kubernetes"] = "true", ["Insiders:AdvertisedAddress"] = "10.1.2.3" });
        Assert.Equal(IPAddress.Parse("10.1.2.3"), ConfiguredEndpoints(provider).AdvertisedIPAddress);
    }

    [Fact]
    public void AddInsiders_KubernetesOff_AdvertisesTheConfiguredAddressWithoutThePackage()
    {
        using var provider = SiloServices(new() { ["Insiders:Kubernetes"] = "false", ["Insiders:AdvertisedAddress"] = "10.1.2.4" });
        Assert.Empty(provider.GetServices<IConfigureOptions<KubernetesHostingOptions>>());
        var endpoints = provider.GetRequiredService<IOptions<EndpointOptions>>().Value;
        Assert.Equal(IPAddress.Parse("10.1.2.4"), endpoints.AdvertisedIPAddress);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 11111), endpoints.SiloListeningEndpoint);
    }

    [Fact]
    public void AddInsiders_KubernetesWithEmbeddedStorage_IsRejected()
    {
        var e = Assert.Throws<InvalidOperationException>(() => SiloServices(new() { ["Insiders:Storage"] = "Sqlite", ["Insiders:Kubernetes"] = "true" }));
        Assert.Contains("Insiders:Storage=Postgres", e.Message, StringComparison.Ordinal);
    }

    /// <summary>The silo's services as AddInsiders registers them (PostgreSQL mode, schema not applied: nothing connects).</summary>
    private static ServiceProvider SiloServices(Dictionary<string, string?> settings)
    {
        var all = new Dictionary<string, string?>
        {
            ["Insiders:Storage"] = "Postgres",
            ["Insiders:ApplySchema"] = "false",
            ["Insiders:SiloPort"] = "11111",
            ["Insiders:GatewayPort"] = "30000",
            ["ConnectionStrings:Insiders"] = "Host=127.0.0.1;Database=insiders;Username=insiders;Password=unused",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(all);
        builder.UseOrleans(silo => silo.AddInsiders(builder.Configuration));
        return builder.Services.BuildServiceProvider();
    }

    /// <summary>EndpointOptions after the Configure steps only (the package's post-configuration reads the pod's environment).</summary>
    private static EndpointOptions ConfiguredEndpoints(ServiceProvider provider)
    {
        var options = new EndpointOptions();
        foreach (var configure in provider.GetServices<IConfigureOptions<EndpointOptions>>())
        {
            configure.Configure(options);
        }

        return options;
    }
}
