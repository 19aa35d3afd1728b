using Insiders.Storage.Postgres;
using Npgsql;

namespace Insiders.Cli.Commands;

/// <summary><c>insiders db init --postgres CONNSTR</c>: applies the deploy/postgres scripts (idempotent).</summary>
internal static class DbCommand
{
    public static async Task<int> RunAsync(CliArguments args, TextWriter output)
    {
        if (args.Positional.Count != 1 || args.Positional[0] != "init")
        {
            throw new UsageException("db needs a subcommand: db init --postgres CONNSTR");
        }

        var connectionString = args.Get("--postgres") ?? throw new UsageException("db init needs --postgres CONNSTR");
        args.RejectUnknown();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        try
        {
            await PostgresSchema.ApplyAsync(dataSource, CancellationToken.None);
        }
        catch (NpgsqlException e)
        {
            await output.WriteLineAsync($"insiders: cannot apply the schema: {e.Message}");
            return 1;
        }

        await output.WriteLineAsync($"Applied {PostgresSchema.ScriptNames.Count} scripts: {string.Join(", ", PostgresSchema.ScriptNames)}");
        return 0;
    }
}
