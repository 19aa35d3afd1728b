using System.Text.Json;

namespace Insiders.Tests;

/// <summary>Prometheus, the collector and the Grafana dashboard against compose and the telemetry contract.</summary>
public sealed class ObservabilityTests
{
    private const string SiloJob = "insiders";

    private static readonly ComposeModel Compose = ComposeModel.Load(Deployment.PathOf(Deployment.ComposeFile));

    [Fact]
    public void Prometheus_ScrapesEverySiloOnItsApiPort()
    {
        var prometheus = ServiceMounting(Deployment.PrometheusConfig, "--config.file");
        var config = Yaml.LoadMap(Deployment.PathOf(Deployment.PrometheusConfig));
        var jobs = config.List("scrape_configs", Deployment.PrometheusConfig).Select(j => Yaml.AsMap(j, "scrape_configs")).ToList();
        var siloJob = Assert.Single(jobs, j => j.Find("job_name") as string == SiloJob);
        Assert.Equal(TelemetryContract.MetricsPath, siloJob.Find("metrics_path") as string ?? "/metrics");

        var silos = Compose.BuiltFrom(Deployment.Dockerfile).ToList();
        var imageUrls = DockerfileModel.Environment(DockerfileModel.Load(Deployment.PathOf(Deployment.Dockerfile)).Final)["Urls"];
        var scraped = Targets(siloJob).ToList();
        Assert.Equal(silos.Select(s => s.Name).Order(), scraped.Select(t => t.Host).Order());
        foreach (var (host, port) in scraped)
        {
            var silo = silos.Single(s => s.Name == host);
            Assert.Equal(Deployment.PortOfUrls(silo.Environment.GetValueOrDefault("Urls") ?? imageUrls), port);
            Assert.Equal(TelemetryContract.MetricsPath, silo.Environment.GetValueOrDefault("Insiders__Telemetry__PrometheusPath") ?? TelemetryContract.MetricsPath);
        }

        // Every other target is a compose service (or Prometheus itself); the collector on its exporter's port.
        var collectorPort = Observability.PrometheusExporter(Deployment.PathOf(Deployment.CollectorConfig));
        Assert.True(collectorPort.Used, "the collector's prometheus exporter is in no pipeline");
        foreach (var (host, port) in jobs.Where(j => j != siloJob).SelectMany(Targets))
        {
            if (host == "localhost")
            {
                Assert.Contains(prometheus.Ports, p => p.Container == port);
                continue;
            }

            Assert.True(Compose.Services.TryGetValue(host, out var service), $"prometheus target host '{host}' is not a compose service");
            if (ComposeModel.HostPathOf(service, ComposeModel.Option(service, "--config") ?? "") == Deployment.PathOf(Deployment.CollectorConfig))
            {
                Assert.Equal(collectorPort.Port, port);
            }
        }
    }

    [Fact]
    public void GrafanaDashboard_QueriesOnlyContractMetrics_AndCoversTheIssuesPanels()
    {
        var dashboards = Directory.EnumerateFiles(Deployment.PathOf(Deployment.GrafanaDashboards), "*.json").ToList();
        var file = Assert.Single(dashboards);
        using var json = JsonDocument.Parse(File.ReadAllText(file));
        var datasourceUid = ProvisionedDatasourceUid();
        var allowed = TelemetryContract.MetricNames.Concat(TelemetryContract.PrometheusOwnSeries).ToHashSet(StringComparer.Ordinal);
        var queried = new HashSet<string>(StringComparer.Ordinal);
        var expressions = new List<string>();
        var problems = new List<string>();
        foreach (var panel in json.RootElement.GetProperty("panels").EnumerateArray())
        {
            var title = panel.GetProperty("title").GetString();
            Assert.Equal(datasourceUid, panel.GetProperty("datasource").GetProperty("uid").GetString());
            var targets = panel.GetProperty("targets").EnumerateArray().ToList();
            Assert.True(targets.Count > 0, $"panel '{title}' has no query");
            foreach (var target in targets)
            {
                var expr = target.GetProperty("expr").GetString()!;
                expressions.Add(expr);
                var names = Observability.MetricNames(expr);
                Assert.True(names.Count > 0, $"panel '{title}': no metric in '{expr}'");
                problems.AddRange(names.Where(n => !allowed.Contains(n)).Select(n => $"panel '{title}' queries '{n}', not in the telemetry contract"));
                queried.UnionWith(names);
                // Only the silos' own scrape (the collector re-exports the same series under another job).
                var jobs = Observability.LabelMatchers(expr).Where(m => m.Label == "job").Select(m => m.Value).Distinct().ToList();
                Assert.True(jobs.SequenceEqual([SiloJob]), $"panel '{title}': '{expr}' must select job=\"{SiloJob}\"");
            }
        }

        Assert.Empty(problems);
        string[] issuePanels =
        [
            "insiders_lines_ingested_total", // ingest rate
            "insiders_event_to_flag_duration_seconds_bucket", // event-to-flag latency
            "insiders_members", // Insiders count
            "insiders_transitions_total", // entries / exits
            "insiders_retrains_total", // retrains
        ];
        Assert.All(issuePanels, m => Assert.Contains(m, queried));
        Assert.Contains(expressions, e => e.Contains("histogram_quantile(0.5,", StringComparison.Ordinal) && e.Contains("insiders_event_to_flag_duration_seconds_bucket", StringComparison.Ordinal));
        Assert.Contains(expressions, e => e.Contains("histogram_quantile(0.99,", StringComparison.Ordinal) && e.Contains("insiders_event_to_flag_duration_seconds_bucket", StringComparison.Ordinal));
    }

