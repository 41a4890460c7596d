# syntax=docker/dockerfile:1
# Build: the .NET 10 SDK restores and publishes the web app.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props BannedSymbols.txt .editorconfig CollabEditor.sln ./
COPY src/Core/Core.csproj src/Core/
COPY src/Data/Data.csproj src/Data/
COPY src/WebApp/WebApp.csproj src/WebApp/
RUN dotnet restore src/WebApp/WebApp.csproj
COPY src/ src/
RUN dotnet publish src/WebApp/WebApp.csproj -c Release -o /app --no-restore

# Run: the ASP.NET Core runtime only, as the image's non-root user, on port 8080.
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS final
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
USER $APP_UID
ENTRYPOINT ["dotnet", "CollabEditor.WebApp.dll"]
