using Insiders;
using Insiders.Silo;

var builder = WebApplication.CreateBuilder(args);
builder.UseOrleans(silo => silo.AddInsiders(builder.Configuration));
builder.Services.AddOptions<DemoFeedOptions>().BindConfiguration(DemoFeedOptions.Section);
builder.Services.AddHostedService<DemoFeed>();

var app = builder.Build();
app.MapGet("/", () => "Insiders is running. The HTTP API arrives with issue #4.");
app.Run();
