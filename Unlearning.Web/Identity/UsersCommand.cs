using System.CommandLine;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Unlearning.Core;
using Unlearning.Core.Experiments;
using Unlearning.Web.Security;

namespace Unlearning.Web.Identity;

/// <summary>
/// <c>users</c>: lab accounts for shared mode (docs/lab-identity.md, "Users"), on the same database as the web app:
/// <c>add</c>, <c>list</c>, <c>set-role</c>, <c>set-password</c> (also lifts a lockout) and <c>remove</c>. Passwords come
/// from standard input (first line), never from the command line, and nothing has a default password.
/// </summary>
public static class UsersCommand
{
    /// <param name="input">Standard input (the password's source).</param>
    public static Command Create(TextWriter output, TextWriter error, Func<TextReader> input)
    {
        var data = new Option<string>("--data") { Description = "Data root (as for the web app)", DefaultValueFactory = _ => "data" };
        var app = new Option<string>("--app") { Description = "App folder of the web app (its database holds the users)", DefaultValueFactory = _ => "data/app" };
        var database = new Option<string?>("--database") { Description = "Database file (default: <app folder>/unlearning.db, like Unlearning:DatabasePath)" };
        Option<string> Name() => new("--name") { Description = "User name (letters, digits and - . _ @ +)", Required = true };
        Option<string> Role() => new("--role") { Description = "Admin | Researcher | Viewer", Required = true };
        Option<bool> PasswordStdin() => new("--password-stdin") { Description = "Read the password from the first line of standard input (the only way to pass one)" };

        var command = new Command("users", "Lab accounts for shared mode (docs/lab-identity.md): add, list, set-role, set-password, remove.");
        foreach (var o in new Option[] { data, app, database }) { o.Recursive = true; command.Options.Add(o); }

        string DbPath(ParseResult p)
        {
            if (p.GetValue(database) is { Length: > 0 } file) return Path.GetFullPath(file);
            var options = new UnlearningOptions { DataRoot = p.GetValue(data)!, AppFolder = p.GetValue(app)! };
            var root = DataPaths.ResolveDataRoot(options.DataRoot);
            return Path.Combine(DataPaths.ResolveAppFolder(options, root), "unlearning.db");
        }

        var addName = Name(); var addRole = Role(); var addStdin = PasswordStdin();
        var add = new Command("add", $"Create a user with a role; the password (at least {LabSetup.MinPasswordLength} characters) is read from standard input.") { addName, addRole, addStdin };
        Guard(add, error, DbPath, async (p, users) =>
        {
            var role = RoleOf(p.GetValue(addRole));
            var name = p.GetValue(addName)!.Trim();
            if (await users.FindByNameAsync(name) is not null) throw new ArgumentException($"User '{name}' already exists (use set-role or set-password).");
            var password = ReadPassword(input(), p.GetValue(addStdin), error);
            var user = new LabUser { UserName = name };
            Check(await users.CreateAsync(user, password));
            Check(await users.AddToRoleAsync(user, role));
            output.WriteLine($"Added {name} ({role}).");
        });

        var list = new Command("list", "List the users with their role and lockout.");
        Guard(list, error, DbPath, async (_, users) =>
        {
            var all = await users.Users.OrderBy(u => u.UserName).ToListAsync();
            if (all.Count == 0) output.WriteLine("No users yet. Create the first admin: users add --name NAME --role Admin --password-stdin");
            foreach (var u in all)
            {
                var roles = string.Join(",", await users.GetRolesAsync(u));
                var locked = u.LockoutEnd is { } end && end > DateTimeOffset.UtcNow ? $"  locked until {end.UtcDateTime:yyyy-MM-dd HH:mm} UTC" : "";
                output.WriteLine($"{u.UserName}\t{(roles.Length > 0 ? roles : "(no role)")}{locked}");
            }
        });

        var roleName = Name(); var roleRole = Role();
        var setRole = new Command("set-role", "Give a user another role (replaces the old one).") { roleName, roleRole };
        Guard(setRole, error, DbPath, async (p, users) =>
        {
            var role = RoleOf(p.GetValue(roleRole));
            var user = await Existing(users, p.GetValue(roleName)!);
            foreach (var old in (await users.GetRolesAsync(user)).Where(r => r != role).ToList()) Check(await users.RemoveFromRoleAsync(user, old));
            if (!await users.IsInRoleAsync(user, role)) Check(await users.AddToRoleAsync(user, role));
            Check(await users.UpdateSecurityStampAsync(user));   // signed-in browsers pick the new role up within a minute
            output.WriteLine($"{user.UserName} is now {role}.");
        });

        var pwName = Name(); var pwStdin = PasswordStdin();
        var setPassword = new Command("set-password", "Replace a user's password (read from standard input) and lift a lockout.") { pwName, pwStdin };
        Guard(setPassword, error, DbPath, async (p, users) =>
        {
            var user = await Existing(users, p.GetValue(pwName)!);
            var password = ReadPassword(input(), p.GetValue(pwStdin), error);
            foreach (var v in users.PasswordValidators) Check(await v.ValidateAsync(users, user, password));
            if (await users.HasPasswordAsync(user)) Check(await users.RemovePasswordAsync(user));
            Check(await users.AddPasswordAsync(user, password));
            Check(await users.SetLockoutEndDateAsync(user, null));
            Check(await users.ResetAccessFailedCountAsync(user));
            output.WriteLine($"Password of {user.UserName} replaced.");
        });

        var rmName = Name();
        var remove = new Command("remove", "Delete a user and their tokens (their experiments keep the owner name).") { rmName };
        Guard(remove, error, DbPath, async (p, users) =>
        {
            var user = await Existing(users, p.GetValue(rmName)!);
            if (await users.IsInRoleAsync(user, LabRoles.Admin) && (await users.GetUsersInRoleAsync(LabRoles.Admin)).Count == 1)
                throw new ArgumentException($"{user.UserName} is the last Admin; add another Admin first.");
            Check(await users.DeleteAsync(user));
            output.WriteLine($"Removed {user.UserName}.");
        });

        foreach (var c in new[] { add, list, setRole, setPassword, remove }) command.Subcommands.Add(c);
        return command;
    }

