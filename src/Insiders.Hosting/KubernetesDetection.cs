namespace Insiders;

/// <summary>
/// Whether the silo uses Orleans' Kubernetes hosting (<c>Insiders:Kubernetes</c>): explicit <c>true</c>/<c>false</c>, or,
/// when unset, on inside a pod that the Deployment describes to the silo (<c>KUBERNETES_SERVICE_HOST</c>, set by the
/// kubelet, and <c>POD_NAME</c>, set from the pod's metadata by our manifest).
/// </summary>
public static class KubernetesDetection
{
    /// <summary>Set by the kubelet in every container.</summary>
    public const string ServiceHostVariable = "KUBERNETES_SERVICE_HOST";

    /// <summary>Read by the Kubernetes hosting package (Downward API in deploy/k8s/silo-deployment.yaml).</summary>
    public const string PodNameVariable = "POD_NAME";

    public static bool IsEnabled(bool? configured) => IsEnabled(configured, Environment.GetEnvironmentVariable);

    public static bool IsEnabled(bool? configured, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return configured ?? (!string.IsNullOrWhiteSpace(environment(ServiceHostVariable)) && !string.IsNullOrWhiteSpace(environment(PodNameVariable)));
    }
}
