using System.Text.Json;

namespace Insiders.Tests;

/// <summary>A Dockerfile as stages of instructions (continuation lines joined, comments dropped).</summary>
internal sealed class DockerfileModel
{
    public sealed record Instruction(string Keyword, string Arguments);

    public sealed record Stage(string Image, string? Name, List<Instruction> Instructions);

    public List<Stage> Stages { get; } = [];

    public Stage Final => Stages[^1];

    public static DockerfileModel Load(string path)
    {
        var model = new DockerfileModel();
        var logical = new List<string>();
        var current = "";
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.StartsWith('#') || (line.Length == 0 && current.Length == 0))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                current += line[..^1] + " ";
                continue;
            }

            logical.Add(current + line);
            current = "";
        }

        foreach (var line in logical.Where(l => l.Length > 0))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var keyword = (space < 0 ? line : line[..space]).ToUpperInvariant();
            var arguments = space < 0 ? "" : line[(space + 1)..].Trim();
            if (keyword == "FROM")
            {
                var parts = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var name = parts.Length >= 3 && parts[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? parts[2] : null;
                model.Stages.Add(new Stage(parts[0], name, []));
            }
            else if (model.Stages.Count == 0)
            {
                throw new InvalidDataException($"{path}: {keyword} before the first FROM");
            }
            else
            {
                model.Stages[^1].Instructions.Add(new Instruction(keyword, arguments));
            }
        }

        return model;
    }

    public static IEnumerable<Instruction> All(Stage stage, string keyword) => stage.Instructions.Where(i => i.Keyword == keyword);

    /// <summary>ENV of a stage as name → value (<c>ENV A=1 B=2</c> and the legacy <c>ENV A 1</c>).</summary>
    public static Dictionary<string, string> Environment(Stage stage)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var instruction in All(stage, "ENV"))
        {
            var parts = instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (!parts[0].Contains('=', StringComparison.Ordinal))
            {
                env[parts[0]] = string.Join(' ', parts[1..]);
                continue;
            }

            foreach (var part in parts)
            {
                var eq = part.IndexOf('=', StringComparison.Ordinal);
                env[part[..eq]] = part[(eq + 1)..].Trim('"');
            }
        }

        return env;
    }

    /// <summary>COPY instructions of a stage as (sources, destination, from-stage).</summary>
    public static IEnumerable<(string[] Sources, string Destination, string? From)> Copies(Stage stage)
    {
        foreach (var instruction in All(stage, "COPY"))
        {
            var parts = instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var from = parts.FirstOrDefault(p => p.StartsWith("--from=", StringComparison.Ordinal))?["--from=".Length..];
            var paths = parts.Where(p => !p.StartsWith("--", StringComparison.Ordinal)).ToArray();
            yield return (paths[..^1], paths[^1], from);
        }
    }

    /// <summary>An exec-form instruction (<c>["a", "b"]</c>) as its words.</summary>
    public static string[] ExecForm(Instruction instruction) =>
        JsonSerializer.Deserialize<string[]>(instruction.Arguments)
        ?? throw new InvalidDataException($"{instruction.Keyword} is not in exec form: {instruction.Arguments}");
}
