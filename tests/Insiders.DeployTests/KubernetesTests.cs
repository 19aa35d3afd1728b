using System.Reflection;
using Orleans.Hosting.Kubernetes;

namespace Insiders.Tests;

/// <summary>deploy/k8s against the application's configuration and what Orleans' Kubernetes hosting reads and needs.</summary>
public sealed class KubernetesTests
{
    private const string ExampleSecretFile = "secret.example.yaml";

    private static readonly ConfigurationModel Configuration = ConfigurationModel.ForApplication();

    private static readonly List<(string File, Dictionary<object, object?> Doc)> Manifests =
        [.. Directory.EnumerateFiles(Deployment.PathOf(Deployment.KubernetesDirectory), "*.yaml").Order(StringComparer.Ordinal)
            .Where(f => Path.GetFileName(f) != "kustomization.yaml")
            .SelectMany(f => Yaml.LoadAll(f).Select(d => (Path.GetFileName(f), Yaml.AsMap(d, f))))];

    private static Dictionary<object, object?> Single(string kind) => Assert.Single(Manifests, m => m.Doc.Find("kind") as string == kind).Doc;

    private static Dictionary<object, object?> Deployment_ => Single("Deployment");

    private static Dictionary<object, object?> PodSpec => Deployment_.Map("spec", "Deployment").Map("template", "spec").Map("spec", "template");

    private static Dictionary<object, object?> Container => Yaml.AsMap(Assert.Single(PodSpec.List("containers", "pod spec")), "containers[0]");

    private static Dictionary<string, string?> ConfigMapData => Single("ConfigMap").Map("data", "ConfigMap").Entries().ToDictionary(e => e.Key, e => e.Value as string);