    [Fact]
    public void Grafana_ProvisioningAndDashboards_AreMountedWhereTheyPointTo()
    {
        var grafana = ServiceMountingDirectory(Deployment.GrafanaProvisioning, "/etc/grafana/provisioning");
        var provider = Yaml.LoadMap(Deployment.PathOf(Deployment.GrafanaProvisioning + "/dashboards/insiders.yaml"));
        var path = Yaml.AsMap(Assert.Single(provider.List("providers", "dashboards")), "providers").Map("options", "providers[0]").String("path", "options");
        Assert.Equal(Deployment.PathOf(Deployment.GrafanaDashboards), ComposeModel.HostPathOf(grafana, path));

        var datasource = Yaml.AsMap(Assert.Single(Yaml.LoadMap(Deployment.PathOf(Deployment.GrafanaProvisioning + "/datasources/prometheus.yaml")).List("datasources", "datasources")), "datasources");
        var url = new Uri(datasource.String("url", "datasources[0]"));
        Assert.True(Compose.Services.TryGetValue(url.Host, out var prometheus), $"datasource host '{url.Host}' is not a compose service");
        Assert.NotNull(ComposeModel.Option(prometheus, "--config.file"));
        Assert.Contains(prometheus.Ports, p => p.Container == url.Port);
        Assert.Contains(grafana.DependsOn, d => d == prometheus.Name);
    }

    [Fact]
    public void PromQlMetricNames_FindSelectorsAndIgnoreFunctionsLabelsAndDurations()
    {
        // Hand-read expectations for the extraction the dashboard check relies on.
        Assert.Equal(
            ["insiders_event_to_flag_duration_seconds_bucket"],
            Observability.MetricNames("histogram_quantile(0.99, sum by (le) (rate(insiders_event_to_flag_duration_seconds_bucket{job=\"insiders\"}[$__rate_interval])))"));
        Assert.Equal(["a_total", "b_total"], Observability.MetricNames("sum without (instance) (rate(a_total{x=~\"y|z\"}[5m])) / on (job) b_total * 60"));
        Assert.Equal(["insider_members"], Observability.MetricNames("max(insider_members)")); // a typo is still a name, and fails the contract
        Assert.Equal([("job", "insiders"), ("reason", "x")], Observability.LabelMatchers("rate(m{job=\"insiders\", reason=~\"x\"}[1m])"));
    }

    private static string ProvisionedDatasourceUid()
    {
        var datasources = Yaml.LoadMap(Deployment.PathOf(Deployment.GrafanaProvisioning + "/datasources/prometheus.yaml")).List("datasources", "datasources");
        return Yaml.AsMap(Assert.Single(datasources), "datasources").String("uid", "datasources[0]");
    }

    private static ComposeModel.Service ServiceMounting(string configFile, string option)
    {
        var service = Assert.Single(Compose.Services.Values, s => ComposeModel.Option(s, option) is { } path && ComposeModel.HostPathOf(s, path) == Deployment.PathOf(configFile));
        return service;
    }

    private static ComposeModel.Service ServiceMountingDirectory(string directory, string target) =>
        Assert.Single(Compose.Services.Values, s => ComposeModel.HostPathOf(s, target) == Deployment.PathOf(directory));

    private static IEnumerable<(string Host, int Port)> Targets(Dictionary<object, object?> job)
    {
        foreach (var sd in job.Find("dns_sd_configs") is List<object?> dns ? dns : [])
        {
            var map = Yaml.AsMap(sd, "dns_sd_configs");
            var port = int.Parse(map.String("port", "dns_sd_configs"), System.Globalization.CultureInfo.InvariantCulture);
            foreach (var name in map.List("names", "dns_sd_configs"))
            {
                yield return (Yaml.AsString(name, "names"), port);
            }
        }

        foreach (var sc in job.Find("static_configs") is List<object?> statics ? statics : [])
        {
            foreach (var target in Yaml.AsMap(sc, "static_configs").List("targets", "static_configs"))
            {
                var text = Yaml.AsString(target, "targets");
                yield return (text[..text.LastIndexOf(':')], Observability.PortOf(text));
            }
        }
    }
}