    private static void Guard(Command command, TextWriter error, Func<ParseResult, string> dbPath, Func<ParseResult, UserManager<LabUser>, Task> run) =>
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                var path = dbPath(parse);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                var services = new ServiceCollection().AddLogging();
                // The lab's PostgreSQL database when Unlearning__Database__* says so (as for the web app), else the app folder's file.
                var settings = new DatabaseOptions();
                new ConfigurationBuilder().AddEnvironmentVariables().Build().GetSection("Unlearning:Database").Bind(settings);
                var database = ResolvedDatabase.From(settings, path);
                LabSetup.AddLabIdentityStore(services, _ => database);
                await using var provider = services.BuildServiceProvider();
                await LabIdentityDatabase.MigrateAsync(provider, ct);
                using var scope = provider.CreateScope();
                await run(parse, scope.ServiceProvider.GetRequiredService<UserManager<LabUser>>());
                return 0;
            }
            catch (ArgumentException e)
            {
                error.WriteLine($"error: {e.Message}");
                return 2;
            }
            catch (Exception e) when (e is DbUpdateException or Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"error: the user database could not be used: {e.GetBaseException().Message}");
                return 2;
            }
        });

    private static string RoleOf(string? role) => LabRoles.Parse(role) ?? throw new ArgumentException($"Unknown role '{role}'. Use Admin, Researcher or Viewer.");

    private static async Task<LabUser> Existing(UserManager<LabUser> users, string name) =>
        await users.FindByNameAsync(name.Trim()) ?? throw new ArgumentException($"No user '{name}'.");

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded) throw new ArgumentException(string.Join(" ", result.Errors.Select(e => e.Description)));
    }

    /// <summary>The first line of standard input; from a terminal only with --password-stdin (then typed without echo).</summary>
    private static string ReadPassword(TextReader input, bool fromStdin, TextWriter error)
    {
        bool terminal = ReferenceEquals(input, Console.In) && !Console.IsInputRedirected;
        if (terminal && !fromStdin)
            throw new ArgumentException("Give the password on standard input with --password-stdin (e.g. from a password manager), or type it after --password-stdin.");
        string? line;
        if (terminal)
        {
            error.Write("Password (not shown): ");
            var chars = new System.Text.StringBuilder();
            for (var key = Console.ReadKey(intercept: true); key.Key != ConsoleKey.Enter; key = Console.ReadKey(intercept: true))
                if (key.Key == ConsoleKey.Backspace) { if (chars.Length > 0) chars.Length--; }
                else if (!char.IsControl(key.KeyChar)) chars.Append(key.KeyChar);
            error.WriteLine();
            line = chars.ToString();
        }
        else line = input.ReadLine();
        if (string.IsNullOrEmpty(line)) throw new ArgumentException("No password on standard input.");
        if (line.Length > 1024) throw new ArgumentException("The password is longer than 1024 characters.");
        return line;
    }
}
