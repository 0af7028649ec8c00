// One engine under `bench model`: a loaded model that times one prefill and one decode run.
namespace Meridian.Bench.Model;

internal interface IModelEngine : IDisposable
{
    string Name { get; }

    /// <summary>Seconds for one prefill of <paramref name="prompt"/> as one batch from an empty cache.</summary>
    double Prefill(int[] prompt);

    /// <summary>Seconds for decoding <paramref name="tokens"/> one at a time from an empty cache.</summary>
    double Decode(int[] tokens);
}
