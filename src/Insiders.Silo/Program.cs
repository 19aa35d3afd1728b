using Insiders.Silo;
using Insiders.Silo.Api;

var builder = WebApplication.CreateBuilder(args);
builder.AddInsidersSilo();
builder.AddInsidersApi();

var app = builder.Build();
app.MapInsidersApi();
app.Run();
