using System.Text;
using Toolchain.Graph;
using Toolchain.Pruning;
using Toolchain.TestSupport;
using Xunit.Abstractions;

namespace Toolchain.Profiling.Tests;

/// <summary>
/// Fuzzes the latency-profile reader with the committed profile as the seed: JSON-aware mutations (numbers made
/// huge, negative, fractional or of another type, keys removed, arrays emptied or grown) and blind ones. Every case
/// must load and predict a ResNet-20, or be refused with an <see cref="InvalidDataException"/> naming the file.
/// </summary>
public sealed class ProfileFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void MutatedProfiles_LoadAndPredict_OrAreRefusedNamingTheFile()
    {
        using var dir = new TempDirectory();
        var seedText = File.ReadAllText(Path.Combine(ProfileLocator.FindFolder() ?? throw new InvalidOperationException("no profiles/ folder above the test assembly"), "ort-cpu-2core-b1.json"));
        using var model = ModelZoo.Create("resnet20");
        var groups = ChannelGroups.Discover(model);
        var count = Fuzzing.CaseCount(1000);
        var seed = Fuzzing.CampaignSeed(20261201);
        var cases = Enumerable.Range(0, count).Select(i =>
        {
            var random = Fuzzing.CaseRandom(seed, i);
            if (i % 4 == 3)
            {
                var (blind, bytes) = Fuzzing.Blind(Encoding.UTF8.GetBytes(seedText), random);
                return (i, blind, bytes);
            }

            // Up to three mutations: a profile has many independent parts, and one mutation mostly hits a table.
            var (what, text) = Fuzzing.MutateJson(seedText, random);
            for (var k = random.Next(3); k > 0; k--)
            {
                var (more, next) = Fuzzing.MutateJson(text, random);
                (what, text) = ($"{what}; {more}", next);
            }

            return (i, what, Encoding.UTF8.GetBytes(text));
        });

        var (failures, loaded, refused) = Fuzzing.Run("profile", cases, (bytes, i) =>
        {
            var path = dir.File($"case-{i}.json");
            File.WriteAllBytes(path, bytes);
            try
            {
                var profile = LatencyProfile.Load(path);
                var predictor = new LatencyPredictor(profile, groups);
                var total = predictor.Total(groups.FullWidths());
                if (!double.IsFinite(total)) throw new InvalidOperationException($"loaded, then predicted {total} ms");
            }
            finally
            {
                File.Delete(path);
            }
        }, (e, i) => e is InvalidDataException && e.Message.Contains($"case-{i}.json", StringComparison.Ordinal));

        output.WriteLine($"{count} cases, seed {seed}: loaded {loaded}, refused {refused}, failed {failures.Count}");
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} cases failed:\n{string.Join("\n", failures.Take(15))}");
        Assert.True(refused > count / 4 && loaded > 0, $"loaded {loaded}, refused {refused}");
    }
}
