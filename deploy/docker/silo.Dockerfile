# The Insiders service (silo + HTTP API). Build from the repository root:
#   docker build -f deploy/docker/silo.Dockerfile -t insiders-silo .
# Multi-stage: the SDK image restores and publishes, the ASP.NET runtime image runs it as the non-root user "app".

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore layer: only what restore reads (build props, central package versions, project files), so it is cached
# until a project file or package version changes.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Insiders.Abstractions/Insiders.Abstractions.csproj src/Insiders.Abstractions/
COPY src/Insiders.Core/Insiders.Core.csproj src/Insiders.Core/
COPY src/Insiders.Grains/Insiders.Grains.csproj src/Insiders.Grains/
COPY src/Insiders.Hosting/Insiders.Hosting.csproj src/Insiders.Hosting/
COPY src/Insiders.Silo/Insiders.Silo.csproj src/Insiders.Silo/
RUN dotnet restore src/Insiders.Silo/Insiders.Silo.csproj
# Sources, and the SQL scripts Insiders.Hosting embeds (schema applied by the silo at start).
COPY src/ src/
COPY deploy/sqlite/ deploy/sqlite/
COPY deploy/postgres/ deploy/postgres/
RUN dotnet publish src/Insiders.Silo/Insiders.Silo.csproj -c Release --no-restore -o /app -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
# appsettings.json sets Urls=http://127.0.0.1:5080 and, being read from /app, beats ASPNETCORE_URLS and the image's
# ASPNETCORE_HTTP_PORTS; the unprefixed Urls variable beats appsettings.json (measured, see deploy/README.md).
ENV Urls=http://+:8080 \
    Insiders__DataDirectory=/data
COPY --from=build /app .
RUN mkdir -p /data && chown app:app /data
USER app
# 8080: HTTP API, /metrics, /health/*; 11111: silo-to-silo; 30000: Orleans gateway (cluster-internal).
EXPOSE 8080 11111 30000
# The image has no curl: a plain HTTP GET through bash's /dev/tcp. /health/live never touches the database.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /health/live HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["dotnet", "Insiders.Silo.dll"]
