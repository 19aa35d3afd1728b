using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Insiders.Tests;

/// <summary>
/// YAML documents as plain maps, lists and string scalars (anchors and <c>&lt;&lt;</c> merge keys resolved), with
/// accessors that fail with the path of what is missing.
/// </summary>
internal static class Yaml
{
    private static readonly IDeserializer Deserializer = new DeserializerBuilder().Build();

    /// <summary>Every document of a YAML file (a parse error names the file and position).</summary>
    public static List<object?> LoadAll(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>Every document of a YAML text; <paramref name="name"/> names it in errors.</summary>
    public static List<object?> Parse(string text, string name)
    {
        try
        {
            using var reader = new StringReader(text);
            var parser = new MergingParser(new Parser(reader));
            parser.Consume<StreamStart>();
            var documents = new List<object?>();
            while (parser.Accept<DocumentStart>(out _))
            {
                documents.Add(Deserializer.Deserialize<object?>(parser));
            }

            return documents;
        }
        catch (YamlException e)
        {
            throw new InvalidDataException($"{name} is not well-formed YAML: {e.Message} (at {e.Start})", e);
        }
    }

    /// <summary>The single document of a YAML file, which must be a map.</summary>
    public static Dictionary<object, object?> LoadMap(string path)
    {
        var documents = LoadAll(path);
        Assert.True(documents.Count == 1, $"{path}: expected one YAML document, found {documents.Count}");
        return AsMap(documents[0], path);
    }

    public static Dictionary<object, object?> AsMap(object? node, string where) =>
        node as Dictionary<object, object?> ?? throw new InvalidDataException($"{where}: expected a map, found {Describe(node)}");

    public static List<object?> AsList(object? node, string where) =>
        node as List<object?> ?? throw new InvalidDataException($"{where}: expected a list, found {Describe(node)}");

    public static string AsString(object? node, string where) =>
        node as string ?? throw new InvalidDataException($"{where}: expected a scalar, found {Describe(node)}");

    public static object? Get(this Dictionary<object, object?> map, string key, string where) =>
        map.TryGetValue(key, out var value) ? value : throw new InvalidDataException($"{where}: missing '{key}'");

    public static object? Find(this Dictionary<object, object?> map, string key) => map.GetValueOrDefault(key);

    public static Dictionary<object, object?> Map(this Dictionary<object, object?> map, string key, string where) =>
        AsMap(map.Get(key, where), $"{where}.{key}");

    public static List<object?> List(this Dictionary<object, object?> map, string key, string where) =>
        AsList(map.Get(key, where), $"{where}.{key}");

    public static string String(this Dictionary<object, object?> map, string key, string where) =>
        AsString(map.Get(key, where), $"{where}.{key}");

    /// <summary>The entries of a map whose keys are strings (e.g. environment variables).</summary>
    public static IEnumerable<KeyValuePair<string, object?>> Entries(this Dictionary<object, object?> map) =>
        map.Select(e => new KeyValuePair<string, object?>((string)e.Key, e.Value));

    private static string Describe(object? node) => node switch
    {
        null => "nothing",
        string s => $"the scalar '{s}'",
        List<object?> => "a list",
        Dictionary<object, object?> => "a map",
        _ => node.GetType().Name,
    };
}
