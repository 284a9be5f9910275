namespace Toolchain.Agent.Tests;

/// <summary>Waiting for something the agent does in its own time, with a limit so a broken agent fails the test instead of hanging it.</summary>
internal static class Wait
{
    public static async Task<T> Until<T>(Func<Task<T>> look, Func<T, bool> done, string what, TimeSpan? patience = null)
    {
        var deadline = DateTime.UtcNow + (patience ?? TimeSpan.FromMinutes(2));
        while (true)
        {
            var seen = await look();
            if (done(seen)) return seen;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what} did not happen in time; last seen: {seen}");
            await Task.Delay(25);
        }
    }
}
