using Toolchain.Training.Data;

namespace Toolchain.Training.Tests.Data;

public class ImageDatasetTests
{
    private static readonly ImageShape Tiny = new(1, 2, 2);

    [Fact]
    public void Constructor_LabelOutsideClasses_NamesLabelAndImage()
    {
        var error = Assert.Throws<ArgumentException>(() => new ImageDataset("d", Tiny, ["a", "b"], new byte[8], [1, 2]));

        Assert.Contains("label 2 of image 1 is outside 0..1", error.Message);
    }

    [Fact]
    public void Constructor_PixelCountMismatch_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => new ImageDataset("d", Tiny, ["a"], new byte[7], [0, 0]));

        Assert.Contains("8 bytes expected", error.Message);
    }

    [Fact]
    public void Subset_PicksImagesAndLabelsInGivenOrder()
    {
        var data = new ImageDataset("d", Tiny, ["a", "b", "c"], [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 9], [0, 1, 2]);

        var subset = data.Subset([2, 0]);

        Assert.Equal([2, 0], subset.Labels.ToArray());
        Assert.Equal(new byte[] { 2, 2, 2, 9 }, subset.Image(0).ToArray());
        Assert.Equal(9, subset.Pixel(0, 0, 1, 1));
        Assert.Equal(data.ClassNames, subset.ClassNames);
    }
}
