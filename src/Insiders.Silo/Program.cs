using Insiders;
using Insiders.Silo;

var builder = WebApplication.CreateBuilder(args);
var siloPort = builder.Configuration.GetValue("Insiders:SiloPort", 11111);
var gatewayPort = builder.Configuration.GetValue("Insiders:GatewayPort", 30000);
builder.UseOrleans(silo => silo.UseLocalhostClustering(siloPort, gatewayPort).AddInsiders(builder.Configuration));
builder.Services.AddOptions<DemoFeedOptions>().BindConfiguration(DemoFeedOptions.Section);
builder.Services.AddHostedService<DemoFeed>();

var app = builder.Build();
app.MapGet("/", () => "Insiders is running. The HTTP API arrives with issue #4.");
app.Run();
