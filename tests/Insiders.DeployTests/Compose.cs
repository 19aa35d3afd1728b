namespace Insiders.Tests;

/// <summary>docker-compose.yml as services with their environment, ports, volumes and dependencies normalised.</summary>
internal sealed class ComposeModel
{
    public sealed record Volume(string Source, string Target, bool IsBind);

    public sealed record PortMapping(string Host, int Container);

    public sealed record Service(
        string Name,
        Dictionary<object, object?> Raw,
        Dictionary<string, string?> Environment,
        List<PortMapping> Ports,
        List<Volume> Volumes,
        List<string> DependsOn,
        List<string> Command);

    public Dictionary<object, object?> Root { get; }

    public Dictionary<string, Service> Services { get; } = new(StringComparer.Ordinal);

    private ComposeModel(Dictionary<object, object?> root) => Root = root;

    public static ComposeModel Load(string path)
    {
        var model = new ComposeModel(Yaml.LoadMap(path));
        foreach (var (name, node) in model.Root.Map("services", path).Entries())
        {
            var where = $"{path}: services.{name}";
            var raw = Yaml.AsMap(node, where);
            model.Services[name] = new Service(
                name,
                raw,
                EnvironmentOf(raw.Find("environment"), where),
                PortsOf(raw.Find("ports"), where),
                VolumesOf(raw.Find("volumes"), where),
                DependsOnOf(raw.Find("depends_on"), where),
                raw.Find("command") switch
                {
                    null => [],
                    string s => [.. s.Split(' ', StringSplitOptions.RemoveEmptyEntries)],
                    var list => [.. Yaml.AsList(list, where + ".command").Select(c => Yaml.AsString(c, where + ".command"))],
                });
        }

        return model;
    }

    /// <summary>The services built from <paramref name="dockerfile"/> (relative to the repository root).</summary>
    public IEnumerable<Service> BuiltFrom(string dockerfile) =>
        Services.Values.Where(s => s.Raw.Find("build") is Dictionary<object, object?> build
            && build.Find("dockerfile") is string file
            && string.Equals(Path.GetFullPath(Path.Combine(Deployment.Root, (build.Find("context") as string) ?? ".", file)), Deployment.PathOf(dockerfile), StringComparison.Ordinal));

    /// <summary>A value of the command line: <c>--name=value</c> or <c>--name value</c>.</summary>
    public static string? Option(Service service, string name)
    {
        for (var i = 0; i < service.Command.Count; i++)
        {
            if (service.Command[i].StartsWith(name + "=", StringComparison.Ordinal))
            {
                return service.Command[i][(name.Length + 1)..];
            }

            if (service.Command[i] == name && i + 1 < service.Command.Count)
            {
                return service.Command[i + 1];
            }
        }

        return null;
    }

    /// <summary>The repository file or directory mounted at <paramref name="containerPath"/> (or at a parent of it).</summary>
    public static string? HostPathOf(Service service, string containerPath)
    {
        foreach (var volume in service.Volumes.Where(v => v.IsBind).OrderByDescending(v => v.Target.Length))
        {
            if (containerPath == volume.Target)
            {
                return Path.GetFullPath(Path.Combine(Deployment.Root, volume.Source));
            }

            if (containerPath.StartsWith(volume.Target.TrimEnd('/') + "/", StringComparison.Ordinal))
            {
                return Path.GetFullPath(Path.Combine(Deployment.Root, volume.Source, containerPath[(volume.Target.TrimEnd('/').Length + 1)..]));
            }
        }

        return null;
    }

    private static Dictionary<string, string?> EnvironmentOf(object? node, string where)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal);
        switch (node)
        {
            case null:
                break;
            case Dictionary<object, object?> map:
                foreach (var (key, value) in map.Entries())
                {
                    env[key] = value is null ? null : Yaml.AsString(value, $"{where}.environment.{key}");
                }

                break;
            default:
                foreach (var item in Yaml.AsList(node, where + ".environment"))
                {
                    var text = Yaml.AsString(item, where + ".environment");
                    var eq = text.IndexOf('=', StringComparison.Ordinal);
                    env[eq < 0 ? text : text[..eq]] = eq < 0 ? null : text[(eq + 1)..];
                }

                break;
        }

        return env;
    }

    private static List<PortMapping> PortsOf(object? node, string where)
    {
        var ports = new List<PortMapping>();
        if (node is null)
        {
            return ports;
        }

        foreach (var item in Yaml.AsList(node, where + ".ports"))
        {
            if (item is Dictionary<object, object?> longForm)
            {
                ports.Add(new PortMapping(longForm.Find("published") as string ?? "", int.Parse(longForm.String("target", where + ".ports"), System.Globalization.CultureInfo.InvariantCulture)));
                continue;
            }

            var text = Yaml.AsString(item, where + ".ports").Split('/')[0];
            var colon = text.LastIndexOf(':');
            ports.Add(new PortMapping(colon < 0 ? "" : text[..colon], int.Parse(text[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture)));
        }

        return ports;
    }

    private static List<Volume> VolumesOf(object? node, string where)
    {
        var volumes = new List<Volume>();
        if (node is null)
        {
            return volumes;
        }

        foreach (var item in Yaml.AsList(node, where + ".volumes"))
        {
            if (item is Dictionary<object, object?> longForm)
            {
                var source = longForm.String("source", where + ".volumes");
                volumes.Add(new Volume(source, longForm.String("target", where + ".volumes"), longForm.Find("type") as string == "bind"));
                continue;
            }

            var parts = Yaml.AsString(item, where + ".volumes").Split(':');
            volumes.Add(new Volume(parts[0], parts[1], parts[0].StartsWith('.') || parts[0].StartsWith('/')));
        }

        return volumes;
    }

    private static List<string> DependsOnOf(object? node, string where) => node switch
    {
        null => [],
        Dictionary<object, object?> map => [.. map.Keys.Cast<string>()],
        _ => [.. Yaml.AsList(node, where + ".depends_on").Select(d => Yaml.AsString(d, where + ".depends_on"))],
    };
}
