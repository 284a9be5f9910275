namespace Toolchain.Training.Data;

/// <summary>
/// Draws one shapes10 image. Objects are signed-distance functions in a rotated local frame; coverage
/// clamp(0.5 − distance) anti-aliases edges without supersampling, which keeps 50k images at a few seconds.
/// </summary>
internal static class Shapes10Renderer
{
    private const int Side = 32;
    private const int Plane = Side * Side;
    private const float Centre = (Side - 1) / 2f;

    private readonly record struct Rgb(float R, float G, float B)
    {
        public float Distance(Rgb o) => MathF.Sqrt((R - o.R) * (R - o.R) + (G - o.G) * (G - o.G) + (B - o.B) * (B - o.B));
    }

    /// <summary>Where and how the main object sits: centre, rotation, sizes, and the texture's parameters.</summary>
    private struct Placement
    {
        public float Cx, Cy, Cos, Sin;
        public float A, B;               // shape sizes (meaning per class)
        public float Period, Radius;     // texture period and dot radius
        public float PhaseU, PhaseV;     // texture phase
        public float WindowX, WindowY;   // texture window half extents (or radius in WindowX)
        public bool DiscWindow;
    }

    public static void Render(int label, ref SplitMix64 rng, Span<float> canvas, Span<byte> destination)
    {
        var background = DrawBackground(ref rng, canvas);

        // Distractors under the object: small blobs and short lines, too small to be mistaken for a class object.
        var under = rng.NextInt(4);
        for (var k = 0; k < under; k++) DrawDistractor(ref rng, canvas);

        var foreground = ContrastingColour(ref rng, background, rng.Chance(0.06f) ? 0f : 0.35f);
        var opacity = rng.Uniform(0.7f, 1f);
        if (label < 5) DrawShape(label, ref rng, canvas, foreground, opacity);
        else DrawTexture(label, ref rng, canvas, foreground, opacity);

        if (rng.Chance(0.3f)) DrawDistractor(ref rng, canvas);

        var sigma = rng.Uniform(0.01f, 0.09f);
        for (var i = 0; i < canvas.Length; i++)
        {
            var v = canvas[i] + sigma * rng.NextGaussian();
            destination[i] = (byte)Math.Clamp((int)(v * 255f + 0.5f), 0, 255);
        }
    }

    private static Rgb DrawBackground(ref SplitMix64 rng, Span<float> canvas)
    {
        var c0 = RandomColour(ref rng);
        var c1 = RandomColour(ref rng);
        var angle = rng.Uniform(0, 2 * MathF.PI);
        var (gx, gy) = (MathF.Cos(angle), MathF.Sin(angle));
        var amount = rng.Uniform(0f, 0.8f);
        for (var y = 0; y < Side; y++)
        {
            for (var x = 0; x < Side; x++)
            {
                var t = Math.Clamp(0.5f + ((x - Centre) * gx + (y - Centre) * gy) / Side, 0f, 1f) * amount;
                var i = y * Side + x;
                canvas[i] = c0.R + (c1.R - c0.R) * t;
                canvas[Plane + i] = c0.G + (c1.G - c0.G) * t;
                canvas[2 * Plane + i] = c0.B + (c1.B - c0.B) * t;
            }
        }

        // The colour at the centre, where the object is: what its contrast is measured against.
        var tc = 0.5f * amount;
        return new Rgb(c0.R + (c1.R - c0.R) * tc, c0.G + (c1.G - c0.G) * tc, c0.B + (c1.B - c0.B) * tc);
    }

