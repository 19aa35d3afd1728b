using System.Net;

namespace Insiders.Tests;

/// <summary>docker-compose.yml against the application's configuration and the files it mounts.</summary>
public sealed class ComposeTests
{
    private static readonly ComposeModel Compose = ComposeModel.Load(Deployment.PathOf(Deployment.ComposeFile));
    private static readonly ConfigurationModel Configuration = ConfigurationModel.ForApplication();

    private static List<ComposeModel.Service> Silos() => [.. Compose.BuiltFrom(Deployment.Dockerfile)];

    [Fact]
    public void DeploymentYaml_EveryFile_IsWellFormed()
    {
        var files = Deployment.YamlFiles().ToList();
        Assert.True(files.Count >= 10, $"expected the compose file and the deploy/ YAML files, found {files.Count}");
        foreach (var file in files)
        {
            var documents = Yaml.LoadAll(file); // throws with file and position when malformed
            Assert.True(documents.Count > 0 && documents.All(d => d is Dictionary<object, object?>), $"{file}: every document must be a map");
        }
    }

    [Fact]
    public void Compose_References_PointAtExistingServicesVolumesAndFiles()
    {
        var declaredVolumes = Compose.Root.Find("volumes") is Dictionary<object, object?> v ? v.Keys.Cast<string>().ToHashSet() : [];
        var problems = new List<string>();
        foreach (var service in Compose.Services.Values)
        {
            problems.AddRange(service.DependsOn.Where(d => !Compose.Services.ContainsKey(d)).Select(d => $"{service.Name} depends on unknown service '{d}'"));
            foreach (var volume in service.Volumes)
            {
                if (volume.IsBind)
                {
                    var source = Path.Combine(Deployment.Root, volume.Source);
                    if (!File.Exists(source) && !Directory.Exists(source))
                    {
                        problems.Add($"{service.Name} mounts '{volume.Source}', which does not exist");
                    }
                }
                else if (!declaredVolumes.Contains(volume.Source))
                {
                    problems.Add($"{service.Name} uses volume '{volume.Source}', not declared under volumes:");
                }
            }
        }

        Assert.Empty(problems);
        Assert.True(Silos().Count >= 2, "at least two silo services built from " + Deployment.Dockerfile);
    }

    [Fact]
    public void Compose_SiloEnvironment_MapsToRealConfigurationKeys()
    {
        var problems = Silos().SelectMany(s => EnvironmentRules.Problems(Configuration, s.Environment, $"compose service {s.Name}")).ToList();
        Assert.Empty(problems);
        Assert.All(Silos(), s => Assert.Equal("Postgres", s.Environment.GetValueOrDefault("Insiders__Storage")));
    }

