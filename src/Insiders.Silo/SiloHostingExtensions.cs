namespace Insiders.Silo;

/// <summary>The silo inside the web host: localhost clustering on the configured ports, Insiders, the demo feed.</summary>
public static class SiloHostingExtensions
{
    public static WebApplicationBuilder AddInsidersSilo(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var siloPort = builder.Configuration.GetValue("Insiders:SiloPort", 11111);
        var gatewayPort = builder.Configuration.GetValue("Insiders:GatewayPort", 30000);
        builder.UseOrleans(silo => silo.UseLocalhostClustering(siloPort, gatewayPort).AddInsiders(builder.Configuration));
        builder.Services.AddOptions<DemoFeedOptions>().BindConfiguration(DemoFeedOptions.Section);
        builder.Services.AddHostedService<DemoFeed>();
        return builder;
    }
}
