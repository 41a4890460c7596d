using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace CollabEditor.Data;

/// <summary>Lets `dotnet ef migrations add` build the model without starting the app or a server.</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<CollabDbContext>
{
    public CollabDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<CollabDbContext>().UseNpgsql("Host=localhost;Database=collab_design").Options);
}
