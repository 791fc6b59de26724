# Builds the API and the migrations CLI. Used by docker-compose.yml; not exercised on the
# project's own machines (they have no Docker engine), so keep it plain.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish Marketplace.Api -c Release -o /out/api \
 && dotnet publish Marketplace.Migrations -c Release -o /out/migrations

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /out/api /app
COPY --from=build /out/migrations /migrations
ENV ASPNETCORE_URLS=http://+:8080
EXPOSE 8080
ENTRYPOINT ["dotnet", "/app/Marketplace.Api.dll"]