    [Fact]
    public void Compose_Ports_EqualTheConfiguredSiloGatewayAndHttpPorts()
    {
        var imageUrls = DockerfileModel.Environment(DockerfileModel.Load(Deployment.PathOf(Deployment.Dockerfile)).Final)["Urls"];
        foreach (var silo in Silos())
        {
            var httpPort = Deployment.PortOfUrls(silo.Environment.GetValueOrDefault("Urls") ?? imageUrls);
            Assert.Equal(Deployment.PortOfUrls(imageUrls), httpPort); // the port the image's HEALTHCHECK and EXPOSE use
            Assert.Equal(Deployment.AppSetting("Insiders:SiloPort"), silo.Environment.GetValueOrDefault("Insiders__SiloPort") ?? Deployment.AppSetting("Insiders:SiloPort"));
            Assert.Equal(Deployment.AppSetting("Insiders:GatewayPort"), silo.Environment.GetValueOrDefault("Insiders__GatewayPort") ?? Deployment.AppSetting("Insiders:GatewayPort"));
            var published = Assert.Single(silo.Ports);
            Assert.Equal(httpPort, published.Container);
            // Orleans' container guidance: silo and gateway ports stay inside the network.
            var siloPort = int.Parse(Deployment.AppSetting("Insiders:SiloPort")!, System.Globalization.CultureInfo.InvariantCulture);
            var gatewayPort = int.Parse(Deployment.AppSetting("Insiders:GatewayPort")!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.DoesNotContain(silo.Ports, p => p.Container == siloPort || p.Container == gatewayPort);
        }

        var hostPorts = Compose.Services.Values.SelectMany(s => s.Ports).Select(p => p.Host).Where(h => h.Length > 0).ToList();
        Assert.Equal(hostPorts.Count, hostPorts.Distinct().Count());
    }

    [Fact]
    public void Compose_EverySilo_AdvertisesItsOwnAddress()
    {
        var explicitAddresses = new List<string>();
        foreach (var silo in Silos())
        {
            var advertised = silo.Environment.GetValueOrDefault("Insiders__AdvertisedAddress");
            Assert.False(advertised is null, $"{silo.Name}: Insiders__AdvertisedAddress is required (default is loopback)");
            if (string.Equals(advertised, AdvertisedAddress.Auto, StringComparison.OrdinalIgnoreCase))
            {
                Assert.False(silo.Raw.Find("hostname") is not null && silo.Ports.Any(p => !p.Host.Contains('-', StringComparison.Ordinal)),
                    $"{silo.Name}: a scalable silo (auto) needs no fixed host name and a host port range");
                continue;
            }

            Assert.False(IPAddress.TryParse(advertised, out _), $"{silo.Name}: a fixed IP cannot be right for a container network; use its name or auto");
            Assert.True(advertised == silo.Name || advertised == silo.Raw.Find("hostname") as string,
                $"{silo.Name}: advertises '{advertised}', which is neither its service name nor its hostname");
            explicitAddresses.Add(advertised);
        }

        Assert.Equal(explicitAddresses.Count, explicitAddresses.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public void Compose_Postgres_MountsEveryScriptOfDeployPostgres()
    {
        var postgres = Compose.Services.Values.Single(s => s.Volumes.Any(v => v.Target.StartsWith("/docker-entrypoint-initdb.d", StringComparison.Ordinal)));
        var mounted = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var volume in postgres.Volumes.Where(v => v.Target.StartsWith("/docker-entrypoint-initdb.d", StringComparison.Ordinal)))
        {
            var source = Path.GetFullPath(Path.Combine(Deployment.Root, volume.Source));
            if (Directory.Exists(source))
            {
                mounted.UnionWith(Directory.EnumerateFiles(source, "*.sql"));
            }
            else
            {
                Assert.True(File.Exists(source), $"{postgres.Name} mounts {volume.Source}, which does not exist");
                mounted.Add(source);
            }
        }

        var scripts = new SortedSet<string>(Directory.EnumerateFiles(Deployment.PathOf(Deployment.PostgresScripts), "*.sql"), StringComparer.Ordinal);
        Assert.True(scripts.Count >= 5, "deploy/postgres holds the Orleans and application scripts");
        Assert.Equal(scripts, mounted);

        // The silos' connection string names this service, its database and user.
        foreach (var silo in Silos())
        {
            var parts = silo.Environment["ConnectionStrings__Insiders"]!.Split(';').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
            Assert.Equal(postgres.Name, parts["Host"]);
            Assert.Equal(postgres.Environment["POSTGRES_DB"], parts["Database"]);
            Assert.Equal(postgres.Environment["POSTGRES_USER"], parts["Username"]);
            Assert.Equal(postgres.Environment["POSTGRES_PASSWORD"], parts["Password"]);
            Assert.Contains(silo.DependsOn, d => d == postgres.Name);
        }
    }

    [Fact]
    public void Compose_OtlpEndpoint_IsTheCollectorsReceiver()
    {
        foreach (var silo in Silos())
        {
            var endpoint = new Uri(silo.Environment["Insiders__Telemetry__OtlpEndpoint"]!);
            Assert.True(Compose.Services.TryGetValue(endpoint.Host, out var collector), $"{silo.Name}: OTLP endpoint host '{endpoint.Host}' is not a compose service");
            var configPath = ComposeModel.Option(collector, "--config");
            Assert.False(configPath is null, $"{collector.Name}: no --config");
            var hostFile = ComposeModel.HostPathOf(collector, configPath);
            Assert.Equal(Deployment.PathOf(Deployment.CollectorConfig), hostFile);
            var receivers = Observability.OtlpReceiverPorts(hostFile!);
            Assert.Equal(receivers["grpc"], endpoint.Port);
        }
    }

    [Fact]
    public void Compose_Secrets_ComeFromTheEnvironment()
    {
        var literals = Compose.Services.Values
            .SelectMany(s => s.Environment.Where(e => EnvironmentRules.IsSecret(e.Key))
                .Select(e => (s.Name, e.Key, Literal: EnvironmentRules.LiteralSecret(e.Key, e.Value))))
            .Where(x => x.Literal is not null)
            .Select(x => $"{x.Name}: {x.Key} holds a literal secret")
            .ToList();
        Assert.Empty(literals);
        Assert.Contains(Silos(), s => s.Environment.Keys.Any(k => k.EndsWith("__Key", StringComparison.Ordinal)));
    }
}
