using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Unlearning.Core;
using Unlearning.Core.Experiments;
using Unlearning.Tests.Web.Workers;
using Unlearning.Web.Identity;
using Unlearning.Web.Security;

namespace Unlearning.Tests.Web.Identity;

/// <summary>The identity store on a lab's PostgreSQL database (docs/lab-identity.md): its own migrations, roles, a user, a token row.</summary>
public sealed class IdentityPostgresTests
{
    [PostgresFact]
    public async Task The_identity_store_migrates_and_keeps_users_roles_and_tokens_on_postgres()
    {
        using var pg = PostgresCluster.Start();
        var database = new ResolvedDatabase(DatabaseOptions.Postgres, pg.ConnectionString());
        var services = new ServiceCollection().AddLogging();
        LabSetup.AddLabIdentityStore(services, _ => database);
        await using var provider = services.BuildServiceProvider();
        await LabIdentityDatabase.MigrateAsync(provider);
        await LabIdentityDatabase.MigrateAsync(provider);   // a second start finds everything applied

        using (var scope = provider.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<LabIdentityDbContext>();
            Assert.IsType<PostgresLabIdentityDbContext>(db);
            Assert.Empty(await db.Database.GetPendingMigrationsAsync());
            var users = scope.ServiceProvider.GetRequiredService<UserManager<LabUser>>();
            var ada = new LabUser { UserName = "ada" };
            Assert.True((await users.CreateAsync(ada, "a long enough passphrase")).Succeeded);
            Assert.True((await users.AddToRoleAsync(ada, LabRoles.Researcher)).Succeeded);
            db.PersonalAccessTokens.Add(new PersonalAccessToken { UserId = ada.Id, Name = "notebook", Hash = new string('e', 64), Scope = TokenScopes.Read, CreatedUtc = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }
        using (var scope = provider.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<LabUser>>();
            var ada = await users.FindByNameAsync("ada");
            Assert.NotNull(ada);
            Assert.True(await users.CheckPasswordAsync(ada!, "a long enough passphrase"));
            Assert.Equal([LabRoles.Researcher], await users.GetRolesAsync(ada!));
            var db = scope.ServiceProvider.GetRequiredService<LabIdentityDbContext>();
            var token = await db.PersonalAccessTokens.SingleAsync();
            Assert.Equal(DateTimeKind.Utc, token.CreatedUtc.Kind);
        }
        // The tables sit in the lab's database, next to the identity migrations' own history table.
        await using var conn = new NpgsqlConnection(pg.ConnectionString());
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("select count(*) from information_schema.tables where table_name in ('AspNetUsers', 'LabAccessTokens', '__IdentityMigrationsHistory')", conn);
        Assert.Equal(3L, (long)(await cmd.ExecuteScalarAsync())!);
    }
}