    [Fact]
    public void Kubernetes_Manifests_AreNamedAndListedInTheKustomization()
    {
        Assert.All(Manifests, m =>
        {
            Assert.False(string.IsNullOrEmpty(m.Doc.Find("apiVersion") as string), $"{m.File}: apiVersion");
            Assert.False(string.IsNullOrEmpty(m.Doc.Map("metadata", m.File).Find("name") as string), $"{m.File}: metadata.name");
        });
        var kustomization = Yaml.LoadMap(Deployment.PathOf(Deployment.KubernetesDirectory + "/kustomization.yaml"));
        var resources = kustomization.List("resources", "kustomization").Select(r => Yaml.AsString(r, "resources")).ToList();
        var files = Manifests.Select(m => m.File).Distinct().Where(f => f != ExampleSecretFile).Order(StringComparer.Ordinal);
        Assert.Equal(files, resources.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(ExampleSecretFile, resources); // placeholders are never applied
        Assert.Equal(Single("Namespace").Map("metadata", "Namespace").String("name", "metadata"), kustomization.String("namespace", "kustomization"));
    }

    [Fact]
    public void Kubernetes_Environment_MapsToRealConfigurationKeys()
    {
        var env = ConfigMapData.Select(e => e)
            .Concat(Container.List("env", "container").Select(e => Yaml.AsMap(e, "env")).Select(e => new KeyValuePair<string, string?>(e.String("name", "env"), e.Find("value") as string)))
            .Concat(Single("Secret").Map("stringData", "Secret").Entries().Select(e => new KeyValuePair<string, string?>(e.Key, null)));
        Assert.Empty(EnvironmentRules.Problems(Configuration, env, "deploy/k8s"));
        Assert.Equal("Postgres", ConfigMapData["Insiders__Storage"]);
    }

    [Fact]
    public void Kubernetes_Deployment_PortsAndProbes_MatchTheService()
    {
        Assert.True(int.Parse(Deployment_.Map("spec", "Deployment").String("replicas", "spec"), System.Globalization.CultureInfo.InvariantCulture) >= 2, "two or more silos");
        var ports = Container.List("ports", "container").Select(p => Yaml.AsMap(p, "ports"))
            .ToDictionary(p => p.String("name", "port"), p => int.Parse(p.String("containerPort", "port"), System.Globalization.CultureInfo.InvariantCulture));
        var imageUrls = DockerfileModel.Environment(DockerfileModel.Load(Deployment.PathOf(Deployment.Dockerfile)).Final)["Urls"];
        var httpPort = Deployment.PortOfUrls(ConfigMapData.GetValueOrDefault("Urls") ?? imageUrls);
        Assert.Equal(Deployment.PortOfUrls(imageUrls), httpPort);
        Assert.Equal(httpPort, ports["http"]);
        foreach (var (name, key) in new[] { ("silo", "SiloPort"), ("gateway", "GatewayPort") })
        {
            // The pod's port, the port the silo is configured with, and the service's configured port agree.
            var configured = Deployment.AppSetting("Insiders:" + key);
            Assert.Equal(configured, ports[name].ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(configured, ConfigMapData.GetValueOrDefault("Insiders__" + key) ?? configured);
        }

        int PortOf(object? port) => port is string s && int.TryParse(s, out var n) ? n : ports[Yaml.AsString(port, "port")];
        (string Path, int Port) Probe(string name)
        {
            var get = Container.Map(name, "container").Map("httpGet", name);
            return (get.String("path", name), PortOf(get.Get("port", name)));
        }

        Assert.Equal((TelemetryContract.LivenessPath, httpPort), Probe("livenessProbe"));
        Assert.Equal((TelemetryContract.ReadinessPath, httpPort), Probe("readinessProbe"));
        if (Container.Find("startupProbe") is not null)
        {
            Assert.Equal((TelemetryContract.LivenessPath, httpPort), Probe("startupProbe"));
        }

        // The API Service selects the silo pods and forwards to their HTTP port.
        var service = Single("Service").Map("spec", "Service");
        var podLabels = Deployment_.Map("spec", "Deployment").Map("template", "spec").Map("metadata", "template").Map("labels", "metadata");
        var selector = Deployment_.Map("spec", "Deployment").Map("selector", "spec").Map("matchLabels", "selector");
        Assert.All(selector, l => Assert.Equal(l.Value, podLabels.Find((string)l.Key)));
        Assert.All(service.Map("selector", "Service.spec"), l => Assert.Equal(l.Value, podLabels.Find((string)l.Key)));
        var servicePort = Yaml.AsMap(Assert.Single(service.List("ports", "Service.spec")), "ports");
        Assert.Equal(httpPort, PortOf(servicePort.Get("targetPort", "Service port")));

        var annotations = Deployment_.Map("spec", "Deployment").Map("template", "spec").Map("metadata", "template").Map("annotations", "metadata");
        Assert.Equal(TelemetryContract.MetricsPath, annotations.Find("prometheus.io/path"));
        Assert.Equal(httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture), annotations.Find("prometheus.io/port"));
    }

    [Fact]
    public void Kubernetes_Pods_GiveTheHostingPackageWhatItReads()
    {
        // Labels the package selects the cluster's pods by: equal to the effective ServiceId/ClusterId.
        var podLabels = Deployment_.Map("spec", "Deployment").Map("template", "spec").Map("metadata", "template").Map("labels", "metadata");
        var defaults = new HostingOptions();
        Assert.Equal(ConfigMapData.GetValueOrDefault(KubernetesHostingOptions.ServiceIdEnvironmentVariable) ?? ConfigMapData.GetValueOrDefault("Insiders__ServiceId") ?? defaults.ServiceId, podLabels.Find(KubernetesHostingOptions.ServiceIdLabel));
        Assert.Equal(ConfigMapData.GetValueOrDefault(KubernetesHostingOptions.ClusterIdEnvironmentVariable) ?? ConfigMapData.GetValueOrDefault("Insiders__ClusterId") ?? defaults.ClusterId, podLabels.Find(KubernetesHostingOptions.ClusterIdLabel));

        // Pod name, namespace and IP from the Downward API, under the names the package reads.
        var fieldRefs = Container.List("env", "container").Select(e => Yaml.AsMap(e, "env"))
            .Where(e => e.Find("valueFrom") is not null)
            .ToDictionary(e => e.String("name", "env"), e => e.Map("valueFrom", "env").Map("fieldRef", "valueFrom").String("fieldPath", "fieldRef"));
        Assert.Equal("metadata.name", fieldRefs.GetValueOrDefault(KubernetesHostingOptions.PodNameEnvironmentVariable));
        Assert.Equal("metadata.namespace", fieldRefs.GetValueOrDefault(KubernetesHostingOptions.PodNamespaceEnvironmentVariable));
        Assert.Equal("status.podIP", fieldRefs.GetValueOrDefault(KubernetesHostingOptions.PodIPEnvironmentVariable));
        Assert.Equal(KubernetesDetection.PodNameVariable, KubernetesHostingOptions.PodNameEnvironmentVariable);

        // The silo turns the hosting on (explicitly, or by detection from the pod's environment).
        var configured = ConfigMapData.GetValueOrDefault("Insiders__Kubernetes") is { } k ? bool.Parse(k) : (bool?)null;
        Assert.True(KubernetesDetection.IsEnabled(configured, name => name == KubernetesDetection.ServiceHostVariable ? "10.0.0.1" : fieldRefs.GetValueOrDefault(name)));

        var security = PodSpec.Map("securityContext", "pod spec");
        Assert.Equal("true", security.Find("runAsNonRoot"));
    }

    [Fact]
    public void Kubernetes_Rbac_GrantsWhatTheHostingPackageNeeds()
    {
        // The package's own example Role (in its permission error message) is the reference for the verbs it uses.
        var example = typeof(KubernetesClusterAgent).GetField("ExampleRoleBinding", BindingFlags.NonPublic | BindingFlags.Static)?.GetRawConstantValue() as string;
        Assert.False(example is null, "KubernetesClusterAgent.ExampleRoleBinding not found: check the package's RBAC needs by hand");
        var exampleRole = Yaml.AsMap(Assert.Single(Yaml.Parse(example, "KubernetesClusterAgent.ExampleRoleBinding"), d => Yaml.AsMap(d, "example").Find("kind") as string == "Role"), "example");
        var needed = exampleRole.List("rules", "example Role").Select(r => Yaml.AsMap(r, "rule"))
            .SelectMany(r => r.List("resources", "rule").SelectMany(res => r.List("verbs", "rule").Select(v => ((string)res!, (string)v!)))).ToHashSet();
        Assert.Contains(("pods", "list"), needed);

        var account = PodSpec.String("serviceAccountName", "pod spec");
        Assert.Equal(account, Single("ServiceAccount").Map("metadata", "ServiceAccount").String("name", "metadata"));
        var binding = Single("RoleBinding");
        Assert.Contains(binding.List("subjects", "RoleBinding"), s => Yaml.AsMap(s, "subject").Find("kind") as string == "ServiceAccount" && Yaml.AsMap(s, "subject").Find("name") as string == account);
        var role = Single("Role");
        Assert.Equal(role.Map("metadata", "Role").String("name", "metadata"), binding.Map("roleRef", "RoleBinding").String("name", "roleRef"));
        var granted = role.List("rules", "Role").Select(r => Yaml.AsMap(r, "rule"))
            .Where(r => r.List("apiGroups", "rule").Contains(""))
            .SelectMany(r => r.List("resources", "rule").SelectMany(res => r.List("verbs", "rule").Select(v => ((string)res!, (string)v!)))).ToHashSet();
        Assert.Empty(needed.Except(granted));
    }

    [Fact]
    public void Kubernetes_Secrets_AreReferencedNeverInlined()
    {
        Assert.DoesNotContain(ConfigMapData.Keys, EnvironmentRules.IsSecret);
        Assert.DoesNotContain(Container.List("env", "container").Select(e => Yaml.AsMap(e, "env")), e => EnvironmentRules.IsSecret(e.String("name", "env")) && e.Find("value") is not null);

        var envFrom = Container.List("envFrom", "container").Select(e => Yaml.AsMap(e, "envFrom")).ToList();
        var configMapRef = Assert.Single(envFrom, e => e.Find("configMapRef") is not null).Map("configMapRef", "envFrom").String("name", "configMapRef");
        var secretRef = Assert.Single(envFrom, e => e.Find("secretRef") is not null).Map("secretRef", "envFrom").String("name", "secretRef");
        Assert.Equal(Single("ConfigMap").Map("metadata", "ConfigMap").String("name", "metadata"), configMapRef);
        var secret = Single("Secret");
        Assert.Equal(secret.Map("metadata", "Secret").String("name", "metadata"), secretRef);
        Assert.All(secret.Map("stringData", "Secret").Entries(), e => Assert.Contains("CHANGE-ME", (string)e.Value!, StringComparison.Ordinal));
        Assert.Contains("ConnectionStrings__" + HostingOptions.ConnectionStringName, secret.Map("stringData", "Secret").Entries().Select(e => e.Key));
    }
}
