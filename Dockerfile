# The API and the operators' CLI (migrations) in one image; docker-compose.yml runs both.
# Not built on the project's own machines (no Docker engine there): the test command validates
# docker-compose.yml with the Compose CLI when one is installed.

# --- build: the SDK, restore on the project files alone (cached until a .csproj changes), publish
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY Marketplace.Api/Marketplace.Api.csproj Marketplace.Api/
COPY Marketplace.Migrations/Marketplace.Migrations.csproj Marketplace.Migrations/
# restored and published for the image's architecture (BuildKit's TARGETARCH) so the API is ReadyToRun-compiled
# (faster cold start; see Marketplace.Api.csproj)
ARG TARGETARCH
RUN dotnet restore Marketplace.Api/Marketplace.Api.csproj -a $TARGETARCH
COPY Marketplace.Migrations/ Marketplace.Migrations/
COPY Marketplace.Api/ Marketplace.Api/
RUN dotnet publish Marketplace.Api/Marketplace.Api.csproj -c Release -a $TARGETARCH --self-contained false --no-restore -o /out/api \
 && dotnet publish Marketplace.Migrations/Marketplace.Migrations.csproj -c Release --no-restore -o /out/migrations

# --- runtime: ASP.NET Core only, no SDK, as the image's unprivileged 'app' user
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /out/api /app
COPY --from=build /out/migrations /migrations
ENV ASPNETCORE_URLS=http://+:8080 \
    ASPNETCORE_ENVIRONMENT=Production \
    DOTNET_NOLOGO=1 \
    Marketplace__DataDirectory=/tmp/marketplace
USER $APP_UID
EXPOSE 8080
ENTRYPOINT ["dotnet", "/app/Marketplace.Api.dll"]
