using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Unlearning.Web.Cli;
using Unlearning.Web.Identity;
using Unlearning.Web.Security;

namespace Unlearning.Tests.Web.Identity;

/// <summary>The <c>users</c> verb (docs/lab-identity.md, "Users"): the first admin and every other account.</summary>
public sealed class UsersCommandTests : IDisposable
{
    private readonly string _folder = TestData.TempFolder();

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    private Task<(int Exit, string Output, string Error)> Users(string stdin, params string[] args) => SharedApp.Users(_folder, stdin, args);

    [Fact]
    public async Task Add_list_set_role_set_password_and_remove()
    {
        var (exit, output, _) = await Users("", "list");
        Assert.Equal(0, exit);
        Assert.Contains("No users yet", output);

        Assert.Equal(0, (await Users("first admin's passphrase\n", "add", "--name", "ada", "--role", "admin", "--password-stdin")).Exit);
        Assert.Equal(0, (await Users("researcher passphrase\n", "add", "--name", "rita", "--role", "Researcher")).Exit);
        (exit, output, _) = await Users("", "list");
        Assert.Contains("ada\tAdmin", output);
        Assert.Contains("rita\tResearcher", output);

        Assert.Equal(0, (await Users("", "set-role", "--name", "rita", "--role", "Viewer")).Exit);
        Assert.Contains("rita\tViewer", (await Users("", "list")).Output);

        // The stored password is a hash, and set-password replaces it.
        Assert.Equal(0, (await Users("a brand new passphrase\n", "set-password", "--name", "rita", "--password-stdin")).Exit);
        await using (var provider = Provider())
        {
            using var scope = provider.CreateScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<LabUser>>();
            var rita = (await users.FindByNameAsync("rita"))!;
            Assert.DoesNotContain("passphrase", rita.PasswordHash);
            Assert.True(await users.CheckPasswordAsync(rita, "a brand new passphrase"));
            Assert.False(await users.CheckPasswordAsync(rita, "researcher passphrase"));
        }

        (exit, _, var error) = await Users("", "remove", "--name", "ada");
        Assert.Equal(2, exit);
        Assert.Contains("last Admin", error);
        Assert.Equal(0, (await Users("", "remove", "--name", "rita")).Exit);
        Assert.DoesNotContain("rita", (await Users("", "list")).Output);
    }

    [Theory]
    [InlineData("short pass\n", "--role", "Viewer", "at least 12 characters")]
    [InlineData("a long enough passphrase\n", "--role", "Owner", "Unknown role 'Owner'")]
    [InlineData("", "--role", "Viewer", "No password on standard input")]
    public async Task Bad_input_gets_one_clear_line_and_creates_nobody(string stdin, string roleOption, string role, string message)
    {
        var (exit, _, error) = await Users(stdin, "add", "--name", "eve", roleOption, role, "--password-stdin");
        Assert.Equal(2, exit);
        Assert.Contains(message, error);
        Assert.DoesNotContain("   at ", error);
        Assert.DoesNotContain("eve", (await Users("", "list")).Output);
    }

    [Fact]
    public async Task A_second_user_of_the_same_name_and_changes_to_a_missing_user_are_refused()
    {
        Assert.Equal(0, (await Users("a long enough passphrase\n", "add", "--name", "ada", "--role", "Admin")).Exit);
        var (exit, _, error) = await Users("another long passphrase\n", "add", "--name", "ada", "--role", "Viewer");
        Assert.Equal(2, exit);
        Assert.Contains("already exists", error);
        (exit, _, error) = await Users("", "set-role", "--name", "nobody", "--role", "Viewer");
        Assert.Equal(2, exit);
        Assert.Contains("No user 'nobody'", error);
    }

    [Fact]
    public async Task The_verb_is_reachable_from_the_apps_command_line()
    {
        var output = new StringWriter();
        Assert.Equal(0, await CommandLine.RunAsync(["users", "list", "--app", _folder], output));
        Assert.Contains("No users yet", output.ToString());
        Assert.True(File.Exists(Path.Combine(_folder, "unlearning.db")));
    }

    private ServiceProvider Provider()
    {
        var services = new ServiceCollection().AddLogging();
        LabSetup.AddLabIdentityStore(services, _ => new Unlearning.Core.Experiments.ResolvedDatabase(Unlearning.Core.DatabaseOptions.Sqlite, $"Data Source={Path.Combine(_folder, "unlearning.db")}"));
        return services.BuildServiceProvider();
    }
}
