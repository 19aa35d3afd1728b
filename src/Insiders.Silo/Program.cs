using Insiders.Silo;
using Insiders.Silo.Api;
using Insiders.Silo.Observability;

var builder = WebApplication.CreateBuilder(args);
builder.AddInsidersSilo();
builder.AddInsidersApi();
builder.AddInsidersObservability();

var app = builder.Build();
app.MapInsidersApi();
app.MapInsidersObservability();
app.Run();
