using System.Xml.Linq;
using Insiders.Silo.Api;

namespace Insiders.Tests;

/// <summary>The silo image: what it builds, what it copies, how it runs.</summary>
public sealed class DockerfileTests
{
    private static readonly DockerfileModel Dockerfile = DockerfileModel.Load(Deployment.PathOf(Deployment.Dockerfile));

    [Fact]
    public void Dockerfile_PublishesTheSiloProject_AndRunsItsAssembly()
    {
        Assert.True(Dockerfile.Stages.Count >= 2, "multi-stage: an SDK build stage and a runtime stage");
        var build = Dockerfile.Stages.Single(s => s.Name is not null && DockerfileModel.Copies(Dockerfile.Final).Any(c => c.From == s.Name));
        var publish = Assert.Single(DockerfileModel.All(build, "RUN"), r => r.Arguments.StartsWith("dotnet publish ", StringComparison.Ordinal));
        var project = publish.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2];
        Assert.Equal(Deployment.PathOf(Deployment.SiloProject), Path.GetFullPath(Path.Combine(Deployment.Root, project)));
        var output = Option(publish.Arguments, "-o");
        Assert.Contains(DockerfileModel.Copies(Dockerfile.Final), c => c.From == build.Name && c.Sources.Single().TrimEnd('/') == output.TrimEnd('/'));

