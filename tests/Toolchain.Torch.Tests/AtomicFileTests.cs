using System.Diagnostics;
using Toolchain.TestSupport;
using Toolchain.Torch.Serialization;

namespace Toolchain.Torch.Tests;

public sealed class AtomicFileTests
{
    [Fact]
    public void Write_ReplacesTheFile_AndLeavesNoTemporaryFile()
    {
        using var dir = new TempDirectory();
        var path = dir.File("out.json");
        AtomicFile.WriteAllText(path, "old");
        AtomicFile.WriteAllText(path, "new ✓");

        Assert.Equal("new ✓", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void AWriterThatFails_LeavesTheOldFileAndNoTemporaryFile()
    {
        using var dir = new TempDirectory();
        var path = dir.File("model.onnx");
        AtomicFile.WriteAllBytes(path, [1, 2, 3]);

        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write([9, 9, 9, 9]);
            throw new InvalidOperationException("the serializer failed half way");
        }));

        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void LeftoversOfAKilledWriter_AreRemovedByTheNextWrite_ThoseOfALiveOneAreKept()
    {
        using var dir = new TempDirectory();
        var path = dir.File("pruned.safetensors");
        var deadPid = ExitedProcessId();
        var killed = dir.File($".pruned.safetensors.{deadPid}.1a2b3c4d{AtomicFile.PartialSuffix}");
        var live = dir.File($".pruned.safetensors.{Environment.ProcessId}.5e6f7a8b{AtomicFile.PartialSuffix}");
        var otherFile = dir.File($".dense.safetensors.{deadPid}.1a2b3c4d{AtomicFile.PartialSuffix}");
        foreach (var f in new[] { killed, live, otherFile }) File.WriteAllText(f, "half a file");

        AtomicFile.WriteAllText(path, "whole");

        Assert.False(File.Exists(killed), "the killed writer's temporary file of this target is removed");
        Assert.True(File.Exists(live), "a live writer's temporary file is not touched");
        Assert.True(File.Exists(otherFile), "another target's leftovers wait for that target's next write");
        Assert.Equal("whole", File.ReadAllText(path));
    }

    [Fact]
    public void MissingFolder_IsNamed_UnlessAskedToCreateIt()
    {
        using var dir = new TempDirectory();
        var missing = Path.Combine(dir.Path, "no", "such");
        var e = Assert.Throws<DirectoryNotFoundException>(() => AtomicFile.WriteAllText(Path.Combine(missing, "a.txt"), "x"));
        Assert.Contains(missing, e.Message);
        Assert.False(Directory.Exists(missing));

        AtomicFile.WriteAllText(Path.Combine(missing, "a.txt"), "x", createFolder: true);
        Assert.Equal("x", File.ReadAllText(Path.Combine(missing, "a.txt")));
    }

    [Fact]
    public void ATargetThatIsAFolder_IsRefusedWithItsPath()
    {
        using var dir = new TempDirectory();
        var folder = Directory.CreateDirectory(dir.File("report.html")).FullName;
        var e = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(folder, "x"));
        Assert.Contains(folder, e.Message);
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    /// <summary>The pid of a process that has exited (pids are not reused within a test's lifetime in practice).</summary>
    private static int ExitedProcessId()
    {
        using var process = Process.Start(new ProcessStartInfo("/bin/true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }
}