    private static void DrawDistractor(ref SplitMix64 rng, Span<float> canvas)
    {
        var colour = RandomColour(ref rng);
        var alpha = rng.Uniform(0.5f, 1f);
        var cx = rng.Uniform(0, Side - 1);
        var cy = rng.Uniform(0, Side - 1);
        var kind = rng.NextInt(3);
        var size = rng.Uniform(1f, 2.5f);
        var angle = rng.Uniform(0, MathF.PI);
        var (cos, sin) = (MathF.Cos(angle), MathF.Sin(angle));
        var length = rng.Uniform(2f, 4.5f);
        var halfWidth = rng.Uniform(0.4f, 0.8f);
        var reach = (int)MathF.Ceiling(Math.Max(size, length) + 1);
        for (var y = Math.Max(0, (int)cy - reach); y <= Math.Min(Side - 1, (int)cy + reach); y++)
        {
            for (var x = Math.Max(0, (int)cx - reach); x <= Math.Min(Side - 1, (int)cx + reach); x++)
            {
                float px = x - cx, py = y - cy;
                var distance = kind switch
                {
                    0 => MathF.Sqrt(px * px + py * py) - size,
                    1 => MathF.Max(MathF.Abs(px), MathF.Abs(py)) - size,
                    _ => Box(cos * px + sin * py, -sin * px + cos * py, length, halfWidth),
                };
                Blend(canvas, y * Side + x, colour, Coverage(distance) * alpha);
            }
        }
    }

    private static void DrawShape(int label, ref SplitMix64 rng, Span<float> canvas, Rgb colour, float opacity)
    {
        var p = Place(ref rng, 5f);
        var size = rng.Uniform(5.5f, 11f);
        switch (label)
        {
            case 0: // disc
                p.A = size;
                break;
            case 1: // square, slightly rectangular at times
                var aspect = rng.Uniform(0.85f, 1.18f);
                p.A = size * 0.85f * aspect;
                p.B = size * 0.85f / aspect;
                break;
            case 2: // triangle, by circumradius
                p.A = size * 1.2f;
                break;
            case 3: // cross: arm half-length and half-width
                p.A = size * 1.05f;
                p.B = p.A * rng.Uniform(0.2f, 0.32f);
                break;
            case 4: // ring: radius and half-thickness
                p.A = size;
                p.B = rng.Uniform(1.1f, 2.4f);
                break;
        }

        for (var y = 0; y < Side; y++)
        {
            for (var x = 0; x < Side; x++)
            {
                float px = x - p.Cx, py = y - p.Cy;
                float u = p.Cos * px + p.Sin * py, v = -p.Sin * px + p.Cos * py;
                var distance = label switch
                {
                    0 => MathF.Sqrt(u * u + v * v) - p.A,
                    1 => Box(u, v, p.A, p.B),
                    2 => Triangle(u, v, p.A),
                    3 => MathF.Min(Box(u, v, p.A, p.B), Box(u, v, p.B, p.A)),
                    _ => MathF.Abs(MathF.Sqrt(u * u + v * v) - p.A) - p.B,
                };
                Blend(canvas, y * Side + x, colour, Coverage(distance) * opacity);
            }
        }
    }

    private static void DrawTexture(int label, ref SplitMix64 rng, Span<float> canvas, Rgb colour, float opacity)
    {
        // The texture's own angle: what tells the stripe classes apart.
        var angle = label switch
        {
            5 => MathF.PI / 2 + Degrees(rng.Uniform(-15, 15)),   // horizontal stripes: bands vary along y
            6 => Degrees(rng.Uniform(-15, 15)),                  // vertical stripes: bands vary along x
            8 => Degrees(rng.Uniform(-15, 15) + (rng.Chance(0.5f) ? 45 : 135)),
            _ => Degrees(rng.Uniform(-20, 20)),
        };
        var p = Place(ref rng, 4f);
        p.Cos = MathF.Cos(angle);
        p.Sin = MathF.Sin(angle);
        p.DiscWindow = rng.Chance(0.4f);
        p.WindowX = p.DiscWindow ? rng.Uniform(8f, 14f) : rng.Uniform(7f, 13f);
        p.WindowY = rng.Uniform(7f, 13f);
        p.Period = label switch
        {
            7 => 2 * rng.Uniform(2.6f, 5f),   // checkerboard: two cells per period
            9 => rng.Uniform(4f, 7f),
            _ => rng.Uniform(4f, 8f),
        };
        p.Radius = rng.Uniform(0.9f, Math.Min(1.9f, p.Period * 0.3f));
        p.PhaseU = rng.Uniform(0, p.Period);
        p.PhaseV = rng.Uniform(0, p.Period);
        var duty = rng.Uniform(0.4f, 0.6f);
        // Either the gaps show the background, or the window has a backing colour of its own.
        var backed = rng.Chance(0.6f);
        var backing = ContrastingColour(ref rng, colour, 0.3f);

        for (var y = 0; y < Side; y++)
        {
            for (var x = 0; x < Side; x++)
            {
                float px = x - p.Cx, py = y - p.Cy;
                var window = Coverage(p.DiscWindow ? MathF.Sqrt(px * px + py * py) - p.WindowX : Box(px, py, p.WindowX, p.WindowY));
                if (window <= 0) continue;
                float u = p.Cos * px + p.Sin * py + p.PhaseU, v = -p.Sin * px + p.Cos * py + p.PhaseV;
                var pattern = label switch
                {
                    7 => Xor(Stripe(u, p.Period, 0.5f), Stripe(v, p.Period, 0.5f)),
                    9 => Coverage(MathF.Sqrt(Square(Wrap(u, p.Period)) + Square(Wrap(v, p.Period))) - p.Radius),
                    _ => Stripe(u, p.Period, duty),
                };
                var i = y * Side + x;
                if (backed) Blend(canvas, i, backing, window * (1 - pattern) * opacity);
                Blend(canvas, i, colour, window * pattern * opacity);
            }
        }
    }