        var entrypoint = DockerfileModel.ExecForm(Assert.Single(DockerfileModel.All(Dockerfile.Final, "ENTRYPOINT")));
        var siloAssembly = typeof(ApiOptions).Assembly.GetName().Name;
        Assert.Equal(["dotnet", siloAssembly + ".dll"], entrypoint);
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:", build.Image, StringComparison.Ordinal);
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:", Dockerfile.Final.Image, StringComparison.Ordinal);
    }

    [Fact]
    public void Dockerfile_CopiesEverythingRestoreAndBuildRead()
    {
        var build = Dockerfile.Stages[0];
        var copied = DockerfileModel.Copies(build).Where(c => c.From is null).SelectMany(c => c.Sources)
            .Select(s => Path.GetFullPath(Path.Combine(Deployment.Root, s)).TrimEnd(Path.DirectorySeparatorChar)).ToList();
        var restore = Assert.Single(DockerfileModel.All(build, "RUN"), r => r.Arguments.StartsWith("dotnet restore ", StringComparison.Ordinal));
        var restoreIndex = build.Instructions.IndexOf(restore);
        var copiedBeforeRestore = build.Instructions.Take(restoreIndex).Where(i => i.Keyword == "COPY")
            .SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1])
            .Select(s => Path.GetFullPath(Path.Combine(Deployment.Root, s))).ToHashSet();

        Assert.All(copied, c => Assert.True(File.Exists(c) || Directory.Exists(c), $"COPY source {c} does not exist"));
        bool Covered(string file) => copied.Any(c => file == c || file.StartsWith(c + Path.DirectorySeparatorChar, StringComparison.Ordinal));

        // Restore reads the build props, central versions and every project of the silo's reference graph.
        var projects = ProjectGraph(Deployment.PathOf(Deployment.SiloProject));
        Assert.True(projects.Count >= 5, "the silo and the libraries it references");
        foreach (var file in projects.Concat(new[] { "global.json", "Directory.Build.props", "Directory.Packages.props" }.Select(Deployment.PathOf)))
        {
            Assert.True(copiedBeforeRestore.Contains(file), $"{Path.GetRelativePath(Deployment.Root, file)} is not copied before dotnet restore");
        }

        // The build reads files outside the project folders (embedded SQL scripts): they must be copied too.
        foreach (var project in projects)
        {
            var dir = Path.GetDirectoryName(project)!;
            foreach (var include in XDocument.Load(project).Descendants().Where(e => e.Name.LocalName is "EmbeddedResource" or "Content" or "None")
                .Select(e => (string?)e.Attribute("Include")).OfType<string>())
            {
                var pattern = Path.GetFullPath(Path.Combine(dir, include.Replace('\\', Path.DirectorySeparatorChar)));
                var folder = Path.GetDirectoryName(pattern)!;
                var files = Directory.EnumerateFiles(folder, Path.GetFileName(pattern)).ToList();
                Assert.True(files.Count > 0, $"{project}: {include} matches nothing");
                Assert.All(files, f => Assert.True(Covered(f), $"{Path.GetRelativePath(Deployment.Root, f)} (read by {Path.GetFileName(project)}) is not copied into the build stage"));
            }
        }
    }

    [Fact]
    public void Dockerfile_RunsAsNonRoot_OnTheApiPort()
    {
        var user = Assert.Single(DockerfileModel.All(Dockerfile.Final, "USER")).Arguments;
        Assert.DoesNotContain(user, new[] { "root", "0", "0:0" });
        var env = DockerfileModel.Environment(Dockerfile.Final);
        var httpPort = Deployment.PortOfUrls(env["Urls"]);
        var exposed = DockerfileModel.All(Dockerfile.Final, "EXPOSE").SelectMany(e => e.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(int.Parse).ToList();
        Assert.Contains(httpPort, exposed);
        Assert.Contains(int.Parse(Deployment.AppSetting("Insiders:SiloPort")!, System.Globalization.CultureInfo.InvariantCulture), exposed);
        Assert.Contains(int.Parse(Deployment.AppSetting("Insiders:GatewayPort")!, System.Globalization.CultureInfo.InvariantCulture), exposed);
        Assert.DoesNotContain(env.Keys, k => EnvironmentRules.ShadowedByAppSettings.Contains(k));

        var healthcheck = Assert.Single(DockerfileModel.All(Dockerfile.Final, "HEALTHCHECK")).Arguments;
        Assert.Contains($"/dev/tcp/127.0.0.1/{httpPort}", healthcheck, StringComparison.Ordinal);
        Assert.Contains($"GET {TelemetryContract.LivenessPath} ", healthcheck, StringComparison.Ordinal);
    }

    [Fact]
    public void DockerIgnore_ExcludesBuildOutputAndData_ButNothingTheImageCopies()
    {
        var patterns = File.ReadAllLines(Deployment.PathOf(Deployment.DockerIgnore)).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        foreach (var required in new[] { "**/bin", "**/obj", ".git", "data" })
        {
            Assert.Contains(required, patterns);
        }

        var sources = DockerfileModel.Copies(Dockerfile.Stages[0]).Where(c => c.From is null).SelectMany(c => c.Sources).Select(s => s.TrimEnd('/'));
        foreach (var source in sources)
        {
            var segments = source.Split('/');
            foreach (var pattern in patterns)
            {
                var p = pattern.StartsWith("**/", StringComparison.Ordinal) ? pattern[3..] : pattern;
                var hit = pattern.StartsWith("**/", StringComparison.Ordinal) ? segments.Contains(p) : segments[0] == p;
                Assert.False(hit, $".dockerignore pattern '{pattern}' excludes '{source}', which the Dockerfile copies");
            }
        }
    }

    private static string Option(string arguments, string name)
    {
        var parts = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var index = Array.IndexOf(parts, name);
        return index >= 0 && index + 1 < parts.Length ? parts[index + 1] : throw new InvalidDataException($"no {name} in '{arguments}'");
    }

    private static List<string> ProjectGraph(string project)
    {
        var seen = new List<string>();
        var pending = new Stack<string>([project]);
        while (pending.TryPop(out var current))
        {
            if (seen.Contains(current))
            {
                continue;
            }

            seen.Add(current);
            foreach (var reference in XDocument.Load(current).Descendants().Where(e => e.Name.LocalName == "ProjectReference"))
            {
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(current)!, ((string)reference.Attribute("Include")!).Replace('\\', Path.DirectorySeparatorChar))));
            }
        }

        return seen;
    }
}