    private static Placement Place(ref SplitMix64 rng, float jitter)
    {
        var angle = rng.Uniform(0, 2 * MathF.PI);
        return new Placement
        {
            Cx = Centre + rng.Uniform(-jitter, jitter),
            Cy = Centre + rng.Uniform(-jitter, jitter),
            Cos = MathF.Cos(angle),
            Sin = MathF.Sin(angle),
        };
    }

    private static Rgb RandomColour(ref SplitMix64 rng) => new(rng.NextFloat(), rng.NextFloat(), rng.NextFloat());

    /// <summary>A random colour at least <paramref name="minimum"/> away from <paramref name="other"/> (in RGB, 0..1).</summary>
    private static Rgb ContrastingColour(ref SplitMix64 rng, Rgb other, float minimum)
    {
        var colour = RandomColour(ref rng);
        for (var attempt = 0; attempt < 16 && colour.Distance(other) < minimum; attempt++) colour = RandomColour(ref rng);
        return colour;
    }

    private static void Blend(Span<float> canvas, int i, Rgb colour, float alpha)
    {
        if (alpha <= 0) return;
        canvas[i] += (colour.R - canvas[i]) * alpha;
        canvas[Plane + i] += (colour.G - canvas[Plane + i]) * alpha;
        canvas[2 * Plane + i] += (colour.B - canvas[2 * Plane + i]) * alpha;
    }

    /// <summary>Pixel coverage from a signed distance (negative inside): a one-pixel linear edge.</summary>
    private static float Coverage(float distance) => Math.Clamp(0.5f - distance, 0f, 1f);

    private static float Box(float u, float v, float halfU, float halfV) => MathF.Max(MathF.Abs(u) - halfU, MathF.Abs(v) - halfV);

    /// <summary>Equilateral triangle of circumradius r: the largest of its three edge half-plane distances.</summary>
    private static float Triangle(float u, float v, float r)
    {
        const float c = 0.8660254f; // cos 30°
        var inradius = r / 2;
        var d0 = v - inradius;
        var d1 = -c * u - 0.5f * v - inradius;
        var d2 = c * u - 0.5f * v - inradius;
        return MathF.Max(d0, MathF.Max(d1, d2));
    }

    /// <summary>Coverage of a band pattern along t: bands of width duty·period, anti-aliased.</summary>
    private static float Stripe(float t, float period, float duty) =>
        Coverage(MathF.Abs(Wrap(t, period)) - duty * period / 2);

    /// <summary>t relative to the nearest multiple of period, in [−period/2, period/2).</summary>
    private static float Wrap(float t, float period)
    {
        var f = t / period;
        return (f - MathF.Floor(f + 0.5f)) * period;
    }

    private static float Xor(float a, float b) => a * (1 - b) + b * (1 - a);

    private static float Square(float x) => x * x;

    private static float Degrees(float degrees) => degrees * (MathF.PI / 180f);
}
